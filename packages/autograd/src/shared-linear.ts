// One weight applied at every step of a loop (a recurrent layer's h·W_hhᵀ): each application is
// its own small op for the input's gradient, and the weight's gradient is formed once, as one
// product of all the steps' inputs and gradients, when the backward pass reaches the weight. Per
// step products with a short inner dimension (the batch) and a sum of full-size gradients cost
// about twice as much.
import * as T from "@strata/tensor";
import { ShapeError, formatShape, type Tensor } from "@strata/tensor";
import { defineFunction } from "./function.js";
import { asVariable } from "./record.js";
import { concat, matmul2d, transpose } from "./structural.js";
import type { Operand, Variable } from "./variable.js";
import { tracedCall, untraced } from "./trace.js";

/**
 * A function `x ↦ x·Wᵀ` for x `(N, in)` and `weight` W `(out, in)` (PyTorch's `F.linear` without
 * a bias) to call many times with the same W, as a loop over time steps does. Each call is
 * recorded as one op whose backward gives x's gradient `g·W`; W's gradient, `Σ_calls gᵀ·x`, is
 * computed once, as the product of the calls' stacked gradients and inputs, when the backward
 * pass reaches W (calls whose outputs get no gradient add nothing). Under `createGraph` both are
 * recorded and differentiate again.
 * @throws ShapeError (from the returned function) when x is not `(N, in)` for W's `in`.
 * @throws ShapeError when W is not 2-D.
 * @example
 * ```ts
 * import { sharedLinear, sum, variable } from "@strata/autograd";
 * const w = variable([[1, 2], [3, 4]], { requiresGrad: true });
 * const apply = sharedLinear(w);
 * const [a, b] = [apply(variable([[1, 0]])), apply(variable([[0, 2]]))];
 * console.log(a.toArray(), b.toArray()); // [[1, 3]] [[4, 8]]
 * sum(a).add(sum(b)).backward(); // Σ gᵀ·x with g all ones: each row of W gets x₁ + x₂
 * console.log(w.grad?.toArray()); // [[1, 2], [1, 2]]
 * ```
 */
export function sharedLinear(weight: Operand): (x: Operand) => Variable {
  const w = asVariable(weight);
  if (w.ndim !== 2) throw new ShapeError(`sharedLinear: weight has shape ${formatShape(w.shape)}; expected (out, in)`);
  const [out, inFeatures] = [w.shape[0]!, w.shape[1]!];
  const check = (x: Variable): void => {
    if (x.ndim !== 2 || x.shape[1] !== inFeatures) throw new ShapeError(`sharedLinear: x has shape ${formatShape(x.shape)}; expected (N, ${inFeatures}) for weight (${out}, ${inFeatures})`);
  };
  if (!w.requiresGrad) {
    return (x) => {
      const v = asVariable(x);
      check(v);
      return tracedCall("op", "sharedLinear", [v, w], {}, () => matmul2d(v, transpose(w)));
    };
  }
  // The calls' inputs and gradients, by call; the collector forms W's gradient and starts afresh.
  const inputs: Variable[] = [];
  const arrived: (Variable | null)[] = [];
  const collector = untraced(() => defineFunction({
    name: "sharedLinear",
    forward: () => T.zeros([], { dtype: w.dtype }),
    backward() {
      const used = arrived.flatMap((g, k) => (g === null ? [] : [k]));
      const grad = used.length === 0
        ? T.zeros(w.shape, { dtype: w.dtype })
        : matmul2d(transpose(concat(used.map((k) => arrived[k]!))), concat(used.map((k) => inputs[k]!)));
      arrived.fill(null);
      return [grad];
    },
  })(w));
  return (x) => {
    const v = asVariable(x);
    check(v);
    const k = inputs.length;
    inputs.push(v);
    arrived.push(null);
    return tracedCall("op", "sharedLinear", [v, w], {}, () => defineFunction({
      name: "sharedLinearCall",
      forward: (ctx, input) => {
        ctx.save(input as Tensor);
        return T.matmul(input as Tensor, w.data.T);
      },
      backward(ctx, g) {
        arrived[k] = g; // the engine sums a node's incoming gradients before it runs
        return [ctx.needsInputGrad[0] ? matmul2d(g, w) : null, T.zeros([], { dtype: w.dtype })];
      },
    })(v, collector));
  };
}
