// Layer normalisation composed from primitives: the reference layerNorm's kernels are tested
// against, and the differentiable gradient its op returns when a backward pass is itself recorded
// (createGraph).
import { add, mul, pow } from "./elementwise.js";
import { mean, square, sub } from "./composites.js";
import type { Operand, Variable } from "./variable.js";

/**
 * `(x − μ)·(σ² + eps)^(−1/2)·weight + bias` over the last `axes` axes of `v`, μ and σ² each row's
 * mean and biased variance (differentiable in x); weight and bias have the normalised shape and
 * broadcast over the leading axes. Checks nothing: layerNorm does.
 *
 * @internal
 */
export function layerNormComposite(v: Variable, axes: number, weight: Operand | null, bias: Operand | null, eps: number): Variable {
  const over = Array.from({ length: axes }, (_, k) => v.ndim - axes + k);
  const centred = sub(v, mean(v, { axis: over, keepDims: true }));
  const variance = mean(square(centred), { axis: over, keepDims: true });
  let y = mul(centred, pow(add(variance, eps), -0.5));
  if (weight != null) y = mul(y, weight);
  if (bias != null) y = add(y, bias);
  return y;
}
