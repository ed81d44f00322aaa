// layerNorm as one recorded op (see norm-op.ts): the tensor package's row kernels, the composite
// under createGraph.
import * as T from "@strata/tensor";
import { layerNormComposite } from "./layer-norm-composite.js";
import { normOp } from "./norm-op.js";
import type { Operand, Variable } from "./variable.js";

/**
 * `y` of layer normalisation over the last `axes` axes of `x` (see layerNorm), recorded as one op
 * whose inputs are x and the weight and bias that are present. Arguments are checked by layerNorm.
 *
 * @internal
 */
export function layerNormOp(x: Variable, axes: number, weight: Operand | null, bias: Operand | null, eps: number): Variable {
  return normOp({
    name: "layerNorm",
    forward: (xt, wt, bt) => T.layerNormForward(xt, axes, wt, bt, eps),
    backward: (g, xt, mean, invStd, wt, inputGrad) => T.layerNormBackward(g, xt, axes, mean, invStd, wt, inputGrad),
    composite: (xv, wv, bv) => layerNormComposite(xv, axes, wv, bv, eps),
  }, x, weight, bias);
}
