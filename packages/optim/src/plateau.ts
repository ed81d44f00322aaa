// ReduceLROnPlateau: cuts the learning rates when a watched metric stops improving.
import { ValueError, refuseRecording } from "@strata/tensor";
import { Optimizer } from "./optimizer.js";
import { show } from "./options.js";
import { finite, groupsOf, need, perGroup } from "./scheduler.js";

/**
 * Options of {@link ReduceLROnPlateau}.
 *
 * @example
 * ```ts
 * import type { ReduceLROnPlateauOptions } from "@strata/optim";
 * const options: ReduceLROnPlateauOptions = { mode: "max", patience: 3, factor: 0.5 };
 * console.log(options.mode); // max
 * ```
 */
export interface ReduceLROnPlateauOptions {
  /** `"min"` (default): the metric should go down (a loss); `"max"`: up (an accuracy). */
  mode?: "min" | "max";
  /** The factor each cut multiplies the rates by, in [0, 1) (default 0.1). */
  factor?: number;
  /** The epochs without improvement to wait before cutting: an integer >= 0 (default 10). */
  patience?: number;
  /** How much better than the best a metric must be to count, finite >= 0 (default 1e-4). */
  threshold?: number;
  /** `"rel"` (default): better than best·(1 ∓ threshold); `"abs"`: better than best ∓ threshold. */
  thresholdMode?: "rel" | "abs";
  /** The epochs after a cut during which bad epochs are not counted: an integer >= 0 (default 0). */
  cooldown?: number;
  /** The smallest rate, one for every group or one per group, finite >= 0 (default 0). */
  minLr?: number | readonly number[];
  /** A cut smaller than this is not made, finite >= 0 (default 1e-8). */
  eps?: number;
}

/**
 * What {@link ReduceLROnPlateau.stateDict} returns: its counters. The rates themselves are in the
 * optimiser's state dict. `best` is ±Infinity before the first metric (JSON writes it as null,
 * which loads back as the same).
 *
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import { ReduceLROnPlateau, SGD, type ReduceLROnPlateauStateDict } from "@strata/optim";
 * const sched = new ReduceLROnPlateau(new SGD([variable([1], { requiresGrad: true })], { lr: 0.1 }));
 * sched.step(0.5);
 * const saved: ReduceLROnPlateauStateDict = sched.stateDict();
 * console.log(saved); // { kind: "ReduceLROnPlateau", epoch: 1, best: 0.5, numBadEpochs: 0, cooldownCounter: 0 }
 * ```
 */
export interface ReduceLROnPlateauStateDict {
  /** `"ReduceLROnPlateau"`. */
  kind: string;
  /** How many times `step(metric)` has been called. */
  epoch: number;
  /** The best metric so far (null in a dict read from JSON before any metric). */
  best: number | null;
  /** Epochs since the last improvement (reset by a cut and during cooldown). */
  numBadEpochs: number;
  /** Epochs of cooldown left. */
  cooldownCounter: number;
}

/**
 * Cuts every parameter group's learning rate by `factor` when a metric has not improved for more
 * than `patience` epochs (PyTorch's ReduceLROnPlateau). Each `step(metric)` compares the metric
 * with the best so far: in mode `"min"` it improves when below `best·(1 − threshold)`
 * (`thresholdMode` `"rel"`) or `best − threshold` (`"abs"`); in mode `"max"` when above
 * `best·(1 + threshold)` or `best + threshold`. After `patience` + 1 epochs in a row without
 * improvement, each group's rate becomes `max(lr·factor, minLr)` (unless that changes it by no more
 * than `eps`), the count restarts, and bad epochs are not counted for `cooldown` epochs. It acts on
 * the groups' current rates, so it composes with rates set by hand.
 *
 * @throws ValueError from the constructor for an option out of range (naming it) or a `minLr`
 *   array without one value per group; from `step` for a metric that is not a number or is NaN.
 *
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import { ReduceLROnPlateau, SGD } from "@strata/optim";
 * const opt = new SGD([variable([1], { requiresGrad: true })], { lr: 0.1 });
 * const sched = new ReduceLROnPlateau(opt, { patience: 1, factor: 0.5 });
 * for (const loss of [1, 0.8, 0.8, 0.8, 0.7]) sched.step(loss); // the third 0.8 is the second bad epoch
 * console.log(sched.getLastLr()); // [0.05]
 * ```
 */
export class ReduceLROnPlateau {
  /** `"ReduceLROnPlateau"`. */
  readonly kind = "ReduceLROnPlateau";
  /** The optimiser whose groups' rates are cut. */
  readonly optimizer: Optimizer;
  /** Whether the metric should go down (`"min"`) or up (`"max"`). */
  readonly mode: "min" | "max";
  /** The factor of each cut. */
  readonly factor: number;
  /** Bad epochs tolerated before a cut. */
  readonly patience: number;
  /** The margin of an improvement. */
  readonly threshold: number;
  /** Whether the margin is relative or absolute. */
  readonly thresholdMode: "rel" | "abs";
  /** Epochs after a cut without counting. */
  readonly cooldown: number;
  /** The smallest rate of each group. */
  readonly minLrs: readonly number[];
  /** The smallest cut made. */
  readonly eps: number;
  #epoch = 0;
  #best: number;
  #bad = 0;
  #cooldownCounter = 0;
  #lastLrs: number[];

