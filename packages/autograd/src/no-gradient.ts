// "No gradient" said out loud. An input that has no derivative (integer indices, a condition that
// only selects) is marked with the reason, so that asking for its gradient is an error naming the
// op, the input and the reason, never a gradient of zero that trains nothing without a word.
import { ValueError } from "@strata/tensor";

/**
 * The marker of an input that has no gradient, with the reason; made by {@link noGradient}.
 * Backward throws a ValueError naming the op, the input and this reason when the gradient of
 * such an input is needed (the input requires gradients). Never throws.
 *
 * @example
 * ```ts
 * import { noGradient, type NoGradient } from "@strata/autograd";
 * const marker: NoGradient = noGradient("integer indices");
 * console.log(marker.reason); // integer indices
 * ```
 */
export class NoGradient {
  /** @internal Made by {@link noGradient}, which checks the reason. */
  constructor(
    /** Why the input has no gradient, as backward's error message says it. */
    readonly reason: string,
  ) {}
}

/**
 * Says that an input has no gradient, and why: a row of the derivative table uses it for inputs
 * such as gather's indices or where's condition, and a custom function's backward
 * ({@link defineFunction}) may return it in place of a gradient. Unlike `null`, which a backward
 * may return only for an input whose gradient is not wanted, the marker makes backward throw a
 * ValueError naming the op, the input and `reason` when that input's gradient is needed.
 *
 * @param reason - a short phrase, shown in the error after the input's name (e.g. "integer indices").
 * @throws ValueError when `reason` is not a non-empty string.
 * @example
 * ```ts
 * import { defineFunction, mul, noGradient, variable } from "@strata/autograd";
 * import type { Tensor } from "@strata/tensor";
 * // x scaled by a step count k: k is a count, not a value to differentiate
 * const scaleBySteps = defineFunction({
 *   name: "scaleBySteps",
 *   forward: (ctx, x, k) => { ctx.save(k as Tensor); return (x as Tensor).mul(k as Tensor); },
 *   backward: (ctx, g) => [mul(g, ctx.saved[0]!), noGradient("a step count")],
 * });
 * const x = variable([1, 2], { requiresGrad: true });
 * const k = variable([3, 3], { requiresGrad: true });
 * try {
 *   scaleBySteps(x, k).sum().backward();
 * } catch (e) {
 *   console.log((e as Error).message.startsWith("backward: scaleBySteps has no gradient with respect to input 1 (a step count)")); // true
 * }
 * ```
 */
export function noGradient(reason: string): NoGradient {
  if (typeof reason !== "string" || reason.trim() === "") {
    throw new ValueError(`noGradient: the reason must be a non-empty string, got ${JSON.stringify(reason) ?? String(reason)}`);
  }
  return new NoGradient(reason);
}
