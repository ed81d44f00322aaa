// SequentialLR: epoch schedules one after another, each from its own epoch 0, switching at
// milestones (the usual warm-up, then decay).
import { ValueError } from "@strata/tensor";
import type { Optimizer } from "./optimizer.js";
import { show } from "./options.js";
import { LRScheduler, type ScheduleValues } from "./scheduler.js";

/**
 * Options of {@link SequentialLR}.
 *
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import { CosineAnnealingLR, LinearLR, SGD, type SequentialLROptions } from "@strata/optim";
 * const opt = new SGD([variable([1], { requiresGrad: true })], { lr: 0.1 });
 * const options: SequentialLROptions = {
 *   schedulers: [new LinearLR(opt, { startFactor: 0.1, totalIters: 3 }), new CosineAnnealingLR(opt, { tMax: 10 })],
 *   milestones: [3],
 * };
 * console.log(options.milestones); // [3]
 * ```
 */
export interface SequentialLROptions {
  /** The schedules in the order they run, all on the same optimiser. */
  schedulers: readonly LRScheduler[];
  /** The epochs at which the next schedule takes over: one fewer than the schedules, increasing positive integers. */
  milestones: readonly number[];
}

/**
 * Runs epoch schedules one after another (PyTorch's SequentialLR): schedule k runs from epoch
 * `milestones[k − 1]` (0 for the first) until the next milestone, counting its own epochs from 0
 * there, so at a milestone the rates restart from the new schedule's epoch-0 value. Every
 * schedule scales the base rates of the first one (the groups' rates before the schedules
 * changed them, as PyTorch's `initial_lr`), whatever the rates were when the later ones were
 * made; a OneCycleLR keeps its own (from `maxLr`). Making it sets the rates of the first schedule's epoch 0; step only the SequentialLR
 * afterwards, not the schedules it holds.
 *
 * @throws ValueError when a schedule is not an epoch schedule ({@link ReduceLROnPlateau} steps on
 *   a metric, so it cannot be sequenced), belongs to another optimiser, or when the milestones are
 *   not one fewer than the schedules, increasing positive integers.
 *
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import { CosineAnnealingLR, LinearLR, SGD, SequentialLR } from "@strata/optim";
 * const opt = new SGD([variable([1], { requiresGrad: true })], { lr: 1 });
 * const warmUp = new LinearLR(opt, { startFactor: 0.25, totalIters: 3 });
 * const decay = new CosineAnnealingLR(opt, { tMax: 2 });
 * const sched = new SequentialLR(opt, { schedulers: [warmUp, decay], milestones: [3] });
 * const lrs = [opt.lr];
 * for (let epoch = 0; epoch < 5; epoch++) { sched.step(); lrs.push(Number(opt.lr.toFixed(12))); }
 * console.log(lrs); // [0.25, 0.5, 0.75, 1, 0.5, 0]
 * ```
 */
export class SequentialLR extends LRScheduler {
  /** The schedules, in the order they run. */
  readonly schedulers: readonly LRScheduler[];
  /** The epochs at which the next schedule takes over. */
  readonly milestones: readonly number[];

  constructor(optimizer: Optimizer, options: SequentialLROptions) {
    const { schedulers, milestones } = options ?? ({} as SequentialLROptions);
    if (!Array.isArray(schedulers) || schedulers.length === 0) {
      throw new ValueError(`SequentialLR: schedulers must be a non-empty array of schedules, got ${show(schedulers)}`);
    }
    schedulers.forEach((s: unknown, i) => {
      if (!(s instanceof LRScheduler)) {
        const name = (s as { kind?: unknown })?.kind;
        const why = name === "ReduceLROnPlateau" ? "ReduceLROnPlateau steps on a metric, so it cannot be sequenced" : `got ${show(s)}`;
        throw new ValueError(`SequentialLR: schedulers[${i}] is not an epoch schedule (StepLR, LinearLR, …): ${why}`);
      }
      if (s.optimizer !== optimizer) throw new ValueError(`SequentialLR: schedulers[${i}] (${s.kind}) belongs to another optimizer than the one given`);
    });
    if (
      !Array.isArray(milestones) ||
      milestones.length !== schedulers.length - 1 ||
      !milestones.every((m, i) => Number.isInteger(m) && m >= 1 && (i === 0 || m > milestones[i - 1]!))
    ) {
      throw new ValueError(
        `SequentialLR: milestones must be ${schedulers.length - 1} increasing positive integers (one fewer than the ${schedulers.length} schedulers), got ${show(milestones)}`,
      );
    }
    const bases = [...schedulers[0]!.baseLrs];
    super("SequentialLR", optimizer, bases);
    this.schedulers = Object.freeze([...schedulers]);
    this.milestones = Object.freeze([...milestones]);
    this.#rebaseAll(bases);
    this.start();
  }

  // OneCycleLR keeps its own rates (from maxLr), as in PyTorch, where it sets initial_lr itself.
  #rebaseAll(bases: readonly number[]): void {
    for (const s of this.schedulers) if (s.kind !== "OneCycleLR") s.rebase(bases);
  }

  /** @internal */
  override rebase(baseLrs: readonly number[]): void {
    super.rebase(baseLrs);
    // called by the base constructor before the schedules are kept
    if (this.schedulers !== undefined) this.#rebaseAll(baseLrs);
  }

  /** @internal */
  override valuesAt(epoch: number): ScheduleValues {
    // the schedule whose span holds `epoch`, at its own epoch count
    let k = 0;
    while (k < this.milestones.length && this.milestones[k]! <= epoch) k++;
    return this.schedulers[k]!.valuesAt(k === 0 ? epoch : epoch - this.milestones[k - 1]!);
  }
}
