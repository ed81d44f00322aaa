// Learning-rate schedules: closed forms of the epoch count, written into the optimiser's lr.
import { ValueError } from "@strata/tensor";
import { Optimizer } from "./optimizer.js";

/**
 * What {@link LRScheduler.stateDict} returns: the schedule's class name, the epochs counted so far
 * and the initial learning rate it scales.
 *
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import { SGD, StepLR, type SchedulerStateDict } from "@strata/optim";
 * const sched = new StepLR(new SGD([variable([1], { requiresGrad: true })], { lr: 0.1 }), { stepSize: 2 });
 * sched.step();
 * const saved: SchedulerStateDict = sched.stateDict();
 * console.log(saved); // { kind: "StepLR", epoch: 1, baseLr: 0.1 }
 * ```
 */
export interface SchedulerStateDict {
  /** The class name: `"StepLR"`, `"ExponentialLR"`, `"CosineAnnealingLR"`. */
  kind: string;
  /** How many times `step()` has been called. */
  epoch: number;
  /** The learning rate the schedule started from. */
  baseLr: number;
}

const positive = (x: unknown): boolean => typeof x === "number" && Number.isFinite(x) && x > 0;
const show = (x: unknown): string => (typeof x === "string" ? JSON.stringify(x) : String(x));

/**
 * The base of the learning-rate schedules. It remembers the optimiser's learning rate when it
 * is created (`baseLr`) and counts epochs from 0; each {@link LRScheduler.step} adds one and sets
 * `optimizer.lr` to the schedule's closed form at that epoch (so changes made to `lr` in between
 * are overwritten). Call it once per epoch, after the epoch's optimiser steps.
 *
 * @throws ValueError from the constructor (which every subclass runs first) when `optimizer` is
 *   not an {@link Optimizer} (SGD, Adam, AdamW, RMSprop).
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import { ExponentialLR, SGD, type LRScheduler } from "@strata/optim";
 * const opt = new SGD([variable([1], { requiresGrad: true })], { lr: 1 });
 * const sched: LRScheduler = new ExponentialLR(opt, { gamma: 0.5 });
 * for (let epoch = 0; epoch < 3; epoch++) {
 *   // ... the epoch's zeroGrad / backward / opt.step() ...
 *   sched.step();
 * }
 * console.log(sched.epoch, sched.lastLr, opt.lr); // 3 0.125 0.125
 * ```
 */
export abstract class LRScheduler {
  /** The class name: `"StepLR"`, … */
  readonly kind: string;
  /** The optimiser whose `lr` this schedule sets. */
  readonly optimizer: Optimizer;
  #baseLr: number;
  #epoch = 0;
  #lastLr: number;

  /** @internal */
  protected constructor(kind: string, optimizer: Optimizer) {
    if (!(optimizer instanceof Optimizer)) throw new ValueError(`${kind}: expected an Optimizer (SGD, Adam, …), got ${show(optimizer)}`);
    this.kind = kind;
    this.optimizer = optimizer;
    this.#baseLr = optimizer.lr;
    this.#lastLr = optimizer.lr;
  }

  /** The closed form: the learning rate at `epoch` for a schedule that started at `baseLr`. @internal */
  protected abstract lrAt(epoch: number, baseLr: number): number;

  /** The optimiser's learning rate when the schedule was created (or loaded). */
  get baseLr(): number {
    return this.#baseLr;
  }
  /** The number of `step()` calls so far. */
  get epoch(): number {
    return this.#epoch;
  }
  /** The learning rate the schedule set last (`baseLr` before the first step). */
  get lastLr(): number {
    return this.#lastLr;
  }

