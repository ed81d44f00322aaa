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
 * are x and the weight and bias that are present. In training, `running` statistics are updated
 * in place by the forward kernel's work. Arguments are checked by batchNorm.
 *
 * @internal
 */
export function batchNormOp(
  x: Variable, weight: Operand | null, bias: Operand | null, statistics: BatchNormStatistics | null, eps: number,
  running: T.RunningStatistics | null = null,
): Variable {
  return normOp({
    name: "batchNorm",
    forward: (xt, wt, bt) => T.batchNormForward(xt, wt, bt, statistics, eps, running),
    backward: (g, xt, mean, invStd, wt, inputGrad) => T.batchNormBackward(g, xt, mean, invStd, wt, statistics === null, inputGrad),
    composite: (xv, wv, bv) => batchNormComposite(xv, wv, bv, statistics, eps),
  }, x, weight, bias);
}
