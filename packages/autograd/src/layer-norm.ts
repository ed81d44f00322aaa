// Layer normalisation as PyTorch's F.layer_norm: its arguments checked, then one op (row kernels,
// with the composite's gradients when a backward is recorded).
import { DTypeError, ShapeError, Tensor, ValueError, formatShape, isFloatDType } from "@strata/tensor";
import { layerNormOp } from "./layer-norm-op.js";
import { asVariable } from "./record.js";
import { Variable, type Operand } from "./variable.js";
import { tracedCall } from "./trace.js";

/**
 * Options of {@link layerNorm}, as PyTorch's `F.layer_norm(..., eps)`: `eps` (default 1e-5) is
 * added to the variance before its square root.
 *
 * @example
 * ```ts
 * import { layerNorm, variable, type LayerNormOptions } from "@strata/autograd";
 * const options: LayerNormOptions = { eps: 0 };
 * console.log(layerNorm(variable([[1, 3]]), [2], null, null, options).toArray()); // [[-1, 1]]
 * ```
 */
export interface LayerNormOptions {
  /** Added to the variance for stability, ≥ 0 (default 1e-5). */
  eps?: number;
}

/** The normalised shape as a list of sizes, checked. */
function shapeOf(normalizedShape: unknown): number[] {
  const shape = typeof normalizedShape === "number" ? [normalizedShape] : normalizedShape;
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new ValueError(`layerNorm: normalizedShape must be a size or a non-empty list of sizes (integers ≥ 0), got ${JSON.stringify(normalizedShape)}`);
  }
  return shape as number[];
}

/** A weight or bias: absent, or a float operand of exactly the normalised shape. */
function checkAffine(name: string, value: unknown, x: Variable, shape: readonly number[]): void {
  if (value === null || value === undefined) return;
  if (!(value instanceof Tensor) && !(value instanceof Variable)) {
    throw new ValueError(`layerNorm: ${name} must be a Variable, a Tensor or null, got ${typeof value === "object" ? (value.constructor?.name ?? "an object") : typeof value}`);
  }
  if (value.ndim !== shape.length || value.shape.some((n, k) => n !== shape[k])) {
    throw new ShapeError(`layerNorm: ${name} has shape ${formatShape(value.shape)}; expected the normalized shape ${formatShape(shape)}`);
  }
  if (value.dtype !== x.dtype) throw new DTypeError(`layerNorm: ${name} is ${value.dtype} but the input is ${x.dtype}; expected the same float dtype`);
}

/**
 * Layer normalisation over the last `normalizedShape.length` axes of `x`, as PyTorch's
 * `F.layer_norm`: `y = (x − μ) / √(σ² + eps) · weight + bias`, μ and σ² the mean and *biased*
 * variance (divided by D, the number of normalised values) of each position of the leading axes.
 * `normalizedShape` is a size or a list of sizes that must equal x's trailing axes; `weight` (γ)
 * and `bias` (β), of that shape, are optional (absent: 1 and 0) and apply elementwise. Gradients
 * flow to `x`, `weight` and `bias`. The forward and a first-order backward are one op on
 * whole-tensor kernels (sums in float64; `dx = invStd·(gγ − mean(gγ) − x̂·mean(gγ·x̂))` per row,
 * `dγ = Σ g·x̂`, `dβ = Σ g` over the rows); a backward recorded with `createGraph` gives the
 * gradients of the same formula composed from primitives, so they differentiate again.
 * Shape and dtype: `x`'s.
 * @throws ShapeError when x's trailing axes are not `normalizedShape`, or a weight or bias is not of that shape.
 * @throws DTypeError when `x` is not float, or a weight's or bias's dtype differs from `x`'s.
 * @throws ValueError for a `normalizedShape` that is not a size or a non-empty list of sizes, or an eps that is negative or not finite.
 * @example
 * ```ts
 * import { layerNorm, variable } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * const x = variable([[1, 3], [10, 14]], { dtype: "float64", requiresGrad: true });
 * const y = layerNorm(x, [2], tensor([1, 2], { dtype: "float64" }), null, { eps: 0 });
 * console.log(y.toArray()); // [[-1, 2], [-1, 2]]
 * y.sum().backward();
 * console.log(x.grad?.toArray()); // [[0, 0], [0, 0]]
 * ```
 */
export function layerNorm(
  x: Operand, normalizedShape: number | readonly number[], weight?: Operand | null, bias?: Operand | null, options: LayerNormOptions = {},
): Variable {
  const v = asVariable(x);
  const shape = shapeOf(normalizedShape);
  if (!isFloatDType(v.dtype)) throw new DTypeError(`layerNorm: input is ${v.dtype}; expected float32 or float64`);
  const tail = v.shape.slice(v.ndim - shape.length);
  if (v.ndim < shape.length || tail.some((n, k) => n !== shape[k])) {
    throw new ShapeError(`layerNorm: expected input (…, ${shape.join(", ")}) whose trailing axes are the normalized shape ${formatShape(shape)}, got ${formatShape(v.shape)}`);
  }
  checkAffine("weight", weight, v, shape);
  checkAffine("bias", bias, v, shape);
  const { eps = 1e-5 } = options;
  if (typeof eps !== "number" || !(eps >= 0) || !Number.isFinite(eps)) throw new ValueError(`layerNorm: eps must be a finite number >= 0, got ${String(eps)}`);
  return tracedCall("op", "layerNorm", [v, weight ?? null, bias ?? null], { normalizedShape: shape, eps }, () => layerNormOp(v, shape.length, weight ?? null, bias ?? null, eps));
}
