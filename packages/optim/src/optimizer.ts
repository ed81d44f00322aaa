// The base of every optimiser: parameter checks, the step loop (layouts, version counters),
// options read against a small schema, and state dicts that load all-or-nothing. Subclasses bring
// their schema and one fused update loop over flat typed arrays.
import { Variable } from "@strata/autograd";
import { Tensor, ValueError, assign, bumpVersion, formatShape, zeros } from "@strata/tensor";

/** A flat float buffer, as the update loops see parameters, gradients and state. @internal */
export type FloatArray = Float32Array | Float64Array;

/**
 * One parameter's optimiser state in a {@link OptimizerStateDict}: step counts as numbers and
 * buffers as tensors with the parameter's shape and dtype. Empty before the parameter's first
 * update.
 *
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import { Adam, type ParamState } from "@strata/optim";
 * const w = variable([1, 2], { requiresGrad: true });
 * const opt = new Adam([w]);
 * const before: ParamState = opt.stateDict().state[0]!;
 * w.sum().backward();
 * opt.step();
 * const after: ParamState = opt.stateDict().state[0]!;
 * console.log(Object.keys(before), Object.keys(after)); // [] ["step", "expAvg", "expAvgSq"]
 * ```
 */
export type ParamState = Record<string, Tensor | number>;

/**
 * What {@link Optimizer.stateDict} returns and {@link Optimizer.loadStateDict} takes: the
 * optimiser's class name, its options (learning rate included) as numbers and booleans, and one
 * {@link ParamState} per parameter in the order the parameters were given. Plain data: JSON for
 * `kind` and `options`, tensors for the buffers.
 *
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import { SGD, type OptimizerStateDict } from "@strata/optim";
 * const w = variable([1, 2], { requiresGrad: true });
 * const dict: OptimizerStateDict = new SGD([w], { lr: 0.1, momentum: 0.9 }).stateDict();
 * console.log(dict.kind, dict.options); // SGD { lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0 }
 * ```
 */
export interface OptimizerStateDict {
  /** The optimiser's class name: `"SGD"`, `"Adam"`, `"AdamW"`, `"RMSprop"`. */
  kind: string;
  /** Every option by name, including `lr` (Adam's `betas` are `beta1` and `beta2`). */
  options: Record<string, number | boolean>;
  /** Per parameter: step counts and buffers (copies). */
  state: ParamState[];
}

/** A numeric option: finite and within `[min, max]` (either end open when asked). @internal */
export interface NumberRule {
  type: "number";
  min: number;
  minOpen?: boolean;
  max?: number;
  maxOpen?: boolean;
  /** Used when the option is not given; without one the option is required. */
  default?: number;
  /** The name in constructor messages when it differs from the key (`betas[0]` for `beta1`). */
  label?: string;
}

/** A boolean option. @internal */
export interface BooleanRule {
  type: "boolean";
  default: boolean;
}

/** The options an optimiser accepts, by the key they have in its state dict. @internal */
export type Schema = Record<string, NumberRule | BooleanRule>;

/** The checked values of a schema's options. @internal */
export type OptionValues<S extends Schema> = { [K in keyof S]: S[K] extends infer R ? (R extends BooleanRule ? boolean : number) : never };

/** What a subclass tells the base. @internal */
export interface OptimizerSpec<S extends Schema> {
  kind: string;
  schema: S;
  /** A problem between options (nesterov without momentum), or null. */
  constraint?(o: OptionValues<S>): string | null;
  /** Whether a parameter's state has a `step` count, and the names of its buffers. */
  layout(o: OptionValues<S>): { step: boolean; buffers: readonly string[] };
}

/** The learning rate's rule, shared by every optimiser: finite and >= 0. @internal */
export const lrRule = (defaultLr?: number): NumberRule => ({ type: "number", min: 0, ...(defaultLr === undefined ? {} : { default: defaultLr }) });

const show = (v: unknown): string =>
  typeof v === "string" ? JSON.stringify(v)
  : Array.isArray(v) ? `[${v.map(show).join(", ")}]`
  : v !== null && typeof v === "object" ? (v.constructor === Object || !v.constructor ? "an object" : `a ${v.constructor.name}`)
  : String(v);

