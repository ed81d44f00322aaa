// The elementwise primitives as functions over variables. Their derivatives live in rules.ts; their
// value semantics (broadcasting, dtypes, errors) are the tensor package's ops of the same names.
import { record } from "./record.js";
import type { Operand, Variable } from "./variable.js";

const NONE = {} as Record<string, never>;

/**
 * `-x`, elementwise (bool gives int32). Derivative: `-1`. Shape: `x`'s. Never throws.
 * @example
 * ```ts
 * import { neg, variable } from "@strata/autograd";
 * console.log(neg(variable([1, -2])).toArray()); // [-1, 2]
 * ```
 */
export function neg(x: Operand): Variable { return record("neg", [x], NONE); }

/**
 * `eˣ`, elementwise (int32 and bool give float32). Derivative: `eˣ`. Shape: `x`'s. Never throws.
 * @example
 * ```ts
 * import { exp, variable } from "@strata/autograd";
 * const x = variable([0, 1], { requiresGrad: true, dtype: "float64" });
 * exp(x).sum().backward();
 * console.log(x.grad?.toArray()); // [1, 2.718281828459045]
 * ```
 */
export function exp(x: Operand): Variable { return record("exp", [x], NONE); }

/**
 * Natural logarithm `ln x`, elementwise (NaN for `x < 0`, `-∞` at 0; int32 and bool give float32).
 * Derivative: `1/x`. Shape: `x`'s. Never throws.
 * @example
 * ```ts
 * import { log, variable } from "@strata/autograd";
 * const x = variable([1, 4], { requiresGrad: true });
 * log(x).sum().backward();
 * console.log(x.grad?.toArray()); // [1, 0.25]
 * ```
 */
export function log(x: Operand): Variable { return record("log", [x], NONE); }

/**
 * `log(1 + x)`, elementwise and accurate for small `x`. Derivative: `1/(1 + x)`. Shape: `x`'s.
 * Never throws.
 * @example
 * ```ts
 * import { log1p, variable } from "@strata/autograd";
 * const x = variable([0, 1], { requiresGrad: true });
 * log1p(x).sum().backward();
 * console.log(x.grad?.toArray()); // [1, 0.5]
 * ```
 */
export function log1p(x: Operand): Variable { return record("log1p", [x], NONE); }

/**
 * `√x`, elementwise (NaN for `x < 0`). Derivative: `1/(2√x)`. Shape: `x`'s. Never throws.
 * @example
 * ```ts
 * import { sqrt, variable } from "@strata/autograd";
 * const x = variable([4, 16], { requiresGrad: true });
 * sqrt(x).sum().backward();
 * console.log(x.grad?.toArray()); // [0.25, 0.125]
 * ```
 */
export function sqrt(x: Operand): Variable { return record("sqrt", [x], NONE); }

/**
 * `1/x`, elementwise (`±∞` at 0). Derivative: `-1/x²`. Shape: `x`'s. Never throws.
 * @example
 * ```ts
 * import { reciprocal, variable } from "@strata/autograd";
 * const x = variable([2, 4], { requiresGrad: true });
 * reciprocal(x).sum().backward();
 * console.log(x.grad?.toArray()); // [-0.25, -0.0625]
 * ```
 */
export function reciprocal(x: Operand): Variable { return record("reciprocal", [x], NONE); }

/**
 * `|x|`, elementwise. Derivative: `sign(x)` (0 at 0). Shape: `x`'s. Never throws.
 * @example
 * ```ts
 * import { abs, variable } from "@strata/autograd";
 * const x = variable([-3, 0, 2], { requiresGrad: true });
 * abs(x).sum().backward();
 * console.log(x.grad?.toArray()); // [-1, 0, 1]
 * ```
 */
export function abs(x: Operand): Variable { return record("abs", [x], NONE); }

/**
 * `sin x`, elementwise. Derivative: `cos x`. Shape: `x`'s. Never throws.
 * @example
 * ```ts
 * import { sin, variable } from "@strata/autograd";
 * const x = variable([0], { requiresGrad: true });
 * sin(x).sum().backward();
 * console.log(x.grad?.toArray()); // [1]
 * ```
 */
