// Composite ops: built from primitives, so they need no row in the derivative table and their
// gradients (of any order) follow from the primitives'. Masks that are locally constant (where
// x > 0, the running maximum) are computed on values and enter as constants.
import * as T from "@strata/tensor";
import { ValueError, normalizeAxes, type AxisOptions } from "@strata/tensor";
import { add, exp, log, mul, neg, reciprocal, softplus, where } from "./elementwise.js";
import { reshape, sum } from "./structural.js";
import { asVariable, valueOf } from "./record.js";
import type { Operand, Variable } from "./variable.js";

/**
 * `a - b` with broadcasting, as `a + (-b)` (exact: IEEE subtraction is that sum).
 * @example
 * ```ts
 * import { sub, variable } from "@strata/autograd";
 * const b = variable([1, 2], { requiresGrad: true });
 * sub(10, b).sum().backward();
 * console.log(b.grad?.toArray()); // [-1, -1]
 * ```
 */
export function sub(a: Operand, b: Operand): Variable {
  return add(a, typeof b === "number" ? -b : neg(b));
}

/**
 * `a / b` with broadcasting, as `a · (1/b)`: within one rounding of the correctly rounded quotient.
 * Derivatives: `1/b` and `-a/b²`.
 * @example
 * ```ts
 * import { div, variable } from "@strata/autograd";
 * const b = variable([2, 4], { requiresGrad: true });
 * div(8, b).sum().backward();
 * console.log(b.grad?.toArray()); // [-2, -0.5]
 * ```
 */
export function div(a: Operand, b: Operand): Variable {
  return mul(a, typeof b === "number" ? 1 / b : reciprocal(b));
}

/**
 * `x²` as `x · x`. Derivative: `2x`.
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

/** The constant mask `x > 0`. */
function positive(x: Operand): T.Tensor {
  return T.gt(valueOf(x), 0);
}

/**
 * `max(x, 0)` as `where(x > 0, x, 0)`. Derivative: 1 for `x > 0`, 0 otherwise (0 at 0).
 * @example
 * ```ts
 * import { relu, variable } from "@strata/autograd";
 * const x = variable([-1, 0, 2], { requiresGrad: true });
 * relu(x).sum().backward();
 * console.log(x.grad?.toArray()); // [0, 0, 1]
 * ```
 */
export function relu(x: Operand): Variable {
  return where(positive(x), x, 0);
}

/**
 * `x` for `x > 0`, `alpha·x` otherwise (default `alpha` 0.01). Derivative: 1 or `alpha`.
 * @example
 * ```ts
 * import { leakyRelu, variable } from "@strata/autograd";
 * const x = variable([-2, 3], { requiresGrad: true, dtype: "float64" });
 * leakyRelu(x, 0.1).sum().backward();
 * console.log(x.grad?.toArray()); // [0.1, 1]
 * ```
 */
export function leakyRelu(x: Operand, alpha = 0.01): Variable {
  return where(positive(x), x, mul(x, alpha));
}

/**
 * The logistic function `σ(x) = 1/(1 + e⁻ˣ)`, as `exp(-softplus(-x))`: finite, and accurate in
 * relative terms, for every `x` (σ(-40) ≈ 4.2e-18, not 0). Derivative: `σ(x)(1 - σ(x))`.
 * @example
 * ```ts
 * import { sigmoid, variable } from "@strata/autograd";
 * const x = variable([0], { requiresGrad: true });
 * sigmoid(x).sum().backward();
 * console.log(x.grad?.toArray()); // [0.25]
 * ```
 */
export function sigmoid(x: Operand): Variable {
  return exp(neg(softplus(neg(x))));
}

/**
 * `min(max(x, min), max)`. Derivative: 1 where `min <= x <= max` (bounds included), 0 outside.
 * @throws ValueError unless `min <= max`.
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
  const v = valueOf(x);
  return where(T.lt(v, min), min, where(T.gt(v, max), max, x));
}

/** How many elements each result element of a reduction over `options.axis` covers. */
function countOf(x: Operand, options: AxisOptions): number {
  const shape = typeof x === "number" ? [] : x.shape;
  return normalizeAxes("mean", options.axis, shape.length).reduce((n: number, k: number) => n * shape[k]!, 1);
}

/**
 * Mean over `axis` (one, several, or all when omitted), as `sum · (1/n)`. Derivative: `1/n`.
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
  return mul(sum(x, options), 1 / countOf(x, options));
}

/** The maximum over `axis` with the axes kept, as a constant; non-finite maxima become 0. */
function shiftOf(x: Operand, axis: AxisOptions["axis"]): T.Tensor {
  const m = T.max(asVariable(x).data, { axis, keepDims: true });
  return T.where(T.eq(T.abs(m), Infinity), 0, m);
}

/**
 * `log Σ exp(x)` over `axis` (all when omitted), computed as `m + log Σ exp(x - m)` with `m` the
 * maximum: finite for inputs of ±1e4. Derivative: `softmax(x)` over the axis.
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
  const m = shiftOf(x, options.axis);
  const kept = add(log(sum(exp(sub(x, m)), { axis: options.axis, keepDims: true })), m);
  return options.keepDims ? kept : reshape(kept, kept.data.squeeze(normalizeAxes("logSumExp", options.axis, kept.ndim)).shape);
}

/**
 * `exp(x) / Σ exp(x)` along `axis` (required), shifted by the maximum for stability.
 * @example
 * ```ts
 * import { softmax, variable } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * const p = softmax(variable([[0, 0], [0, Math.log(3)]]), { axis: 1 });
 * console.log(p.data.allClose(tensor([[0.5, 0.5], [0.25, 0.75]]))); // true
 * ```
 */
export function softmax(x: Operand, options: { axis: number }): Variable {
  const e = exp(sub(x, shiftOf(x, options.axis)));
  return div(e, sum(e, { axis: options.axis, keepDims: true }));
}

/**
 * `x - logSumExp(x)` along `axis` (required): the log of {@link softmax}, finite for any finite input.
 * @example
 * ```ts
 * import { logSoftmax, variable } from "@strata/autograd";
 * console.log(logSoftmax(variable([0, 0], { dtype: "float64" }), { axis: 0 }).toArray()); // [-0.6931471805599453, -0.6931471805599453]
 * ```
 */
export function logSoftmax(x: Operand, options: { axis: number }): Variable {
  return sub(x, logSumExp(x, { axis: options.axis, keepDims: true }));
}

