// layerNorm as one recorded op: the forward and a first-order backward run the tensor package's
// row kernels (sums in float64); a backward that is itself being recorded (createGraph) returns
// the composite's gradients instead, so that they differentiate again.
import * as T from "@strata/tensor";
import type { Tensor } from "@strata/tensor";
import { compositeVjp } from "./composite-vjp.js";
import { defineFunction } from "./function.js";
import { layerNormComposite } from "./layer-norm-composite.js";
import { isGradEnabled } from "./mode.js";
import type { Operand, Variable } from "./variable.js";

interface State {
  mean: Tensor;
  invStd: Tensor;
}

/**
 * `y` of layer normalisation over the last `axes` axes of `x` (see layerNorm), recorded as one op
 * whose inputs are x and the weight and bias that are present. Arguments are checked by layerNorm.
 *
 * @internal
 */
export function layerNormOp(x: Variable, axes: number, weight: Operand | null, bias: Operand | null, eps: number): Variable {
  const hasWeight = weight !== null;
  const hasBias = bias !== null;
  const op = defineFunction<State>({
    name: "layerNorm",
    forward(ctx, ...inputs) {
      const xt = inputs[0] as Tensor;
      const wt = hasWeight ? (inputs[1] as Tensor) : null;
      const bt = hasBias ? (inputs[inputs.length - 1] as Tensor) : null;
      const r = T.layerNormForward(xt, axes, wt, bt, eps);
      ctx.save(...(inputs as Tensor[]));
      ctx.state = { mean: r.mean, invStd: r.invStd };
      return r.output;
    },
    backward(ctx, g) {
      const saved = ctx.saved;
      const xs = saved[0]!;
      const ws = hasWeight ? saved[1]! : null;
      const bs = hasBias ? saved[saved.length - 1]! : null;
      const needs = ctx.needsInputGrad;
      if (!isGradEnabled() && g.dtype === xs.dtype) {
        const { mean, invStd } = ctx.state!;
        const r = T.layerNormBackward(g.data, xs.data, axes, mean, invStd, ws?.data ?? null, needs[0]);
        const out: (Tensor | null)[] = [needs[0] ? r.input : null];
        if (ws) out.push(needs[1] ? r.weight.reshape(ws.shape) : null);
        if (bs) out.push(needs[saved.length - 1] ? r.bias.reshape(bs.shape) : null);
        return out;
      }
      return compositeVjp((x, ...rest) => layerNormComposite(x!, axes, hasWeight ? rest[0]! : null, hasBias ? rest[rest.length - 1]! : null, eps), saved, needs, g);
    },
  });
  const inputs: Operand[] = [x];
  if (weight !== null) inputs.push(weight);
  if (bias !== null) inputs.push(bias);
  return op(...inputs);
}