  constructor(optimizer: Optimizer, options: ReduceLROnPlateauOptions = {}) {
    const kind = "ReduceLROnPlateau";
    if (!(optimizer instanceof Optimizer)) throw new ValueError(`${kind}: expected an Optimizer (SGD, Adam, …), got ${show(optimizer)}`);
    const { mode = "min", factor = 0.1, patience = 10, threshold = 1e-4, thresholdMode = "rel", cooldown = 0, minLr = 0, eps = 1e-8 } = options ?? {};
    need(kind, "mode", mode === "min" || mode === "max", '"min" or "max"', mode);
    need(kind, "factor", finite(factor, 0) && factor < 1, "in [0, 1)", factor);
    need(kind, "patience", Number.isInteger(patience) && patience >= 0, "an integer >= 0", patience);
    need(kind, "threshold", finite(threshold, 0), "a finite number >= 0", threshold);
    need(kind, "thresholdMode", thresholdMode === "rel" || thresholdMode === "abs", '"rel" or "abs"', thresholdMode);
    need(kind, "cooldown", Number.isInteger(cooldown) && cooldown >= 0, "an integer >= 0", cooldown);
    need(kind, "eps", finite(eps, 0), "a finite number >= 0", eps);
    this.optimizer = optimizer;
    this.minLrs = Object.freeze(perGroup(kind, "minLr", minLr, optimizer.paramGroups.length, (x) => finite(x, 0), "a finite number >= 0"));
    this.mode = mode;
    this.factor = factor;
    this.patience = patience;
    this.threshold = threshold;
    this.thresholdMode = thresholdMode;
    this.cooldown = cooldown;
    this.eps = eps;
    this.#best = this.#worst();
    this.#lastLrs = optimizer.paramGroups.map((g) => g.lr);
  }

  #worst(): number {
    return this.mode === "min" ? Infinity : -Infinity;
  }

  #isBetter(a: number, best: number): boolean {
    const { mode, threshold } = this;
    if (this.thresholdMode === "rel") return mode === "min" ? a < best * (1 - threshold) : a > best * (1 + threshold);
    return mode === "min" ? a < best - threshold : a > best + threshold;
  }

  /** The number of `step(metric)` calls so far. */
  get epoch(): number {
    return this.#epoch;
  }

  /** The rates after the last step, one per group (the groups' rates when made, before any step). */
  getLastLr(): number[] {
    return [...this.#lastLrs];
  }

  /**
   * Ends an epoch with the value of the watched metric (a validation loss, an accuracy): counts
   * it as an improvement or a bad epoch, and cuts the rates when the bad epochs exceed `patience`.
   * A compiled step that calls it is refused (the metric would be frozen): call it between steps.
   *
   * @throws ValueError when `metric` is not a number or is NaN (nothing is counted then), or when
   *   the optimiser's number of groups changed since the schedule was made.
   */
  step(metric: number): void {
    refuseRecording(`${this.kind}.step(metric): the metric is a JavaScript number that a replay would not read again; call it outside the compiled step`);
    if (typeof metric !== "number" || Number.isNaN(metric)) {
      const hint = typeof metric === "number" ? "; the training may have diverged" : " (e.g. loss.item())";
      throw new ValueError(`${this.kind}: step(metric) needs the metric as a number that is not NaN${hint}, got ${show(metric)}`);
    }
    const groups = groupsOf(this.kind, this.optimizer, this.minLrs.length);
    this.#epoch += 1;
    if (this.#isBetter(metric, this.#best)) {
      this.#best = metric;
      this.#bad = 0;
    } else this.#bad += 1;
    if (this.#cooldownCounter > 0) {
      this.#cooldownCounter -= 1;
      this.#bad = 0; // bad epochs in cooldown do not count
    }
    if (this.#bad > this.patience) {
      groups.forEach((g, i) => {
        const next = Math.max(g.lr * this.factor, this.minLrs[i]!);
        if (g.lr - next > this.eps) g.lr = next;
      });
      this.#cooldownCounter = this.cooldown;
      this.#bad = 0;
    }
    this.#lastLrs = groups.map((g) => g.lr);
  }

  /** The counters (plain numbers; `best` ±Infinity before the first metric). */
  stateDict(): ReduceLROnPlateauStateDict {
    return { kind: this.kind, epoch: this.#epoch, best: this.#best, numBadEpochs: this.#bad, cooldownCounter: this.#cooldownCounter };
  }

  /**
   * Restores the counters from {@link ReduceLROnPlateau.stateDict}'s output (`best` null counts as
   * no metric yet). The rates come with the optimiser's own state dict.
   *
   * @throws ValueError listing the problems (wrong kind, counters that are not integers >= 0, a
   *   best that is not a number or null); nothing is changed then.
   */
  loadStateDict(dict: ReduceLROnPlateauStateDict): void {
    if (dict === null || typeof dict !== "object") throw new ValueError(`${this.kind}.loadStateDict: expected { kind, epoch, best, numBadEpochs, cooldownCounter }, got ${show(dict)}`);
    const problems: string[] = [];
    if (dict.kind !== this.kind) problems.push(`kind is ${show(dict.kind)}, expected "${this.kind}"`);
    for (const key of ["epoch", "numBadEpochs", "cooldownCounter"] as const) {
      if (!Number.isInteger(dict[key]) || dict[key] < 0) problems.push(`${key} must be an integer >= 0, got ${show(dict[key])}`);
    }
    if (dict.best !== null && (typeof dict.best !== "number" || Number.isNaN(dict.best))) problems.push(`best must be a number or null, got ${show(dict.best)}`);
    if (problems.length > 0) {
      throw new ValueError(`${this.kind}.loadStateDict: the state dict does not fit this schedule, nothing was changed:\n  - ${problems.join("\n  - ")}`);
    }
    this.#epoch = dict.epoch;
    this.#best = dict.best ?? this.#worst();
    this.#bad = dict.numBadEpochs;
    this.#cooldownCounter = dict.cooldownCounter;
    this.#lastLrs = this.optimizer.paramGroups.map((g) => g.lr);
  }
}