function describeRange(r: NumberRule): string {
  if (r.max === undefined) return `a finite number ${r.minOpen ? ">" : ">="} ${r.min}`;
  return `in ${r.minOpen ? "(" : "["}${r.min}, ${r.max}${r.maxOpen ? ")" : "]"}`;
}

/** The problem with `value` for `rule`, or null. @internal */
export function checkOption(rule: NumberRule | BooleanRule, name: string, value: unknown): string | null {
  if (rule.type === "boolean") return typeof value === "boolean" ? null : `${name} must be true or false, got ${show(value)}`;
  const ok =
    typeof value === "number" &&
    Number.isFinite(value) &&
    (rule.minOpen ? value > rule.min : value >= rule.min) &&
    (rule.max === undefined || (rule.maxOpen ? value < rule.max : value <= rule.max));
  return ok ? null : `${name} must be ${describeRange(rule)}, got ${show(value)}`;
}

/**
 * Reads options against a schema: from a constructor (defaults fill what is missing) or from a
 * state dict (everything must be there, named by key). Returns the values and every problem.
 */
function readOptions<S extends Schema>(spec: OptimizerSpec<S>, given: unknown, from: "constructor" | "dict"): { values: OptionValues<S>; problems: string[] } {
  const problems: string[] = [];
  const values: Record<string, number | boolean> = {};
  if (given === undefined && from === "constructor") given = {};
  const label = (key: string, rule: NumberRule | BooleanRule): string => (from === "dict" ? `options.${key}` : (rule.type === "number" && rule.label) || key);
  if (given === null || typeof given !== "object" || Array.isArray(given)) {
    problems.push(`${from === "dict" ? "options" : "the options"} must be an object, got ${show(given)}`);
    return { values: values as OptionValues<S>, problems };
  }
  const record = given as Record<string, unknown>;
  const known = Object.keys(spec.schema);
  for (const key of Object.keys(record)) {
    if (!(key in spec.schema) && record[key] !== undefined) {
      problems.push(`${from === "dict" ? "options has an unknown key" : "unknown option"} "${key}" (known: ${known.join(", ")})`);
    }
  }
  for (const [key, rule] of Object.entries(spec.schema)) {
    let value = record[key];
    if (value === undefined) {
      if (from === "dict") {
        problems.push(`options.${key} is missing`);
        continue;
      }
      if (rule.default === undefined) {
        problems.push(`${label(key, rule)} is required`);
        continue;
      }
      value = rule.default;
    }
    const problem = checkOption(rule, label(key, rule), value);
    if (problem) problems.push(problem);
    else values[key] = value as number | boolean;
  }
  if (problems.length === 0 && spec.constraint) {
    const problem = spec.constraint(values as OptionValues<S>);
    if (problem) problems.push(problem);
  }
  return { values: values as OptionValues<S>, problems };
}

/** The flat elements of a contiguous float tensor (a view of its buffer, no copy). @internal */
export function flat(t: Tensor): FloatArray {
  return t.data.subarray(t.offset, t.offset + t.size) as FloatArray;
}

/** A state buffer's flat values. @internal */
export function buffer(state: ParamState, name: string): FloatArray {
  return flat(state[name] as Tensor);
}

