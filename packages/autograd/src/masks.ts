// Ops whose results are constants: comparisons, logical ops and arg-reductions give bool or int32
// values, which carry no gradient. They accept variables so that expressions read the same, and
// each is reported to a trace as an op, so that an exported graph computes them from its input.
import * as T from "@strata/tensor";
import type { ArgOptions } from "@strata/tensor";
import { asVariable, valueOf } from "./record.js";
import { tracedCall } from "./trace.js";
import { Variable, type Operand } from "./variable.js";

const constant = (t: T.Tensor): Variable => new Variable(t);

/**
 * `a == b` elementwise with broadcasting: a bool variable without gradient (usable in {@link where}),
 * of the broadcast shape. NaN equals nothing.
 * @throws ShapeError when the shapes do not broadcast (numpy rules).
 * @example
 * ```ts
 * import { eq, variable } from "@strata/autograd";
 * console.log(eq(variable([1, 2]), 2).toArray()); // [0, 1]
 * ```
 */
export function eq(a: Operand, b: Operand): Variable { return tracedCall("op", "eq", [a, b], {}, () => constant(T.eq(valueOf(a), valueOf(b)))); }
/**
 * `a != b` elementwise with broadcasting: a bool constant of the broadcast shape; see {@link eq}.
 * @throws ShapeError when the shapes do not broadcast (numpy rules).
 * @example
 * ```ts
 * import { ne, variable } from "@strata/autograd";
 * console.log(ne(variable([1, 2]), 2).toArray()); // [1, 0]
 * ```
 */
export function ne(a: Operand, b: Operand): Variable { return tracedCall("op", "ne", [a, b], {}, () => constant(T.ne(valueOf(a), valueOf(b)))); }
/**
 * `a < b` elementwise with broadcasting: a bool constant of the broadcast shape; see {@link eq}.
 * @throws ShapeError when the shapes do not broadcast (numpy rules).
 * @example
 * ```ts
 * import { lt, variable } from "@strata/autograd";
 * console.log(lt(variable([1, 2]), 2).toArray()); // [1, 0]
 * ```
 */
export function lt(a: Operand, b: Operand): Variable { return tracedCall("op", "lt", [a, b], {}, () => constant(T.lt(valueOf(a), valueOf(b)))); }
/**
 * `a <= b` elementwise with broadcasting: a bool constant of the broadcast shape; see {@link eq}.
 * @throws ShapeError when the shapes do not broadcast (numpy rules).
 * @example
 * ```ts
 * import { le, variable } from "@strata/autograd";
 * console.log(le(variable([1, 3]), 2).toArray()); // [1, 0]
 * ```
 */
export function le(a: Operand, b: Operand): Variable { return tracedCall("op", "le", [a, b], {}, () => constant(T.le(valueOf(a), valueOf(b)))); }
/**
 * `a > b` elementwise with broadcasting: a bool constant of the broadcast shape; see {@link eq}.
 * @throws ShapeError when the shapes do not broadcast (numpy rules).
 * @example
 * ```ts
 * import { gt, variable } from "@strata/autograd";
 * console.log(gt(variable([1, 3]), 2).toArray()); // [0, 1]
 * ```
 */
export function gt(a: Operand, b: Operand): Variable { return tracedCall("op", "gt", [a, b], {}, () => constant(T.gt(valueOf(a), valueOf(b)))); }
/**
 * `a >= b` elementwise with broadcasting: a bool constant of the broadcast shape; see {@link eq}.
 * @throws ShapeError when the shapes do not broadcast (numpy rules).
 * @example
 * ```ts
 * import { ge, variable } from "@strata/autograd";
 * console.log(ge(variable([1, 2]), 2).toArray()); // [0, 1]
 * ```
 */
export function ge(a: Operand, b: Operand): Variable { return tracedCall("op", "ge", [a, b], {}, () => constant(T.ge(valueOf(a), valueOf(b)))); }

/**
 * Index of the maximum along `axis` (of the flattened value when omitted): an int32 constant whose
 * shape is `x`'s without that axis (a 0-d result when flattened), or with it as length 1 under
 * `keepDims`. Ties give the first index; NaN counts as the largest.
 * @throws ValueError when the axis (flattened: any axis) has length 0, or the axis is out of range
 *   or not an integer.
 * @example
 * ```ts
 * import { argmax, variable } from "@strata/autograd";
 * console.log(argmax(variable([[1, 9], [5, 2]]), { axis: 1 }).toArray()); // [1, 0]
 * ```
 */
