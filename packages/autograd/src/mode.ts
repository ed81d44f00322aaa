// Grad mode: whether ops record a graph. One flag for the whole process, changed only for the
// duration of a synchronous callback, so nesting restores the outer mode on the way out.
import { ValueError } from "@strata/tensor";

let enabled = true;

/**
 * Whether ops on variables currently record the graph: true unless inside {@link noGrad} (and
 * not in an {@link enableGrad} nested within it). Never throws.
 *
 * @example
 * ```ts
 * import { isGradEnabled, noGrad } from "@strata/autograd";
 * console.log(isGradEnabled(), noGrad(() => isGradEnabled())); // true false
 * ```
 */
export function isGradEnabled(): boolean {
  return enabled;
}

function withMode<T>(op: string, mode: boolean, fn: () => T): T {
  const outer = enabled;
  enabled = mode;
  let result: T;
  try {
    result = fn();
  } finally {
    enabled = outer;
  }
  if (result !== null && typeof result === "object" && typeof (result as { then?: unknown }).then === "function") {
    // The mode was already restored when the promise's continuation runs: refuse rather than let
    // the async part record (or not record) a graph behind the caller's back.
    throw new ValueError(
      `${op}: the callback returned a Promise, but grad mode only covers synchronous code; call ${op} inside the async function around its synchronous parts`,
    );
  }
  return result;
}

/**
 * Runs `fn` without recording a graph: results of ops on variables inside it do not require
 * gradients (inference, optimiser updates). Nests with {@link enableGrad}; the outer mode is restored
 * when `fn` returns or throws. `fn` must be synchronous.
 *
 * @returns what `fn` returns.
 * @throws ValueError when `fn` returns a Promise.
 *
 * @example
 * ```ts
 * import { noGrad, variable, mul } from "@strata/autograd";
 * const w = variable([1, 2], { requiresGrad: true });
 * const y = noGrad(() => mul(w, 3));
 * console.log(y.requiresGrad, y.data.toArray()); // false [3, 6]
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  return withMode("noGrad", false, fn);
}

/**
 * Runs `fn` with graph recording on, also inside {@link noGrad} (for example to take a gradient
 * within an evaluation loop). `fn` must be synchronous.
 *
 * @returns what `fn` returns.
 * @throws ValueError when `fn` returns a Promise.
 *
 * @example
 * ```ts
 * import { enableGrad, noGrad, variable, mul } from "@strata/autograd";
 * const w = variable([1, 2], { requiresGrad: true });
 * const y = noGrad(() => enableGrad(() => mul(w, 3)));
 * console.log(y.requiresGrad); // true
 * ```
 */
export function enableGrad<T>(fn: () => T): T {
  return withMode("enableGrad", true, fn);
}

/** Runs `fn` in the given mode (the engine uses it for backward passes). @internal */
export function withGradMode<T>(mode: boolean, fn: () => T): T {
  return withMode(mode ? "enableGrad" : "noGrad", mode, fn);
}
