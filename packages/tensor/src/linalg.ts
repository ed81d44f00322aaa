// Matrix products with numpy's matmul semantics. This file owns the rules (1-D promotion, batch
// broadcasting, dtypes, errors); the products run on the kernel the dispatcher picks
// (./dispatch/matmul.ts).
import { allocate, promoteTypes } from "./dtype.js";
import { DTypeError, ShapeError } from "./errors.js";
import { batchedMatmul, type MatmulOperand } from "./dispatch/matmul.js";
import { broadcastShapes, formatShape, shapeSize } from "./shape.js";
import { Tensor } from "./tensor.js";
import { compute } from "./record.js";

/**
 * The matrix product `C[i,j] = Σ_k A[i,k]·B[k,j]`, with numpy's `matmul` (`@`) rules:
 *
 * - 2-D @ 2-D: `(m,k) @ (k,n) → (m,n)`.
 * - 1-D @ 1-D: `(k) @ (k) → ()`, the inner product, as a 0-d tensor.
 * - 1-D @ N-D: a length-1 axis is prepended to `a` (a row vector) and removed from the result:
 *   `(k) @ (k,n) → (n)`.
 * - N-D @ 1-D: a length-1 axis is appended to `b` (a column vector) and removed from the result:
 *   `(m,k) @ (k) → (m)`.
 * - N-D: the last two axes are the matrices and the leading (batch) axes broadcast like numpy:
 *   `(2,1,3,4) @ (5,4,2) → (2,5,3,2)`. Broadcast batches are read in place, never copied.
 * - An inner dimension of 0 gives zeros; an empty outer or batch dimension gives an empty result.
 *
 * Operands may be any views (transposed, sliced with negative steps, broadcast): the kernel reads
 * them through their strides. The result is a new contiguous tensor.
 *
 * The dtype is `promoteTypes(a.dtype, b.dtype)`. Float products run on the WebAssembly SIMD
 * kernels (see {@link setKernelOptions}) and are summed in the result dtype, as in PyTorch and
 * TensorFlow: a float32 element of the result carries a rounding error of about
 * `k · 2^-24 · Σ|a·b|` at worst. With `setKernelOptions({ wasm: false })` float32 products are
 * summed in doubles and rounded once. `int32 @ int32` is computed in doubles and stored as int32
 * (exact while the sums stay below 2^53; results outside the int32 range wrap like numpy's int32).
 *
 * @throws {@link ShapeError} when an operand is 0-d (`matmul: needs operands of at least 1-D,
 * got () @ (3)`), when the inner dimensions differ (`matmul: inner dimensions differ: (3,4) @
 * (5,2)`), or when the batch axes do not broadcast (the message names both full shapes).
 * @throws {@link DTypeError} when either operand is `bool`.
 *
 * @example
 * ```ts
 * import { tensor, matmul } from "@strata/tensor";
 * const a = tensor([[1, 2], [3, 4]]);
 * const b = tensor([[5, 6], [7, 8]]);
 * console.log(matmul(a, b).toArray()); // [[19, 22], [43, 50]]
 * console.log(matmul(a.T, b).toArray()); // [[26, 30], [38, 44]]
 * console.log(matmul(tensor([1, 2]), b).toArray()); // [19, 22]
 * console.log(matmul(tensor([1, 2]), tensor([3, 4])).item()); // 11
 * ```
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const shapes = `${formatShape(a.shape)} @ ${formatShape(b.shape)}`;
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(`matmul: needs operands of at least 1-D, got ${shapes}; use mul for scalars`);
  }
  if (a.dtype === "bool" || b.dtype === "bool") {
    throw new DTypeError(`matmul: bool operands are not supported, got ${a.dtype} @ ${b.dtype}; cast to int32 or a float dtype first`);
  }
  const dtype = promoteTypes(a.dtype, b.dtype);

  // A 1-D `a` is a 1 × k row and a 1-D `b` a k × 1 column; the stride of the added axis is never
  // used to step (its length is 1), so 0 will do.
  const aVector = a.ndim === 1;
  const bVector = b.ndim === 1;
  const m = aVector ? 1 : a.shape[a.ndim - 2]!;
  const k = a.shape[a.ndim - 1]!;
  const kb = bVector ? b.shape[0]! : b.shape[b.ndim - 2]!;
  const n = bVector ? 1 : b.shape[b.ndim - 1]!;
  if (k !== kb) throw new ShapeError(`matmul: inner dimensions differ: ${shapes}`);

  const aBatch = a.shape.slice(0, Math.max(0, a.ndim - 2));
  const bBatch = b.shape.slice(0, Math.max(0, b.ndim - 2));
  let batchShape: number[];
  try {
    batchShape = broadcastShapes("matmul", aBatch, bBatch);
  } catch (e) {
    if (!(e instanceof ShapeError)) throw e;
    throw new ShapeError(`matmul: batch dimensions ${formatShape(aBatch)} and ${formatShape(bBatch)} do not broadcast: ${shapes}`);
  }

  const outShape = [...batchShape, ...(aVector ? [] : [m]), ...(bVector ? [] : [n])];
  const out = allocate(dtype, outShape, "matmul");
  const aRowStride = aVector ? 0 : a.strides[a.ndim - 2]!;
  const aColStride = a.strides[a.ndim - 1]!;
  const bRowStride = bVector ? b.strides[0]! : b.strides[b.ndim - 2]!;
  const bColStride = bVector ? 0 : b.strides[b.ndim - 1]!;
  const aBatchStrides = batchStrides(a, aBatch, batchShape);
  const bBatchStrides = batchStrides(b, bBatch, batchShape);
  compute(() => {
    const aOperand: MatmulOperand = { data: a.data, offset: a.offset, rowStride: aRowStride, colStride: aColStride, batchStrides: aBatchStrides };
    const bOperand: MatmulOperand = { data: b.data, offset: b.offset, rowStride: bRowStride, colStride: bColStride, batchStrides: bBatchStrides };
    batchedMatmul(batchShape, m, n, k, aOperand, bOperand, out);
  });
  return new Tensor(out, outShape);
}

/** One stride per output batch axis: the operand's own, or 0 where it is missing or broadcast. */
function batchStrides(t: Tensor, ownBatch: readonly number[], batchShape: readonly number[]): number[] {
  const lead = batchShape.length - ownBatch.length;
  return batchShape.map((_, ax) => (ax < lead || ownBatch[ax - lead] === 1 ? 0 : t.strides[ax - lead]!));
}

