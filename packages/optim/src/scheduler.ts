// The base of the epoch schedules: closed forms of the epoch count and of each parameter group's
// base learning rate, written into every group of the optimiser at each step.
import { ValueError, compute } from "@strata/tensor";
import { Optimizer } from "./optimizer.js";
import { show } from "./options.js";
import type { ParamGroup } from "./param-groups.js";

/**
 * What {@link LRScheduler.stateDict} returns: the schedule's class name, the epochs counted so far
 * and each parameter group's base learning rate. Plain numbers (JSON).
 *
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import { SGD, StepLR, type SchedulerStateDict } from "@strata/optim";
 * const sched = new StepLR(new SGD([variable([1], { requiresGrad: true })], { lr: 0.1 }), { stepSize: 2 });
 * sched.step();
 * const saved: SchedulerStateDict = sched.stateDict();
 * console.log(saved); // { kind: "StepLR", epoch: 1, baseLrs: [0.1] }
 * ```
 */
export interface SchedulerStateDict {
  /** The class name: `"StepLR"`, `"LinearLR"`, … */
  kind: string;
  /** How many times `step()` has been called. */
  epoch: number;
  /** Per parameter group, the learning rate the schedule scales. */
  baseLrs: number[];
}

/** What a schedule writes at one epoch: a rate per group and, for OneCycleLR, a momentum per group. @internal */
export interface ScheduleValues {
  lrs: number[];
  momenta?: number[];
}

/** `ok` or a ValueError `<kind>: <name> must be <wanted>, got <value>`. @internal */
export function need(kind: string, name: string, ok: boolean, wanted: string, value: unknown): void {
  if (!ok) throw new ValueError(`${kind}: ${name} must be ${wanted}, got ${show(value)}`);
}

/** Whether `x` is a finite number >= `min` (> `min` when `open`). @internal */
export const finite = (x: unknown, min = -Infinity, open = false): x is number => typeof x === "number" && Number.isFinite(x) && (open ? x > min : x >= min);

/** A positive integer. @internal */
export const positiveInt = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 1;

/**
 * A value per parameter group: one number for every group, or an array with one per group, each
 * checked by `ok` (described by `wanted`).
 * @internal
 */
export function perGroup(kind: string, name: string, value: unknown, groups: number, ok: (x: unknown) => boolean, wanted: string): number[] {
  if (Array.isArray(value)) {
    if (value.length !== groups) throw new ValueError(`${kind}: ${name} must have one value per parameter group (${groups}), got ${value.length} values`);
    value.forEach((x, i) => need(kind, `${name}[${i}]`, ok(x), wanted, x));
    return [...(value as number[])];
  }
  need(kind, name, ok(value), `${wanted} (or an array of them, one per parameter group)`, value);
  return new Array<number>(groups).fill(value as number);
}

/** The optimiser's groups, refusing a count that changed since the schedule was made. @internal */
export function groupsOf(kind: string, optimizer: Optimizer, count: number): readonly ParamGroup[] {
  const groups = optimizer.paramGroups;
  if (groups.length !== count) {
    throw new ValueError(`${kind}: the optimizer has ${groups.length} parameter groups, but the schedule was made for ${count} (a group added later); make a new schedule`);
  }
  return groups;
}

/** The one value of `values` (a rate per group), or a ValueError naming them when they differ. @internal */
export function single(kind: string, what: string, values: readonly number[], instead: string): number {
  if (values.some((x) => x !== values[0])) {
    throw new ValueError(`${kind}: ${what} is ambiguous: the ${values.length} parameter groups have different values (${values.join(", ")}); read ${instead}`);
  }
  return values[0]!;
}

/**
 * Writes `values` into the groups: every rate (and momentum) or none. A rate that is not a
 * finite number >= 0 (or a momentum the optimiser refuses) throws, naming the schedule, before
 * anything is left changed.
 * @internal
 */
export function writeValues(kind: string, optimizer: Optimizer, count: number, values: ScheduleValues, epoch: number): void {
  const groups = groupsOf(kind, optimizer, count);
  values.lrs.forEach((lr, i) => {
    if (!finite(lr, 0)) throw new ValueError(`${kind}: the learning rate of group ${i} at epoch ${epoch} would be ${lr}; nothing was changed`);
  });
  const before = groups.map((g) => ({ lr: g.lr, momentum: momentumOf(g) }));
  try {
    groups.forEach((g, i) => {
      g.lr = values.lrs[i]!;
      if (values.momenta) setMomentum(g, values.momenta[i]!);
    });
  } catch (e) {
    groups.forEach((g, i) => {
      g.lr = before[i]!.lr;
      if (values.momenta) setMomentum(g, before[i]!.momentum!);
    });
    throw e instanceof ValueError ? new ValueError(`${kind}: ${e.message}; nothing was changed`) : e;
  }
}

