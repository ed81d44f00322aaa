import { kernelsReady, randn, rng, setKernelOptions, maxPool2dWithIndices, scatterAddPlanes, gatherPlanes, conv2d, conv2dWeight, conv2dInput } from "@strata/tensor";
import { kernelClock, kernelRuns } from "../../packages/tensor/src/backends/wasm/pool.js";
await kernelsReady();
const g = rng(1);
function time(label: string, f: () => unknown) {
  for (let i = 0; i < 30; i++) f();
  const t: number[] = []; let k = 0;
  for (let i = 0; i < 100; i++) { kernelClock.ms = 0; const t0 = performance.now(); f(); t.push(performance.now() - t0); k += kernelClock.ms; }
  t.sort((a, b) => a - b);
  console.log(label.padEnd(36), "median", t[50]!.toFixed(3), "min", t[0]!.toFixed(3), "kernel", (k / 100).toFixed(3));
}
setKernelOptions({ threads: 1 });
for (const s of [[32, 8, 24, 24], [32, 16, 8, 8]]) {
  const x = randn(s, { rng: g });
  const { values, indices } = maxPool2dWithIndices(x, { kernelSize: 2 });
  time(`maxpool ${s}`, () => maxPool2dWithIndices(x, { kernelSize: 2 }));
  time(`gather ${s}`, () => gatherPlanes(x, indices));
  time(`scatter ${s}`, () => scatterAddPlanes(values, indices, [s[2]!, s[3]!]));
}
for (const [xs, ws] of [[[32, 1, 28, 28], [8, 1, 5, 5]], [[32, 8, 12, 12], [16, 8, 5, 5]]] as const) {
  const x = randn(xs as any, { rng: g }); const w = randn(ws as any, { rng: g }); const b = randn([ws[0]], { rng: g });
  const y = conv2d(x, w, b); const dy = randn(y.shape, { rng: g });
  time(`conv fwd ${xs}`, () => conv2d(x, w, b));
  time(`conv dx ${xs}`, () => conv2dInput(x.shape, w, dy));
  time(`conv dw ${xs}`, () => conv2dWeight(x, w.shape, dy));
}
console.log(kernelRuns);
process.exit(0);
