// The reduction, shape and matrix primitives as functions over variables: argument checks and
// attributes, then `record`. Derivatives: rules.ts.
import { normalizeAxes, type AxisOptions, type DType, type GatherOptions, type Shape, type SliceArg } from "@strata/tensor";
import { asVariable, record } from "./record.js";
import type { Operand, Variable } from "./variable.js";

// These ops take a number as a 0-d float32 constant (asVariable), as a number alone is in the
// elementwise ops.

function reduce(op: "sum" | "max" | "min", x: Operand, options: AxisOptions): Variable {
  const v = asVariable(x);
  return record(op, [v], { axis: normalizeAxes(op, options.axis, v.ndim), keepDims: options.keepDims ?? false });
}

/**
 * Sum over `axis` (one, several, or all when omitted): `y[k] = Σ_r x[k, r]`. Shape: `x`'s without
 * the reduced axes, or with them as length 1 under `keepDims`. Dtype: int32 and bool give int32.
 * Derivative: 1 for every summed element (`g` broadcast back over the reduced axes). A number
 * `x` is a 0-d float32 constant, as in the elementwise ops (`sum(3)` is 3).
 * @throws ValueError when an axis is out of range, repeated, or not an integer.
 * @example
 * ```ts
 * import { sum, variable } from "@strata/autograd";
 * const x = variable([[1, 2], [3, 4]], { requiresGrad: true });
 * console.log(sum(x, { axis: 0 }).toArray()); // [4, 6]
 * sum(x).backward();
 * console.log(x.grad?.toArray()); // [[1, 1], [1, 1]]
 * ```
 */
export function sum(x: Operand, options: AxisOptions = {}): Variable { return reduce("sum", x, options); }

/**
 * Maximum over `axis` (as {@link sum}, with the same result shape; a number is a 0-d constant);
 * NaN propagates. Derivative: 1 at the maximal elements and 0 elsewhere, shared evenly among ties.
 * @throws ValueError when a reduced axis has length 0, or an axis is out of range, repeated, or
 *   not an integer.
 * @example
 * ```ts
 * import { max, variable } from "@strata/autograd";
 * const x = variable([1, 3, 3], { requiresGrad: true });
 * max(x).backward();
 * console.log(x.grad?.toArray()); // [0, 0.5, 0.5]
 * ```
 */
export function max(x: Operand, options: AxisOptions = {}): Variable { return reduce("max", x, options); }

/**
 * Minimum over `axis` (as {@link sum}, with the same result shape; a number is a 0-d constant);
 * NaN propagates. Derivative: 1 at the minimal elements and 0 elsewhere, shared evenly among ties.
 * @throws ValueError when a reduced axis has length 0, or an axis is out of range, repeated, or
 *   not an integer.
 * @example
 * ```ts
 * import { min, variable } from "@strata/autograd";
 * const x = variable([[1, 0], [2, 5]], { requiresGrad: true });
 * min(x, { axis: 1 }).sum().backward();
 * console.log(x.grad?.toArray()); // [[0, 1], [1, 0]]
 * ```
 */
export function min(x: Operand, options: AxisOptions = {}): Variable { return reduce("min", x, options); }

/**
 * The same elements, row-major, in a new shape (a view when the data is contiguous). `shape` must
 * hold `x.size` elements; one length may be -1, inferred. The gradient is reshaped back to `x`'s
 * shape. A number `x` is a 0-d constant of one element (`reshape(3, [1, 1])`).
 * @throws ShapeError when `shape` holds another number of elements, has more than one -1, or has
 *   a negative or fractional length.
 * @example
 * ```ts
 * import { reshape, variable } from "@strata/autograd";
 * console.log(reshape(variable([1, 2, 3, 4]), [2, 2]).toArray()); // [[1, 2], [3, 4]]
 * ```
 */
export function reshape(x: Operand, shape: Shape): Variable { return record("reshape", [asVariable(x)], { shape: [...shape] }); }

/**
 * Permutes the axes (reverses them when `perm` is omitted), as a view: axis `i` of the result is
 * axis `perm[i]` of `x`, so the shape is `perm.map((p) => x.shape[p])`. The gradient is permuted
 * back. Axes in `perm` may be negative (counted from the end). A number `x` is a 0-d constant.
 * @throws ValueError when `perm` is not a permutation of `x`'s axes.
 * @example
 * ```ts
 * import { transpose, variable } from "@strata/autograd";
 * console.log(transpose(variable([[1, 2, 3]])).shape); // [3, 1]
 * ```
 */
