// The reduction, shape and matrix primitives as functions over variables: argument checks and
// attributes, then `record`. Derivatives: rules.ts.
import { normalizeAxes, type AxisOptions, type DType, type GatherOptions, type Shape, type SliceArg } from "@strata/tensor";
import { record } from "./record.js";
import type { Operand, Variable } from "./variable.js";

function reduceAttrs(op: string, x: Operand, options: AxisOptions): { axis: number[]; keepDims: boolean } {
  const ndim = typeof x === "number" ? 0 : x.shape.length;
  return { axis: normalizeAxes(op, options.axis, ndim), keepDims: options.keepDims ?? false };
}

/**
 * Sum over `axis` (one, several, or all when omitted), optionally keeping the reduced axes.
 * Derivative: 1 for every summed element.
 * @example
 * ```ts
 * import { sum, variable } from "@strata/autograd";
 * const x = variable([[1, 2], [3, 4]], { requiresGrad: true });
 * console.log(sum(x, { axis: 0 }).toArray()); // [4, 6]
 * sum(x).backward();
 * console.log(x.grad?.toArray()); // [[1, 1], [1, 1]]
 * ```
 */
export function sum(x: Operand, options: AxisOptions = {}): Variable { return record("sum", [x], reduceAttrs("sum", x, options)); }

/**
 * Maximum over `axis` (as {@link sum}). The gradient goes to the maximal elements, shared evenly among ties.
 * @example
 * ```ts
 * import { max, variable } from "@strata/autograd";
 * const x = variable([1, 3, 3], { requiresGrad: true });
 * max(x).backward();
 * console.log(x.grad?.toArray()); // [0, 0.5, 0.5]
 * ```
 */
export function max(x: Operand, options: AxisOptions = {}): Variable { return record("max", [x], reduceAttrs("max", x, options)); }

/**
 * Minimum over `axis` (as {@link sum}). The gradient goes to the minimal elements, shared evenly among ties.
 * @example
 * ```ts
 * import { min, variable } from "@strata/autograd";
 * const x = variable([[1, 0], [2, 5]], { requiresGrad: true });
 * min(x, { axis: 1 }).sum().backward();
 * console.log(x.grad?.toArray()); // [[0, 1], [1, 0]]
 * ```
 */
export function min(x: Operand, options: AxisOptions = {}): Variable { return record("min", [x], reduceAttrs("min", x, options)); }

/**
 * The same elements in a new shape (a view when the data is contiguous). The gradient is reshaped back.
 * @example
 * ```ts
 * import { reshape, variable } from "@strata/autograd";
 * console.log(reshape(variable([1, 2, 3, 4]), [2, 2]).toArray()); // [[1, 2], [3, 4]]
 * ```
 */
export function reshape(x: Operand, shape: Shape): Variable { return record("reshape", [x], { shape: [...shape] }); }

/**
 * Permutes the axes (reverses them when `perm` is omitted), as a view. The gradient is permuted back.
 * @example
 * ```ts
 * import { transpose, variable } from "@strata/autograd";
 * console.log(transpose(variable([[1, 2, 3]])).shape); // [3, 1]
 * ```
 */
export function transpose(x: Operand, perm?: readonly number[]): Variable {
  const ndim = typeof x === "number" ? 0 : x.shape.length;
  return record("transpose", [x], { perm: perm ? [...perm] : Array.from({ length: ndim }, (_, k) => ndim - 1 - k) });
}

/**
 * Broadcasts to `shape` as a view (stride 0 along stretched axes). The gradient is summed back.
 * @example
 * ```ts
 * import { broadcastTo, variable } from "@strata/autograd";
 * const b = variable([[1], [2]], { requiresGrad: true });
 * broadcastTo(b, [2, 3]).sum().backward();
 * console.log(b.grad?.toArray()); // [[3], [3]]
 * ```
 */
export function broadcastTo(x: Operand, shape: Shape): Variable { return record("broadcastTo", [x], { shape: [...shape] }); }

/**
 * A view of a part of `x`, one range per axis (`[start, stop, step?]`, a number to pick, null to
 * keep), as the tensor package's `slice`. The gradient is `g` placed back into zeros.
 * @example
 * ```ts
 * import { slice, variable } from "@strata/autograd";
 * const x = variable([1, 2, 3, 4], { requiresGrad: true });
 * slice(x, [1, 3]).sum().backward();
 * console.log(x.grad?.toArray()); // [0, 1, 1, 0]
 * ```
 */
export function slice(x: Operand, ...ranges: SliceArg[]): Variable { return record("slice", [x], { ranges: [...ranges] }); }

/**
 * Zeros of `shape` with `src` written at `slice(...ranges)`: the adjoint of {@link slice}. The gradient of `src` is `slice(g, ...ranges)`.
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
 * Joins variables along an existing axis (default 0). Each input's gradient is its stretch of `g`.
 * @example
 * ```ts
 * import { concat, variable } from "@strata/autograd";
 * const a = variable([1, 2], { requiresGrad: true });
 * concat([a, variable([3])]).mul(variable([10, 20, 30])).sum().backward();
 * console.log(a.grad?.toArray()); // [10, 20]
 * ```
 */
export function concat(xs: readonly Operand[], options: { axis?: number } = {}): Variable {
  const first = xs[0];
  const ndim = first === undefined || typeof first === "number" ? 0 : first.shape.length;
  const axis = xs.length > 0 && ndim > 0 ? normalizeAxes("concat", options.axis ?? 0, ndim)[0]! : (options.axis ?? 0);
  return record("concat", xs, { axis });
}

/**
 * Picks slices of `x` along `axis` by int32 indices (the tensor package's `gather`). The gradient
 * adds `g` back at the picked positions (repeats accumulate); the indices have none.
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
  return record("gather", [x, indices], { axis: axisOf("gather", x, options.axis) });
}

/**
 * `x` with `updates` added at the slices `indices` pick along `axis` (the tensor package's
 * `indexAdd`). Gradients: `g` for `x`, `gather(g, indices)` for `updates`.
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

/** The matrix product of operands with at least two axes each (batched, broadcasting batch axes). @internal */
export function matmul2d(a: Operand, b: Operand): Variable { return record("matmul", [a, b], {}); }

/**
 * Converts to `dtype`. Between float dtypes the gradient is cast back; to int32 or bool the result
 * has no gradient.
 * @example
 * ```ts
 * import { cast, variable } from "@strata/autograd";
 * const x = variable([1.5], { requiresGrad: true });
 * const y = cast(x, "float64");
 * y.sum().backward();
 * console.log(y.dtype, x.grad?.dtype); // "float64" "float32"
 * ```
 */
export function cast(x: Operand, dtype: DType): Variable { return record("cast", [x], { dtype }); }

