/**
 * Optimisers that update parameters in place from their gradients (`SGD`, `Adam`, `AdamW`,
 * `RMSprop`), with PyTorch's parameter groups (options per group); learning-rate schedules that
 * act on every group (`StepLR`, `ExponentialLR`, `CosineAnnealingLR`, `LambdaLR`, `LinearLR`,
 * `SequentialLR`, `ReduceLROnPlateau`, `OneCycleLR`); gradient clipping (`clipGradNorm`); and
 * state dicts to save and resume training.
 *
 * @packageDocumentation
 * @module @strata/optim
 */
export { Optimizer } from "./optimizer.js";
export { type ParamGroup, type ParamGroupInput } from "./param-groups.js";
export { type OptimizerStateDict, type ParamState, type ParamGroupState } from "./state-dict.js";
export { SGD, type SGDOptions, type SGDParamGroup } from "./sgd.js";
export { Adam, AdamW, type AdamOptions, type AdamParamGroup } from "./adam.js";
export { RMSprop, type RMSpropOptions, type RMSpropParamGroup } from "./rmsprop.js";
export { LRScheduler, type SchedulerStateDict } from "./scheduler.js";
export {
  StepLR,
  ExponentialLR,
  CosineAnnealingLR,
  type StepLROptions,
  type ExponentialLROptions,
  type CosineAnnealingLROptions,
} from "./decay-schedules.js";
export { LambdaLR, LinearLR, type LambdaLROptions, type LinearLROptions } from "./factor-schedules.js";
export { SequentialLR, type SequentialLROptions } from "./sequential.js";
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions, type ReduceLROnPlateauStateDict } from "./plateau.js";
export { OneCycleLR, type OneCycleLROptions } from "./one-cycle.js";
export { clipGradNorm, type ClipGradNormOptions } from "./clip.js";
