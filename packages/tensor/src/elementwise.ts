// Elementwise ops: each function here fixes an op's contract in its documentation; the checks,
// dtype rules and broadcasting live in ./apply.ts, which hands the kernel to the dispatcher.
import type { Tensor } from "./tensor.js";
import { binary, clamp, leaky, select, unary } from "./apply.js";

/**
 * A tensor or a plain number. A number is a "weak" scalar: it adopts the tensor's dtype (see
 * {@link resultTypeWithScalar}); a number alone acts as a 0-d float32 tensor.
 * @example
 * ```ts
 * import { add, tensor, type TensorLike } from "@strata/tensor";
 * const two: TensorLike = 2;
 * console.log(add(tensor([1, 2], { dtype: "int32" }), two).dtype); // "int32"
 * ```
 */
export type TensorLike = Tensor | number;

/**
 * `a + b` elementwise with numpy broadcasting: the result has the broadcast shape of `a` and `b`
 * (a number counts as 0-d). Dtype: the promotion of `a` and `b` (bool + bool gives int32; int32
 * wraps on overflow).
 * @throws DTypeError when an operand is neither a Tensor nor a number, or an int32 result meets a
 *   number outside the int32 range.
 * @throws ShapeError when the shapes do not broadcast.
 * @example
 * ```ts
 * import { add, tensor } from "@strata/tensor";
 * console.log(add(tensor([[1], [2]]), tensor([10, 20, 30])).toArray()); // [[11, 21, 31], [12, 22, 32]]
 * ```
 */
export function add(a: TensorLike, b: TensorLike): Tensor { return binary("add", a, b, "arith"); }

/**
 * `a - b` elementwise with broadcasting. Shape and dtype as {@link add}.
 * @throws DTypeError when an operand is neither a Tensor nor a number, or an int32 result meets a
 *   number outside the int32 range.
 * @throws ShapeError when the shapes do not broadcast.
 * @example
 * ```ts
 * import { sub, tensor } from "@strata/tensor";
 * console.log(sub(10, tensor([1, 2])).toArray()); // [9, 8]
 * ```
 */
export function sub(a: TensorLike, b: TensorLike): Tensor { return binary("sub", a, b, "arith"); }

/**
 * `a · b` elementwise with broadcasting. Shape and dtype as {@link add}; int32 products wrap
 * modulo 2^32 exactly (as numpy's int32).
 * @throws DTypeError when an operand is neither a Tensor nor a number, or an int32 result meets a
 *   number outside the int32 range.
 * @throws ShapeError when the shapes do not broadcast.
 * @example
 * ```ts
 * import { mul, tensor } from "@strata/tensor";
 * const y = mul(tensor([1, 2, 3], { dtype: "int32" }), 2);
 * console.log(y.toArray(), y.dtype); // [2, 4, 6] "int32"
 * ```
 */
export function mul(a: TensorLike, b: TensorLike): Tensor { return binary("mul", a, b, "arith"); }

/**
 * True division `a / b` with broadcasting (shape as {@link add}); `x/0` is ±Infinity or NaN as in
 * IEEE 754. Dtype: float32 for int32 and bool inputs, else the promotion.
 * @throws DTypeError when an operand is neither a Tensor nor a number.
 * @throws ShapeError when the shapes do not broadcast.
 * @example
 * ```ts
 * import { div, tensor } from "@strata/tensor";
 * const y = div(tensor([1, 3], { dtype: "int32" }), 2);
 * console.log(y.toArray(), y.dtype); // [0.5, 1.5] "float32"
 * ```
 */
export function div(a: TensorLike, b: TensorLike): Tensor { return binary("div", a, b, "float"); }

/**
 * `a ** b` elementwise with broadcasting (shape as {@link add}), as `Math.pow` (so `1 ** NaN` is
 * NaN, and a negative base with a fractional exponent is NaN). Dtype: float32 for int32 and bool
 * inputs, else the promotion.
 * @throws DTypeError when an operand is neither a Tensor nor a number.
 * @throws ShapeError when the shapes do not broadcast.
 * @example
 * ```ts
 * import { pow, tensor } from "@strata/tensor";
 * console.log(pow(tensor([2, 3]), 2).toArray(), pow(2, tensor([3])).toArray()); // [4, 9] [8]
 * ```
 */
export function pow(a: TensorLike, b: TensorLike): Tensor { return binary("pow", a, b, "float"); }