/**
 * The base of the optimisers: it holds the parameters (leaf variables that require gradients,
 * each once) and the options, and runs {@link Optimizer.step} over every parameter that has a
 * gradient. Subclasses ({@link SGD}, {@link Adam}, {@link AdamW}, {@link RMSprop}) bring the update
 * formula.
 *
 * Updates are in place: each parameter keeps its identity and its `data` tensor, whose values
 * change, so the model that holds the variables sees the new values. The write counts in the
 * tensor's version, so a backward through a graph that saved the old value throws instead of
 * computing a wrong gradient. A parameter's state buffers have its shape and dtype, e.g.
 * (n[l], n[l-1]) for W[l].
 *
 * @throws ValueError from the constructor (which every subclass runs first) when `params` is not
 *   an iterable, is empty, holds something that is not a Variable (a Tensor gets a hint to wrap
 *   it), a variable that is not a leaf requiring gradients, the same variable twice, or a
 *   variable with overlapping elements (stride 0 on an axis longer than 1, as a broadcast view
 *   has); and when the options are not an object, name an unknown option, leave out a required
 *   one (SGD's `lr`), hold a value out of its range, or combine options that do not go together
 *   (SGD's `nesterov` without momentum), each named in the message.
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
export abstract class Optimizer {
  /** The class name, used in messages and state dicts: `"SGD"`, `"Adam"`, … */
  readonly kind: string;
  /** The parameters, in the order given (the order of `stateDict().state`). */
  readonly params: readonly Variable[];
  /** The checked options, `lr` included. @internal */
  protected options: Record<string, number | boolean>;
  /** One entry per parameter: empty until its first update. @internal */
  protected state: ParamState[];
  readonly #spec: OptimizerSpec<Schema>;

  /** @internal */
  protected constructor(spec: OptimizerSpec<Schema>, params: Iterable<Variable>, options: unknown) {
    this.kind = spec.kind;
    this.#spec = spec;
    const list: unknown[] | null = params !== null && typeof params === "object" && Symbol.iterator in params ? [...params] : null;
    if (list === null) throw new ValueError(`${spec.kind}: params must be an array (or iterable) of variables, got ${show(params)}`);
    if (list.length === 0) throw new ValueError(`${spec.kind}: got an empty parameter list; pass the variables to optimise (model.parameters())`);
    list.forEach((p, i) => {
      if (!(p instanceof Variable)) {
        const hint = p instanceof Tensor ? "; wrap it with variable(t, { requiresGrad: true })" : "";
        throw new ValueError(`${spec.kind}: parameter ${i} is not a Variable, got ${show(p)}${hint}`);
      }
      if (!p.isLeaf || !p.requiresGrad) {
        const why = p.isLeaf ? "it has requiresGrad false" : `it was computed by ${p.gradFn?.name}`;
        throw new ValueError(`${spec.kind}: parameter ${i} is not a leaf variable that requires gradients (${why})`);
      }
      const first = list.indexOf(p);
      if (first !== i) throw new ValueError(`${spec.kind}: parameter ${i} is the same variable as parameter ${first}; pass each parameter once`);
      const axis = p.data.shape.findIndex((n, ax) => n > 1 && p.data.strides[ax] === 0);
      if (axis >= 0) {
        throw new ValueError(
          `${spec.kind}: parameter ${i} of shape ${formatShape(p.shape)} has overlapping elements (axis ${axis} has stride 0, as in a broadcastTo view), so it cannot be updated in place; make it from a contiguous() copy`,
        );
      }
    });
    const { values, problems } = readOptions(spec, options, "constructor");
    if (problems.length > 0) throw new ValueError(`${spec.kind}: ${problems.join("; ")}`);
    this.params = Object.freeze(list as Variable[]);
    this.options = values;
    this.state = list.map(() => ({}));
  }

  /**
   * The learning rate. Settable (schedules set it once per epoch); a finite number >= 0.
   *
   * @throws ValueError naming the optimiser and the value otherwise.
   */
  get lr(): number {
    return this.options.lr as number;
  }
  set lr(value: number) {
    const problem = checkOption(this.#spec.schema.lr!, "lr", value);
    if (problem) throw new ValueError(`${this.kind}: ${problem}`);
    this.options.lr = value;
  }

  /**
   * Updates, in place, every parameter whose `grad` is not null, by the optimiser's formula;
   * parameters with a null gradient (and their state) are left alone. Each written parameter's
   * tensor counts one in-place write in its `version`. Views (a transposed or sliced parameter)
   * are updated through their strides, so the tensor they view changes too.
   */
  step(): void {
    const layout = this.#spec.layout(this.options as OptionValues<Schema>);
    this.params.forEach((param, i) => {
      const grad = param.grad;
      if (grad === null) return;
      const data = param.data;
      // The fast path: plain loops over the flat buffers. A view is updated in a contiguous copy
      // that is then written back through its strides.
      const target = data.isContiguous ? data : data.clone();
      let state = this.state[i]!;
      const fresh = Object.keys(state).length === 0;
      if (fresh) {
        state = {};
        if (layout.step) state.step = 0;
        for (const name of layout.buffers) state[name] = zeros(data.shape, { dtype: data.dtype });
        this.state[i] = state;
      }
      this.update(flat(target), flat(grad.contiguous()), state, fresh);
      if (target === data) bumpVersion(data);
      else assign(data, target);
    });
  }

  /**
   * One parameter's update, in place on `p` (its flat values), from its flat gradient `g` and its
   * state; `fresh` on its first update (the buffers are then zeros and `step` is 0).
   *
   * @internal
   */
  protected abstract update(p: FloatArray, g: FloatArray, state: ParamState, fresh: boolean): void;

  /** Clears every parameter's gradient: `grad = null` (PyTorch's `set_to_none`), so the next backward starts afresh. */
  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }

  /**
   * The options and the per-parameter state, as copies: later steps do not change a dict already
   * taken, and changing the dict does not change the optimiser.
   */
  stateDict(): OptimizerStateDict {
    return {
      kind: this.kind,
      options: { ...this.options },
      state: this.state.map((s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v instanceof Tensor ? v.clone() : v]))),
    };
  }

  /**
   * Restores options (learning rate included) and per-parameter state from
   * {@link Optimizer.stateDict}'s output. Everything is checked before anything is applied: the
   * kind, every option, one state entry per parameter, the entries' keys, step counts (integers
   * >= 1) and each buffer's shape and dtype against its parameter. The buffers are copied.
   *
   * @throws ValueError listing every problem; the optimiser is then unchanged.
   */
  loadStateDict(dict: OptimizerStateDict): void {
    const problems: string[] = [];
    if (dict === null || typeof dict !== "object") {
      throw new ValueError(`${this.kind}.loadStateDict: expected a state dict { kind, options, state }, got ${show(dict)}`);
    }
    if (dict.kind !== this.kind) problems.push(`kind is ${show(dict.kind)}, expected "${this.kind}"`);
    const { values, problems: optionProblems } = readOptions(this.#spec, dict.options, "dict");
    problems.push(...optionProblems);
    const entries = Array.isArray(dict.state) ? dict.state : null;
    if (entries === null) problems.push(`state must be an array with one entry per parameter, got ${show(dict.state)}`);
    else if (entries.length !== this.params.length) {
      problems.push(`state has ${entries.length} entries, expected ${this.params.length} (one per parameter)`);
    }
    if (entries !== null && optionProblems.length === 0) {
      const layout = this.#spec.layout(values);
      const keys = layout.step ? ["step", ...layout.buffers] : [...layout.buffers];
      entries.slice(0, this.params.length).forEach((entry, i) => problems.push(...this.#checkEntry(entry, i, keys)));
    }
    if (problems.length > 0) {
      throw new ValueError(`${this.kind}.loadStateDict: the state dict does not fit this optimizer, nothing was changed:\n  - ${problems.join("\n  - ")}`);
    }
    this.options = { ...values };
    this.state = entries!.map((s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v instanceof Tensor ? v.clone() : v])));
  }

  #checkEntry(entry: unknown, i: number, keys: readonly string[]): string[] {
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) return [`state[${i}] must be an object, got ${show(entry)}`];
    const record = entry as Record<string, unknown>;
    const present = Object.keys(record);
    if (present.length === 0) return [];
    const problems: string[] = [];
    const expected = `expected ${keys.length ? keys.join(", ") : "no keys"}, or an empty entry`;
    for (const k of keys) if (!(k in record)) problems.push(`state[${i}] is missing "${k}" (${expected})`);
    for (const k of present) if (!keys.includes(k)) problems.push(`state[${i}] has an unknown key "${k}" (${expected})`);
    const param = this.params[i]!;
    for (const k of keys) {
      const v = record[k];
      if (v === undefined) continue;
      if (k === "step") {
        if (typeof v !== "number" || !Number.isInteger(v) || v < 1) problems.push(`state[${i}].step must be an integer >= 1, got ${show(v)}`);
      } else if (!(v instanceof Tensor)) {
        problems.push(`state[${i}].${k} must be a Tensor, got ${show(v)}`);
      } else {
        if (v.shape.join() !== param.shape.join()) problems.push(`state[${i}].${k} has shape ${formatShape(v.shape)}, expected ${formatShape(param.shape)} like parameter ${i}`);
        if (v.dtype !== param.dtype) problems.push(`state[${i}].${k} is ${v.dtype}, expected ${param.dtype} like parameter ${i}`);
      }
    }
    return problems;
  }
}
