import { kernelsReady, randn, rng, setKernelOptions, sum, where, gt, relu } from "@strata/tensor";
await kernelsReady();
const g = rng(1);
function time(label: string, f: () => unknown) {
  for (let i = 0; i < 30; i++) f();
  const t: number[] = [];
  for (let i = 0; i < 100; i++) { const t0 = performance.now(); f(); t.push(performance.now() - t0); }
  t.sort((a, b) => a - b);
  console.log(label.padEnd(36), "median", t[50]!.toFixed(3), "min", t[0]!.toFixed(3));
}
setKernelOptions({ threads: 1 });
const y = randn([32, 8, 24, 24], { rng: g });
time("sum [0,2,3]", () => sum(y, { axis: [0, 2, 3] }));
time("sum rows then axis 0", () => sum(sum(y.reshape([32, 8, 576]), { axis: 2 }), { axis: 0 }));
time("relu", () => relu(y));
time("where(gt)", () => where(gt(y, 0), y, 0));
process.exit(0);