export function transpose(x: Operand, perm?: readonly number[]): Variable {
  const v = asVariable(x);
  return record("transpose", [v], { perm: perm ? [...perm] : Array.from({ length: v.ndim }, (_, k) => v.ndim - 1 - k) });
}

/**
 * Broadcasts to `shape` as a view (stride 0 along stretched axes), with numpy's rules: aligned at
 * the right, each axis of `x` equals the target's or is 1. The gradient is summed back to `x`'s
 * shape. A number `x` is a 0-d constant (`broadcastTo(0, [2, 3])` is zeros). See {@link expand}
 * for a `shape` with -1 to keep an axis.
 * @throws ShapeError when `x`'s shape does not broadcast to `shape`, or `shape` has a negative or
 *   fractional length.
 * @example
 * ```ts
 * import { broadcastTo, variable } from "@strata/autograd";
 * const b = variable([[1], [2]], { requiresGrad: true });
 * broadcastTo(b, [2, 3]).sum().backward();
 * console.log(b.grad?.toArray()); // [[3], [3]]
 * ```
 */
export function broadcastTo(x: Operand, shape: Shape): Variable { return record("broadcastTo", [asVariable(x)], { shape: [...shape] }); }

/**
 * A view of a part of `x`, one range per axis (`[start, stop, step?]`, a number to pick, null to
 * keep), as the tensor package's `slice`. Shape: per range, the number of positions it selects;
 * picked axes are dropped, axes without a range kept whole. The gradient is `g` placed back into
 * zeros of `x`'s shape. A number `x` is a 0-d constant (so it takes no ranges).
 * @throws ValueError when there are more ranges than axes, a picked index is out of range, a
 *   bound or step is not an integer, or a step is 0.
 * @example
 * ```ts
 * import { slice, variable } from "@strata/autograd";
 * const x = variable([1, 2, 3, 4], { requiresGrad: true });
 * slice(x, [1, 3]).sum().backward();
 * console.log(x.grad?.toArray()); // [0, 1, 1, 0]
 * ```
 */
export function slice(x: Operand, ...ranges: SliceArg[]): Variable { return record("slice", [asVariable(x)], { ranges: [...ranges] }); }

/**
 * Zeros of `shape` (dtype: `src`'s) with `src` written at `slice(...ranges)`: the adjoint of
 * {@link slice}. `src` must broadcast to the shape of that slice. The gradient of `src` is
 * `slice(g, ...ranges)`, summed back to `src`'s shape.
 * @throws ShapeError when `src` does not broadcast to the slice, or `shape` has a negative or
 *   fractional length.
 * @throws ValueError for a range that {@link slice} rejects on `shape`.
 * @example
 * ```ts
 * import { sliceScatter, variable } from "@strata/autograd";
 * console.log(sliceScatter(variable([7, 8]), [4], [[1, 3]]).toArray()); // [0, 7, 8, 0]
 * ```
 */
export function sliceScatter(src: Operand, shape: Shape, ranges: readonly SliceArg[]): Variable {
  return record("sliceScatter", [src], { shape: [...shape], ranges: [...ranges] });
}

/**
 * Joins variables along an existing axis (default 0; negative counts from the end). The inputs
 * agree on every other axis; the result's length along `axis` is the sum of theirs, and its dtype
 * the promotion of theirs. Each input's gradient is its stretch of `g`.
 * @throws ValueError for an empty list or an axis out of range.
 * @throws ShapeError when an input's shape does not fit the first's, or the inputs are 0-d (a
 *   number in the list is a 0-d constant: use {@link stack} to join numbers).
 * @example
 * ```ts
 * import { concat, variable } from "@strata/autograd";
 * const a = variable([1, 2], { requiresGrad: true });
 * concat([a, variable([3])]).mul(variable([10, 20, 30])).sum().backward();
 * console.log(a.grad?.toArray()); // [10, 20]
 * ```
 */
export function concat(xs: readonly Operand[], options: { axis?: number } = {}): Variable {
  const vs = xs.map(asVariable);
  const ndim = vs[0]?.ndim ?? 0;
  const axis = ndim > 0 ? normalizeAxes("concat", options.axis ?? 0, ndim)[0]! : (options.axis ?? 0);
  return record("concat", vs, { axis });
}

