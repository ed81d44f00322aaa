// OneCycleLR: the 1cycle policy, the rate up from maxLr/divFactor to maxLr and down far below
// it, and the momentum the other way, once per batch.
import { ValueError } from "@strata/tensor";
import { Optimizer } from "./optimizer.js";
import { show } from "./options.js";
import { LRScheduler, finite, momentumOf, need, perGroup, positiveInt, type ScheduleValues } from "./scheduler.js";

/**
 * Options of {@link OneCycleLR}. Give `totalSteps`, or `epochs` and `stepsPerEpoch`.
 *
 * @example
 * ```ts
 * import type { OneCycleLROptions } from "@strata/optim";
 * const options: OneCycleLROptions = { maxLr: 0.1, epochs: 10, stepsPerEpoch: 100 };
 * console.log(options.maxLr); // 0.1
 * ```
 */
export interface OneCycleLROptions {
  /** The peak rate, one for every group or one per group: finite, >= 0. Required. */
  maxLr: number | readonly number[];
  /** The steps (batches) of the cycle: a positive integer. */
  totalSteps?: number;
  /** With `stepsPerEpoch`, instead of `totalSteps`: totalSteps = epochs·stepsPerEpoch. */
  epochs?: number;
  /** The batches per epoch, with `epochs`. */
  stepsPerEpoch?: number;
  /** The fraction of the cycle spent raising the rate, in [0, 1] (default 0.3). */
  pctStart?: number;
  /** `"cos"` (default) or `"linear"` annealing within each phase. */
  annealStrategy?: "cos" | "linear";
  /** Cycle the momentum (SGD's and RMSprop's `momentum`, Adam's `betas[0]`) inversely to the rate (default true). */
  cycleMomentum?: boolean;
  /** The momentum at the rate's peak, one for every group or one per group, finite >= 0 (default 0.85). */
  baseMomentum?: number | readonly number[];
  /** The momentum at the rate's ends, one for every group or one per group, finite >= 0 (default 0.95). */
  maxMomentum?: number | readonly number[];
  /** The starting rate is maxLr/divFactor: finite, > 0 (default 25). */
  divFactor?: number;
  /** The final rate is the starting rate/finalDivFactor: finite, > 0 (default 1e4). */
  finalDivFactor?: number;
  /** Three phases (up, back down to the start, then down to the final rate) instead of two (default false). */
  threePhase?: boolean;
}

interface Phase {
  end: number;
  lr: [Anchor, Anchor];
  momentum: ["max" | "base", "max" | "base"];
}
type Anchor = "initial" | "max" | "min";

/**
 * The 1cycle policy (Smith & Topin; PyTorch's OneCycleLR), stepped once per batch. Per group,
 * with `initial = maxLr/divFactor` and `min = initial/finalDivFactor`, the rate goes from
 * `initial` up to `maxLr` over the first `pctStart` of the `totalSteps` steps, then down to `min`
 * (with `threePhase`: up, back down to `initial` over as many steps, then down to `min`), each
 * phase annealed by `cos` (`end + (start − end)·(1 + cos(π·t))/2`) or linearly, t going 0 → 1
 * through the phase. Phases end at steps `pctStart·totalSteps − 1` (and `2·pctStart·totalSteps −
 * 2` with three phases) and `totalSteps − 1`, as in PyTorch. With `cycleMomentum`, each group's
 * momentum (SGD's and RMSprop's `momentum`, Adam's `betas[0]`) goes the other way, between
 * `maxMomentum` at the rate's ends and `baseMomentum` at its peak. Making it sets step 0's values;
 * the schedule has values for steps 0 to totalSteps, so `step()` may be called totalSteps times
 * (after each of totalSteps batches). Steps 0 to totalSteps − 1 give PyTorch's values; at step
 * totalSteps, where PyTorch extrapolates the last phase one step past its end (a rate rising again
 * under cos, negative under linear), the final rate and momentum are held. The base rates
 * (`baseLrs`) are the starting rates maxLr/divFactor.
 *
 * @throws ValueError for an option out of range (naming it), neither `totalSteps` nor `epochs`
 *   and `stepsPerEpoch`, a per-group array without one value per group, a `pctStart` that leaves
 *   a phase with no steps, or a momentum the optimiser refuses (Adam's `betas[0]` must be < 1);
 *   from `step()` past step totalSteps, changing nothing.
 *
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import { OneCycleLR, SGD } from "@strata/optim";
 * const opt = new SGD([variable([1], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
 * const sched = new OneCycleLR(opt, { maxLr: 1, totalSteps: 4, pctStart: 0.5, annealStrategy: "linear", divFactor: 10, finalDivFactor: 10 });
 * const lrs = [opt.lr];
 * const momenta = [opt.paramGroups[0]!.momentum];
 * for (let s = 0; s < 3; s++) { sched.step(); lrs.push(Number(opt.lr.toFixed(12))); momenta.push(Number(opt.paramGroups[0]!.momentum.toFixed(12))); }
 * console.log(lrs, momenta); // [0.1, 1, 0.505, 0.01] [0.95, 0.85, 0.9, 0.95]
 * ```
 */
