// Elementwise maps and row reductions on the WebAssembly kernels: stage the input with one
// memcpy, run on the threads the dispatcher gives (../../dispatch/dispatch.ts), copy the result out.
// A resident input is read in place and a resident output written in place (no copies).
import { runParallel, type Job } from "./pool.js";
import { copyOut, loadedRuntime, outputAt, ranges, residentAt, viewOf } from "./gemm.js";
import { REDUCE_CODES, UNARY_CODES, type WasmReduceOp, type WasmUnaryOp } from "./opcodes.js";
import { resetArena, takeArena } from "./runtime.js";

type FloatArray = Float32Array | Float64Array;

/**
 * out[outOffset + i] = op(x[xOffset + i]) for i < n on the kernels and `threads` threads, in out's
 * element type (x must have the same element type). `alpha` is leakyRelu's slope.
 */
export function wasmUnary(op: WasmUnaryOp, x: FloatArray, xOffset: number, out: FloatArray, outOffset: number, n: number, alpha: number, threads: number): void {
  const wide = out instanceof Float64Array;
  const size = wide ? 8 : 4;
  const rt = loadedRuntime(op);
  resetArena();
  let from = residentAt(x, xOffset, wide);
  // a staged input is mapped in place, unless the output is resident
  const to = residentAt(out, outOffset, wide) >= 0 || from >= 0 ? outputAt(rt, out, outOffset, n) : -1;
  if (from < 0) {
    from = takeArena(rt, n * size);
    viewOf(rt, wide).set(x.subarray(xOffset, xOffset + n), from / size);
  }
  const y = to >= 0 ? to : from;
  const kernel = wide ? "unaryF64" : "unaryF32";
  const jobs: Job[] = ranges(n, threads, 16).map(([start, end]) => ({
    kernel,
    args: [UNARY_CODES[op], from + start * size, y + start * size, end - start, alpha],
  }));
  runParallel(rt, jobs);
  copyOut(rt, y, n, out, outOffset);
}

/**
 * The sum, maximum or minimum of each of `rows` consecutive blocks of `n` elements of d from
 * `offset`, accumulated in float64 (max and min propagate NaN).
 */
export function wasmReduceRows(kind: WasmReduceOp, d: FloatArray, offset: number, rows: number, n: number, threads: number): Float64Array {
  const wide = d instanceof Float64Array;
  const size = wide ? 8 : 4;
  const rt = loadedRuntime(kind);
  resetArena();
  let at = residentAt(d, offset, wide);
  if (at < 0) {
    at = takeArena(rt, rows * n * size);
    viewOf(rt, wide).set(d.subarray(offset, offset + rows * n), at / size);
  }
  const out = takeArena(rt, rows * 8);
  const kernel = wide ? "reduceRowsF64" : "reduceRowsF32";
  const jobs: Job[] = ranges(rows, threads, 1).map(([start, end]) => ({
    kernel,
    args: [REDUCE_CODES[kind], at + start * n * size, end - start, n, out + start * 8],
  }));
  runParallel(rt, jobs);
  return Float64Array.from(viewOf(rt, true).subarray(out / 8, out / 8 + rows));
}
