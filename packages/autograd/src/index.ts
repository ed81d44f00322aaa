/**
 * Reverse-mode automatic differentiation over @strata/tensor (arrives with its issue).
 *
 * @packageDocumentation
 * @module @strata/autograd
 */
/**
 * Placeholder until its issue lands: the package builds and exports its version.
 *
 * @example
 * ```ts
 * import { version } from "@strata/autograd";
 * console.log(version); // "0.1.0"
 * ```
 */
export const version = "0.1.0";
