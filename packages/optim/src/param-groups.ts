// Parameter groups as PyTorch has them: the constructor's input read as either a flat list of
// variables (one group) or a list of `{ params, ...options }` groups whose options override the
// defaults, every parameter checked once; and the live group objects behind `opt.paramGroups`,
// whose options are checked when set.
import { Variable } from "@strata/autograd";
import { Tensor, ValueError, formatShape } from "@strata/tensor";
import { checkOption, fromPublic, readOptions, show, throwIf, type NumberRule, type OptimizerSpec, type OptionValues, type Schema, type Values } from "./options.js";

/**
 * One parameter group of an optimiser, as {@link Optimizer.paramGroups} lists it: its parameters
 * and every option's current value (the defaults filled in). Options are settable, checked as
 * the constructor checks them (`group.lr = 0.01` changes that group's rate only); a few that fix
 * the layout of the state (SGD's `nesterov`, Adam's `amsgrad`, RMSprop's `centered`) are
 * read-only. Each optimiser's own group type lists its options ({@link SGDParamGroup}, …).
 *
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import { SGD, type ParamGroup } from "@strata/optim";
 * const w = variable([1, 2], { requiresGrad: true });
 * const b = variable([0], { requiresGrad: true });
 * const opt = new SGD([{ params: [w] }, { params: [b], lr: 0.01 }], { lr: 0.1 });
 * const groups: readonly ParamGroup[] = opt.paramGroups;
 * groups[0]!.lr = 0.05;
 * console.log(groups.map((g) => [g.params.length, g.lr])); // [[1, 0.05], [1, 0.01]]
 * ```
 */
export interface ParamGroup {
  /** The group's parameters, in the order given. */
  readonly params: readonly Variable[];
  /** The group's learning rate: a finite number >= 0. */
  lr: number;
}

/**
 * One parameter group as the constructors and {@link Optimizer.addParamGroup} take it: its
 * parameters (a variable, or an iterable of them) and any of the optimiser's options `O`, which
 * override the optimiser's defaults for this group only.
 *
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import { SGD, type ParamGroupInput, type SGDOptions } from "@strata/optim";
 * const w = variable([[1, 2]], { requiresGrad: true });
 * const b = variable([0], { requiresGrad: true });
 * const groups: ParamGroupInput<SGDOptions>[] = [{ params: [w] }, { params: b, weightDecay: 0 }];
 * const opt = new SGD(groups, { lr: 0.1, weightDecay: 1e-4 });
 * console.log(opt.paramGroups.map((g) => g.weightDecay)); // [0.0001, 0]
 * ```
 */
export type ParamGroupInput<O> = { params: Variable | Iterable<Variable> } & Partial<O>;

/** A group as the optimiser keeps it: parameters, checked option values (schema keys), its view. @internal */
export interface GroupRecord {
  params: Variable[];
  values: Values;
  view: ParamGroup;
}

const isIterable = (x: unknown): x is Iterable<unknown> => x !== null && typeof x === "object" && Symbol.iterator in x;
const isGroup = (x: unknown): boolean => x !== null && typeof x === "object" && !(x instanceof Variable) && !(x instanceof Tensor) && !isIterable(x) && "params" in x;

/**
 * The constructor's `params` as raw groups: a flat list becomes one group; a list of groups stays.
 * @internal
 */
export function splitGroups(kind: string, params: unknown): { groups: Record<string, unknown>[]; flat: boolean } {
  const list = isIterable(params) && !(params instanceof Variable) ? [...params] : null;
  if (list === null) throw new ValueError(`${kind}: params must be an array (or iterable) of variables or of parameter groups { params, ...options }, got ${show(params)}`);
  if (list.length === 0) throw new ValueError(`${kind}: got an empty parameter list; pass the variables to optimise (model.parameters()) or parameter groups`);
  if (!list.some(isGroup)) return { groups: [{ params: list }], flat: true };
  const odd = list.findIndex((x) => !isGroup(x));
  if (odd >= 0) {
    throw new ValueError(`${kind}: params mixes parameter groups and other entries (entry ${odd} is ${show(list[odd])}); give either variables or groups { params, ...options }`);
  }
  return { groups: list as Record<string, unknown>[], flat: false };
}

/**
 * Checks one group's parameters: leaf variables (frozen ones included), each once in the whole
 * optimiser (`seen` maps those of earlier groups to their place), none with overlapping elements.
 * `where` starts each message (`SGD: ` or `SGD: group 1: `).
 * @internal
 */
