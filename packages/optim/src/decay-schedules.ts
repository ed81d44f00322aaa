// The decaying schedules: StepLR, ExponentialLR and CosineAnnealingLR, closed forms of the epoch
// and of each group's base rate.
import type { Optimizer } from "./optimizer.js";
import { LRScheduler, finite, need, positiveInt, type ScheduleValues } from "./scheduler.js";

/**
 * Options of {@link StepLR}.
 *
 * @example
 * ```ts
 * import type { StepLROptions } from "@strata/optim";
 * const options: StepLROptions = { stepSize: 30, gamma: 0.1 };
 * console.log(options.stepSize); // 30
 * ```
 */
export interface StepLROptions {
  /** Epochs between decays: a positive integer. */
  stepSize: number;
  /** The factor of each decay: finite, > 0 (default 0.1). */
  gamma?: number;
}

/**
 * Decays each parameter group's learning rate by `gamma` every `stepSize` epochs:
 * `lr = baseLr·γ^⌊epoch / stepSize⌋`, with the group's own base rate.
 *
 * @throws ValueError for a stepSize that is not a positive integer or a gamma that is not a
 *   finite number > 0.
 *
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import { SGD, StepLR } from "@strata/optim";
 * const opt = new SGD([variable([1], { requiresGrad: true })], { lr: 1 });
 * const sched = new StepLR(opt, { stepSize: 2, gamma: 0.5 });
 * const lrs = [opt.lr];
 * for (let epoch = 0; epoch < 5; epoch++) { sched.step(); lrs.push(opt.lr); }
 * console.log(lrs); // [1, 1, 0.5, 0.5, 0.25, 0.25]
 * ```
 */
export class StepLR extends LRScheduler {
  /** Epochs between decays. */
  readonly stepSize: number;
  /** The factor of each decay. */
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: StepLROptions) {
    super("StepLR", optimizer);
    const { stepSize, gamma = 0.1 } = options ?? ({} as StepLROptions);
    need("StepLR", "stepSize", positiveInt(stepSize), "a positive integer", stepSize);
    need("StepLR", "gamma", finite(gamma, 0, true), "a finite number > 0", gamma);
    this.stepSize = stepSize;
    this.gamma = gamma;
    this.start();
  }

  /** @internal */
  override valuesAt(epoch: number): ScheduleValues {
    return { lrs: this.baseLrs.map((base) => base * this.gamma ** Math.floor(epoch / this.stepSize)) };
  }
}

/**
 * Options of {@link ExponentialLR}.
 *
 * @example
 * ```ts
 * import type { ExponentialLROptions } from "@strata/optim";
 * const options: ExponentialLROptions = { gamma: 0.95 };
 * console.log(options.gamma); // 0.95
 * ```
 */
export interface ExponentialLROptions {
  /** The factor per epoch: finite, > 0. Required. */
  gamma: number;
}

/**
 * Decays each parameter group's learning rate by `gamma` every epoch: `lr = baseLr·γ^epoch`,
 * with the group's own base rate.
 *
 * @throws ValueError for a gamma that is not a finite number > 0.
 *
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import { ExponentialLR, SGD } from "@strata/optim";
 * const opt = new SGD([variable([1], { requiresGrad: true })], { lr: 0.8 });
 * const sched = new ExponentialLR(opt, { gamma: 0.5 });
 * sched.step();
 * sched.step();
 * console.log(opt.lr); // 0.2
 * ```
 */
export class ExponentialLR extends LRScheduler {
  /** The factor per epoch. */
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: ExponentialLROptions) {
    super("ExponentialLR", optimizer);
    const gamma = options?.gamma;
    need("ExponentialLR", "gamma", finite(gamma, 0, true), "a finite number > 0", gamma);
    this.gamma = gamma;
    this.start();
  }

  /** @internal */
  override valuesAt(epoch: number): ScheduleValues {
    return { lrs: this.baseLrs.map((base) => base * this.gamma ** epoch) };
  }
}

/**
 * Options of {@link CosineAnnealingLR}.
 *
 * @example
 * ```ts
 * import type { CosineAnnealingLROptions } from "@strata/optim";
 * const options: CosineAnnealingLROptions = { tMax: 50, etaMin: 1e-5 };
 * console.log(options.tMax); // 50
 * ```
 */
export interface CosineAnnealingLROptions {
  /** The epochs of the half cosine from `baseLr` down to `etaMin`: a positive integer. */
  tMax: number;
  /** The smallest learning rate: finite, >= 0 (default 0). */
  etaMin?: number;
}

/**
 * Anneals each parameter group's learning rate along a half cosine from its base rate at epoch 0
 * to `etaMin` at epoch `tMax` (SGDR without restarts, PyTorch's closed form):
 * `lr = etaMin + (baseLr − etaMin)·(1 + cos(π·epoch/tMax))/2`. Past `tMax` the cosine continues,
 * so the rate climbs back towards `baseLr` (epoch 2·tMax).
 *
 * @throws ValueError for a tMax that is not a positive integer or an etaMin that is not a finite
 *   number >= 0.
 *
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import { CosineAnnealingLR, SGD } from "@strata/optim";
 * const opt = new SGD([variable([1], { requiresGrad: true })], { lr: 1 });
 * const sched = new CosineAnnealingLR(opt, { tMax: 2 });
 * const lrs = [opt.lr];
 * for (let epoch = 0; epoch < 4; epoch++) { sched.step(); lrs.push(Number(opt.lr.toFixed(12))); }
 * console.log(lrs); // [1, 0.5, 0, 0.5, 1]
 * ```
 */
export class CosineAnnealingLR extends LRScheduler {
  /** The epochs from `baseLr` down to `etaMin`. */
  readonly tMax: number;
  /** The smallest learning rate. */
  readonly etaMin: number;

  constructor(optimizer: Optimizer, options: CosineAnnealingLROptions) {
    super("CosineAnnealingLR", optimizer);
    const { tMax, etaMin = 0 } = options ?? ({} as CosineAnnealingLROptions);
    need("CosineAnnealingLR", "tMax", positiveInt(tMax), "a positive integer", tMax);
    need("CosineAnnealingLR", "etaMin", finite(etaMin, 0), "a finite number >= 0", etaMin);
    this.tMax = tMax;
    this.etaMin = etaMin;
    this.start();
  }

  /** @internal */
  override valuesAt(epoch: number): ScheduleValues {
    const { etaMin, tMax } = this;
    return { lrs: this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * epoch) / tMax))) / 2) };
  }
}
