// The matmul kernel behind `linalg.ts`: batched C[b] = A[b]·B[b] over strided operands.
//
// `linalg.ts` owns the semantics (1-D promotion, shape and dtype rules, errors) and hands this
// file plain numbers: matrix sizes, strides and buffers. Float products of more than WASM_WORK
// multiply-adds go to the WebAssembly SIMD kernels (../wasm/gemm.ts, on every thread allowed);
// integer products, small ones and everything when they are switched off stay on the TypeScript
// kernels below, which are also the reference the WebAssembly ones are tested against.
import { wasmEnabled } from "../../backend.js";
import type { DataArray } from "../../dtype.js";
import { wasmGemm } from "../wasm/gemm.js";
import { blockedGemm, gemmWorkspace, type GemmWorkspace, type StridedMatrix } from "./gemm.js";
import { forEachIndex } from "./strided.js";

/**
 * One operand as the kernel sees it: a strided matrix plus one stride per batch axis of the
 * output (0 where the operand is broadcast along that axis or does not have it).
 */
export interface MatmulOperand extends StridedMatrix {
  batchStrides: readonly number[];
}

/**
 * Below this many multiply-adds packing costs more than it saves, so a plain loop over the
 * strided operands is used instead. Measured: the plain loop wins up to about 10 × 10 × 10
 * (0.55 against 0.3 GFLOP/s at 8³), the blocked kernel from 12³ on (0.9 against 0.6).
 */
export const SMALL_WORK = 1000;

/**
 * From this many multiply-adds a product goes to the WebAssembly kernels, whose fixed cost
 * (staging, one call) is about a microsecond.
 */
export const WASM_WORK = 256;

/** One m × n × k product into `out` from `outOffset`. */
type Product = (m: number, n: number, k: number, a: StridedMatrix, b: StridedMatrix, out: DataArray, outOffset: number) => void;

/** The kernel for products of this size into this buffer; the TypeScript one gets scratch once. */
function productFor(m: number, n: number, k: number, out: DataArray): Product {
  if ((out instanceof Float32Array || out instanceof Float64Array) && m * n * k >= WASM_WORK && wasmEnabled()) {
    return (mm, nn, kk, a, b, _, at) => wasmGemm(mm, nn, kk, a, b, out, at);
  }
  const scratch = scratchFor(m, n, k);
  return (mm, nn, kk, a, b, o, at) => product(mm, nn, kk, a, b, o, at, scratch);
}

/**
 * out[b, i, j] = Σ_p A[b, i, p]·B[b, p, j] for every batch index b of `batchShape`, into `out`,
 * a fresh zero-filled row-major buffer of batch·m·n elements. On the WebAssembly kernels sums run
 * in out's float type; on the TypeScript ones in doubles, and the store converts to `out`'s
 * element type (rounding for Float32Array, wrapping for Int32Array).
 * Broadcast operands are read through stride 0 and never copied.
 */
export function batchedMatmul(
  batchShape: readonly number[], m: number, n: number, k: number,
  a: MatmulOperand, b: MatmulOperand, out: DataArray,
): void {
  const batch = batchShape.reduce((x, y) => x * y, 1);
  // the output was allocated zero-filled, which is already the answer for k = 0
  if (batch === 0 || m === 0 || n === 0 || k === 0) return;

  const folded = foldBatchIntoRows(batchShape, m, a, b);
  if (folded) {
    productFor(folded * m, n, k, out)(folded * m, n, k, a, b, out, 0);
    return;
  }

  // scratch is sized once and shared by every batch element
  const run = productFor(m, n, k, out);
  const aAt: StridedMatrix = { data: a.data, offset: a.offset, rowStride: a.rowStride, colStride: a.colStride };
  const bAt: StridedMatrix = { data: b.data, offset: b.offset, rowStride: b.rowStride, colStride: b.colStride };
  forEachIndex(batchShape, [a.batchStrides, b.batchStrides], [a.offset, b.offset], (t, [aOffset, bOffset]) => {
    aAt.offset = aOffset!;
    bAt.offset = bOffset!;
    run(m, n, k, aAt, bAt, out, t * m * n);
  });
}

/** Scratch for one product: packing buffers for the blocked kernel, or one row for the plain loop. */
type Scratch = { blocked: GemmWorkspace } | { row: Float64Array };

function scratchFor(m: number, n: number, k: number): Scratch {
  // a single row or column would be padded to a whole tile: the plain loop does it with no waste
  const blocked = m * n * k >= SMALL_WORK && m > 1 && n > 1;
  return blocked ? { blocked: gemmWorkspace(m, n, k) } : { row: new Float64Array(n) };
}

function product(
  m: number, n: number, k: number, a: StridedMatrix, b: StridedMatrix,
  out: DataArray, outOffset: number, scratch: Scratch,
): void {
  if ("blocked" in scratch) blockedGemm(m, n, k, a, b, out, outOffset, scratch.blocked);
  else smallGemm(m, n, k, a, b, out, outOffset, scratch.row);
}

/**
 * When B is the same matrix for every batch element and A's batches sit one after another at
 * A's row stride (a contiguous (…, m, k) stack, say), the whole stack is one tall matrix of
 * batch·m rows, and the output rows line up the same way. Returns that batch count, or 0.
 * The test is exactly the condition for row r = t·m + i to sit at r·rowStride.
 */
function foldBatchIntoRows(batchShape: readonly number[], m: number, a: MatmulOperand, b: MatmulOperand): number {
  if (batchShape.length === 0) return 0;
  let expected = m * a.rowStride;
  let count = 1;
  for (let ax = batchShape.length - 1; ax >= 0; ax--) {
    const len = batchShape[ax]!;
    if (len === 1) continue;
    if (b.batchStrides[ax] !== 0 || a.batchStrides[ax] !== expected) return 0;
    expected *= len;
    count *= len;
  }
  return count;
}

/**
 * The plain loop for small products and for single rows or columns: for each row of A, the row
 * of C is accumulated in doubles as Σ_p A[i,p]·B[p,:] (i-p-j order walks B along its rows).
 */
export function smallGemm(
  m: number, n: number, k: number, a: StridedMatrix, b: StridedMatrix,
  out: DataArray, outOffset: number, row: Float64Array = new Float64Array(n),
): void {
  const { data: ad, rowStride: ars, colStride: acs } = a;
  const { data: bd, rowStride: brs, colStride: bcs } = b;
  for (let i = 0; i < m; i++) {
    row.fill(0);
    let ai = a.offset + i * ars;
    let bp = b.offset;
    for (let p = 0; p < k; p++, ai += acs, bp += brs) {
      const x = ad[ai]!;
      for (let j = 0, bj = bp; j < n; j++, bj += bcs) row[j] = row[j]! + x * bd[bj]!;
    }
    const to = outOffset + i * n;
    for (let j = 0; j < n; j++) out[to + j] = row[j]!;
  }
}
