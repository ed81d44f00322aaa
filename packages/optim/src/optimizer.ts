// The base of every optimiser: parameter groups (checked once, options per group), the step loop
// (layouts, version counters), and state dicts that load all-or-nothing. Subclasses bring their
// schema and one fused update loop over flat typed arrays.
import type { Variable } from "@strata/autograd";
import { ValueError, assign, bumpVersion, compute, makeResident, optimizerUpdateKernel, zeros, type Tensor } from "@strata/tensor";
import { checkOption, type OptimizerSpec, type OptionValues, type Schema, type Values } from "./options.js";
import { checkParams, groupValues, groupView, readDefaults, splitGroups, type GroupRecord, type ParamGroup } from "./param-groups.js";
import { checkStateDict, copyEntry, type OptimizerStateDict, type ParamState } from "./state-dict.js";

/** A flat float buffer, as the update loops see parameters, gradients and state. @internal */
export type FloatArray = Float32Array | Float64Array;

/**
 * The flat elements of a contiguous float tensor (a view of its buffer, no copy). Taken afresh at
 * each update and never kept: the tensor's array may move (makeResident swaps it for one in the
 * kernels' memory), and a kept subarray of a resident array could outlive its block. @internal
 */
export function flat(t: Tensor): FloatArray {
  return t.data.subarray(t.offset, t.offset + t.size) as FloatArray;
}

/** A state buffer's flat values. @internal */
export function buffer(state: ParamState, name: string): FloatArray {
  return flat(state[name] as Tensor);
}

/** One parameter's update as a kernel takes it (see optimizerUpdateKernel in @strata/tensor). @internal */
export type KernelUpdate = Parameters<typeof optimizerUpdateKernel>[0];

/** Which path the updates take; see {@link setUpdatePath}. @internal */
export type UpdatePath = "auto" | "loop" | "kernel";

let updatePath: UpdatePath = "auto";

/**
 * Chooses the path of every update: "auto" lets the dispatcher decide (a kernel for a resident
 * parameter above its size threshold), "loop" always runs the TypeScript loop, "kernel" takes a
 * kernel whenever one can take the arrays, whatever their size. Both paths give the same bits;
 * tests force each to check it. Returns the previous path. @internal
 */
export function setUpdatePath(path: UpdatePath): UpdatePath {
  const previous = updatePath;
  updatePath = path;
  return previous;
}

/** Updates that ran on a kernel and on the TypeScript loops since load (tests check the routing). @internal */
export const updateCounts = { kernel: 0, loop: 0 };

/** Runs `req` on a kernel when the path allows and one takes it; false: the caller runs its loop. @internal */
export function updateOnKernel(req: KernelUpdate): boolean {
  const onKernel = updatePath !== "loop" && optimizerUpdateKernel(req, updatePath === "kernel");
  updateCounts[onKernel ? "kernel" : "loop"]++;
  return onKernel;
}

/**
 * The base of the optimisers: it holds the parameters in groups, each group with its own options
 * (PyTorch's parameter groups), and runs {@link Optimizer.step} over every parameter that has a
 * gradient. Subclasses ({@link SGD}, {@link Adam}, {@link AdamW}, {@link RMSprop}) bring the update
 * formula.
 *
 * Parameters come as a flat list of variables (one group with the given options) or as groups
 * `[{ params, ...options }, …]` whose options override the optimiser's options for that group,
 * e.g. `new SGD([{ params: weights }, { params: biases, weightDecay: 0 }], { lr: 0.1, weightDecay:
 * 1e-4 })`. Each parameter is a leaf variable, in one group only. A frozen parameter
 * (`requiresGrad` false) is accepted, as PyTorch accepts it: it never gets a gradient, so steps
 * skip it.
 *
 * Updates are in place: each parameter keeps its identity and its `data` tensor, whose values
 * change, so the model that holds the variables sees the new values. The write counts in the
 * tensor's version, so a backward through a graph that saved the old value throws instead of
 * computing a wrong gradient. A parameter's state buffers have its shape and dtype.
 *
 * @throws ValueError from the constructor (which every subclass runs first) when `params` is not
 *   an iterable, is empty, mixes groups and variables, holds a group without parameters, something
 *   that is not a Variable (a Tensor gets a hint to wrap it), a variable that is not a leaf, the
 *   same variable twice (in one group or in two), or a variable with overlapping elements (stride 0
 *   on an axis longer than 1, as a broadcast view has); and when the options (the optimiser's or a
 *   group's) are not an object, name an unknown option, leave out a required one (SGD's `lr`, in
 *   the group or the optimiser's options), hold a value out of its range, or combine options that
 *   do not go together (SGD's `nesterov` without momentum). Messages name the group when groups
 *   were given: `SGD: group 1: weightDecay must be a finite number >= 0, got -1`.
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import { Optimizer, SGD } from "@strata/optim";
 * const w = variable([3], { requiresGrad: true });
 * const opt: Optimizer = new SGD([w], { lr: 0.25 });
 * for (let i = 0; i < 3; i++) {
 *   opt.zeroGrad();
 *   w.mul(w).sum().backward(); // d(w²)/dw = 2w
 *   opt.step(); // w ← w − 0.25·2w = w/2
 * }
 * console.log(opt.kind, opt.params[0] === w, w.toArray()); // SGD true [0.375]
 * ```
 */
