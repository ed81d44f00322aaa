// Reductions: GB/s read for sum, max, argmax and logSumExp, contiguous and transposed, against a
// plain JS loop over the same Float32Array.
import { Tensor, argmax, logSumExp, max, rand, rng, sum } from "@strata/tensor";
import { printTable, quick, time } from "./harness.js";

/** Runs the reduction benchmarks and returns GB/s per workload. */
export async function run(): Promise<Record<string, number>> {
  const n = quick ? 1e6 : 1e7;
  const x = rand([n], { rng: rng(1) });
  const data = x.data as Float32Array;
  const side = quick ? 500 : 1000;
  const m = rand([side, side], { rng: rng(2) });
  const bytes = (t: Tensor): number => t.size * 4;
  const gbps = (ms: number, b: number): number => b / ms / 1e6;
  let sink = 0;
  const rows: [string, number][] = [
    ["plain loop sum, contiguous", gbps(time("loop", () => { let s = 0; for (let i = 0; i < n; i++) s += data[i]!; sink += s; }).medianMs, n * 4)],
    ["sum, contiguous", gbps(time("sum", () => sum(x)).medianMs, bytes(x))],
    ["max, contiguous", gbps(time("max", () => max(x)).medianMs, bytes(x))],
    ["argmax, contiguous", gbps(time("argmax", () => argmax(x)).medianMs, bytes(x))],
    ["logSumExp, contiguous", gbps(time("lse", () => logSumExp(x)).medianMs, bytes(x))],
    [`sum axis 0, ${side}x${side}`, gbps(time("s0", () => sum(m, { axis: 0 })).medianMs, bytes(m))],
    [`sum axis 1, ${side}x${side}`, gbps(time("s1", () => sum(m, { axis: 1 })).medianMs, bytes(m))],
    [`sum axis 0, transposed view`, gbps(time("t0", () => sum(m.T, { axis: 0 })).medianMs, bytes(m))],
    [`sum axis 1, transposed view`, gbps(time("t1", () => sum(m.T, { axis: 1 })).medianMs, bytes(m))],
  ];
  if (Number.isNaN(sink)) console.log(sink);
  printTable(`Reductions, float32, ${n.toExponential(0)} elements (GB/s read, median)`, ["workload", "GB/s"], rows);
  return Object.fromEntries(rows);
}
