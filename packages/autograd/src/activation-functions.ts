// Activations of torch.nn.functional beyond the activation table, composed from primitives so
// that their gradients of every order follow: GELU (exact, through the erf primitive, or its
// tanh approximation), SiLU, hardtanh and ReLU6. Their masks (inside the hardtanh interval) are
// locally constant, so they are computed on values.
import * as T from "@strata/tensor";
import { DTypeError, ValueError } from "@strata/tensor";
import { add, mul, tanh, where } from "./elementwise.js";
import { sigmoid } from "./composites.js";
import { record, valueOf } from "./record.js";
import { tracedCall } from "./trace.js";
import type { Operand, Variable } from "./variable.js";

/**
 * The error function `erf(x) = 2/√π ∫₀ˣ e^(−t²) dt`, elementwise, by the tensor package's `erf`
 * (float64 to a few ulps). Derivative: `2/√π · e^(−x²)`. Shape: `x`'s; int32 and bool give float32.
 * Never throws.
 * @example
 * ```ts
 * import { erf, variable } from "@strata/autograd";
 * const x = variable([0, 1], { requiresGrad: true, dtype: "float64" });
 * const y = erf(x);
 * y.sum().backward();
 * console.log(y.toArray(), x.grad?.toArray()); // [0, 0.8427007929497149] [1.1283791670955126, 0.4151074974205947]
 * ```
 */
export function erf(x: Operand): Variable { return record("erf", [x], {}); }

/**
 * Options of {@link gelu}: `approximate` is `"none"` (the default, exact) or `"tanh"`, as PyTorch's
 * `F.gelu(input, approximate=...)`.
 *
 * @example
 * ```ts
 * import { gelu, variable, type GeluOptions } from "@strata/autograd";
 * const options: GeluOptions = { approximate: "tanh" };
 * console.log(gelu(variable([1], { dtype: "float64" }), options).toArray()); // [0.8411919906082768]
 * ```
 */
export interface GeluOptions {
  /** `"none"`: `x·Φ(x)` with the exact normal CDF; `"tanh"`: its tanh approximation. */
  approximate?: "none" | "tanh";
}

const SQRT1_2 = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * The Gaussian error linear unit, elementwise, as PyTorch's `F.gelu`:
 * `gelu(x) = x·Φ(x) = x/2 · (1 + erf(x/√2))` (Φ the standard normal CDF), or with
 * `approximate: "tanh"`, `x/2 · (1 + tanh(√(2/π)·(x + 0.044715·x³)))`. Derivative (exact form):
 * `Φ(x) + x·φ(x)` with `φ(x) = e^(−x²/2)/√(2π)`, from the composed primitives (so it
 * differentiates again). Finite for every finite x: `gelu(−1e4) = −0`, `gelu(1e4) = 1e4`.
 * Shape: `x`'s; int32 and bool give float32.
 * @throws ValueError when `approximate` is neither `"none"` nor `"tanh"`.
 * @example
 * ```ts
 * import { gelu, variable } from "@strata/autograd";
 * const x = variable([-1, 0, 1], { requiresGrad: true, dtype: "float64" });
 * const y = gelu(x);
 * y.sum().backward();
 * console.log(y.toArray()); // [-0.15865525393145696, 0, 0.841344746068543]
 * console.log(x.grad?.toArray()); // [-0.08331547058768635, 0.5, 1.0833154705876864]
 * ```
 */
export function gelu(x: Operand, options: GeluOptions = {}): Variable {
  const approximate: unknown = options.approximate ?? "none";
  const half = mul(x, 0.5);
  if (approximate === "none") return mul(half, add(erf(mul(x, SQRT1_2)), 1));
  if (approximate === "tanh") return mul(half, add(tanh(mul(add(x, mul(mul(mul(x, x), x), 0.044715)), SQRT_2_OVER_PI)), 1));
  throw new ValueError(`gelu: approximate must be "none" or "tanh", got ${JSON.stringify(approximate) ?? String(approximate)}`);
}

/**
 * The sigmoid linear unit (swish), elementwise, as PyTorch's `F.silu`: `silu(x) = x·σ(x)`.
 * Derivative: `σ(x)·(1 + x·(1 − σ(x)))`, from the composed ops. Finite for every finite x.
 * Shape: `x`'s. Never throws.
 * @example
 * ```ts
 * import { silu, variable } from "@strata/autograd";
 * const x = variable([0, 1], { requiresGrad: true, dtype: "float64" });
 * const y = silu(x);
 * y.sum().backward();
 * console.log(y.toArray(), x.grad?.toArray()); // [0, 0.7310585786300049] [0.5, 0.9276705118714867]
 * ```
 */
export function silu(x: Operand): Variable {
  return mul(x, sigmoid(x));
}

/**
 * `min(max(x, minVal), maxVal)`, elementwise, as PyTorch's `F.hardtanh(input, min_val, max_val)`
 * (defaults −1 and 1). Derivative: 1 strictly inside `(minVal, maxVal)`, 0 outside and at the
 * bounds (as PyTorch's). Shape: `x`'s.
 * @throws ValueError unless `minVal < maxVal`, both finite numbers.
 * @throws DTypeError when `x` is int32 or bool (PyTorch refuses them too; cast first).
 * @example
 * ```ts
 * import { hardtanh, variable } from "@strata/autograd";
 * const x = variable([-2, -1, 0.5, 3], { requiresGrad: true });
 * const y = hardtanh(x);
 * y.sum().backward();
 * console.log(y.toArray(), x.grad?.toArray()); // [-1, -1, 0.5, 1] [0, 0, 1, 0]
 * ```
 */
export function hardtanh(x: Operand, minVal = -1, maxVal = 1): Variable {
  return clamped("hardtanh", x, minVal, maxVal);
}

/**
 * `min(max(x, 0), 6)`, elementwise, as PyTorch's `F.relu6`: {@link hardtanh} with bounds 0 and 6,
 * so its derivative is 1 on `(0, 6)` and 0 elsewhere (0 at 0, as relu's). Shape: `x`'s.
 * @throws DTypeError when `x` is int32 or bool (cast first).
 * @example
 * ```ts
 * import { relu6, variable } from "@strata/autograd";
 * console.log(relu6(variable([-1, 3, 7])).toArray()); // [0, 3, 6]
 * ```
 */
export function relu6(x: Operand): Variable {
  return clamped("relu6", x, 0, 6);
}

/**
 * x inside the open interval (min, max), the constant bound outside and at it: the derivative is
 * the open interval's mask. Reported to a trace as one op (its mask and bounds are computed on
 * values, which an exporter could not follow), with its bounds as attributes.
 */
function clamped(op: string, x: Operand, min: number, max: number): Variable {
  if (typeof min !== "number" || typeof max !== "number" || !Number.isFinite(min) || !Number.isFinite(max) || !(min < max)) {
    throw new ValueError(`${op}: expected finite bounds minVal < maxVal, got minVal = ${String(min)} and maxVal = ${String(max)}`);
  }
  const v = valueOf(x);
  if (typeof v !== "number" && !T.isFloatDType(v.dtype)) throw new DTypeError(`${op}: x is ${v.dtype}; expected float32 or float64 (cast it first)`);
  return tracedCall("op", op, [x], { min, max }, () => {
    const inside = T.logicalAnd(T.gt(v, min), T.lt(v, max));
    return where(inside, x, T.clip(v, min, max));
  });
}
