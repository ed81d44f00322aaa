// The L2 weight penalty of the course's regularised cost.
import { add, mul, sum, type Variable } from "@strata/autograd";
import { ValueError } from "@strata/tensor";
import { Dense } from "./dense.js";
import type { Module } from "./module.js";

/**
 * The L2 penalty `(λ / 2m) · Σ_l ‖W[l]‖²` over the weights of every Dense layer in `model` (biases
 * are not penalised), as a scalar variable to add to the cost. Its gradient adds `(λ/m)·W[l]` to
 * each dW[l], which is weight decay.
 *
 * @throws ValueError when λ is negative or not finite, m is not a positive integer, or the model
 *   has no Dense layer.
 * @example
 * ```ts
 * import { Dense, l2Penalty } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const layer = new Dense(2, 1);
 * layer.loadStateDict({ W: tensor([[3, 4]]), b: tensor([[1]]) });
 * // (0.2 / 10) · (3² + 4²)
 * console.log(l2Penalty(layer, { lambda: 0.2, m: 5 }).item()); // 0.5
 * ```
 */
export function l2Penalty(model: Module, options: { lambda: number; m: number }): Variable {
  const { lambda, m } = options;
  if (typeof lambda !== "number" || !(lambda >= 0) || !Number.isFinite(lambda)) throw new ValueError(`l2Penalty: lambda must be a finite number ≥ 0, got ${String(lambda)}`);
  if (!Number.isInteger(m) || m < 1) throw new ValueError(`l2Penalty: m must be the number of examples, an integer ≥ 1, got ${String(m)}`);
  const weights = model.modules().filter((x): x is Dense => x instanceof Dense).map((d) => d.W);
  if (weights.length === 0) throw new ValueError("l2Penalty: the model has no Dense layer whose weights could be penalised");
  const squares = weights.map((W) => sum(mul(W, W)));
  return mul(squares.reduce((a, b) => add(a, b)), lambda / (2 * m));
}
