// Gradients that a custom backward computed from values (plain tensors, or `.data`) while a graph
// was being built: they cannot be differentiated again, so they carry a node that refuses to be,
// naming the function, instead of passing for constants whose derivative would be a silent zero.
import { Tensor, ValueError } from "@strata/tensor";
import { Node, type GradValue } from "./node.js";
import { Variable } from "./variable.js";

/**
 * Whether the gradient `value` that a custom backward returned while recording (createGraph) was
 * computed from values only: a plain tensor always is; so is a variable that does not require
 * gradients, since backward's `grad` did (see {@link recordingGrad}) and a gradient written with
 * autograd ops is linear in it.
 */
function fromValuesOnly(value: GradValue): value is Tensor | Variable {
  return value instanceof Tensor || (value instanceof Variable && !value.requiresGrad);
}

/**
 * The `grad` a custom backward receives while recording: `g` itself when it requires gradients,
 * else the same values as a fresh variable that does, so that a gradient written with autograd
 * ops on it requires gradients too, even where its derivative is locally constant (relu's), and
 * one computed from values does not.
 *
 * @internal
 */
export function recordingGrad(g: Variable): Variable {
  return g.requiresGrad ? g : new Variable(g.data, null, true);
}

/**
 * The gradients of custom function `name` as its backward returned them, except that under
 * createGraph each wanted one computed from values only becomes a variable with that value whose
 * node throws a ValueError naming the function when a later backward pass must go through it.
 * Its edges lead to everything the true second derivative could depend on (the function's inputs
 * and `g`), so that the error comes exactly when such a pass needs it, and never otherwise.
 *
 * @internal
 */
export function guardValuesOnly(
  name: string, grads: readonly GradValue[], needs: readonly boolean[], g: Variable, inputs: readonly (Node | null)[],
): readonly GradValue[] {
  if (!grads.some((v, i) => needs[i] && fromValuesOnly(v))) return grads;
  const edges = [...new Set([...inputs, g.requiresGrad ? g.accumulator() : null].filter((n): n is Node => n !== null))];
  return grads.map((v, i) => {
    if (!needs[i] || !fromValuesOnly(v)) return v;
    const data = v instanceof Tensor ? v : v.data;
    const refuse = {
      grads(): never {
        throw new ValueError(
          `defineFunction(${name}): its backward returned values that autograd cannot differentiate (plain tensors, or variables computed from .data) as the gradient of input ${i}, so a second derivative through it is not available; write backward with @strata/autograd ops on ctx.saved and grad`,
        );
      },
    };
    const node = new Node(`${name} (gradient from values)`, edges, edges.map((e) => e.output), { shape: data.shape, dtype: data.dtype }, refuse, []);
    return new Variable(data, node);
  });
}