export function sin(x: Operand): Variable { return record("sin", [x], NONE); }

/**
 * `cos x`, elementwise. Derivative: `-sin x`. Shape: `x`'s. Never throws.
 * @example
 * ```ts
 * import { cos, variable } from "@strata/autograd";
 * const x = variable([Math.PI / 2], { requiresGrad: true });
 * cos(x).sum().backward();
 * console.log(x.grad?.toArray()); // [-1]
 * ```
 */
export function cos(x: Operand): Variable { return record("cos", [x], NONE); }

/**
 * `tanh x`, elementwise. Derivative: `1 - tanh² x`. Shape: `x`'s. Never throws.
 * @example
 * ```ts
 * import { tanh, variable } from "@strata/autograd";
 * const x = variable([0], { requiresGrad: true });
 * tanh(x).sum().backward();
 * console.log(x.grad?.toArray()); // [1]
 * ```
 */
export function tanh(x: Operand): Variable { return record("tanh", [x], NONE); }

/**
 * `log(1 + eˣ)`, elementwise and computed stably. Derivative: `σ(x)`. Shape: `x`'s. Never throws.
 * @example
 * ```ts
 * import { softplus, variable } from "@strata/autograd";
 * const x = variable([0], { requiresGrad: true });
 * softplus(x).sum().backward();
 * console.log(x.grad?.toArray()); // [0.5]
 * ```
 */
export function softplus(x: Operand): Variable { return record("softplus", [x], NONE); }

/**
 * `-1`, `0` or `1` by the sign of `x`, elementwise. Derivative: 0 (undefined at 0). Shape: `x`'s.
 * Never throws.
 * @example
 * ```ts
 * import { sign, variable } from "@strata/autograd";
 * console.log(sign(variable([-2, 0, 5])).toArray()); // [-1, 0, 1]
 * ```
 */
export function sign(x: Operand): Variable { return record("sign", [x], NONE); }

/**
 * `⌊x⌋`: rounds down, elementwise. Derivative: 0 (undefined at integers). Shape: `x`'s. Never throws.
 * @example
 * ```ts
 * import { floor, variable } from "@strata/autograd";
 * console.log(floor(variable([1.5, -1.5])).toArray()); // [1, -2]
 * ```
 */
export function floor(x: Operand): Variable { return record("floor", [x], NONE); }

/**
 * `⌈x⌉`: rounds up, elementwise. Derivative: 0 (undefined at integers). Shape: `x`'s. Never throws.
 * @example
 * ```ts
 * import { ceil, variable } from "@strata/autograd";
 * console.log(ceil(variable([1.5, -1.5])).toArray()); // [2, -1]
 * ```
 */
export function ceil(x: Operand): Variable { return record("ceil", [x], NONE); }

/**
 * Rounds to the nearest integer, elementwise, as the tensor package's `round`. Derivative: 0
 * (undefined at the jumps). Shape: `x`'s. Never throws.
 * @example
 * ```ts
 * import { round, variable } from "@strata/autograd";
 * console.log(round(variable([1.4, 2.6])).toArray()); // [1, 3]
 * ```
 */
export function round(x: Operand): Variable { return record("round", [x], NONE); }

/**
 * `a + b` elementwise with numpy broadcasting. Derivatives: 1 and 1. The result has the broadcast
 * shape; each gradient is summed back to its input's shape.
 * @throws ShapeError when the shapes do not broadcast (numpy rules).
 * @throws DTypeError when a number outside the int32 range meets an int32 or bool operand (the
 *   result would be int32).
 * @example
 * ```ts
 * import { add, variable } from "@strata/autograd";
 * const b = variable([[1], [2]], { requiresGrad: true });
 * add(variable([[1, 2, 3], [4, 5, 6]]), b).sum().backward();
 * console.log(b.grad?.toArray()); // [[3], [3]]
 * ```
 */
export function add(a: Operand, b: Operand): Variable { return record("add", [a, b], NONE); }