/**
 * The larger of `a` and `b` elementwise, with broadcasting; NaN wins (as numpy's `maximum`).
 * Shape and dtype as {@link add}.
 * @throws DTypeError when an operand is neither a Tensor nor a number, or an int32 result meets a
 *   number outside the int32 range.
 * @throws ShapeError when the shapes do not broadcast.
 * @example
 * ```ts
 * import { maximum, tensor } from "@strata/tensor";
 * console.log(maximum(tensor([1, 5]), tensor([4, 2])).toArray()); // [4, 5]
 * ```
 */
export function maximum(a: TensorLike, b: TensorLike): Tensor { return binary("maximum", a, b, "arith"); }

/**
 * The smaller of `a` and `b` elementwise, with broadcasting; NaN wins. Shape and dtype as
 * {@link add}.
 * @throws DTypeError when an operand is neither a Tensor nor a number, or an int32 result meets a
 *   number outside the int32 range.
 * @throws ShapeError when the shapes do not broadcast.
 * @example
 * ```ts
 * import { minimum, tensor } from "@strata/tensor";
 * console.log(minimum(tensor([1, 5]), tensor([4, 2])).toArray()); // [1, 2]
 * ```
 */
export function minimum(a: TensorLike, b: TensorLike): Tensor { return binary("minimum", a, b, "arith"); }

/**
 * `a == b` elementwise with broadcasting (shape as {@link add}), comparing the numeric values (NaN
 * equals nothing). Dtype: bool.
 * @throws DTypeError when an operand is neither a Tensor nor a number.
 * @throws ShapeError when the shapes do not broadcast.
 * @example
 * ```ts
 * import { eq, tensor } from "@strata/tensor";
 * const m = eq(tensor([1, 2, 3]), 2);
 * console.log(m.toArray(), m.dtype); // [0, 1, 0] "bool"
 * ```
 */
export function eq(a: TensorLike, b: TensorLike): Tensor { return binary("eq", a, b, "bool"); }

/**
 * `a != b` elementwise with broadcasting (NaN differs from everything). Shape as {@link add};
 * dtype: bool.
 * @throws DTypeError when an operand is neither a Tensor nor a number.
 * @throws ShapeError when the shapes do not broadcast.
 * @example
 * ```ts
 * import { ne, tensor } from "@strata/tensor";
 * console.log(ne(tensor([1, 2, 3]), 2).toArray()); // [1, 0, 1]
 * ```
 */
export function ne(a: TensorLike, b: TensorLike): Tensor { return binary("ne", a, b, "bool"); }

/**
 * `a < b` elementwise with broadcasting (false where either is NaN). Shape as {@link add}; dtype:
 * bool.
 * @throws DTypeError when an operand is neither a Tensor nor a number.
 * @throws ShapeError when the shapes do not broadcast.
 * @example
 * ```ts
 * import { lt, tensor } from "@strata/tensor";
 * console.log(lt(tensor([1, 2, 3]), 2).toArray()); // [1, 0, 0]
 * ```
 */
export function lt(a: TensorLike, b: TensorLike): Tensor { return binary("lt", a, b, "bool"); }

/**
 * `a <= b` elementwise with broadcasting (false where either is NaN). Shape as {@link add};
 * dtype: bool.
 * @throws DTypeError when an operand is neither a Tensor nor a number.
 * @throws ShapeError when the shapes do not broadcast.
 * @example
 * ```ts
 * import { le, tensor } from "@strata/tensor";
 * console.log(le(tensor([1, 2, 3]), 2).toArray()); // [1, 1, 0]
 * ```
 */
export function le(a: TensorLike, b: TensorLike): Tensor { return binary("le", a, b, "bool"); }

/**
 * `a > b` elementwise with broadcasting (false where either is NaN). Shape as {@link add}; dtype:
 * bool.
 * @throws DTypeError when an operand is neither a Tensor nor a number.
 * @throws ShapeError when the shapes do not broadcast.
 * @example
 * ```ts
 * import { gt, tensor } from "@strata/tensor";
 * console.log(gt(tensor([1, 2, 3]), 2).toArray()); // [0, 0, 1]
 * ```
 */
export function gt(a: TensorLike, b: TensorLike): Tensor { return binary("gt", a, b, "bool"); }

/**
 * `a >= b` elementwise with broadcasting (false where either is NaN). Shape as {@link add};
 * dtype: bool.
 * @throws DTypeError when an operand is neither a Tensor nor a number.
 * @throws ShapeError when the shapes do not broadcast.
 * @example
 * ```ts
 * import { ge, tensor } from "@strata/tensor";
 * console.log(ge(tensor([1, 2, 3]), 2).toArray()); // [0, 1, 1]
 * ```
 */