export function checkParams(kind: string, where: string, raw: unknown, seen: Map<Variable, [number, number]>, group: number | null): Variable[] {
  const list = raw instanceof Variable ? [raw] : isIterable(raw) ? [...raw] : null;
  if (list === null) throw new ValueError(`${where}params must be a Variable or an array of variables, got ${show(raw)}`);
  if (list.length === 0) throw new ValueError(`${kind}: group ${group} has no parameters; leave the group out or give it variables`);
  list.forEach((p, i) => {
    if (!(p instanceof Variable)) {
      const hint = p instanceof Tensor ? "; wrap it with variable(t, { requiresGrad: true })" : "";
      throw new ValueError(`${where}parameter ${i} is not a Variable, got ${show(p)}${hint}`);
    }
    if (!p.isLeaf) throw new ValueError(`${where}parameter ${i} is not a leaf variable (it was computed by ${p.gradFn?.name}); optimise the variables it was computed from`);
    const first = list.indexOf(p);
    if (first !== i) throw new ValueError(`${where}parameter ${i} is the same variable as parameter ${first}; pass each parameter once`);
    const earlier = seen.get(p);
    if (earlier) throw new ValueError(`${where}parameter ${i} is also in group ${earlier[0]} (parameter ${earlier[1]} there); a parameter can be in one group only`);
    const axis = p.data.shape.findIndex((n, ax) => n > 1 && p.data.strides[ax] === 0);
    if (axis >= 0) {
      throw new ValueError(
        `${where}parameter ${i} of shape ${formatShape(p.shape)} has overlapping elements (axis ${axis} has stride 0, as in a broadcastTo view), so it cannot be updated in place; make it from a contiguous() copy`,
      );
    }
  });
  list.forEach((p, i) => seen.set(p as Variable, [group ?? 0, i]));
  return list as Variable[];
}

/**
 * Checks the optimiser's default options on their own (each given one in range; none required,
 * since groups may give them), as schema keys.
 * @internal
 */
export function readDefaults(spec: OptimizerSpec<Schema>, options: unknown): Record<string, unknown> {
  const { record, problems } = fromPublic(spec, options);
  for (const [key, value] of Object.entries(record)) {
    const rule = spec.schema[key]!;
    const problem = checkOption(rule, (rule.type === "number" && rule.label) || key, value);
    if (problem) problems.push(problem);
  }
  throwIf(spec.kind, problems);
  return record;
}

/** A group's checked values: its own options over the defaults over the schema's defaults. @internal */
export function groupValues(spec: OptimizerSpec<Schema>, where: string, defaults: Record<string, unknown>, group: Record<string, unknown>, flat: boolean): Values {
  const own = fromPublic(spec, group, ["params"]);
  const { values, problems } = readOptions(spec, { ...defaults, ...own.record }, { missing: flat ? "" : " (give it in the group or in the optimiser's options)" });
  const all = [...own.problems, ...problems];
  if (all.length > 0) throw new ValueError(`${where}${all.join("; ")}`);
  return values;
}

/**
 * The live object behind `opt.paramGroups[index]`: `params` and one accessor per option (a tuple
 * for Adam's `betas`), checking each value set and refusing the fixed options.
 * @internal
 */
export function groupView(spec: OptimizerSpec<Schema>, index: () => number, record: GroupRecord): ParamGroup {
  const view = {} as ParamGroup;
  Object.defineProperty(view, "params", { value: Object.freeze([...record.params]), enumerable: true });
  const fail = (problem: string): never => {
    throw new ValueError(`${spec.kind}: group ${index()}: ${problem}`);
  };
  const assign = (name: string, keys: readonly string[], given: unknown[]): void => {
    if ((spec.fixed ?? []).includes(name)) fail(`${name} is fixed once the group is made (the state's buffers depend on it); make a new optimiser to change it`);
    const candidate = { ...record.values };
    keys.forEach((key, i) => {
      const rule = spec.schema[key]!;
      const label = keys.length > 1 ? (rule as NumberRule).label ?? `${name}[${i}]` : name;
      const problem = checkOption(rule, label, given[i]);
      if (problem) fail(problem);
      candidate[key] = given[i] as number | boolean;
    });
    const problem = spec.constraint?.(candidate as OptionValues<Schema>);
    if (problem) fail(problem);
    Object.assign(record.values, candidate);
  };
  const inTuple = new Set(Object.values(spec.tuples ?? {}).flat());
  for (const key of Object.keys(spec.schema)) {
    if (inTuple.has(key)) continue;
    Object.defineProperty(view, key, { enumerable: true, get: () => record.values[key], set: (v: unknown) => assign(key, [key], [v]) });
  }
  for (const [name, keys] of Object.entries(spec.tuples ?? {})) {
    Object.defineProperty(view, name, {
      enumerable: true,
      get: () => Object.freeze(keys.map((k) => record.values[k])),
      set: (v: unknown) => {
        if (!Array.isArray(v) || v.length !== keys.length) fail(`${name} must be a pair [${keys.join(", ")}], got ${show(v)}`);
        assign(name, keys, v as unknown[]);
      },
    });
  }
  return Object.preventExtensions(view);
}
