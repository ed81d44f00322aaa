// Composite ops: built from primitives, so they need no row in the derivative table and their
// gradients (of any order) follow from the primitives'. Masks that are locally constant (where
// x > 0, the running maximum) are computed on values and enter as constants.
import * as T from "@strata/tensor";
import { DTypeError, ValueError, denseActivations, formatShape, isFloatDType, normalizeAxes, type AxisOptions } from "@strata/tensor";
import { add, exp, log, mul, neg, reciprocal, where } from "./elementwise.js";
import { cast, reshape, sum } from "./structural.js";
import { asVariable, valueOf } from "./record.js";
import { activationOp, tableOps } from "./activation-ops.js";
import { maxShift } from "./max-shift.js";
import type { Operand, Variable } from "./variable.js";
import { tracedCall } from "./trace.js";
import { gt, lt } from "./masks.js";

const shapeOf = (x: Operand): readonly number[] => (typeof x === "number" ? [] : x.shape);

/** Whether `x` is an int32 or bool tensor or variable (beside it, an integer number is int32). */
const isIntOperand = (x: Operand): boolean => typeof x !== "number" && !isFloatDType(x.dtype);

/**
 * The tensor package's checks of an arithmetic op `op` on `a` and `b`, made under `op`'s name
 * before the ops it is built from could fail under theirs: the shapes broadcast, and a number
 * beside an int32 or bool operand (an int32 result) lies in the int32 range.
 */
function checkArith(op: string, a: Operand, b: Operand): void {
  T.broadcastShapes(op, shapeOf(a), shapeOf(b));
  for (const [n, other] of [[a, b], [b, a]] as const) {
    if (typeof n === "number" && isIntOperand(other) && Number.isInteger(n) && (n < -2147483648 || n > 2147483647)) {
      throw new DTypeError(`${op}: ${n} is outside the int32 range of an int32 result; cast the tensor to float64 first`);
    }
  }
}

/**
 * `a - b` with broadcasting, as `a + (-b)` (exact: IEEE subtraction is that sum; int32 wraps, as
 * in the tensor package's `sub`). Derivatives: 1 and -1. The result has the broadcast shape; each
 * gradient is summed back to its input's shape. Dtype: as {@link add}.
 * @throws ShapeError when the shapes do not broadcast (numpy rules).
 * @throws DTypeError when an int32 or bool operand meets a number outside the int32 range (the
 *   result would be int32); `b = -2147483648` is inside it, so `sub(int32, -2147483648)` works.
 * @example
 * ```ts
 * import { sub, variable } from "@strata/autograd";
 * const b = variable([1, 2], { requiresGrad: true });
 * sub(10, b).sum().backward();
 * console.log(b.grad?.toArray()); // [-1, -1]
 * ```
 */
export function sub(a: Operand, b: Operand): Variable {
  checkArith("sub", a, b);
  // In int32, -b wraps: -(-2147483648) is -2147483648, and a + that is a - b modulo 2^32.
  return add(a, typeof b === "number" ? (isIntOperand(a) && Number.isInteger(b) ? -b | 0 : -b) : neg(b));
}

/**
 * `a / b` with broadcasting, as `a · (1/b)`: within one rounding of the correctly rounded quotient.
 * Derivatives: `1/b` and `-a/b²`. The result has the broadcast shape; each gradient is summed back
 * to its input's shape. Dtype: as the tensor package's `div`: float32 when both operands are int32,
 * bool or numbers (an int32 `a` over a number `b` is computed in float64, then rounded), else the
 * promotion.
 * @throws ShapeError when the shapes do not broadcast (numpy rules).
 * @example
 * ```ts
 * import { div, variable } from "@strata/autograd";
 * const b = variable([2, 4], { requiresGrad: true });
 * div(8, b).sum().backward();
 * console.log(b.grad?.toArray()); // [-2, -0.5]
 * ```
 */
export function div(a: Operand, b: Operand): Variable {
  T.broadcastShapes("div", shapeOf(a), shapeOf(b));
  if (typeof b !== "number") return mul(a, reciprocal(b));
  // unchecked: a quotient beyond float32 becomes ±Infinity, as the tensor package's div gives.
  return isIntOperand(a) ? cast(mul(cast(a, "float64"), 1 / b), "float32", { unchecked: true }) : mul(a, 1 / b);
}

