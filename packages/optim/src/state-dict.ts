// The optimisers' state dicts: what stateDict writes (PyTorch's shape, `state` by parameter index
// and `paramGroups` with their indices and options, plus `kind` and group 0's `options`, which the
// format before groups had), and the all-or-nothing checks of loadStateDict, which also reads
// that older format.
import { Tensor, ValueError, formatShape } from "@strata/tensor";
import type { Variable } from "@strata/autograd";
import { readOptions, show, type OptimizerSpec, type OptionValues, type Schema, type Values } from "./options.js";

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
 * One parameter group in a {@link OptimizerStateDict}, as PyTorch's `param_groups` entries:
 * `params`, the indices of its parameters (numbered 0, 1, … across the groups in order, the
 * indices of `state`), and every option by its state-dict key (Adam's betas are `beta1`, `beta2`).
 *
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import { SGD, type ParamGroupState } from "@strata/optim";
 * const a = variable([1], { requiresGrad: true });
 * const b = variable([2], { requiresGrad: true });
 * const c = variable([3], { requiresGrad: true });
 * const opt = new SGD([{ params: [a, b] }, { params: [c], lr: 0.01 }], { lr: 0.1 });
 * const groups: ParamGroupState[] = opt.stateDict().paramGroups;
 * console.log(groups[1]); // { params: [2], lr: 0.01, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 }
 * ```
 */
export interface ParamGroupState {
  /** The indices of the group's parameters in `state`. */
  params: number[];
  /** Every option of the group by key. */
  [option: string]: number | boolean | number[];
}

/**
 * What {@link Optimizer.stateDict} returns and {@link Optimizer.loadStateDict} takes, PyTorch's
 * shape with two more keys: `state`, one {@link ParamState} per parameter (indexed 0, 1, …
 * across the groups in order), `paramGroups`, each group's parameter indices and options, the
 * optimiser's class name `kind`, and `options`, group 0's options (the one group of the format
 * before groups, which `loadStateDict` still reads). Plain data: JSON apart from the state's
 * tensors.
 *
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import { SGD, type OptimizerStateDict } from "@strata/optim";
 * const w = variable([1, 2], { requiresGrad: true });
 * const dict: OptimizerStateDict = new SGD([w], { lr: 0.1, momentum: 0.9 }).stateDict();
 * console.log(dict.kind, dict.options); // SGD { lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0 }
 * console.log(dict.paramGroups[0]!.params, dict.state.length); // [0] 1
 * ```
 */
export interface OptimizerStateDict {
  /** The optimiser's class name: `"SGD"`, `"Adam"`, `"AdamW"`, `"RMSprop"`. */
  kind: string;
  /** Group 0's options by key, including `lr` (Adam's `betas` are `beta1` and `beta2`). */
  options: Record<string, number | boolean>;
  /** Per parameter: step counts and buffers (copies). */
  state: ParamState[];
  /** Per group: its parameters' indices in `state` and its options. */
  paramGroups: ParamGroupState[];
}

/** A copy of a state entry: tensors cloned, numbers as they are. @internal */
export const copyEntry = (s: object): ParamState => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v instanceof Tensor ? v.clone() : v]));

/** The groups' options and the state that a checked dict gives. @internal */
export interface Loaded {
  values: Values[];
  state: ParamState[];
}

/**
 * Checks `dict` against an optimiser of `spec` whose groups hold `groups` (parameters by group):
 * the kind, the groups (count, parameter indices, options) or, in the format before groups, the
 * options of its one group, then every state entry against its parameter and its group's options.
 * Throws a ValueError listing every problem; returns what to apply otherwise.
 * @internal
 */
export function checkStateDict(spec: OptimizerSpec<Schema>, groups: readonly (readonly Variable[])[], dict: unknown): Loaded {
  const kind = spec.kind;
  if (dict === null || typeof dict !== "object") throw new ValueError(`${kind}.loadStateDict: expected a state dict { kind, state, paramGroups, options }, got ${show(dict)}`);
  const d = dict as Record<string, unknown>;
  const problems: string[] = [];
  if (d.kind !== kind) problems.push(`kind is ${show(d.kind)}, expected "${kind}"`);
  const values = d.paramGroups === undefined ? legacyOptions(spec, groups, d, problems) : groupOptions(spec, groups, d, problems);
  const params = groups.flat();
  const groupOf = groups.flatMap((g, i) => g.map(() => i));
  const entries = Array.isArray(d.state) ? (d.state as unknown[]) : null;
  if (entries === null) problems.push(`state must be an array with one entry per parameter, got ${show(d.state)}`);
  else if (entries.length !== params.length) problems.push(`state has ${entries.length} entries, expected ${params.length} (one per parameter)`);
  if (entries !== null && values !== null) {
    entries.slice(0, params.length).forEach((entry, i) => problems.push(...checkEntry(spec, values[groupOf[i]!]!, params[i]!, entry, i)));
  }
  if (problems.length > 0) {
    throw new ValueError(`${kind}.loadStateDict: the state dict does not fit this optimizer, nothing was changed:\n  - ${problems.join("\n  - ")}`);
  }
  return { values: values!, state: entries!.map((e) => copyEntry(e as object)) };
}

