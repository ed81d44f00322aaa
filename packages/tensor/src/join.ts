// Joining and indexing: concat, stack, oneHot, gather. Copies go through ndarray-ops between
// strided views, so every input layout (transposed, sliced, negative steps, broadcast) is read in
// place without a contiguous copy first.
import ndarray from "ndarray";
import ops from "ndarray-ops";
import { allocate, isDType, promoteTypes, type DataArray, type DType } from "./dtype.js";
import { DTypeError, ShapeError, ValueError } from "./errors.js";
import { contiguousStrides, formatShape, normalizeAxis, shapeSize } from "./shape.js";
import { Tensor } from "./tensor.js";
import { unsqueeze } from "./views.js";
import { compute } from "./record.js";
import { position, readIndices, requireInt32 } from "./indices.js";

/**
 * Options of {@link concat} and {@link stack}.
 *
 * @example
 * ```ts
 * import { concat, ones, type JoinOptions } from "@strata/tensor";
 * const byColumns: JoinOptions = { axis: 1 };
 * console.log(concat([ones([2, 1]), ones([2, 3])], byColumns).shape); // [2, 4]
 * ```
 */
export interface JoinOptions {
  /** The axis to join along (negative counts from the end); default 0. */
  axis?: number;
}

/**
 * Options of {@link oneHot}.
 *
 * @example
 * ```ts
 * import { oneHot, tensor, type OneHotOptions } from "@strata/tensor";
 * const rows: OneHotOptions = { axis: -1, dtype: "int32" };
 * console.log(oneHot(tensor([1, 0], { dtype: "int32" }), 2, rows).toArray()); // [[0, 1], [1, 0]]
 * ```
 */
export interface OneHotOptions {
  /** Where the new class axis of length `depth` goes, in `[-ndim-1, ndim]`; default 0 (classes are rows). */
  axis?: number;
  /** The dtype of the result; default `float32`. */
  dtype?: DType;
}

/**
 * Options of {@link gather}.
 *
 * @example
 * ```ts
 * import { gather, tensor, type GatherOptions } from "@strata/tensor";
 * const columns: GatherOptions = { axis: 1 };
 * console.log(gather(tensor([[1, 2, 3]]), tensor([2, 0], { dtype: "int32" }), columns).toArray()); // [[3, 1]]
 * ```
 */
export interface GatherOptions {
  /** The axis of `x` that `indices` select along (negative counts from the end); default 0. */
  axis?: number;
}

function requireNonEmpty(op: string, tensors: readonly Tensor[]): Tensor {
  const first = tensors[0];
  if (first === undefined) throw new ValueError(`${op}: expected at least one tensor, got an empty list`);
  return first;
}

/**
 * Joins tensors whose shapes agree except along `axis` into a new tensor of `dtype`. Shapes are
 * checked by the callers so that the message names the op the user called.
 */
function join(op: string, tensors: readonly Tensor[], axis: number, dtype: DType): Tensor {
  const first = tensors[0]!;
  const shape = [...first.shape];
  shape[axis] = tensors.reduce((n, t) => n + t.shape[axis]!, 0);
  const data = allocate(dtype, shape, op);
  const strides = contiguousStrides(shape);
  // The slice [start, start + len) of the output along `axis`: same strides, shifted offset.
  // Empty inputs are skipped because ndarray-ops has nothing to do for them.
  const parts: { t: Tensor; dst: ndarray.NdArray<DataArray> }[] = [];
  let start = 0;
  for (const t of tensors) {
    if (t.size > 0) parts.push({ t, dst: ndarray(data, [...t.shape], strides, start * strides[axis]!) });
    start += t.shape[axis]!;
  }
  // Promotion never narrows and bool only results from all-bool inputs, so a plain assign
  // (which converts through JS numbers) is exact here.
  compute(() => {
    for (const { t, dst } of parts) ops.assign(dst, t.nd);
  });
  return new Tensor(data, shape);
}

/**
 * Joins tensors along an existing axis. Every tensor must have the same number of dimensions and
 * the same lengths on every other axis; the result's length along `axis` is the sum of theirs.
 * The dtype is the promotion of all input dtypes ({@link promoteTypes}), so nothing narrows. The
 * result is a new contiguous tensor; inputs may have any layout (transposed, sliced, broadcast).
 *
 * @param tensors - at least one tensor, each with at least one dimension.
 * @param options - `axis` (default 0; negative counts from the end).
 * @throws ValueError for an empty list or an axis out of range.
 * @throws ShapeError naming the offending tensor's index, both shapes and the axis when a shape
 *   does not fit, or when the tensors are 0-d (use {@link stack} for those).
 *
 * @example
 * ```ts
 * import { concat, tensor } from "@strata/tensor";
 * const a = tensor([[1, 2], [3, 4]]);
 * const b = tensor([[5], [6]], { dtype: "float64" });
 * const c = concat([a, b], { axis: 1 });
 * console.log(c.toArray(), c.dtype); // [[1, 2, 5], [3, 4, 6]] "float64"
 * console.log(concat([a, a]).shape); // [4, 2]
 * ```
 */
