/**
 * Layers, losses and the deep L-layer network (arrives with its issue).
 *
 * @packageDocumentation
 * @module @strata/nn
 */
/**
 * Placeholder until its issue lands: the package builds and exports its version.
 *
 * @example
 * ```ts
 * import { version } from "@strata/nn";
 * console.log(version); // "0.1.0"
 * ```
 */
export const version = "0.1.0";