/** The format before groups: `options` for the optimiser's single group. */
function legacyOptions(spec: OptimizerSpec<Schema>, groups: readonly (readonly Variable[])[], d: Record<string, unknown>, problems: string[]): Values[] | null {
  if (d.options === null || typeof d.options !== "object" || Array.isArray(d.options)) {
    problems.push(`options must be an object, got ${show(d.options)}`);
    return null;
  }
  if (groups.length !== 1) {
    problems.push(
      `the dict has no paramGroups (the format before parameter groups, or a checkpoint that kept only options), so it fits an optimizer with one parameter group; this one has ${groups.length}`,
    );
    return null;
  }
  const { values, problems: found } = readOptions(spec, d.options as Record<string, unknown>, { dict: "options" });
  problems.push(...found);
  return found.length === 0 ? [values] : null;
}

/** PyTorch's format: one entry per group with its parameter indices and options. */
function groupOptions(spec: OptimizerSpec<Schema>, groups: readonly (readonly Variable[])[], d: Record<string, unknown>, problems: string[]): Values[] | null {
  if (!Array.isArray(d.paramGroups)) {
    problems.push(`paramGroups must be an array of { params, ...options }, got ${show(d.paramGroups)}`);
    return null;
  }
  const saved = d.paramGroups as unknown[];
  if (saved.length !== groups.length) {
    problems.push(`paramGroups has ${saved.length} groups, expected ${groups.length} like this optimizer`);
    return null;
  }
  let next = 0;
  const out: Values[] = [];
  let ok = true;
  saved.forEach((g, i) => {
    const expected = groups[i]!.map(() => next++);
    if (g === null || typeof g !== "object" || Array.isArray(g)) {
      problems.push(`paramGroups[${i}] must be an object { params, ...options }, got ${show(g)}`);
      ok = false;
      return;
    }
    const { params, ...options } = g as Record<string, unknown>;
    if (!Array.isArray(params) || params.join() !== expected.join() || params.some((x) => typeof x !== "number")) {
      problems.push(
        `paramGroups[${i}].params is ${show(params)}, expected [${expected.join(", ")}] (group ${i} has ${expected.length} parameters; parameters are numbered 0, 1, … across the groups in order)`,
      );
    }
    const { values, problems: found } = readOptions(spec, options, { dict: `paramGroups[${i}]` });
    problems.push(...found);
    if (found.length > 0) ok = false;
    out.push(values);
  });
  // `options` repeats group 0's, for readers of the older format: an edit of one alone is refused.
  if (ok && d.options !== undefined) {
    if (d.options === null || typeof d.options !== "object") problems.push(`options must be an object (group 0's options) or absent, got ${show(d.options)}`);
    else {
      const o = d.options as Record<string, unknown>;
      for (const key of new Set([...Object.keys(o), ...Object.keys(out[0]!)])) {
        if (o[key] !== out[0]![key]) {
          problems.push(`options.${key} is ${show(o[key])} but paramGroups[0].${key} is ${show(out[0]![key])}; options repeats group 0's options, so change both (or leave options out)`);
        }
      }
    }
  }
  return ok ? out : null;
}

/** The problems of one state entry against its parameter and its group's options. */
function checkEntry(spec: OptimizerSpec<Schema>, values: Values, param: Variable, entry: unknown, i: number): string[] {
  if (entry === null || typeof entry !== "object" || Array.isArray(entry)) return [`state[${i}] must be an object, got ${show(entry)}`];
  const record = entry as Record<string, unknown>;
  const present = Object.keys(record);
  if (present.length === 0) return [];
  const layout = spec.layout(values as OptionValues<Schema>);
  const optional = layout.optional ?? [];
  const allowed = [...(layout.step ? ["step"] : []), ...new Set([...layout.buffers, ...optional])];
  const required = allowed.filter((k) => !optional.includes(k));
  const problems: string[] = [];
  const expected = `expected ${required.length ? required.join(", ") : "no keys"}${required.length < allowed.length ? ` (and maybe ${allowed.filter((k) => !required.includes(k)).join(", ")})` : ""}, or an empty entry`;
  for (const k of required) if (!(k in record)) problems.push(`state[${i}] is missing "${k}" (${expected})`);
  for (const k of present) if (!allowed.includes(k)) problems.push(`state[${i}] has an unknown key "${k}" (${expected})`);
  for (const k of allowed) {
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
