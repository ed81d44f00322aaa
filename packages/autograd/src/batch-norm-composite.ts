// Batch normalisation composed from primitives: what batchNorm computed before it had kernels of
// its own, kept as the reference its fast path is tested against and as the differentiable
// gradient its op returns when a backward pass is itself recorded (createGraph).
import type { Tensor } from "@strata/tensor";
import { add, mul, pow } from "./elementwise.js";
import { mean, square, sub } from "./composites.js";
import { reshape } from "./structural.js";
import type { Operand, Variable } from "./variable.js";

/**
 * `(x − μ)·(σ² + eps)^(−1/2)·weight + bias` over axis 1 of `x`, from primitives: μ and σ² are the
 * batch's (mean and biased variance, differentiable in x) when `statistics` is null, else the
 * given constants `(C)`. Checks nothing and updates no running statistics: batchNorm does both.
 *
 * @internal
 */
export function batchNormComposite(
  v: Variable, weight: Operand | null, bias: Operand | null, statistics: { mean: Tensor; variance: Tensor } | null, eps: number,
): Variable {
  const axes = v.shape.map((_, k) => k).filter((k) => k !== 1);
  const perChannel = v.shape.map((n, k) => (k === 1 ? n : 1)); // (1, C, 1, …): broadcasts over x
  let centred: Variable;
  let variance: Variable | Tensor;
  if (statistics === null) {
    const mu = mean(v, { axis: axes, keepDims: true });
    centred = sub(v, mu);
    variance = mean(square(centred), { axis: axes, keepDims: true });
  } else {
    centred = sub(v, statistics.mean.reshape(perChannel));
    variance = statistics.variance.reshape(perChannel);
  }
  let y = mul(centred, pow(add(variance, eps), -0.5));
  if (weight != null) y = mul(y, reshape(weight, perChannel));
  if (bias != null) y = add(y, reshape(bias, perChannel));
  return y;
}
