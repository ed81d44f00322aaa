// Matrix products on the WebAssembly kernels: stage the operands into the shared memory, split C
// between threads, run, copy C out. A resident operand (a view on that memory, ./heap.ts) of the
// product's element type is read in place through its strides, and a resident C is written in place.
//
// Staging is a memcpy (`TypedArray.set`) of the span an operand covers whenever its strides are
// non-negative and the span is at most twice the matrix: contiguous, transposed, sliced and
// broadcast (stride 0) views all qualify, and the kernel then reads them through their own strides.
// Anything else (negative steps, a small window of a big buffer) is gathered row by row.
// `set` also converts element types, so int32 or float32 operands of a float64 product arrive as
// float64.
import type { StridedBatch, StridedMatrix } from "../js/gemm.js";
import { runParallel, type Job } from "./pool.js";
import { memoryViews, resetArena, takeArena, wasmRuntime, wasmUnavailableReason, type WasmRuntime } from "./runtime.js";
import { isResident } from "./heap.js";
import type { Tensor } from "../../tensor.js";

/** Micro-tile sizes of the kernels: splits between threads fall on tile boundaries. */
const TILE_ROWS = 4;
const TILE_COLS = 8;

/** An operand in the memory: its address and its row and column strides in elements. */
export interface Staged {
  at: number;
  rs: number;
  cs: number;
}

type FloatView = Float32Array | Float64Array;

/** The float32 or float64 view of the whole memory. */
export const viewOf = (rt: WasmRuntime, wide: boolean): FloatView => (wide ? memoryViews(rt).f64 : memoryViews(rt).f32);

/**
 * The address of element `offset` of `data` when `data` is a resident array of the kernel's element
 * type (float64 when `wide`, else float32), or -1 when it must be staged.
 */
export function residentAt(data: ArrayBufferView, offset: number, wide: boolean): number {
  if (!(wide ? data instanceof Float64Array : data instanceof Float32Array) || !isResident(data)) return -1;
  return data.byteOffset + offset * (wide ? 8 : 4);
}

/** Where a kernel writes `count` elements of `out` from `outOffset`: in place when resident, else in the arena (then {@link copyOut}). */
export function outputAt(rt: WasmRuntime, out: Float32Array | Float64Array, outOffset: number, count: number): number {
  const wide = out instanceof Float64Array;
  const at = residentAt(out, outOffset, wide);
  return at >= 0 ? at : takeArena(rt, count * (wide ? 8 : 4));
}

/**
 * Says where a rows × cols matrix is for the kernels: in place when resident (any non-negative
 * strides), else copied into the arena (see the header for how).
 */
export function stage(rt: WasmRuntime, wide: boolean, matrix: StridedMatrix, rows: number, cols: number): Staged {
  const size = wide ? 8 : 4;
  const { data, offset, rowStride: rs, colStride: cs } = matrix;
  if (rs >= 0 && cs >= 0) {
    const resident = residentAt(data, offset, wide);
    if (resident >= 0) return { at: resident, rs, cs };
    const span = (rows - 1) * rs + (cols - 1) * cs + 1;
    if (span <= 2 * rows * cols) {
      const at = takeArena(rt, span * size);
      viewOf(rt, wide).set(data.subarray(offset, offset + span), at / size);
      return { at, rs, cs };
    }
  }
  return gather(rt, wide, matrix, rows, cols);
}

/** A rows × cols matrix in row-major order for the kernels: in place when resident and so laid out, else copied into the arena. */
export function stageRowMajor(rt: WasmRuntime, wide: boolean, matrix: StridedMatrix, rows: number, cols: number): number {
  const { data, offset, rowStride, colStride } = matrix;
  if (colStride === 1 && (rowStride === cols || rows === 1)) {
    const resident = residentAt(data, offset, wide);
    if (resident >= 0) return resident;
    const size = wide ? 8 : 4;
    const at = takeArena(rt, rows * cols * size);
    viewOf(rt, wide).set(data.subarray(offset, offset + rows * cols), at / size);
    return at;
  }
  return gather(rt, wide, matrix, rows, cols).at;
}