export class OneCycleLR extends LRScheduler {
  /** The peak rate of each group. */
  readonly maxLrs: readonly number[];
  /** The steps of the cycle. */
  readonly totalSteps: number;
  /** The options as given, with their defaults. */
  readonly options: Readonly<Required<Omit<OneCycleLROptions, "maxLr" | "totalSteps" | "epochs" | "stepsPerEpoch" | "baseMomentum" | "maxMomentum">>>;
  /** The momentum at the rate's peak, per group. */
  readonly baseMomenta: readonly number[];
  /** The momentum at the rate's ends, per group. */
  readonly maxMomenta: readonly number[];
  readonly #phases: Phase[];

  constructor(optimizer: Optimizer, options: OneCycleLROptions) {
    const kind = "OneCycleLR";
    if (!(optimizer instanceof Optimizer)) throw new ValueError(`${kind}: expected an Optimizer (SGD, Adam, …), got ${show(optimizer)}`);
    const o = options ?? ({} as OneCycleLROptions);
    const { pctStart = 0.3, annealStrategy = "cos", cycleMomentum = true, divFactor = 25, finalDivFactor = 1e4, threePhase = false } = o;
    const groups = optimizer.paramGroups;
    const maxLrs = perGroup(kind, "maxLr", o.maxLr, groups.length, (x) => finite(x, 0), "a finite number >= 0");
    need(kind, "divFactor", finite(divFactor, 0, true), "a finite number > 0", divFactor);
    need(kind, "finalDivFactor", finite(finalDivFactor, 0, true), "a finite number > 0", finalDivFactor);
    super(kind, optimizer, maxLrs.map((m) => m / divFactor));
    this.maxLrs = Object.freeze(maxLrs);
    this.totalSteps = totalStepsOf(o);
    need(kind, "pctStart", finite(pctStart, 0) && pctStart <= 1, "in [0, 1]", pctStart);
    need(kind, "annealStrategy", annealStrategy === "cos" || annealStrategy === "linear", '"cos" or "linear"', annealStrategy);
    need(kind, "cycleMomentum", typeof cycleMomentum === "boolean", "true or false", cycleMomentum);
    need(kind, "threePhase", typeof threePhase === "boolean", "true or false", threePhase);
    const momentum = (x: unknown): boolean => finite(x, 0);
    this.baseMomenta = Object.freeze(perGroup(kind, "baseMomentum", o.baseMomentum ?? 0.85, groups.length, momentum, "a finite number >= 0"));
    this.maxMomenta = Object.freeze(perGroup(kind, "maxMomentum", o.maxMomentum ?? 0.95, groups.length, momentum, "a finite number >= 0"));
    if (cycleMomentum) {
      const without = groups.findIndex((g) => momentumOf(g) === undefined);
      if (without >= 0) throw new ValueError(`${kind}: cycleMomentum needs momentum or betas in every group, and ${optimizer.kind} group ${without} has neither; pass cycleMomentum: false`);
    }
    this.options = Object.freeze({ pctStart, annealStrategy, cycleMomentum, divFactor, finalDivFactor, threePhase });
    this.#phases = phasesOf(this.totalSteps, pctStart, threePhase);
    this.start();
  }