/**
 * Picks slices of `x` along `axis` (default 0) by int32 indices (the tensor package's `gather`):
 * `y[a…, j…, b…] = x[a…, indices[j…], b…]`, of shape `x.shape[:axis] + indices.shape +
 * x.shape[axis+1:]`. The gradient adds `g` back at the picked positions (repeats accumulate); the
 * indices have none.
 * @throws DTypeError when `indices` is not int32 (a number included).
 * @throws ValueError when an index lies outside `[-n, n)` for the axis length `n`, or the axis is
 *   out of range.
 * @throws ShapeError when `x` is 0-d (a number `x` is a 0-d constant).
 * @example
 * ```ts
 * import { gather, variable } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * const x = variable([1, 2, 3], { requiresGrad: true });
 * gather(x, tensor([2, 2, 0], { dtype: "int32" })).sum().backward();
 * console.log(x.grad?.toArray()); // [1, 0, 2]
 * ```
 */
export function gather(x: Operand, indices: Operand, options: GatherOptions = {}): Variable {
  const v = asVariable(x);
  return record("gather", [v, indices], { axis: axisOf("gather", v, options.axis) });
}

/**
 * `x` with `updates` added at the slices `indices` pick along `axis` (the tensor package's
 * `indexAdd`): `y = x`, then `y[a…, indices[j…], b…] += updates[a…, j…, b…]`. Shapes: the
 * result has `x`'s; `updates` has `x.shape[:axis] + indices.shape + x.shape[axis+1:]`.
 * Gradients: `g` for `x`, `gather(g, indices)` for `updates`.
 * @throws DTypeError when `indices` is not int32, `x` is bool, `updates` has a wider dtype than
 *   `x`, or `x` or `updates` is a number.
 * @throws ShapeError when `updates` has another shape than the one above, or `x` is 0-d.
 * @throws ValueError when an index is out of range, or the axis is.
 * @example
 * ```ts
 * import { indexAdd, variable } from "@strata/autograd";
 * import { tensor, zeros } from "@strata/tensor";
 * console.log(indexAdd(zeros([3]), tensor([0, 0], { dtype: "int32" }), variable([1, 2])).toArray()); // [3, 0, 0]
 * ```
 */
export function indexAdd(x: Operand, indices: Operand, updates: Operand, options: { axis?: number } = {}): Variable {
  return record("indexAdd", [x, indices, updates], { axis: axisOf("indexAdd", x, options.axis) });
}

function axisOf(op: string, x: Operand, axis = 0): number {
  const ndim = typeof x === "number" ? 0 : x.shape.length;
  return ndim === 0 ? axis : normalizeAxes(op, axis, ndim)[0]!;
}

/**
 * The matrix product of operands with at least two axes each: `(…, m, k) @ (…, k, n)` gives
 * `(…, m, n)`, the batch axes broadcast. It is the primitive behind {@link matmul}, which handles
 * 1-D operands. Gradients: `g·Bᵀ` and `Aᵀ·g`.
 * @throws ShapeError when the inner dimensions differ, the batch axes do not broadcast, or an
 *   operand is 0-d (a number included).
 * @throws DTypeError when an operand is bool.
 * @example
 * ```ts
 * import { matmul2d, variable } from "@strata/autograd";
 * console.log(matmul2d(variable([[1, 2]]), variable([[3], [4]])).toArray()); // [[11]]
 * ```
 * @internal
 */
export function matmul2d(a: Operand, b: Operand): Variable { return record("matmul", [asVariable(a), asVariable(b)], {}); }

/**
 * Converts to `dtype` (a new tensor of `x`'s shape; floats to int32 truncate, anything to bool is
 * `x != 0`), as the tensor package's `cast`: a value `dtype` cannot hold (NaN, ±Infinity or a
 * value outside the int32 range into int32, a float64 beyond float32's range into float32) is
 * refused unless `options.unchecked`, which converts it as the typed arrays store it. Between
 * float dtypes the gradient is cast back (unchecked: an overflowing gradient becomes ±Infinity, as
 * arithmetic does); to int32 or bool the result has no gradient. A number `x` is a 0-d float32
 * constant (`cast(2.7, "int32")` is 2).
 * @throws DTypeError when `dtype` is not one of the tensor package's `DTYPES` (possible from
 *   untyped JavaScript), or naming the first value `dtype` cannot hold, its index and what it
 *   would become (without `unchecked`).
 * @example
 * ```ts
 * import { cast, variable } from "@strata/autograd";
 * const x = variable([1.5], { requiresGrad: true });
 * const y = cast(x, "float64");
 * y.sum().backward();
 * console.log(y.dtype, x.grad?.dtype); // "float64" "float32"
 * const big = variable([1e300], { dtype: "float64" });
 * console.log(cast(big, "float32", { unchecked: true }).toArray()); // [Infinity]
 * ```
 */
export function cast(x: Operand, dtype: DType, options: { unchecked?: boolean } = {}): Variable {
  return record("cast", [asVariable(x)], { dtype, unchecked: options.unchecked === true });
}