/**
 * `a · b` elementwise with broadcasting. Derivatives: `b` and `a`. The result has the broadcast
 * shape; each gradient is summed back to its input's shape.
 * @throws ShapeError when the shapes do not broadcast (numpy rules).
 * @throws DTypeError when a number outside the int32 range meets an int32 or bool operand (the
 *   result would be int32).
 * @example
 * ```ts
 * import { mul, variable } from "@strata/autograd";
 * const a = variable([1, 2], { requiresGrad: true });
 * mul(a, variable([3, 4])).sum().backward();
 * console.log(a.grad?.toArray()); // [3, 4]
 * ```
 */
export function mul(a: Operand, b: Operand): Variable { return record("mul", [a, b], NONE); }

/**
 * `aᵇ` elementwise with broadcasting (int32 and bool give float32). Derivatives: `b·aᵇ⁻¹` and
 * `aᵇ·ln a` (taken as 0 where `a = 0`). The result has the broadcast shape; each gradient is
 * summed back to its input's shape.
 * @throws ShapeError when the shapes do not broadcast (numpy rules).
 * @example
 * ```ts
 * import { pow, variable } from "@strata/autograd";
 * const a = variable([2, 3], { requiresGrad: true });
 * pow(a, 2).sum().backward();
 * console.log(a.grad?.toArray()); // [4, 6]
 * ```
 */
export function pow(a: Operand, b: Operand): Variable { return record("pow", [a, b], NONE); }

/**
 * `max(a, b)` elementwise with broadcasting. Derivatives: 1 for the larger input and 0 for the
 * other, ½ each on ties. The result has the broadcast shape; each gradient is summed back to its
 * input's shape.
 * @throws ShapeError when the shapes do not broadcast (numpy rules).
 * @throws DTypeError when a number outside the int32 range meets an int32 or bool operand (the
 *   result would be int32).
 * @example
 * ```ts
 * import { maximum, variable } from "@strata/autograd";
 * const a = variable([1, 5, 2], { requiresGrad: true });
 * maximum(a, 2).sum().backward();
 * console.log(a.grad?.toArray()); // [0, 1, 0.5]
 * ```
 */
export function maximum(a: Operand, b: Operand): Variable { return record("maximum", [a, b], NONE); }

/**
 * `min(a, b)` elementwise with broadcasting. Derivatives: 1 for the smaller input and 0 for the
 * other, ½ each on ties. The result has the broadcast shape; each gradient is summed back to its
 * input's shape.
 * @throws ShapeError when the shapes do not broadcast (numpy rules).
 * @throws DTypeError when a number outside the int32 range meets an int32 or bool operand (the
 *   result would be int32).
 * @example
 * ```ts
 * import { minimum, variable } from "@strata/autograd";
 * const a = variable([1, 5, 2], { requiresGrad: true });
 * minimum(a, 2).sum().backward();
 * console.log(a.grad?.toArray()); // [1, 0, 0.5]
 * ```
 */
export function minimum(a: Operand, b: Operand): Variable { return record("minimum", [a, b], NONE); }

/**
 * `cond ? a : b` elementwise, broadcasting all three; `cond` is a bool tensor or variable and has
 * no gradient. The gradient of `a` is `g` where `cond` holds and 0 elsewhere; of `b`, the rest.
 * The result has the broadcast shape of the three; the gradients are summed back to the shapes
 * of `a` and `b`.
 * @throws DTypeError when `cond` is not bool (a number, or an int32 or float tensor: compare
 *   first, e.g. `ne(x, 0)`), or when a number outside the int32 range meets an int32 or bool
 *   operand.
 * @throws ShapeError when the shapes do not broadcast (numpy rules).
 * @example
 * ```ts
 * import { where, variable } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * const a = variable([1, 2, 3], { requiresGrad: true });
 * where(tensor([true, false, true]), a, 0).sum().backward();
 * console.log(a.grad?.toArray()); // [1, 0, 1]
 * ```
 */
export function where(cond: Operand, a: Operand, b: Operand): Variable { return record("where", [cond, a, b], NONE); }

