// batchNorm as one recorded op (see norm-op.ts): the tensor package's whole-tensor kernels, the
// composite under createGraph.
import * as T from "@strata/tensor";
import type { Tensor } from "@strata/tensor";
import { batchNormComposite } from "./batch-norm-composite.js";
import { normOp } from "./norm-op.js";
import type { Operand, Variable } from "./variable.js";

/** Per-channel constants to normalise by (the running statistics, in evaluation). @internal */
export interface BatchNormStatistics {
  mean: Tensor;
  variance: Tensor;
}

/**
 * `y` of batch normalisation over axis 1 of `x` (see batchNorm), recorded as one op whose inputs
 * are x and the weight and bias that are present; also the batch's float64 mean and biased
 * variance (or the given statistics) for the running averages. Arguments are checked by batchNorm.
 *
 * @internal
 */
export function batchNormOp(
  x: Variable, weight: Operand | null, bias: Operand | null, statistics: BatchNormStatistics | null, eps: number,
): { y: Variable; mean: Tensor; variance: Tensor } {
  let stats: T.BatchNormForward | undefined;
  const y = normOp({
    name: "batchNorm",
    forward: (xt, wt, bt) => (stats = T.batchNormForward(xt, wt, bt, statistics, eps)),
    backward: (g, xt, mean, invStd, wt, inputGrad) => T.batchNormBackward(g, xt, mean, invStd, wt, statistics === null, inputGrad),
    composite: (xv, wv, bv) => batchNormComposite(xv, wv, bv, statistics, eps),
  }, x, weight, bias);
  return { y, mean: stats!.mean, variance: stats!.variance };
}
