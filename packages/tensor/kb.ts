// micro-harness: the conv kernels without staging, one thread
import { wasmRuntime, takeArena, resetArena } from "./src/backends/wasm/runtime.js";
const rt = wasmRuntime()!;
const K = rt.kernels;
function bench(label: string, xs: number[], ws: number[], flops: number) {
  resetArena();
  const [n, c, h, w] = xs; const [o, cg, kh, kw] = ws;
  const oh = h - kh + 1, ow = w - kw + 1, p = oh * ow, k = cg * kh * kw;
  const geom = takeArena(rt, 64);
  new Int32Array(rt.memory.buffer, geom, 16).set([c, h, w, o, 1, kh, kw, 1, 1, 0, 0, 1, 1, oh, ow, p]);
  const x = takeArena(rt, n * c * h * w * 4), wt = takeArena(rt, o * k * 4), y = takeArena(rt, n * o * p * 4), ws_ = takeArena(rt, K.workspaceBytes(4) + k * p * 4), dw = takeArena(rt, o * k * 4);
  const f = new Float32Array(rt.memory.buffer); for (let i = x / 4; i < (y + n * o * p * 4) / 4; i++) f[i] = Math.random() - 0.5;
  for (const [name, fn] of [["fwd", () => K.convForwardF32(geom, x, wt, 0, y, 0, n, 0, p, ws_)], ["dx", () => K.convInputF32(geom, y, wt, x, 0, n, ws_)], ["dw", () => K.convWeightF32(geom, x, y, dw, 0, n, 0, p, ws_)]] as const) {
    for (let i = 0; i < 20; i++) fn();
    const t: number[] = [];
    for (let i = 0; i < 60; i++) { const t0 = performance.now(); fn(); t.push(performance.now() - t0); }
    t.sort((a, b) => a - b);
    console.log(label, name, "min", t[0]!.toFixed(3), "med", t[30]!.toFixed(3), (flops / t[0]! / 1e6).toFixed(1), "GFLOP/s");
  }
}
bench("conv1", [32, 1, 28, 28], [8, 1, 5, 5], 2 * 32 * 8 * 576 * 25);
bench("conv2", [32, 8, 12, 12], [16, 8, 5, 5], 2 * 32 * 16 * 64 * 200);
