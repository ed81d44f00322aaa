// batchNorm as one recorded op: the forward and a first-order backward run the tensor package's
// whole-tensor kernels (a few passes, sums in float64); a backward that is itself being recorded
// (createGraph) returns the composite's gradients instead, so that they differentiate again.
import * as T from "@strata/tensor";
import type { Tensor } from "@strata/tensor";
import { batchNormComposite } from "./batch-norm-composite.js";
import { compositeVjp } from "./composite-vjp.js";
import { recordedFunction } from "./function.js";
import { isGradEnabled } from "./mode.js";
import type { Operand, Variable } from "./variable.js";

/** Per-channel constants to normalise by (the running statistics, in evaluation). @internal */
export interface BatchNormStatistics {
  mean: Tensor;
  variance: Tensor;
}

interface State {
  mean: Tensor;
  invStd: Tensor;
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
  const hasWeight = weight !== null;
  // unguarded: recording, the gradients are the composite's (constant in x in evaluation mode)
  const op = recordedFunction<State>({
    name: "batchNorm",
    forward(ctx, ...inputs) {
      const [xt, wt, bt] = [inputs[0] as Tensor, hasWeight ? (inputs[1] as Tensor) : null, bias !== null ? (inputs[inputs.length - 1] as Tensor) : null];
      stats = T.batchNormForward(xt, wt, bt, statistics, eps);
      ctx.save(...(inputs as Tensor[]));
      ctx.state = { mean: stats.mean, invStd: stats.invStd };
      return stats.output;
    },
    backward(ctx, g) {
      const saved = ctx.saved;
      const xs = saved[0]!;
      const ws = hasWeight ? saved[1]! : null;
      const bs = bias !== null ? saved[saved.length - 1]! : null;
      const needs = ctx.needsInputGrad;
      if (!isGradEnabled() && g.dtype === xs.dtype) {
        const { mean, invStd } = ctx.state!;
        const r = T.batchNormBackward(g.data, xs.data, mean, invStd, ws?.data ?? null, statistics === null, needs[0]);
        const out = [needs[0] ? r.input : null];
        if (ws) out.push(needs[1] ? r.weight : null);
        if (bs) out.push(needs[saved.length - 1] ? r.bias : null);
        return out;
      }
      return compositeVjp((x, ...rest) => batchNormComposite(x!, hasWeight ? rest[0]! : null, bias !== null ? rest[rest.length - 1]! : null, statistics, eps), saved, needs, g);
    },
  }, false);
  const inputs: Operand[] = [x];
  if (weight !== null) inputs.push(weight);
  if (bias !== null) inputs.push(bias);
  const y = op(...inputs);
  return { y, mean: stats!.mean, variance: stats!.variance };
}