/** A tensor's values in row-major order for the kernels (in place when resident and contiguous); their address. @internal */
export function stageTensor(rt: WasmRuntime, wide: boolean, t: Tensor): number {
  const c = t.isContiguous ? t : t.contiguous();
  return stageRowMajor(rt, wide, { data: c.data, offset: c.offset, rowStride: c.size, colStride: 1 }, 1, c.size);
}

/** Writes int32 words into the arena; their address. @internal */
export function stageWords(rt: WasmRuntime, words: ArrayLike<number>): number {
  const at = takeArena(rt, 4 * words.length);
  new Int32Array(rt.memory.buffer, at, words.length).set(words);
  return at;
}

function gather(rt: WasmRuntime, wide: boolean, matrix: StridedMatrix, rows: number, cols: number): Staged {
  const size = wide ? 8 : 4;
  const { data, offset, rowStride: rs, colStride: cs } = matrix;
  const at = takeArena(rt, rows * cols * size);
  const view = viewOf(rt, wide);
  for (let i = 0, to = at / size; i < rows; i++) {
    for (let j = 0, from = offset + i * rs; j < cols; j++, from += cs, to++) view[to] = data[from]!;
  }
  return { at, rs: cols, cs: 1 };
}

/**
 * Copies `count` elements from address `at` into `out` at `outOffset`, times `scale`; when `at` is
 * `out`'s own place (a resident output, see {@link outputAt}) only the scale is applied, in place.
 */
export function copyOut(rt: WasmRuntime, at: number, count: number, out: FloatView, outOffset: number, scale = 1): void {
  const wide = out instanceof Float64Array;
  const size = wide ? 8 : 4;
  if (residentAt(out, outOffset, wide) === at) {
    if (scale !== 1) for (let i = outOffset; i < outOffset + count; i++) out[i] = out[i]! * scale;
    return;
  }
  const from = viewOf(rt, wide).subarray(at / size, at / size + count);
  if (scale === 1) {
    out.set(from, outOffset);
  } else {
    for (let i = 0; i < count; i++) out[outOffset + i] = from[i]! * scale;
  }
}

/** Splits [0, length) into `parts` ranges whose starts are multiples of `tile`. */
export function ranges(length: number, parts: number, tile: number): [number, number][] {
  const step = Math.ceil(length / parts / tile) * tile;
  const out: [number, number][] = [];
  for (let start = 0; start < length; start += step) out.push([start, Math.min(length, start + step)]);
  return out;
}

/**
 * The jobs of C = A·B (m × n, row stride n, at `c`) split between `threads` threads on tile
 * boundaries, by columns when C is wide and by rows otherwise. `extra(i0, j0)` appends arguments
 * for a block starting at row i0, column j0 (the Dense epilogue's bias and output).
 */
export function productJobs(
  rt: WasmRuntime, wide: boolean, m: number, n: number, k: number, A: Staged, B: Staged, c: number,
  kernel: Job["kernel"], threads: number, extra: (i0: number, j0: number) => number[] = () => [],
): Job[] {
  const size = wide ? 8 : 4;
  const byColumns = n >= m;
  const parts = byColumns ? ranges(n, threads, TILE_COLS) : ranges(m, threads, TILE_ROWS);
  const workspace = rt.kernels.workspaceBytes(size);
  return parts.map(([start, end]) => {
    const [i0, rows, j0, cols] = byColumns ? [0, m, start, end - start] : [start, end - start, 0, n];
    return {
      kernel,
      args: [
        rows, cols, k,
        A.at + i0 * A.rs * size, A.rs, A.cs,
        B.at + j0 * B.cs * size, B.rs, B.cs,
        c + (i0 * n + j0) * size, n, takeArena(rt, workspace),
        ...extra(i0, j0),
      ],
    };
  });
}

