/**
 * Optimisers and schedules (arrive with their issue).
 *
 * @packageDocumentation
 * @module @strata/optim
 */
/**
 * Placeholder until its issue lands: the package builds and exports its version.
 *
 * @example
 * ```ts
 * import { version } from "@strata/optim";
 * console.log(version); // "0.1.0"
 * ```
 */
export const version = "0.1.0";