export function concat(tensors: readonly Tensor[], options: JoinOptions = {}): Tensor {
  const first = requireNonEmpty("concat", tensors);
  if (first.ndim === 0) {
    throw new ShapeError(`concat: tensor 0 has shape () and 0-d tensors have no axis to join along; use stack, or unsqueeze them first`);
  }
  const axis = normalizeAxis("concat", options.axis ?? 0, first.ndim);
  let dtype = first.dtype;
  tensors.forEach((t, i) => {
    const fits = t.ndim === first.ndim && t.shape.every((n, ax) => ax === axis || n === first.shape[ax]);
    if (!fits) {
      throw new ShapeError(
        `concat: tensor ${i} has shape ${formatShape(t.shape)} but tensor 0 has shape ${formatShape(first.shape)}; ` +
          `lengths must agree on every axis except axis ${options.axis ?? 0}`,
      );
    }
    dtype = promoteTypes(dtype, t.dtype);
  });
  return join("concat", tensors, axis, dtype);
}

/**
 * Joins tensors of one shape along a new axis: the result has shape `shape` with the number of
 * tensors inserted at `axis`, and `stack(ts, {axis})` sliced at `i` along `axis` equals `ts[i]`.
 * Dtypes promote as in {@link concat}. A new contiguous tensor.
 *
 * @param tensors - at least one tensor, all of the same shape (0-d is fine: the result is 1-D).
 * @param options - `axis` in `[-ndim-1, ndim]` (default 0), where `ndim` is the inputs' rank.
 * @throws ValueError for an empty list or an axis out of range.
 * @throws ShapeError naming the offending tensor's index and both shapes when shapes differ.
 *
 * @example
 * ```ts
 * import { stack, tensor } from "@strata/tensor";
 * const a = tensor([1, 2, 3]);
 * const b = tensor([4, 5, 6]);
 * console.log(stack([a, b]).toArray()); // [[1, 2, 3], [4, 5, 6]]
 * console.log(stack([a, b], { axis: -1 }).toArray()); // [[1, 4], [2, 5], [3, 6]]
 * ```
 */
export function stack(tensors: readonly Tensor[], options: JoinOptions = {}): Tensor {
  const first = requireNonEmpty("stack", tensors);
  const axis = normalizeAxis("stack", options.axis ?? 0, first.ndim + 1);
  let dtype = first.dtype;
  tensors.forEach((t, i) => {
    if (t.ndim !== first.ndim || t.shape.some((n, ax) => n !== first.shape[ax])) {
      throw new ShapeError(
        `stack: tensor ${i} has shape ${formatShape(t.shape)} but tensor 0 has shape ${formatShape(first.shape)}; ` +
          `all shapes must be equal (stacking along new axis ${options.axis ?? 0})`,
      );
    }
    dtype = promoteTypes(dtype, t.dtype);
  });
  // A length-1 axis inserted at `axis` turns stacking into concatenation, still without copies.
  return join("stack", tensors.map((t) => unsqueeze(t, axis)), axis, dtype);
}

/**
 * One-hot encoding of integer class labels: the result has the shape of `indices` with a new
 * class axis of length `depth` inserted at `axis`, holding 1 where the position along that axis
 * equals the label and 0 elsewhere.
 *
 * **The class axis defaults to 0, not -1** (unlike TensorFlow and PyTorch), because in Strata
 * examples are columns: labels of shape `(m,)` give `Y` of shape `(depth, m)`, one column per
 * example, ready for a softmax over axis 0. Pass `{ axis: -1 }` for the row layout `(m, depth)`.
 *
 * @param indices - int32 labels of any shape, each in `[0, depth)`.
 * @param depth - the number of classes, a non-negative integer.
 * @param options - `axis` in `[-ndim-1, ndim]` (default 0) and `dtype` (default `float32`).
 * @throws DTypeError when `indices` is not int32 (cast it) or `dtype` is unknown.
 * @throws ValueError naming the label and its position when a label is outside `[0, depth)`
 *   (negative labels are rejected, not turned into zero rows), or for a bad depth or axis.
 *
 * @example
 * ```ts
 * import { oneHot, tensor } from "@strata/tensor";
 * const labels = tensor([2, 0, 1, 2], { dtype: "int32" }); // m = 4 examples
 * const Y = oneHot(labels, 3); // (3, 4): one column per example
 * console.log(Y.toArray()); // [[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1]]
 * console.log(oneHot(labels, 3, { axis: -1 }).shape); // [4, 3]
 * ```
 */