/**
 * The inner product of two vectors, `Σ_k a[k]·b[k]`, as a 0-d tensor: {@link matmul} restricted
 * to 1-D operands (`(k) · (k) → ()`). The dtype is `promoteTypes(a.dtype, b.dtype)`, summed in
 * doubles.
 *
 * @throws {@link ShapeError} when an operand is not 1-D or the lengths differ.
 * @throws {@link DTypeError} when either operand is `bool`.
 *
 * @example
 * ```ts
 * import { tensor, dot } from "@strata/tensor";
 * console.log(dot(tensor([1, 2, 3]), tensor([4, 5, 6])).item()); // 32
 * ```
 */
export function dot(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1) {
    throw new ShapeError(`dot: expects two 1-D tensors, got ${formatShape(a.shape)} · ${formatShape(b.shape)}; use matmul for matrices`);
  }
  if (a.shape[0] !== b.shape[0]) {
    throw new ShapeError(`dot: lengths differ: ${formatShape(a.shape)} · ${formatShape(b.shape)}`);
  }
  return matmul(a, b);
}

/**
 * The outer product of two vectors, `C[i,j] = a[i]·b[j]` (a matrix product with an inner
 * dimension of 1): `(m) ⊗ (n) → (m,n)`. The dtype is `promoteTypes(a.dtype, b.dtype)`.
 *
 * @throws {@link ShapeError} when an operand is not 1-D.
 * @throws {@link DTypeError} when either operand is `bool`.
 *
 * @example
 * ```ts
 * import { tensor, outer } from "@strata/tensor";
 * console.log(outer(tensor([1, 2]), tensor([3, 4, 5])).toArray()); // [[3, 4, 5], [6, 8, 10]]
 * ```
 */
export function outer(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1) {
    throw new ShapeError(`outer: expects two 1-D tensors, got ${formatShape(a.shape)} ⊗ ${formatShape(b.shape)}`);
  }
  return matmul(a.unsqueeze(1), b.unsqueeze(0));
}