/** A group's momentum: SGD's and RMSprop's `momentum`, Adam's `betas[0]`; undefined without one. @internal */
export function momentumOf(group: ParamGroup): number | undefined {
  const g = group as ParamGroup & { momentum?: number; betas?: readonly [number, number] };
  return g.betas !== undefined ? g.betas[0] : g.momentum;
}

function setMomentum(group: ParamGroup, value: number): void {
  const g = group as ParamGroup & { momentum?: number; betas?: readonly [number, number] };
  if (g.betas !== undefined) g.betas = [value, g.betas[1]];
  else g.momentum = value;
}

/**
 * The base of the epoch schedules. When made, it takes each parameter group's learning rate as
 * that group's base rate (`baseLrs`), counts epochs from 0 and writes the schedule's rate at epoch
 * 0 into every group (1 × base for most; LinearLR starts at `startFactor` × base). Each
 * {@link LRScheduler.step} adds one to the epoch and sets every group's `lr` to the schedule's
 * closed form at that epoch, from the group's own base rate (so changes made to the rates in
 * between are overwritten). Call it once per epoch, after the epoch's optimiser steps (OneCycleLR:
 * once per batch).
 *
 * @throws ValueError from the constructor (which every subclass runs first) when `optimizer` is
 *   not an {@link Optimizer} (SGD, Adam, AdamW, RMSprop); from `step()` when the optimiser's
 *   number of groups changed since the schedule was made.
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import { ExponentialLR, SGD, type LRScheduler } from "@strata/optim";
 * const [w, b] = [variable([1], { requiresGrad: true }), variable([0], { requiresGrad: true })];
 * const opt = new SGD([{ params: [w] }, { params: [b], lr: 0.5 }], { lr: 1 });
 * const sched: LRScheduler = new ExponentialLR(opt, { gamma: 0.5 });
 * for (let epoch = 0; epoch < 3; epoch++) {
 *   // ... the epoch's zeroGrad / backward / opt.step() ...
 *   sched.step();
 * }
 * console.log(sched.epoch, sched.getLastLr(), sched.baseLrs); // 3 [0.125, 0.0625] [1, 0.5]
 * ```
 */
export abstract class LRScheduler {
  /** The class name: `"StepLR"`, … */
  readonly kind: string;
  /** The optimiser whose groups' rates this schedule sets. */
  readonly optimizer: Optimizer;
  #baseLrs: number[];
  #epoch = 0;
  #lastLrs: number[];

  /** @internal */
  protected constructor(kind: string, optimizer: Optimizer, baseLrs?: number[]) {
    if (!(optimizer instanceof Optimizer)) throw new ValueError(`${kind}: expected an Optimizer (SGD, Adam, …), got ${show(optimizer)}`);
    this.kind = kind;
    this.optimizer = optimizer;
    this.#baseLrs = baseLrs ?? optimizer.paramGroups.map((g) => g.lr);
    this.#lastLrs = optimizer.paramGroups.map((g) => g.lr);
  }

  /**
   * Writes the rates at epoch 0 (PyTorch's initial step); every subclass calls it last in its
   * constructor, once its own options are set.
   * @internal
   */
  protected start(): void {
    this.#write(0);
  }

  /**
   * The closed form: what the schedule writes at `epoch` (from `baseLrs`). Throws a ValueError
   * for an epoch the schedule has no value for (past OneCycleLR's end).
   * @internal
   */
  abstract valuesAt(epoch: number): ScheduleValues;

  /** Sets the base rates (SequentialLR gives its schedules the first one's). @internal */
  rebase(baseLrs: readonly number[]): void {
    this.#baseLrs = [...baseLrs];
  }

  #write(epoch: number): number[] {
    const values = this.valuesAt(epoch);
    writeValues(this.kind, this.optimizer, this.#baseLrs.length, values, epoch);
    this.#lastLrs = [...values.lrs];
    return values.lrs;
  }