export function ge(a: TensorLike, b: TensorLike): Tensor { return binary("ge", a, b, "bool"); }

/**
 * Logical and with broadcasting; an operand is true where it is not 0 (NaN is true). Shape as
 * {@link add}; dtype: bool.
 * @throws DTypeError when an operand is neither a Tensor nor a number.
 * @throws ShapeError when the shapes do not broadcast.
 * @example
 * ```ts
 * import { logicalAnd, tensor } from "@strata/tensor";
 * console.log(logicalAnd(tensor([true, true, false]), tensor([2, 0, 2])).toArray()); // [1, 0, 0]
 * ```
 */
export function logicalAnd(a: TensorLike, b: TensorLike): Tensor { return binary("logicalAnd", a, b, "bool"); }

/**
 * Logical or with broadcasting; an operand is true where it is not 0 (NaN is true). Shape as
 * {@link add}; dtype: bool.
 * @throws DTypeError when an operand is neither a Tensor nor a number.
 * @throws ShapeError when the shapes do not broadcast.
 * @example
 * ```ts
 * import { logicalOr, tensor } from "@strata/tensor";
 * console.log(logicalOr(tensor([true, false, false]), tensor([0, 3, 0])).toArray()); // [1, 1, 0]
 * ```
 */
export function logicalOr(a: TensorLike, b: TensorLike): Tensor { return binary("logicalOr", a, b, "bool"); }

/**
 * Logical not: true where `x` is 0 (NaN counts as true, so its negation is false). Shape as
 * {@link exp}; dtype: bool.
 * @throws DTypeError when `x` is neither a Tensor nor a number.
 * @example
 * ```ts
 * import { logicalNot, tensor } from "@strata/tensor";
 * console.log(logicalNot(tensor([0, 2, NaN])).toArray()); // [1, 0, 0]
 * ```
 */
export function logicalNot(x: TensorLike): Tensor { return unary("logicalNot", x, "bool"); }

/**
 * `-x`. Shape as {@link exp}; dtype: as `x`, bool gives int32 (int32 wraps: `-(-2^31)` is
 * `-2^31`).
 * @throws DTypeError when `x` is neither a Tensor nor a number.
 * @example
 * ```ts
 * import { neg, tensor } from "@strata/tensor";
 * console.log(neg(tensor([1, -2])).toArray()); // [-1, 2]
 * ```
 */
export function neg(x: TensorLike): Tensor { return unary("neg", x, "arith"); }

/**
 * `|x|`. Shape as {@link exp}; dtype: as `x`, bool gives int32.
 * @throws DTypeError when `x` is neither a Tensor nor a number.
 * @example
 * ```ts
 * import { abs, tensor } from "@strata/tensor";
 * console.log(abs(tensor([-1.5, 2])).toArray()); // [1.5, 2]
 * ```
 */
export function abs(x: TensorLike): Tensor { return unary("abs", x, "arith"); }

/**
 * -1, 0 or 1 by the sign of `x` (NaN stays NaN). Shape as {@link exp}; dtype: as `x`, bool
 * gives int32.
 * @throws DTypeError when `x` is neither a Tensor nor a number.
 * @example
 * ```ts
 * import { sign, tensor } from "@strata/tensor";
 * console.log(sign(tensor([-3, 0, 2])).toArray()); // [-1, 0, 1]
 * ```
 */
export function sign(x: TensorLike): Tensor { return unary("sign", x, "arith"); }

/**
 * `e^x` elementwise: the result has the shape of `x` (0-d for a number). Dtype: float32 for
 * int32 and bool, else as `x`.
 * @throws DTypeError when `x` is neither a Tensor nor a number.
 * @example
 * ```ts
 * import { exp, tensor } from "@strata/tensor";
 * console.log(exp(tensor([0, 1], { dtype: "float64" })).toArray()); // [1, 2.718281828459045]
 * ```
 */
export function exp(x: TensorLike): Tensor { return unary("exp", x, "float"); }

/**
 * Natural logarithm; `log(0)` is -Infinity, negative `x` gives NaN. Shape and dtype as {@link exp}.
 * @throws DTypeError when `x` is neither a Tensor nor a number.
 * @example
 * ```ts
 * import { log, tensor } from "@strata/tensor";
 * console.log(log(tensor([1, Math.E], { dtype: "float64" })).toArray()); // [0, 1]
 * ```
 */
export function log(x: TensorLike): Tensor { return unary("log", x, "float"); }