/** The runtime, which the caller's checks (kernels enabled) imply has loaded. */
export function loadedRuntime(op: string): WasmRuntime {
  const rt = wasmRuntime();
  if (rt === null) throw new Error(`wasm kernels: ${op} was sent to kernels that did not load (${wasmUnavailableReason()})`);
  return rt;
}

/**
 * out[outOffset + i·n + j] = Σ_p A[i,p]·B[p,j] on the WebAssembly kernels and `threads` threads,
 * summed in out's element type. The dispatcher has checked that the kernels loaded. Requires
 * m, n, k ≥ 1.
 */
export function wasmGemm(
  m: number, n: number, k: number, a: StridedMatrix, b: StridedMatrix, out: Float32Array | Float64Array, outOffset: number, threads: number,
): void {
  const wide = out instanceof Float64Array;
  const rt = loadedRuntime("matmul");
  resetArena();
  const A = stage(rt, wide, a, m, k);
  const B = stage(rt, wide, b, k, n);
  const c = outputAt(rt, out, outOffset, m * n);
  runParallel(rt, productJobs(rt, wide, m, n, k, A, B, c, wide ? "gemmF64" : "gemmF32", threads));
  copyOut(rt, c, m * n, out, outOffset);
}

/**
 * out[outOffset + t·m·n + i·n + j] = Σ_p A[t,i,p]·B[t,p,j] for t < count on the WebAssembly
 * kernels: both stacks staged with one copy each, the batch split between `threads` threads (one
 * kernel call per thread, not per product), C copied out once. Returns false, having done
 * nothing, when an operand's strides are negative or its span is more than twice its elements
 * (the caller then runs the products one by one). Requires count, m, n, k ≥ 1.
 */
export function wasmBatchedGemm(
  count: number, m: number, n: number, k: number, a: StridedBatch, b: StridedBatch,
  out: Float32Array | Float64Array, outOffset: number, threads: number,
): boolean {
  const spanA = batchSpan(a, count, m, k);
  const spanB = batchSpan(b, count, k, n);
  if (spanA < 0 || spanB < 0) return false;
  const wide = out instanceof Float64Array;
  const size = wide ? 8 : 4;
  const rt = loadedRuntime("matmul");
  resetArena();
  const view = viewOf(rt, wide);
  const at = (span: number, s: StridedBatch): number => {
    const resident = residentAt(s.data, s.offset, wide);
    if (resident >= 0) return resident;
    const to = takeArena(rt, span * size);
    view.set(s.data.subarray(s.offset, s.offset + span), to / size);
    return to;
  };
  const [A, B] = [at(spanA, a), at(spanB, b)];
  const c = outputAt(rt, out, outOffset, count * m * n);
  const workspace = rt.kernels.workspaceBytes(size);
  const jobs: Job[] = ranges(count, Math.min(threads, count), 1).map(([t0, t1]) => ({
    kernel: wide ? "gemmBatchedF64" : "gemmBatchedF32",
    args: [
      t1 - t0, m, n, k,
      A + t0 * a.batchStride * size, a.batchStride, a.rowStride, a.colStride,
      B + t0 * b.batchStride * size, b.batchStride, b.rowStride, b.colStride,
      c + t0 * m * n * size, takeArena(rt, workspace),
    ],
  }));
  runParallel(rt, jobs);
  copyOut(rt, c, count * m * n, out, outOffset);
  return true;
}

/** The elements a stack of `count` rows × cols matrices covers, or -1 when it cannot be staged as one copy. */
function batchSpan(s: StridedBatch, count: number, rows: number, cols: number): number {
  if (s.batchStride < 0 || s.rowStride < 0 || s.colStride < 0) return -1;
  const span = (count - 1) * s.batchStride + (rows - 1) * s.rowStride + (cols - 1) * s.colStride + 1;
  return span <= 2 * count * rows * cols ? span : -1;
}