/**
 * `x²` as `x · x`, elementwise (bool gives int32). Derivative: `2x`. Shape: `x`'s. Never throws.
 * @example
 * ```ts
 * import { square, variable } from "@strata/autograd";
 * const x = variable([3], { requiresGrad: true });
 * square(x).sum().backward();
 * console.log(x.grad?.toArray()); // [6]
 * ```
 */
export function square(x: Operand): Variable {
  return mul(x, x);
}

/**
 * `max(x, 0)`, elementwise, by the tensor package's relu kernel. Derivative (from the one
 * activation table, `denseActivations.relu`): 1 for `x > 0`, 0 otherwise (0 at 0). Shape: `x`'s.
 * Never throws.
 * @example
 * ```ts
 * import { relu, variable } from "@strata/autograd";
 * const x = variable([-1, 0, 2], { requiresGrad: true });
 * relu(x).sum().backward();
 * console.log(x.grad?.toArray()); // [0, 0, 1]
 * ```
 */
export function relu(x: Operand): Variable {
  return tracedCall("op", "relu", [x], {}, () => tableOps.relu(x));
}

/**
 * `x` for `x > 0`, `alpha·x` otherwise (default `alpha` 0.01), elementwise. Derivative (from
 * `denseActivations.leakyRelu`): 1 or `alpha`. Shape: `x`'s. Dtype: as the tensor package's `leakyRelu`: int32 and bool give float32.
 * @throws ValueError when `alpha` is not a finite number (NaN, ±Infinity).
 * @example
 * ```ts
 * import { leakyRelu, variable } from "@strata/autograd";
 * const x = variable([-2, 3], { requiresGrad: true, dtype: "float64" });
 * leakyRelu(x, 0.1).sum().backward();
 * console.log(x.grad?.toArray()); // [0.1, 1]
 * ```
 */
export function leakyRelu(x: Operand, alpha = 0.01): Variable {
  if (typeof alpha !== "number" || !Number.isFinite(alpha)) throw new ValueError(`leakyRelu: alpha must be a finite number, got ${String(alpha)}`);
  return tracedCall("op", "leakyRelu", [x], { alpha }, () => activationOp(denseActivations.leakyRelu, alpha)(isIntOperand(x) ? cast(x, "float32") : x));
}

/**
 * The logistic function `σ(x) = 1/(1 + e⁻ˣ)`, by the tensor package's sigmoid kernel: finite for
 * every `x`, and accurate in relative terms for negative `x` too (σ(-40) ≈ 4.2e-18, not 0).
 * Derivative (from `denseActivations.sigmoid`): `σ(x)(1 - σ(x))`, read from the output. Shape:
 * `x`'s. Never throws.
 * @example
 * ```ts
 * import { sigmoid, variable } from "@strata/autograd";
 * const x = variable([0], { requiresGrad: true });
 * sigmoid(x).sum().backward();
 * console.log(x.grad?.toArray()); // [0.25]
 * ```
 */
export function sigmoid(x: Operand): Variable {
  return tracedCall("op", "sigmoid", [x], {}, () => tableOps.sigmoid(x));
}

/**
 * `min(max(x, min), max)`, elementwise. Derivative: 1 where `min <= x <= max` (bounds included), 0
 * outside. Shape: `x`'s.
 * @throws ValueError unless `min <= max` (NaN bounds fail this).
 * @throws DTypeError when `x` is int32 or bool and a bound is an integer outside the int32 range.
 * @example
 * ```ts
 * import { clip, variable } from "@strata/autograd";
 * const x = variable([-1, 0.5, 2], { requiresGrad: true });
 * clip(x, 0, 1).sum().backward();
 * console.log(x.grad?.toArray()); // [0, 1, 0]
 * ```
 */
export function clip(x: Operand, min: number, max: number): Variable {
  if (!(min <= max)) throw new ValueError(`clip: expected min <= max, got min = ${min} and max = ${max}`);
  // the masks as ops of their own, so that a trace computes them from x
  return where(lt(x, min), min, where(gt(x, max), max, x));
}