export function argmax(x: Operand, options?: ArgOptions): Variable {
  return tracedCall("op", "argmax", [x], { axis: options?.axis ?? null, keepDims: options?.keepDims ?? false }, () => constant(T.argmax(asVariable(x).data, options)));
}
/**
 * Index of the minimum along `axis`, with the shapes of {@link argmax}: an int32 constant.
 * @throws ValueError when the axis (flattened: any axis) has length 0, or the axis is out of range
 *   or not an integer.
 * @example
 * ```ts
 * import { argmin, variable } from "@strata/autograd";
 * console.log(argmin(variable([[1, 9], [5, 2]]), { axis: 1 }).toArray()); // [0, 1]
 * ```
 */
export function argmin(x: Operand, options?: ArgOptions): Variable {
  return tracedCall("op", "argmin", [x], { axis: options?.axis ?? null, keepDims: options?.keepDims ?? false }, () => constant(T.argmin(asVariable(x).data, options)));
}

/**
 * `a && b` elementwise with broadcasting (the tensor package's `logicalAnd`; an operand is true
 * where it is not 0): a bool constant of the broadcast shape.
 * @throws ShapeError when the shapes do not broadcast (numpy rules).
 * @example
 * ```ts
 * import { logicalAnd, gt, lt, variable } from "@strata/autograd";
 * const x = variable([0, 2, 5]);
 * console.log(logicalAnd(gt(x, 1), lt(x, 4)).toArray()); // [0, 1, 0]
 * ```
 */
export function logicalAnd(a: Operand, b: Operand): Variable { return tracedCall("op", "logicalAnd", [a, b], {}, () => constant(T.logicalAnd(valueOf(a), valueOf(b)))); }
/**
 * `a || b` elementwise with broadcasting (an operand is true where it is not 0): a bool constant
 * of the broadcast shape.
 * @throws ShapeError when the shapes do not broadcast (numpy rules).
 * @example
 * ```ts
 * import { logicalOr, gt, lt, variable } from "@strata/autograd";
 * const x = variable([0, 2, 5]);
 * console.log(logicalOr(lt(x, 1), gt(x, 4)).toArray()); // [1, 0, 1]
 * ```
 */
export function logicalOr(a: Operand, b: Operand): Variable { return tracedCall("op", "logicalOr", [a, b], {}, () => constant(T.logicalOr(valueOf(a), valueOf(b)))); }
/**
 * `!x` elementwise (true where `x` is 0): a bool constant of `x`'s shape. Never throws.
 * @example
 * ```ts
 * import { logicalNot, gt, variable } from "@strata/autograd";
 * console.log(logicalNot(gt(variable([0, 2]), 1)).toArray()); // [1, 0]
 * ```
 */
export function logicalNot(x: Operand): Variable { return tracedCall("op", "logicalNot", [x], {}, () => constant(T.logicalNot(valueOf(x)))); }

/**
 * One-hot encoding of int32 labels (the tensor package's `oneHot`, classes along axis 0 by
 * default, so labels of m examples give `(depth, m)`): a constant with a class axis of length
 * `depth` inserted at `axis` (in `[-ndim-1, ndim]`) into the labels' shape.
 * @throws DTypeError when `indices` is not int32 (a number included).
 * @throws ValueError when a label lies outside `[0, depth)`, `depth` is not a non-negative
 *   integer, or the axis is out of range.
 * @example
 * ```ts
 * import { oneHot } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * console.log(oneHot(tensor([2, 0], { dtype: "int32" }), 3).toArray()); // [[0, 1], [0, 0], [1, 0]]
 * ```
 */
export function oneHot(indices: Operand, depth: number, options?: T.OneHotOptions): Variable {
  return tracedCall("op", "oneHot", [indices], { depth, axis: options?.axis ?? 0, dtype: options?.dtype ?? "float32" }, () => constant(T.oneHot(asVariable(indices).data, depth, options)));
}
