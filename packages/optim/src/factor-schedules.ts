// Schedules that multiply each group's base rate by a factor of the epoch: LambdaLR (any function
// of the epoch, one per group if asked) and LinearLR (a straight line, the usual warm-up).
import { ValueError } from "@strata/tensor";
import type { Optimizer } from "./optimizer.js";
import { show } from "./options.js";
import { LRScheduler, finite, need, positiveInt, type ScheduleValues } from "./scheduler.js";

/**
 * Options of {@link LambdaLR}.
 *
 * @example
 * ```ts
 * import type { LambdaLROptions } from "@strata/optim";
 * const options: LambdaLROptions = { lrLambda: (epoch) => 0.95 ** epoch };
 * console.log(options.lrLambda instanceof Function); // true
 * ```
 */
export interface LambdaLROptions {
  /** The factor of the base rate at each epoch: one function for every group, or one per group. */
  lrLambda: ((epoch: number) => number) | readonly ((epoch: number) => number)[];
}

/**
 * Sets each parameter group's learning rate to its base rate times a function of the epoch:
 * `lr = baseLr·λ(epoch)`, with one λ for every group or one per group (PyTorch's LambdaLR). The
 * functions are not part of the state dict: a resumed schedule is made with the same functions.
 *
 * @throws ValueError when `lrLambda` is not a function or an array of one function per group;
 *   from `step()` (and the constructor, which writes epoch 0) when a function returns something
 *   other than a finite number, or a factor that makes a rate negative.
 *
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import { LambdaLR, SGD } from "@strata/optim";
 * const [w, b] = [variable([1], { requiresGrad: true }), variable([0], { requiresGrad: true })];
 * const opt = new SGD([{ params: [w] }, { params: [b], lr: 0.5 }], { lr: 1 });
 * const sched = new LambdaLR(opt, { lrLambda: [(e) => 1 / (e + 1), (e) => 0.5 ** e] });
 * sched.step();
 * sched.step();
 * console.log(opt.paramGroups.map((g) => g.lr)); // [0.3333333333333333, 0.125]
 * ```
 */
export class LambdaLR extends LRScheduler {
  /** The factor of each group's base rate, one function per group. */
  readonly lrLambdas: readonly ((epoch: number) => number)[];

  constructor(optimizer: Optimizer, options: LambdaLROptions) {
    super("LambdaLR", optimizer);
    const given = options?.lrLambda;
    const groups = this.baseLrs.length;
    if (Array.isArray(given)) {
      if (given.length !== groups) throw new ValueError(`LambdaLR: lrLambda must have one function per parameter group (${groups}), got ${given.length}`);
      given.forEach((f, i) => need("LambdaLR", `lrLambda[${i}]`, typeof f === "function", "a function of the epoch", f));
      this.lrLambdas = Object.freeze([...given]);
    } else {
      need("LambdaLR", "lrLambda", typeof given === "function", "a function of the epoch (or an array of one per parameter group)", given);
      this.lrLambdas = Object.freeze(new Array(groups).fill(given));
    }
    this.start();
  }

  /** @internal */
  override valuesAt(epoch: number): ScheduleValues {
    return {
      lrs: this.baseLrs.map((base, i) => {
        const factor = this.lrLambdas[i]!(epoch);
        if (!finite(factor)) throw new ValueError(`LambdaLR: lrLambda${this.lrLambdas.length > 1 ? `[${i}]` : ""}(${epoch}) returned ${show(factor)}; expected a finite number`);
        return base * factor;
      }),
    };
  }
}

/**
 * Options of {@link LinearLR}.
 *
 * @example
 * ```ts
 * import type { LinearLROptions } from "@strata/optim";
 * const options: LinearLROptions = { startFactor: 0.1, totalIters: 5 };
 * console.log(options.startFactor); // 0.1
 * ```
 */
export interface LinearLROptions {
  /** The factor of the base rate at epoch 0, in (0, 1] (default 1/3). */
  startFactor?: number;
  /** The factor from epoch `totalIters` on, in [0, 1] (default 1). */
  endFactor?: number;
  /** The epochs the factor takes to go from start to end: a positive integer (default 5). */
  totalIters?: number;
}

/**
 * Changes each parameter group's learning rate linearly from `startFactor`·base at epoch 0 to
 * `endFactor`·base at epoch `totalIters`, then keeps it there (PyTorch's LinearLR):
 * `lr = baseLr·(start + (end − start)·min(epoch, totalIters)/totalIters)`. With the defaults a
 * warm-up from a third of the rate over 5 epochs; with `startFactor` 1 and a smaller `endFactor`
 * a linear decay. The constructor already sets the epoch-0 rate.
 *
 * @throws ValueError for a startFactor outside (0, 1], an endFactor outside [0, 1] or a
 *   totalIters that is not a positive integer.
 *
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import { LinearLR, SGD } from "@strata/optim";
 * const opt = new SGD([variable([1], { requiresGrad: true })], { lr: 0.05 });
 * const sched = new LinearLR(opt, { startFactor: 0.5, totalIters: 4 });
 * const lrs = [opt.lr];
 * for (let epoch = 0; epoch < 5; epoch++) { sched.step(); lrs.push(Number(opt.lr.toFixed(12))); }
 * console.log(lrs); // [0.025, 0.03125, 0.0375, 0.04375, 0.05, 0.05]
 * ```
 */
export class LinearLR extends LRScheduler {
  /** The factor at epoch 0. */
  readonly startFactor: number;
  /** The factor from epoch `totalIters` on. */
  readonly endFactor: number;
  /** The epochs from start to end. */
  readonly totalIters: number;

  constructor(optimizer: Optimizer, options: LinearLROptions = {}) {
    super("LinearLR", optimizer);
    const { startFactor = 1 / 3, endFactor = 1, totalIters = 5 } = options ?? {};
    need("LinearLR", "startFactor", finite(startFactor, 0, true) && startFactor <= 1, "in (0, 1]", startFactor);
    need("LinearLR", "endFactor", finite(endFactor, 0) && endFactor <= 1, "in [0, 1]", endFactor);
    need("LinearLR", "totalIters", positiveInt(totalIters), "a positive integer", totalIters);
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = totalIters;
    this.start();
  }

  /** @internal */
  override valuesAt(epoch: number): ScheduleValues {
    const { startFactor: s, endFactor: e, totalIters: n } = this;
    return { lrs: this.baseLrs.map((base) => base * (s + ((e - s) * Math.min(n, epoch)) / n)) };
  }
}
