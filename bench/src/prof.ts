import { conv2d, maxPool2d, relu, sum, variable, mul, gradients } from "@strata/autograd";
import { kernelsReady, randn, rng, setKernelOptions } from "@strata/tensor";
import { kernelClock } from "../../packages/tensor/src/backends/wasm/pool.js";
await kernelsReady();
const g = rng(1);
const x = randn([32, 1, 28, 28], { rng: g });
const w1 = variable(randn([8, 1, 5, 5], { rng: g }).mul(0.2), { requiresGrad: true });
const b1 = variable(randn([8], { rng: g }), { requiresGrad: true });
const w2 = variable(randn([16, 8, 5, 5], { rng: g }).mul(0.1), { requiresGrad: true });
const b2 = variable(randn([16], { rng: g }), { requiresGrad: true });
const r = randn([32, 16, 4, 4], { rng: g });
function step() {
  const h = maxPool2d(relu(conv2d(x, w1, b1)), { kernelSize: 2 });
  const y = maxPool2d(relu(conv2d(h, w2, b2)), { kernelSize: 2 });
  return gradients([sum(mul(y, r))], [w1, b1, w2, b2]);
}
for (const threads of [1, 2]) {
  setKernelOptions({ threads }); await kernelsReady();
  for (let i = 0; i < 30; i++) step();
  const times: number[] = []; let k = 0;
  for (let i = 0; i < 50; i++) { kernelClock.ms = 0; const t0 = performance.now(); step(); times.push(performance.now() - t0); k += kernelClock.ms; }
  times.sort((a, b) => a - b);
  console.log(`threads ${threads}: median ${times[25]!.toFixed(2)} ms, min ${times[0]!.toFixed(2)}, kernels ${(k / 50).toFixed(2)} ms`);
}
if (process.argv.includes("--cpu")) {
  setKernelOptions({ threads: 1 });
  const { Session } = await import("node:inspector");
  const s = new Session(); s.connect();
  const post = (m: string, p?: object) => new Promise<any>((res, rej) => s.post(m, p, (e, r) => (e ? rej(e) : res(r))));
  await post("Profiler.enable"); await post("Profiler.start");
  for (let i = 0; i < 200; i++) step();
  const { profile } = await post("Profiler.stop");
  const self = new Map<string, number>();
  const dt = profile.timeDeltas as number[]; const byId = new Map<number, any>(profile.nodes.map((n: any) => [n.id, n]));
  (profile.samples as number[]).forEach((id, i) => { const n = byId.get(id); const key = `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/").slice(-2).join("/")}:${n.callFrame.lineNumber}`; self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0)); });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  for (const [k, v] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log((v / total * 100).toFixed(1).padStart(5), "%", k);
}
process.exit(0);
