// The gradient a fused op returns when its backward is itself being recorded (createGraph): its
// kernels give numbers only, so the op differentiates the composite it fuses instead. That
// composite is built on stand-ins for the op's inputs, not on the inputs themselves: an input may
// be computed from another (a GRU's gh from h, a norm's weight from x), and the gradient an op
// returns must be the partial one in each argument; the engine adds the paths between inputs.
import { gradients } from "./engine.js";
import { isGradEnabled } from "./mode.js";
import { clone } from "./shapes.js";
import type { Variable } from "./variable.js";

/**
 * `gradᵀ·∂composite/∂inputs[i]` for every input with `needs[i]`, null for the others, as
 * variables that differentiate again while grad mode is on.
 *
 * @internal
 */
export function compositeVjp(
  composite: (...inputs: Variable[]) => Variable,
  inputs: readonly Variable[],
  needs: readonly boolean[],
  grad: Variable,
): (Variable | null)[] {
  const standIns = inputs.map((v) => clone(v));
  const wanted = standIns.filter((_, i) => needs[i]);
  if (wanted.length === 0) return inputs.map(() => null);
  const grads = gradients([composite(...standIns)], wanted, { gradOutputs: [grad], createGraph: isGradEnabled() });
  let k = 0;
  return standIns.map((_, i) => (needs[i] ? grads[k++]! : null));
}
