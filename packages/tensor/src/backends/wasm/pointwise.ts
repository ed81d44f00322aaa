// Elementwise maps and row reductions on the WebAssembly kernels: stage the input with one
// memcpy, run on as many threads as the size repays, copy the result out.
//
// Staging costs a copy in and a copy out, so only operations whose arithmetic outweighs two
// copies come here (see ROUTED in kernels/apply.ts and the thresholds below).
import { runParallel, type Job } from "./pool.js";
import { copyOut, loadedRuntime, ranges, threadsFor, viewOf } from "./gemm.js";
import { resetArena, takeArena } from "./runtime.js";

/** Operation codes of assembly/pointwise.ts. */
export const UNARY_CODES = { identity: 0, relu: 1, leakyRelu: 2, sigmoid: 3, tanh: 4, exp: 5, log: 6 } as const;

/** The elementwise operations the kernels have. */
export type WasmUnaryOp = keyof typeof UNARY_CODES;

/** Reduction codes of assembly/pointwise.ts. */
const REDUCE_CODES = { sum: 0, max: 1, min: 2 } as const;

/**
 * Elements per thread for a transcendental map: below this a second thread costs more than it
 * saves. Measured on float32 exp: see bench/README's pointwise table.
 */
export const MAP_PARALLEL = 1 << 15;

/** Elements per thread for a row reduction (memory-bound, so it needs more to pay a thread). */
export const REDUCE_PARALLEL = 1 << 17;

type FloatArray = Float32Array | Float64Array;

/**
 * out[outOffset + i] = op(x[xOffset + i]) for i < n on the kernels, in out's element type (x
 * must have the same element type). `alpha` is leakyRelu's slope.
 */
export function wasmUnary(op: WasmUnaryOp, x: FloatArray, xOffset: number, out: FloatArray, outOffset: number, n: number, alpha = 0): void {
  const wide = out instanceof Float64Array;
  const size = wide ? 8 : 4;
  const rt = loadedRuntime(op);
  resetArena();
  const at = takeArena(rt, n * size);
  viewOf(rt, wide).set(x.subarray(xOffset, xOffset + n), at / size);
  const kernel = wide ? "unaryF64" : "unaryF32";
  // relu and leakyRelu are bound by memory, which a second thread only contends for (1e6
  // float32: 1090 µs on one thread, 3053 on two); the transcendental ones are bound by arithmetic
  const threads = op === "relu" || op === "leakyRelu" || op === "identity" ? 1 : threadsFor(n, MAP_PARALLEL);
  const jobs: Job[] = ranges(n, threads, 16).map(([start, end]) => ({
    kernel,
    args: [UNARY_CODES[op], at + start * size, at + start * size, end - start, alpha],
  }));
  runParallel(rt, jobs);
  copyOut(rt, at, n, out, outOffset);
}

/**
 * The sum, maximum or minimum of each of `rows` consecutive blocks of `n` elements of d from
 * `offset`, accumulated in float64 (max and min propagate NaN).
 */
export function wasmReduceRows(kind: keyof typeof REDUCE_CODES, d: FloatArray, offset: number, rows: number, n: number): Float64Array {
  const wide = d instanceof Float64Array;
  const size = wide ? 8 : 4;
  const rt = loadedRuntime(kind);
  resetArena();
  const at = takeArena(rt, rows * n * size);
  viewOf(rt, wide).set(d.subarray(offset, offset + rows * n), at / size);
  const out = takeArena(rt, rows * 8);
  const kernel = wide ? "reduceRowsF64" : "reduceRowsF32";
  const jobs: Job[] = ranges(rows, threadsFor(rows * n, REDUCE_PARALLEL), 1).map(([start, end]) => ({
    kernel,
    args: [REDUCE_CODES[kind], at + start * n * size, end - start, n, out + start * 8],
  }));
  runParallel(rt, jobs);
  return Float64Array.from(viewOf(rt, true).subarray(out / 8, out / 8 + rows));
}
