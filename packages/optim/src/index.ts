/**
 * Optimisers that update parameters in place from their gradients (`SGD`, `Adam`, `AdamW`,
 * `RMSprop`), learning-rate schedules (`StepLR`, `ExponentialLR`, `CosineAnnealingLR`),
 * gradient clipping (`clipGradNorm`), and state dicts to save and resume training.
 *
 * @packageDocumentation
 * @module @strata/optim
 */
export { Optimizer, type OptimizerStateDict, type ParamState } from "./optimizer.js";
export { SGD, type SGDOptions } from "./sgd.js";
export { Adam, AdamW, type AdamOptions } from "./adam.js";
export { RMSprop, type RMSpropOptions } from "./rmsprop.js";
export {
  LRScheduler,
  StepLR,
  ExponentialLR,
  CosineAnnealingLR,
  type SchedulerStateDict,
  type StepLROptions,
  type ExponentialLROptions,
  type CosineAnnealingLROptions,
} from "./schedule.js";
export { clipGradNorm, type ClipGradNormOptions } from "./clip.js";
