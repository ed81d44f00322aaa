import { matmul, randn, rng, setKernelOptions, makeResident, kernelsReady } from "@strata/tensor";
await kernelsReady();
const r = rng(1);
const shapes = [[256, 784, 128], [128, 256, 128], [20, 12288, 209], [512, 512, 512]];
for (const [m, k, n] of shapes) {
  const a = randn([m!, k!], { rng: r }); const b = randn([k!, n!], { rng: r });
  makeResident(a); makeResident(b);
  for (const t of [1, 2, 1, 2]) {
    setKernelOptions({ threads: t });
    for (let i = 0; i < 20; i++) matmul(a, b);
    const s: number[] = [];
    for (let i = 0; i < 60; i++) { const t0 = performance.now(); matmul(a, b); s.push(performance.now() - t0); }
    s.sort((x, y) => x - y);
    const gf = (2 * m! * k! * n!) / (s[30]! * 1e6);
    console.log(`${m}x${k}x${n} threads ${t}: median ${s[30]!.toFixed(3)} ms = ${gf.toFixed(1)} GFLOP/s, min ${s[0]!.toFixed(3)}`);
  }
}