/** How many elements each result element of `mean` over `options.axis` covers (at least one). */
function countOf(x: Variable, options: AxisOptions): number {
  const axes = normalizeAxes("mean", options.axis, x.ndim);
  const empty = axes.find((k) => x.shape[k] === 0);
  if (empty !== undefined) {
    throw new ValueError(`mean: cannot reduce over axis ${empty} of length 0 in ${formatShape(x.shape)}; expected a non-empty axis (mean of nothing is undefined)`);
  }
  return axes.reduce((n, k) => n * x.shape[k]!, 1);
}

/**
 * Mean over `axis` (one, several, or all when omitted), as `sum · (1/n)` with `n` the number of
 * elements reduced. Derivative: `1/n`. Shape: as {@link sum}. Dtype: as the tensor package's
 * `mean`: int32 and bool give float32 (summed in float64, then rounded). A number `x` is a 0-d
 * constant.
 * @throws ValueError when a reduced axis has length 0 (the mean of nothing is undefined), or an
 *   axis is out of range, repeated, or not an integer.
 * @example
 * ```ts
 * import { mean, variable } from "@strata/autograd";
 * const x = variable([[1, 2], [3, 6]], { requiresGrad: true });
 * console.log(mean(x, { axis: 1 }).toArray()); // [1.5, 4.5]
 * mean(x).backward();
 * console.log(x.grad?.toArray()); // [[0.25, 0.25], [0.25, 0.25]]
 * ```
 */
export function mean(x: Operand, options: AxisOptions = {}): Variable {
  const v = asVariable(x);
  const n = countOf(v, options);
  // one op to a trace: 1/n is the traced count, which an exported graph must not fix
  const attrs = { axis: normalizeAxes("mean", options.axis, v.ndim), keepDims: options.keepDims ?? false };
  return tracedCall("op", "mean", [v], attrs, () =>
    isFloatDType(v.dtype) ? mul(sum(v, options), 1 / n) : cast(mul(sum(cast(v, "float64"), options), 1 / n), "float32"));
}

/**
 * The maximum over `axis` with the axes kept, as a constant; non-finite maxima, and those of empty
 * slices, become 0. Axis errors name `op`, the op the user called.
 */
function shiftOf(op: string, x: Variable, axis: AxisOptions["axis"]): T.Tensor {
  return maxShift(x.data, normalizeAxes(op, axis, x.ndim));
}


/** `logSumExp` on behalf of `op`: errors name `op`. */
function lse(op: string, x: Variable, axis: AxisOptions["axis"], keepDims: boolean): Variable {
  const m = shiftOf(op, x, axis);
  const kept = add(log(sum(exp(sub(x, m)), { axis, keepDims: true })), m);
  return keepDims ? kept : reshape(kept, kept.data.squeeze(normalizeAxes(op, axis, kept.ndim)).shape);
}

/**
 * `log Σ exp(x)` over `axis` (all when omitted), computed as `m + log Σ exp(x - m)` with `m` the
 * maximum: finite for inputs of ±1e4. Derivative: `softmax(x)` over the axis. Shape: as
 * {@link sum}. As the tensor package's `logSumExp`, an empty slice gives -Infinity (the log of an
 * empty sum) and int32 or bool input gives float32.
 * @throws ValueError when an axis is out of range, repeated, or not an integer.
 * @example
 * ```ts
 * import { logSumExp, variable } from "@strata/autograd";
 * const x = variable([1e4, 1e4], { requiresGrad: true, dtype: "float64" });
 * const y = logSumExp(x);
 * y.backward();
 * console.log((y.item() - 1e4).toFixed(6), x.grad?.toArray()); // 0.693147 [0.5, 0.5]
 * ```
 */
export function logSumExp(x: Operand, options: AxisOptions = {}): Variable {
  const v = asVariable(x);
  const keepDims = options.keepDims ?? false;
  // one op to a trace: the shift is computed from values
  return tracedCall("op", "logSumExp", [v], { axis: normalizeAxes("logSumExp", options.axis, v.ndim), keepDims }, () => lse("logSumExp", v, options.axis, keepDims));
}