/**
 * `log(1 + x)`, accurate for tiny `x` where `log(add(1, x))` loses every digit. Shape and dtype
 * as {@link exp}.
 * @throws DTypeError when `x` is neither a Tensor nor a number.
 * @example
 * ```ts
 * import { log1p, tensor } from "@strata/tensor";
 * console.log(log1p(tensor([0, 1e-20], { dtype: "float64" })).toArray()); // [0, 1e-20]
 * ```
 */
export function log1p(x: TensorLike): Tensor { return unary("log1p", x, "float"); }

/**
 * Square root; negative `x` gives NaN. Shape and dtype as {@link exp}.
 * @throws DTypeError when `x` is neither a Tensor nor a number.
 * @example
 * ```ts
 * import { sqrt, tensor } from "@strata/tensor";
 * console.log(sqrt(tensor([4, 9])).toArray()); // [2, 3]
 * ```
 */
export function sqrt(x: TensorLike): Tensor { return unary("sqrt", x, "float"); }

/**
 * `x · x`. Shape as {@link exp}; dtype: as `x`, bool gives int32 (int32 wraps on overflow).
 * @throws DTypeError when `x` is neither a Tensor nor a number.
 * @example
 * ```ts
 * import { square, tensor } from "@strata/tensor";
 * console.log(square(tensor([-3, 2], { dtype: "int32" })).toArray()); // [9, 4]
 * ```
 */
export function square(x: TensorLike): Tensor { return unary("square", x, "arith"); }

/**
 * `1 / x` (±Infinity at 0). Shape and dtype as {@link exp}.
 * @throws DTypeError when `x` is neither a Tensor nor a number.
 * @example
 * ```ts
 * import { reciprocal, tensor } from "@strata/tensor";
 * console.log(reciprocal(tensor([2, 4], { dtype: "int32" })).toArray()); // [0.5, 0.25]
 * ```
 */
export function reciprocal(x: TensorLike): Tensor { return unary("reciprocal", x, "float"); }

/**
 * Sine of `x` in radians. Shape and dtype as {@link exp}.
 * @throws DTypeError when `x` is neither a Tensor nor a number.
 * @example
 * ```ts
 * import { sin, tensor } from "@strata/tensor";
 * console.log(sin(tensor([0, Math.PI / 2], { dtype: "float64" })).toArray()); // [0, 1]
 * ```
 */
export function sin(x: TensorLike): Tensor { return unary("sin", x, "float"); }

/**
 * Cosine of `x` in radians. Shape and dtype as {@link exp}.
 * @throws DTypeError when `x` is neither a Tensor nor a number.
 * @example
 * ```ts
 * import { cos, tensor } from "@strata/tensor";
 * console.log(cos(tensor([0, Math.PI], { dtype: "float64" })).toArray()); // [1, -1]
 * ```
 */
export function cos(x: TensorLike): Tensor { return unary("cos", x, "float"); }

/**
 * `max(x, 0)` (NaN stays NaN; negative inputs give +0). Shape as {@link exp}; dtype: as `x`,
 * bool gives int32.
 * @throws DTypeError when `x` is neither a Tensor nor a number.
 * @example
 * ```ts
 * import { relu, tensor } from "@strata/tensor";
 * console.log(relu(tensor([-1, 0, 2])).toArray()); // [0, 0, 2]
 * ```
 */
export function relu(x: TensorLike): Tensor { return unary("relu", x, "arith"); }

/**
 * `x > 0 ? x : alpha · x`, alpha 0.01 by default. Shape and dtype as {@link exp}.
 * @throws ValueError when `alpha` is not a finite number (checked first).
 * @throws DTypeError when `x` is neither a Tensor nor a number.
 * @example
 * ```ts
 * import { leakyRelu, tensor } from "@strata/tensor";
 * console.log(leakyRelu(tensor([-2, 3]), 0.5).toArray()); // [-1, 3]
 * ```
 */
export function leakyRelu(x: TensorLike, alpha = 0.01): Tensor { return leaky(x, alpha); }

/**
 * `1 / (1 + e^-x)`, computed so that no exponential overflows: ±1e4 give exactly 1 and 0, never
 * NaN. Shape and dtype as {@link exp}.
 * @throws DTypeError when `x` is neither a Tensor nor a number.
 * @example
 * ```ts
 * import { sigmoid, tensor } from "@strata/tensor";
 * console.log(sigmoid(tensor([0, -1e4, 1e4])).toArray()); // [0.5, 0, 1]
 * ```
 */
export function sigmoid(x: TensorLike): Tensor { return unary("sigmoid", x, "float"); }

