// Batched matrix products: C[b] = A[b]·B[b] over strided operands, each product run by the kernel
// the dispatcher picks once for the whole batch.
//
// `linalg.ts` owns the semantics (1-D promotion, shape and dtype rules, errors) and hands this
// file plain numbers: matrix sizes, strides and buffers.
import type { DataArray } from "../dtype.js";
import type { StridedMatrix } from "../backends/js/gemm.js";
import { forEachIndex } from "../backends/js/strided.js";
import { batchedProduct, productKernel } from "./dispatch.js";

/**
 * One operand as the kernel sees it: a strided matrix plus one stride per batch axis of the
 * output (0 where the operand is broadcast along that axis or does not have it).
 */
export interface MatmulOperand extends StridedMatrix {
  batchStrides: readonly number[];
}

/**
 * out[b, i, j] = Σ_p A[b, i, p]·B[b, p, j] for every batch index b of `batchShape`, into `out`,
 * a row-major buffer of batch·m·n elements, every element overwritten. On the WebAssembly kernels sums run
 * in out's float type; on the TypeScript ones in doubles (see ../backends/js/matmul.ts).
 * Broadcast operands are read through stride 0 and never copied.
 */
export function batchedMatmul(
  batchShape: readonly number[], m: number, n: number, k: number,
  a: MatmulOperand, b: MatmulOperand, out: DataArray,
): void {
  const batch = batchShape.reduce((x, y) => x * y, 1);
  if (batch === 0 || m === 0 || n === 0) return;
  // an empty sum; the output may hold a previous run's values (a replay), so it is not assumed zero
  if (k === 0) {
    out.fill(0);
    return;
  }

  const folded = foldBatchIntoRows(batchShape, m, a, b);
  if (folded) {
    productKernel(folded * m, n, k, out)(folded * m, n, k, a, b, out, 0);
    return;
  }

  const flat = flattenBatch(batchShape, a.batchStrides, b.batchStrides);
  if (flat !== null && flat.count > 1) {
    const aStack = { data: a.data, offset: a.offset, rowStride: a.rowStride, colStride: a.colStride, batchStride: flat.a };
    const bStack = { data: b.data, offset: b.offset, rowStride: b.rowStride, colStride: b.colStride, batchStride: flat.b };
    if (batchedProduct(flat.count, m, n, k, aStack, bStack, out)) return;
  }

  // scratch is sized once and shared by every batch element
  const run = productKernel(m, n, k, out);
  const aAt: StridedMatrix = { data: a.data, offset: a.offset, rowStride: a.rowStride, colStride: a.colStride };
  const bAt: StridedMatrix = { data: b.data, offset: b.offset, rowStride: b.rowStride, colStride: b.colStride };
  forEachIndex(batchShape, [a.batchStrides, b.batchStrides], [a.offset, b.offset], (t, [aOffset, bOffset]) => {
    aAt.offset = aOffset!;
    bAt.offset = bOffset!;
    run(m, n, k, aAt, bAt, out, t * m * n);
  });
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
 * The batch axes as one, when both operands step through them evenly: each axis's stride is the
 * next one's stride times its length, for A and for B (axes of length 1 are skipped; a stride of
 * 0, a broadcast operand, stays 0). Returns the batch count and the two strides, or null.
 */
function flattenBatch(batchShape: readonly number[], aStrides: readonly number[], bStrides: readonly number[]): { count: number; a: number; b: number } | null {
  let count = 1;
  let a = 0;
  let b = 0;
  let inner = -1; // the innermost axis of length > 1 seen so far (scanning outwards)
  for (let ax = batchShape.length - 1; ax >= 0; ax--) {
    const len = batchShape[ax]!;
    if (len === 1) continue;
    if (inner < 0) {
      [a, b] = [aStrides[ax]!, bStrides[ax]!];
    } else if (aStrides[ax] !== a * count || bStrides[ax] !== b * count) {
      return null;
    }
    inner = ax;
    count *= len;
  }
  return { count, a, b };
}