  /** @internal */
  override valuesAt(step: number): ScheduleValues {
    const T = this.totalSteps;
    if (step > T) {
      throw new ValueError(`OneCycleLR: step ${step} is past the end of the cycle: it has values for steps 0 to totalSteps ${T}; make a new OneCycleLR (or raise totalSteps) to train longer`);
    }
    const { annealStrategy, cycleMomentum, finalDivFactor } = this.options;
    const anneal = annealStrategy === "cos" ? annealCos : annealLinear;
    let start = 0;
    let k = 0;
    while (k < this.#phases.length - 1 && step > this.#phases[k]!.end) start = this.#phases[k++]!.end;
    const phase = this.#phases[k]!;
    // Past the last phase's end (step totalSteps, the value the step() after the last batch
    // writes) PyTorch extrapolates the phase, a rate rising again under cos and negative under
    // linear; the final values are held instead.
    const pct = Math.min(1, (step - start) / (phase.end - start));
    const lrs: number[] = [];
    const momenta: number[] = [];
    this.baseLrs.forEach((initial, i) => {
      const anchors = { initial, max: this.maxLrs[i]!, min: initial / finalDivFactor };
      lrs.push(anneal(anchors[phase.lr[0]], anchors[phase.lr[1]], pct));
      const m = { base: this.baseMomenta[i]!, max: this.maxMomenta[i]! };
      momenta.push(anneal(m[phase.momentum[0]], m[phase.momentum[1]], pct));
    });
    return cycleMomentum ? { lrs, momenta } : { lrs };
  }
}

function totalStepsOf(o: OneCycleLROptions): number {
  const kind = "OneCycleLR";
  if (o.totalSteps !== undefined) {
    need(kind, "totalSteps", positiveInt(o.totalSteps), "a positive integer", o.totalSteps);
    return o.totalSteps;
  }
  if (o.epochs === undefined && o.stepsPerEpoch === undefined) throw new ValueError(`${kind}: give totalSteps, or epochs and stepsPerEpoch`);
  need(kind, "epochs", positiveInt(o.epochs), "a positive integer (with stepsPerEpoch, or give totalSteps)", o.epochs);
  need(kind, "stepsPerEpoch", positiveInt(o.stepsPerEpoch), "a positive integer (with epochs, or give totalSteps)", o.stepsPerEpoch);
  return o.epochs! * o.stepsPerEpoch!;
}

/** PyTorch's phases, refusing one with no steps (where PyTorch would divide by zero). */
function phasesOf(T: number, pct: number, threePhase: boolean): Phase[] {
  const phases: Phase[] = threePhase
    ? [
        { end: pct * T - 1, lr: ["initial", "max"], momentum: ["max", "base"] },
        { end: 2 * pct * T - 2, lr: ["max", "initial"], momentum: ["base", "max"] },
        { end: T - 1, lr: ["initial", "min"], momentum: ["max", "max"] },
      ]
    : [
        { end: pct * T - 1, lr: ["initial", "max"], momentum: ["max", "base"] },
        { end: T - 1, lr: ["max", "min"], momentum: ["base", "max"] },
      ];
  let start = 0;
  phases.forEach((p, k) => {
    if (p.end === start) {
      throw new ValueError(
        `OneCycleLR: with pctStart ${pct} and totalSteps ${T}, phase ${k + 1} of ${phases.length} would have no steps (it would start and end at step ${start}); change pctStart or totalSteps`,
      );
    }
    start = p.end;
  });
  return phases;
}

// PyTorch's expressions, kept in its order so that the rates agree to the last bits.
const annealCos = (start: number, end: number, pct: number): number => end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
const annealLinear = (start: number, end: number, pct: number): number => (end - start) * pct + start;