/**
 * Hyperbolic tangent (±1 for large |x|). Shape and dtype as {@link exp}.
 * @throws DTypeError when `x` is neither a Tensor nor a number.
 * @example
 * ```ts
 * import { tanh, tensor } from "@strata/tensor";
 * console.log(tanh(tensor([0, 1e4, -1e4])).toArray()); // [0, 1, -1]
 * ```
 */
export function tanh(x: TensorLike): Tensor { return unary("tanh", x, "float"); }

/**
 * `log(1 + e^x)`, computed as `max(x, 0) + log1p(e^-|x|)` so that it neither overflows for large
 * `x` (softplus(1e4) = 1e4) nor loses the tail for very negative `x`. Shape and dtype as {@link exp}.
 * @throws DTypeError when `x` is neither a Tensor nor a number.
 * @example
 * ```ts
 * import { softplus, tensor } from "@strata/tensor";
 * console.log(softplus(tensor([0, -1e4, 1e4], { dtype: "float64" })).toArray()); // [0.6931471805599453, 0, 10000]
 * ```
 */
export function softplus(x: TensorLike): Tensor { return unary("softplus", x, "float"); }

/**
 * The largest integer `<= x`. Shape as {@link exp}; dtype: as `x` (floats stay floats), bool
 * gives int32.
 * @throws DTypeError when `x` is neither a Tensor nor a number.
 * @example
 * ```ts
 * import { floor, tensor } from "@strata/tensor";
 * console.log(floor(tensor([-1.5, 1.5])).toArray()); // [-2, 1]
 * ```
 */
export function floor(x: TensorLike): Tensor { return unary("floor", x, "arith"); }

/**
 * The smallest integer `>= x`. Shape and dtype as {@link floor}.
 * @throws DTypeError when `x` is neither a Tensor nor a number.
 * @example
 * ```ts
 * import { ceil, tensor } from "@strata/tensor";
 * console.log(ceil(tensor([-1.5, 1.5])).toArray()); // [-1, 2]
 * ```
 */
export function ceil(x: TensorLike): Tensor { return unary("ceil", x, "arith"); }

/**
 * The nearest integer, halves to the even neighbour as in numpy and PyTorch ("banker's
 * rounding": 0.5 → 0, 1.5 → 2, 2.5 → 2), unlike `Math.round`, which rounds halves up. Shape and
 * dtype as {@link floor}.
 * @throws DTypeError when `x` is neither a Tensor nor a number.
 * @example
 * ```ts
 * import { round, tensor } from "@strata/tensor";
 * console.log(round(tensor([0.5, 1.5, 2.5, -1.5, 2.6])).toArray()); // [0, 2, 2, -2, 3]
 * ```
 */
export function round(x: TensorLike): Tensor { return unary("round", x, "arith"); }

/**
 * `cond ? a : b` elementwise, broadcasting all three: the result has the broadcast shape of
 * `cond`, `a` and `b`. `cond` must be a bool tensor (or a boolean); write `x.ne(0)` to use numbers
 * as a mask. Dtype: the promotion of `a` and `b` (numbers weak; bool with bool stays bool).
 * @throws DTypeError when `cond` is neither a bool tensor nor a boolean, when `a` or `b` is
 *   neither a Tensor nor a number, or when an int32 result meets a number outside the int32 range.
 * @throws ShapeError when the three shapes do not broadcast.
 * @example
 * ```ts
 * import { where, tensor } from "@strata/tensor";
 * const x = tensor([-1, 2, -3]);
 * console.log(where(x.gt(0), x, 0).toArray()); // [0, 2, 0]
 * ```
 */
export function where(cond: TensorLike | boolean, a: TensorLike, b: TensorLike): Tensor { return select(cond, a, b); }

/**
 * `min(max(x, min), max)` elementwise (NaN stays NaN); ±Infinity leaves a side open. Shape as
 * {@link exp}. Dtype: as `x` (bool gives int32), float32 when `x` is int32 or bool and a finite
 * bound is fractional.
 * @throws DTypeError when `x` is neither a Tensor nor a number, or when the result is int32 and a
 *   finite bound lies outside the int32 range (`clip(x, 3e9, 4e9)` on an int32 `x`; cast `x` to
 *   float64 first).
 * @throws ValueError unless `min` and `max` are numbers with `min <= max` (NaN fails).
 * @example
 * ```ts
 * import { clip, tensor } from "@strata/tensor";
 * console.log(clip(tensor([-2, 0.5, 3]), 0, 1).toArray()); // [0, 0.5, 1]
 * ```
 */
export function clip(x: TensorLike, min: number, max: number): Tensor { return clamp(x, min, max); }