export function oneHot(indices: Tensor, depth: number, options: OneHotOptions = {}): Tensor {
  requireInt32("oneHot", "indices (class labels)", indices);
  if (!Number.isInteger(depth) || depth < 0) {
    throw new ValueError(`oneHot: depth must be a non-negative integer, got ${depth}`);
  }
  const dtype = options.dtype ?? "float32";
  if (!isDType(dtype)) throw new DTypeError(`oneHot: unknown dtype ${String(dtype)}; expected float32, float64, int32 or bool`);
  const axis = normalizeAxis("oneHot", options.axis ?? 0, indices.ndim + 1);
  const shape = [...indices.shape];
  shape.splice(axis, 0, depth);
  const out = allocate(dtype, shape, "oneHot");
  // Label k (row-major over `indices`) splits as k = o·inner + i around the class axis, so its 1
  // lands at o·depth·inner + label·inner + i in the row-major output.
  const inner = shapeSize(indices.shape.slice(axis));
  compute(() => {
    const labels = indices.toTypedArray();
    // only the ones are written below, and a replay finds the previous labels' ones in place
    out.fill(0);
    for (let k = 0; k < labels.length; k++) {
      const label = labels[k]!;
      if (label < 0 || label >= depth) {
        throw new ValueError(
          `oneHot: label ${label} at position ${position(k, indices.shape)} of indices ${formatShape(indices.shape)} is out of range; expected 0 <= label < depth = ${depth}`,
        );
      }
      const i = k % inner;
      out[(k - i) * depth + label * inner + i] = 1;
    }
  });
  return new Tensor(out, shape);
}

/**
 * Picks slices of `x` along `axis` by integer indices (TensorFlow's `gather`, numpy's `take`).
 * The result has shape `x.shape[:axis] + indices.shape + x.shape[axis+1:]`, and
 * `result[a…, j…, b…] = x[a…, indices[j…], b…]`. Indices may repeat and be in any order; a
 * negative index counts from the end. The dtype is `x`'s; the result is a new contiguous tensor.
 *
 * @param x - a tensor with at least one dimension, any layout.
 * @param indices - int32 indices of any shape (0-d picks one slice and drops the axis).
 * @param options - `axis` (default 0; negative counts from the end).
 * @throws DTypeError when `indices` is not int32 (cast it).
 * @throws ValueError naming the index and its position when it lies outside `[-n, n)` for the
 *   axis length `n`, or when the axis is out of range.
 *
 * @example
 * ```ts
 * import { gather, tensor } from "@strata/tensor";
 * const x = tensor([[1, 2, 3], [4, 5, 6]]);
 * console.log(gather(x, tensor([1, 1, 0], { dtype: "int32" })).toArray()); // [[4, 5, 6], [4, 5, 6], [1, 2, 3]]
 * console.log(gather(x, tensor([[-1], [0]], { dtype: "int32" }), { axis: 1 }).shape); // [2, 2, 1]
 * ```
 */
export function gather(x: Tensor, indices: Tensor, options: GatherOptions = {}): Tensor {
  requireInt32("gather", "indices", indices);
  if (x.ndim === 0) throw new ShapeError(`gather: x has shape () and a 0-d tensor has no axis to gather along`);
  const axis = normalizeAxis("gather", options.axis ?? 0, x.ndim);
  const n = x.shape[axis]!;
  const pre = x.shape.slice(0, axis);
  const post = x.shape.slice(axis + 1);
  const shape = [...pre, ...indices.shape, ...post];
  const data = allocate(x.dtype, shape, "gather");
  // the indices are checked in the work, so that a replay checks the new ones
  compute(() => {
    const picks = readIndices("gather", indices, options.axis ?? 0, x, n);
    if (data.length > 0) gatherInto(data, x, picks, axis, pre, post);
  });
  return new Tensor(data, shape);
}

/** Copies x's slices at `picks` along `axis` into `data`, row-major as pre + (picks) + post. */
function gatherInto(data: DataArray, x: Tensor, picks: DataArray, axis: number, pre: readonly number[], post: readonly number[]): void {
  const n = x.shape[axis]!;
  const xd = x.data;
  const postSize = shapeSize(post);
  const stride = x.strides[axis]!;
  if (pre.length === 0 && post.length === 0) {
    // 1-D x: one element per index, read straight from the buffer.
    for (let k = 0; k < picks.length; k++) {
      const v = picks[k]!;
      data[k] = xd[x.offset + (v < 0 ? v + n : v) * stride]!;
    }
    return;
  }
  // View the output as pre + (count) + post; for each index copy the slice x[…, v, …] (shape
  // pre + post) into the output slice at position k of the middle axis.
  const outStrides = contiguousStrides([...pre, picks.length, ...post]);
  const dstStrides = [...outStrides.slice(0, axis), ...outStrides.slice(axis + 1)];
  const srcShape = [...pre, ...post];
  const srcStrides = [...x.strides.slice(0, axis), ...x.strides.slice(axis + 1)];
  for (let k = 0; k < picks.length; k++) {
    const v = picks[k]!;
    const src = ndarray(xd, srcShape, srcStrides, x.offset + (v < 0 ? v + n : v) * stride);
    ops.assign(ndarray(data, srcShape, dstStrides, k * postSize), src);
  }
}
