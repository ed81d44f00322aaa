// The pointwise halves of an LSTM and a GRU step composed from primitives: the reference the fused
// cell ops are tested against, what they differentiate when a backward pass is itself recorded
// (createGraph), and the "composite" side of bench/src/recurrent.ts.
import { add, mul, tanh } from "./elementwise.js";
import { sigmoid, sub } from "./composites.js";
import { asVariable } from "./record.js";
import { slice } from "./structural.js";
import type { Operand, Variable } from "./variable.js";

/** Gate `k` of `gates` (N, G·H): columns k·H to (k + 1)·H. */
const gate = (gates: Variable, k: number, h: number): Variable => slice(gates, null, [k * h, (k + 1) * h]);

/**
 * `[h', c']` of an LSTM step from its gates (N, 4H) in PyTorch's order i, f, g, o and the cell
 * state c (N, H): `c' = σ(a_f) ⊙ c + σ(a_i) ⊙ tanh(a_g)`, `h' = σ(a_o) ⊙ tanh(c')`. Checks
 * nothing: lstmCellPointwise does.
 *
 * @internal
 */
export function lstmCellComposite(gates: Operand, c: Operand): [Variable, Variable] {
  const g = asVariable(gates);
  const h = g.shape[1]! / 4;
  const cNew = add(mul(sigmoid(gate(g, 1, h)), c), mul(sigmoid(gate(g, 0, h)), tanh(gate(g, 2, h))));
  return [mul(sigmoid(gate(g, 3, h)), tanh(cNew)), cNew];
}

/**
 * `h'` of a GRU step from `gi = x·W_ihᵀ + b_ih` and `gh = h·W_hhᵀ + b_hh` (N, 3H) in PyTorch's
 * order r, z, n and the hidden state h (N, H): `r = σ(gi_r + gh_r)`, `z = σ(gi_z + gh_z)`,
 * `n = tanh(gi_n + r ⊙ gh_n)`, `h' = (1 − z) ⊙ n + z ⊙ h`. Checks nothing: gruCellPointwise does.
 *
 * @internal
 */
export function gruCellComposite(gi: Operand, gh: Operand, h: Operand): Variable {
  const [i, g] = [asVariable(gi), asVariable(gh)];
  const size = i.shape[1]! / 3;
  const r = sigmoid(add(gate(i, 0, size), gate(g, 0, size)));
  const z = sigmoid(add(gate(i, 1, size), gate(g, 1, size)));
  const n = tanh(add(gate(i, 2, size), mul(r, gate(g, 2, size))));
  return add(mul(sub(1, z), n), mul(z, h));
}
