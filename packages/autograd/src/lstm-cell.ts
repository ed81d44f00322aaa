// The pointwise half of an LSTM step as one recorded op: the fused kernel of the tensor package
// forward and (first order) backward; a backward that is itself being recorded (createGraph)
// differentiates the composite instead, so gradients of gradients stay right.
import * as T from "@strata/tensor";
import type { Tensor } from "@strata/tensor";
import { checkGates, checkState } from "./cell-checks.js";
import { fusedCells } from "./cell-kernels.js";
import { compositeVjp } from "./composite-vjp.js";
import { defineFunction } from "./function.js";
import { isGradEnabled } from "./mode.js";
import { lstmCellComposite } from "./recurrent-composites.js";
import { asVariable } from "./record.js";
import { concat, slice } from "./structural.js";
import type { Operand, Variable } from "./variable.js";
import { tracedCall } from "./trace.js";

/** [h' | c'] (N, 2H) from gates (N, 4H) and c (N, H), saving the gate activations. */
const lstmCellOp = defineFunction<Tensor>({
  name: "lstmCell",
  forward(ctx, gates, c) {
    const r = T.lstmCellForward(gates as Tensor, c as Tensor);
    ctx.save(gates as Tensor, c as Tensor, r.state);
    ctx.state = r.activations;
    return r.state;
  },
  backward(ctx, g) {
    const [gates, c, state] = ctx.saved as [Variable, Variable, Variable];
    const needs = ctx.needsInputGrad;
    if (!isGradEnabled() && g.dtype === gates.dtype) {
      const r = T.lstmCellBackward(g.data, ctx.state!, c.data, state.data);
      return [needs[0] ? r.gates : null, needs[1] ? r.c : null];
    }
    return compositeVjp((gs, cs) => concat(lstmCellComposite(gs!, cs!), { axis: 1 }), [gates, c], needs, g);
  },
});

/**
 * The pointwise half of an LSTM step, PyTorch's `LSTMCell` after its two matrix products: from
 * `gates = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh` `(N, 4H)`, in PyTorch's gate order i, f, g, o, and
 * the cell state `c` `(N, H)`, returns `[h', c']` with `i = σ(a_i)`, `f = σ(a_f)`,
 * `g = tanh(a_g)`, `o = σ(a_o)`, `c' = f ⊙ c + i ⊙ g` and `h' = o ⊙ tanh(c')`. Recorded as one op
 * (its two outputs are views of one `(N, 2H)` result) whose backward is the closed form
 * `dc' = dL/dc' + dL/dh'·o·(1 − tanh²c')`, `da_i = dc'·g·i(1 − i)`, `da_f = dc'·c·f(1 − f)`,
 * `da_g = dc'·i·(1 − g²)`, `da_o = dL/dh'·tanh c'·o(1 − o)`, `dc = dc'·f`; when the backward pass
 * is itself recorded (`createGraph`) it returns the gradients of the same formula composed from
 * primitives, which differentiate again. Either argument may be a strided view.
 * @throws ShapeError when gates are not 2-D with a multiple of 4 columns, or c is not (N, H).
 * @throws DTypeError when gates are not float or c's dtype differs.
 * @example
 * ```ts
 * import { lstmCellPointwise, variable } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * const gates = variable(tensor([[0, 0, 0, 0]], { dtype: "float64" }), { requiresGrad: true });
 * const [h, c] = lstmCellPointwise(gates, tensor([[2]], { dtype: "float64" }));
 * console.log(h.toArray(), c.toArray()); // [[0.3807970779778824]] [[1]]
 * c.sum().backward(); // dc'/da_f = c·f(1 − f) = 0.5, dc'/da_g = i = 0.5
 * console.log(gates.grad?.toArray()); // [[0, 0.5, 0.5, 0]]
 * ```
 */
export function lstmCellPointwise(gates: Operand, c: Operand): [Variable, Variable] {
  const op = "lstmCellPointwise";
  const [g, cv] = [asVariable(gates), asVariable(c)];
  const { n, h } = checkGates(op, "gates", g, 4);
  checkState(op, "c", cv, n, h, g.dtype);
  return tracedCall("op", op, [g, cv], {}, (): [Variable, Variable] => {
    if (!fusedCells()) return lstmCellComposite(g, cv);
    const packed = lstmCellOp(g, cv);
    return [slice(packed, null, [0, h]), slice(packed, null, [h, 2 * h])];
  });
}