  /** Each parameter group's base rate: its `lr` when the schedule was made (or loaded). */
  get baseLrs(): readonly number[] {
    return Object.freeze([...this.#baseLrs]);
  }
  /**
   * The base rate when every group has the same one (a single-group optimiser's).
   *
   * @throws ValueError when the groups' base rates differ: read {@link LRScheduler.baseLrs}.
   */
  get baseLr(): number {
    return single(this.kind, "baseLr", this.#baseLrs, "baseLrs");
  }
  /** The number of `step()` calls so far. */
  get epoch(): number {
    return this.#epoch;
  }
  /** The rates the schedule set last, one per group (PyTorch's `get_last_lr()`). */
  getLastLr(): number[] {
    return [...this.#lastLrs];
  }
  /**
   * The rate the schedule set last when every group has the same one.
   *
   * @throws ValueError when the groups' rates differ: call {@link LRScheduler.getLastLr}.
   */
  get lastLr(): number {
    return single(this.kind, "lastLr", this.#lastLrs, "getLastLr()");
  }

  /**
   * Ends an epoch: counts it and sets every group's `lr` to the schedule's value at the new epoch.
 * Inside a compiled step, each replay steps the schedule again.
   *
   * @throws ValueError when that value is not a finite number >= 0, when the schedule has no value
   *   there (past OneCycleLR's last step), or when the optimiser's groups changed; nothing is
   *   changed then.
   */
  step(): void {
    // work of its own (see compute in @strata/tensor), so that a compiled step that steps the
    // schedule advances it on every replay as an eager call does
    compute(() => {
      this.#write(this.#epoch + 1);
      this.#epoch += 1;
    });
  }

  /** The epoch count and the groups' base rates (plain numbers). */
  stateDict(): SchedulerStateDict {
    return { kind: this.kind, epoch: this.#epoch, baseLrs: [...this.#baseLrs] };
  }

  /**
   * Restores the epoch count and base rates, and sets every group's rate to the schedule's value
   * at that epoch, so training resumes where it stopped. Also reads the format before groups
   * (`baseLr`, one number), for an optimiser with one group.
   *
   * @throws ValueError listing the problems (wrong kind, an epoch that is not an integer >= 0 or
   *   past the schedule's end, base rates that are not one finite number >= 0 per group); nothing
   *   is changed then.
   */
  loadStateDict(dict: SchedulerStateDict | { kind: string; epoch: number; baseLr: number }): void {
    if (dict === null || typeof dict !== "object") throw new ValueError(`${this.kind}.loadStateDict: expected { kind, epoch, baseLrs }, got ${show(dict)}`);
    const d = dict as unknown as Record<string, unknown>;
    const problems: string[] = [];
    const groups = this.#baseLrs.length;
    if (d.kind !== this.kind) problems.push(`kind is ${show(d.kind)}, expected "${this.kind}"`);
    const epoch = d.epoch as number;
    if (!Number.isInteger(epoch) || epoch < 0) problems.push(`epoch must be an integer >= 0, got ${show(epoch)}`);
    let bases: number[] | null = null;
    if (d.baseLrs === undefined && d.baseLr !== undefined) {
      if (!finite(d.baseLr, 0)) problems.push(`baseLr must be a finite number >= 0, got ${show(d.baseLr)}`);
      else if (groups !== 1) problems.push(`baseLr (the format before parameter groups) fits an optimizer with one group; this one has ${groups}`);
      else bases = [d.baseLr];
    } else if (!Array.isArray(d.baseLrs) || d.baseLrs.length !== groups || !d.baseLrs.every((x) => finite(x, 0))) {
      problems.push(`baseLrs must be ${groups} finite numbers >= 0 (one per parameter group), got ${show(d.baseLrs)}`);
    } else bases = [...(d.baseLrs as number[])];
    let values: ScheduleValues | null = null;
    if (problems.length === 0) {
      const kept = [...this.#baseLrs];
      this.rebase(bases!);
      try {
        values = this.valuesAt(epoch);
        const bad = values.lrs.findIndex((lr) => !finite(lr, 0));
        if (bad >= 0) problems.push(`the learning rate of group ${bad} at epoch ${epoch} would be ${values.lrs[bad]}`);
      } catch (e) {
        if (!(e instanceof ValueError)) throw e;
        problems.push(e.message);
      } finally {
        this.rebase(kept);
      }
    }
    if (problems.length > 0) {
      throw new ValueError(`${this.kind}.loadStateDict: the state dict does not fit this schedule, nothing was changed:\n  - ${problems.join("\n  - ")}`);
    }
    writeValues(this.kind, this.optimizer, groups, values!, epoch);
    this.#epoch = epoch;
    this.rebase(bases!);
    this.#lastLrs = [...values!.lrs];
  }
}
