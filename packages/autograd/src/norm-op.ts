// A normalisation (batchNorm, layerNorm) as one recorded op over its inputs x and the weight and
// bias that are present: the forward and a first-order backward run the tensor package's kernels
// (sums in float64); a backward that is itself being recorded (createGraph) returns the
// composite's gradients instead, so that they differentiate again.
import type { Tensor } from "@strata/tensor";
import { compositeVjp } from "./composite-vjp.js";
import { recordedFunction } from "./function.js";
import { isGradEnabled } from "./mode.js";
import type { Operand, Variable } from "./variable.js";

/** What the kernels of one normalisation compute, and the composite they stand for. @internal */
export interface NormKernels {
  name: string;
  forward(x: Tensor, weight: Tensor | null, bias: Tensor | null): { output: Tensor; mean: Tensor; invStd: Tensor };
  backward(grad: Tensor, x: Tensor, mean: Tensor, invStd: Tensor, weight: Tensor | null, inputGrad: boolean): { input: Tensor | null; weight: Tensor; bias: Tensor };
  composite(x: Variable, weight: Variable | null, bias: Variable | null): Variable;
}

interface State {
  mean: Tensor;
  invStd: Tensor;
}

/**
 * The op of `kernels` applied to x, weight and bias (either may be null). Arguments are checked by
 * the caller.
 *
 * @internal
 */
export function normOp(kernels: NormKernels, x: Variable, weight: Operand | null, bias: Operand | null): Variable {
  const hasWeight = weight !== null;
  const hasBias = bias !== null;
  const split = <V>(inputs: readonly V[]): [V, V | null, V | null] => [inputs[0]!, hasWeight ? inputs[1]! : null, hasBias ? inputs[inputs.length - 1]! : null];
  // unguarded: under createGraph the gradients are the composite's, written with autograd ops
  const op = recordedFunction<State>({
    name: kernels.name,
    forward(ctx, ...inputs) {
      const [xt, wt, bt] = split(inputs as Tensor[]);
      const r = kernels.forward(xt, wt, bt);
      ctx.save(...(inputs as Tensor[]));
      ctx.state = { mean: r.mean, invStd: r.invStd };
      return r.output;
    },
    backward(ctx, g) {
      const saved = ctx.saved;
      const [xs, ws, bs] = split(saved);
      const needs = ctx.needsInputGrad;
      if (!isGradEnabled() && g.dtype === xs.dtype) {
        const { mean, invStd } = ctx.state!;
        const r = kernels.backward(g.data, xs.data, mean, invStd, ws?.data ?? null, needs[0]!);
        const out: (Tensor | null)[] = [needs[0] ? r.input : null];
        if (ws) out.push(needs[1] ? r.weight.reshape(ws.shape) : null);
        if (bs) out.push(needs[saved.length - 1] ? r.bias.reshape(bs.shape) : null);
        return out;
      }
      return compositeVjp((...vs) => kernels.composite(...split(vs)), saved, needs, g);
    },
  }, false);
  const inputs: Operand[] = [x];
  if (weight !== null) inputs.push(weight);
  if (bias !== null) inputs.push(bias);
  return op(...inputs);
}
