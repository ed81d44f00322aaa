// The pointwise half of a GRU step as one recorded op: the fused kernel of the tensor package
// forward and (first order) backward; a backward that is itself being recorded (createGraph)
// differentiates the composite instead, so gradients of gradients stay right.
import * as T from "@strata/tensor";
import type { Tensor } from "@strata/tensor";
import { checkGates, checkState } from "./cell-checks.js";
import { fusedCells } from "./cell-kernels.js";
import { compositeVjp } from "./composite-vjp.js";
import { defineFunction } from "./function.js";
import { isGradEnabled } from "./mode.js";
import { gruCellComposite } from "./recurrent-composites.js";
import { asVariable } from "./record.js";
import type { Operand, Variable } from "./variable.js";
import { tracedCall } from "./trace.js";

/** h' (N, H) from gi, gh (N, 3H) and h (N, H), saving [r | z | n | hn]. */
const gruCellOp = defineFunction<Tensor>({
  name: "gruCell",
  forward(ctx, gi, gh, h) {
    const r = T.gruCellForward(gi as Tensor, gh as Tensor, h as Tensor);
    ctx.save(gi as Tensor, gh as Tensor, h as Tensor);
    ctx.state = r.saved;
    return r.h;
  },
  backward(ctx, g) {
    const inputs = ctx.saved as [Variable, Variable, Variable];
    const needs = ctx.needsInputGrad;
    if (!isGradEnabled() && g.dtype === inputs[0].dtype) {
      const r = T.gruCellBackward(g.data, ctx.state!, inputs[2].data);
      return [needs[0] ? r.gi : null, needs[1] ? r.gh : null, needs[2] ? r.h : null];
    }
    return compositeVjp((gi, gh, h) => gruCellComposite(gi!, gh!, h!), inputs, needs, g);
  },
});

/**
 * The pointwise half of a GRU step, PyTorch's `GRUCell` after its two matrix products: from
 * `gi = x·W_ihᵀ + b_ih` and `gh = h·W_hhᵀ + b_hh` `(N, 3H)`, in PyTorch's gate order r, z, n, and
 * the hidden state `h` `(N, H)`, returns `h' = (1 − z) ⊙ n + z ⊙ h` with `r = σ(gi_r + gh_r)`,
 * `z = σ(gi_z + gh_z)` and `n = tanh(gi_n + r ⊙ gh_n)`: `b_hn` is inside the product with r, as in
 * PyTorch. Recorded as one op whose backward is the closed form (`dh = g·z`,
 * `da_n = g·(1 − z)·(1 − n²)`, `da_z = g·(h − n)·z(1 − z)`, `da_r = da_n·gh_n·r(1 − r)`;
 * `dgi = [da_r, da_z, da_n]`, `dgh = [da_r, da_z, da_n·r]`); when the backward pass is itself
 * recorded (`createGraph`) it returns the composite's gradients, which differentiate again. Any
 * argument may be a strided view.
 * @throws ShapeError when gi is not 2-D with a multiple of 3 columns, or gh or h does not match it.
 * @throws DTypeError when gi is not float or another argument's dtype differs.
 * @example
 * ```ts
 * import { gruCellPointwise, variable } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * const h = variable(tensor([[4]], { dtype: "float64" }), { requiresGrad: true });
 * const zeros3 = tensor([[0, 0, 0]], { dtype: "float64" });
 * const next = gruCellPointwise(zeros3, zeros3, h); // r = z = 0.5, n = 0: h' = 0.5·h
 * next.sum().backward();
 * console.log(next.toArray(), h.grad?.toArray()); // [[2]] [[0.5]]
 * ```
 */
export function gruCellPointwise(gi: Operand, gh: Operand, h: Operand): Variable {
  const op = "gruCellPointwise";
  const [i, g, hv] = [asVariable(gi), asVariable(gh), asVariable(h)];
  const { n, h: size } = checkGates(op, "gi", i, 3);
  checkState(op, "gh", g, n, 3 * size, i.dtype);
  checkState(op, "h", hv, n, size, i.dtype);
  return tracedCall("op", op, [i, g, hv], {}, () => (fusedCells() ? gruCellOp(i, g, hv) : gruCellComposite(i, g, hv)));
}