export abstract class Optimizer<G extends ParamGroup = ParamGroup> {
  /** The class name, used in messages and state dicts: `"SGD"`, `"Adam"`, … */
  readonly kind: string;
  /**
   * Always true: `step()` is one piece of kernel work that reads its state when it runs, so a
   * compiled training step (`compile` in `@strata/autograd`, `fit` by default) may replay it.
   */
  readonly compilable = true;
  /** One entry per parameter (all groups, in order): empty until its first update. @internal */
  protected state: ParamState[] = [];
  readonly #spec: OptimizerSpec<Schema>;
  readonly #defaults: Record<string, unknown>;
  readonly #groups: GroupRecord[] = [];
  #params: readonly Variable[] = Object.freeze([]);
  #views: readonly G[] = Object.freeze([]);

  /** @internal */
  protected constructor(spec: OptimizerSpec<Schema>, params: unknown, options: unknown) {
    this.kind = spec.kind;
    this.#spec = spec;
    const { groups, flat } = splitGroups(spec.kind, params);
    this.#defaults = readDefaults(spec, options);
    // A flat list is one group whose options are the optimiser's: its messages name no group.
    for (const g of groups) this.#add(g, flat);
  }

  #add(group: Record<string, unknown>, flatForm: boolean): void {
    const index = this.#groups.length;
    const where = flatForm ? `${this.kind}: ` : `${this.kind}: group ${index}: `;
    const seen = new Map<Variable, [number, number]>();
    this.#groups.forEach((g, gi) => g.params.forEach((p, pi) => seen.set(p, [gi, pi])));
    const params = checkParams(this.kind, where, group.params, seen, index);
    const values = groupValues(this.#spec, where, this.#defaults, group, flatForm);
    const record = { params, values } as GroupRecord;
    record.view = groupView(this.#spec, () => this.#groups.indexOf(record), record);
    this.#groups.push(record);
    // Parameters live as long as the optimiser that updates them: moved into the kernels' memory
    // once (where the WebAssembly kernels run), every product and update reads them in place.
    for (const p of params) makeResident(p.data);
    this.state.push(...params.map(() => ({})));
    this.#params = Object.freeze(this.#groups.flatMap((g) => g.params));
    this.#views = Object.freeze(this.#groups.map((g) => g.view as G));
  }

  /** Every parameter, group after group, in the order given (the order of `stateDict().state`). */
  get params(): readonly Variable[] {
    return this.#params;
  }

  /**
   * The parameter groups, PyTorch's `param_groups`: each with its parameters and every option's
   * value, settable per group (`opt.paramGroups[1].lr = 0.01`) and checked when set.
   */
  get paramGroups(): readonly G[] {
    return this.#views;
  }

  /**
   * Adds a group of parameters, as PyTorch's `add_param_group`: its options override the
   * optimiser's options (those given to the constructor), and its parameters must be in no other
   * group. Their state starts empty.
   *
   * @throws ValueError as the constructor does for a group, naming the new group's index; the
   *   optimiser is then unchanged.
   */
  addParamGroup(group: { params: Variable | Iterable<Variable> } & Record<string, unknown>): void {
    if (group === null || typeof group !== "object" || !("params" in group)) {
      throw new ValueError(`${this.kind}.addParamGroup: expected a group { params, ...options }, got ${String(group)}`);
    }
    this.#add(group, false);
  }

  /**
   * The learning rate, a convenience over the groups' own rates. Setting it sets every group's
   * `lr` (a finite number >= 0). Reading it returns the common rate of the groups, and throws when
   * their rates differ: returning one of them would hide the others from a log or a schedule that
   * reads it, so read `paramGroups[i].lr` then.
   *
   * @throws ValueError naming the optimiser: when a value set is not a finite number >= 0, or on
   *   reading, when the groups' rates differ.
   */
  get lr(): number {
    const lrs = this.#groups.map((g) => g.values.lr as number);
    if (lrs.some((x) => x !== lrs[0])) {
      throw new ValueError(
        `${this.kind}: lr is ambiguous: the ${lrs.length} parameter groups have different learning rates (${lrs.join(", ")}); read paramGroups[i].lr for one group`,
      );
    }
    return lrs[0]!;
  }
  set lr(value: number) {
    const problem = checkOption(this.#spec.schema.lr!, "lr", value);
    if (problem) throw new ValueError(`${this.kind}: ${problem}`);
    for (const g of this.#groups) g.values.lr = value;
  }

  /**
   * Updates, in place, every parameter whose `grad` is not null, by the optimiser's formula with
   * its group's options; parameters with a null gradient (frozen ones among them) and their state
   * are left alone. Each written parameter's tensor counts one in-place write in its `version`.
   * Views (a transposed or sliced parameter) are updated through their strides, so the tensor they
   * view changes too. A state buffer that the group's options now use but the parameter lacks
   * (momentum switched on by a schedule) starts as PyTorch starts it.
   */
  step(): void {
    // The whole update is one piece of work (see compute in @strata/tensor): a replay of a
    // compiled step runs it again with the optimiser's live state, reading each parameter's
    // gradient, the groups' options (a rate a scheduler changed) and the step counts then, and
    // creating lazily made state on the first run only, where it stays.
    compute(() => this.#step());
  }

  #step(): void {
    let index = 0;
    for (const group of this.#groups) {
      const layout = this.#spec.layout(group.values as OptionValues<Schema>);
      for (const param of group.params) {
        const i = index++;
        const grad = param.grad;
        if (grad === null) continue;
        const data = param.data;
        // The fast path: plain loops over the flat buffers. A view is updated in a contiguous copy
        // that is then written back through its strides.
        const target = data.isContiguous ? data : data.clone();
        const state = this.state[i]!;
        const created: string[] = [];
        if (layout.step && state.step === undefined) state.step = 0;
        for (const name of layout.buffers) {
          if (state[name] !== undefined) continue;
          const made = zeros(data.shape, { dtype: data.dtype });
          // state lives as long as its parameter: beside it in the kernels' memory, where the
          // update kernels take it in place
          makeResident(made);
          state[name] = made;
          created.push(name);
        }
        this.update(flat(target), flat(grad.contiguous()), state, group.values, created);
        if (target === data) bumpVersion(data);
        else assign(data, target);
      }
    }
  }

  /**
   * One parameter's update, in place on `p` (its flat values), from its flat gradient `g`, its
   * state and its group's options `o`; `created` names the buffers made (as zeros) for this step.
   *
   * @internal
   */
  protected abstract update(p: FloatArray, g: FloatArray, state: ParamState, o: Values, created: readonly string[]): void;

  /** Clears every parameter's gradient: `grad = null` (PyTorch's `set_to_none`), so the next backward starts afresh. */
  zeroGrad(): void {
    for (const p of this.#params) p.grad = null;
  }

  /**
   * The per-parameter state and the groups' options, as copies: later steps do not change a dict
   * already taken, and changing the dict does not change the optimiser. See
   * {@link OptimizerStateDict} for the shape.
   */
  stateDict(): OptimizerStateDict {
    let next = 0;
    return {
      kind: this.kind,
      options: { ...this.#groups[0]!.values },
      state: this.state.map(copyEntry),
      paramGroups: this.#groups.map((g) => ({ params: g.params.map(() => next++), ...g.values })),
    };
  }

  /**
   * Restores the groups' options (learning rates included) and the per-parameter state from
   * {@link Optimizer.stateDict}'s output, or from a dict of the format before groups (`kind`,
   * `options`, `state`, no `paramGroups`), which fits an optimiser with one group. Everything is
   * checked before anything is applied: the kind; the number of groups and each group's parameter
   * indices (as numbered by `stateDict`) and options; `options`, when given beside `paramGroups`,
   * equal to group 0's; one state entry per parameter, its keys, step counts (integers >= 1) and
   * each buffer's shape and dtype against its parameter. The buffers are copied; the group objects
   * of `paramGroups` stay the same objects, with the loaded options.
   *
   * @throws ValueError listing every problem; the optimiser is then unchanged.
   */
  loadStateDict(dict: OptimizerStateDict | Omit<OptimizerStateDict, "paramGroups">): void {
    const loaded = checkStateDict(
      this.#spec,
      this.#groups.map((g) => g.params),
      dict,
    );
    this.#groups.forEach((g, i) => Object.assign(g.values, loaded.values[i]));
    for (const entry of loaded.state) for (const value of Object.values(entry)) if (typeof value === "object") makeResident(value);
    this.state = loaded.state;
  }
}
