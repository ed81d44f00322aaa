// The activations relu, leakyRelu, sigmoid and tanh as recorded ops whose value and derivative come
// from the tensor package's one table (denseActivations): the forward runs the activation's own
// kernel, the backward evaluates the table's derivative formula over variables, so it can be
// differentiated again. @strata/nn's activations and the fused Dense kernels read the same table.
import { denseActivations, type DenseActivationDefinition, type GradientAlgebra, type Tensor } from "@strata/tensor";
import * as T from "@strata/tensor";
import { recordedFunction } from "./function.js";
import { isGradEnabled } from "./mode.js";
import { mul, sub, where } from "./ops.js";
import type { Operand, Variable } from "./variable.js";

/**
 * The {@link GradientAlgebra} over variables: the derivative formulas of the tensor package's
 * `denseActivations` evaluated with autograd's ops, so that the gradient they give is itself
 * differentiable. `positive(x)` is the constant mask `x > 0` of x's value.
 *
 * @example
 * ```ts
 * import { variableAlgebra, variable } from "@strata/autograd";
 * import { denseActivations } from "@strata/tensor";
 * const a = variable([0.5], { requiresGrad: true, dtype: "float64" });
 * const dZ = denseActivations.sigmoid.grad(variableAlgebra, variable([1], { dtype: "float64" }), a, 0);
 * dZ.sum().backward(); // d/da a(1 − a) = 1 − 2a
 * console.log(dZ.toArray(), a.grad?.toArray()); // [0.25] [0]
 * ```
 */
export const variableAlgebra: GradientAlgebra<Variable> = {
  mul: (a, b) => mul(a, b),
  rsub: (s, a) => sub(s, a),
  where: (mask, a, b) => where(mask, a, b),
  positive: (x) => T.gt(x.data, 0),
};

/** The recorded op of `def` at slope `alpha`: forward by its kernel, backward by its table row. @internal */
export function activationOp(def: DenseActivationDefinition, alpha: number): (x: Operand) => Variable {
  // unguarded: the backward is the table's formula over variables when recording (relu's
  // derivative is locally constant, so its gradient may rightly not depend on x)
  const op = recordedFunction({
    name: def.name,
    forward(ctx, x) {
      const y = def.value(x as Tensor, alpha);
      // what the derivative reads: the input Z, or the output A (kept in the graph, so the second
      // derivative flows through it)
      ctx.save(def.from === "A" ? y : (x as Tensor));
      return y;
    },
    // A first-order backward (no graph being built) needs only the values: one pass of the
    // table's derivative kernel. Building a graph, the formula runs on variables instead, so that
    // the gradient can be differentiated again.
    backward: (ctx, g) => {
      const saved = ctx.saved[0]!;
      const valuesOnly = !isGradEnabled() && g.dtype === saved.dtype && (g.dtype === "float32" || g.dtype === "float64");
      return [valuesOnly ? T.activationGradient(def.name, g.data, saved.data, alpha) : def.grad(variableAlgebra, g, saved, alpha)];
    },
  }, false);
  return (x) => op(x);
}

/** The ops of the table's activations that take no slope, made once. @internal */
export const tableOps = {
  relu: activationOp(denseActivations.relu, 0),
  sigmoid: activationOp(denseActivations.sigmoid, 0),
};