  /**
   * Ends an epoch: counts it and sets `optimizer.lr` to the schedule's value at the new epoch.
   *
   * @throws ValueError (from the optimiser) when that value is not a finite number >= 0.
   */
  step(): void {
    const lr = this.lrAt(this.#epoch + 1, this.#baseLr);
    this.optimizer.lr = lr;
    this.#epoch += 1;
    this.#lastLr = lr;
  }

  /** The epoch count and base learning rate (plain numbers). */
  stateDict(): SchedulerStateDict {
    return { kind: this.kind, epoch: this.#epoch, baseLr: this.#baseLr };
  }

  /**
   * Restores the epoch count and base learning rate, and sets `optimizer.lr` to the schedule's
   * value at that epoch, so training resumes where it stopped.
   *
   * @throws ValueError listing the problems (wrong kind, an epoch that is not an integer >= 0, a
   *   base rate that is not a finite number >= 0); nothing is changed then.
   */
  loadStateDict(dict: SchedulerStateDict): void {
    const problems: string[] = [];
    if (dict === null || typeof dict !== "object") {
      throw new ValueError(`${this.kind}.loadStateDict: expected { kind, epoch, baseLr }, got ${show(dict)}`);
    }
    if (dict.kind !== this.kind) problems.push(`kind is ${show(dict.kind)}, expected "${this.kind}"`);
    if (!Number.isInteger(dict.epoch) || dict.epoch < 0) problems.push(`epoch must be an integer >= 0, got ${show(dict.epoch)}`);
    if (typeof dict.baseLr !== "number" || !Number.isFinite(dict.baseLr) || dict.baseLr < 0) {
      problems.push(`baseLr must be a finite number >= 0, got ${show(dict.baseLr)}`);
    }
    const lr = problems.length === 0 ? this.lrAt(dict.epoch, dict.baseLr) : 0;
    if (problems.length === 0 && !(Number.isFinite(lr) && lr >= 0)) problems.push(`the learning rate at epoch ${dict.epoch} would be ${lr}`);
    if (problems.length > 0) {
      throw new ValueError(`${this.kind}.loadStateDict: the state dict does not fit this schedule, nothing was changed:\n  - ${problems.join("\n  - ")}`);
    }
    this.optimizer.lr = lr;
    this.#epoch = dict.epoch;
    this.#baseLr = dict.baseLr;
    this.#lastLr = lr;
  }
}

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
 * Decays the learning rate by `gamma` every `stepSize` epochs:
 * `lr = baseLr·γ^⌊epoch / stepSize⌋`.
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
    if (!Number.isInteger(stepSize) || stepSize < 1) throw new ValueError(`StepLR: stepSize must be a positive integer, got ${show(stepSize)}`);
    if (!positive(gamma)) throw new ValueError(`StepLR: gamma must be a finite number > 0, got ${show(gamma)}`);
    this.stepSize = stepSize;
    this.gamma = gamma;
  }

  /** @internal */
  protected override lrAt(epoch: number, baseLr: number): number {
    return baseLr * this.gamma ** Math.floor(epoch / this.stepSize);
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
 * Decays the learning rate by `gamma` every epoch: `lr = baseLr·γ^epoch`.
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
    if (!positive(gamma)) throw new ValueError(`ExponentialLR: gamma must be a finite number > 0, got ${show(gamma)}`);
    this.gamma = gamma;
  }

  /** @internal */
  protected override lrAt(epoch: number, baseLr: number): number {
    return baseLr * this.gamma ** epoch;
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
 * Anneals the learning rate along a half cosine from `baseLr` at epoch 0 to `etaMin` at epoch
 * `tMax` (SGDR without restarts, PyTorch's closed form):
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
    if (!Number.isInteger(tMax) || tMax < 1) throw new ValueError(`CosineAnnealingLR: tMax must be a positive integer, got ${show(tMax)}`);
    if (typeof etaMin !== "number" || !Number.isFinite(etaMin) || etaMin < 0) {
      throw new ValueError(`CosineAnnealingLR: etaMin must be a finite number >= 0, got ${show(etaMin)}`);
    }
    this.tMax = tMax;
    this.etaMin = etaMin;
  }

  /** @internal */
  protected override lrAt(epoch: number, baseLr: number): number {
    return this.etaMin + ((baseLr - this.etaMin) * (1 + Math.cos((Math.PI * epoch) / this.tMax))) / 2;
  }
}
