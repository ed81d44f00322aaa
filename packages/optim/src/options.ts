// The options an optimiser accepts, described by a small schema: their ranges, defaults and the
// names users type (Adam's `betas` is the pair of schema keys `beta1`, `beta2`), and the reading of
// a constructor's, a group's or a state dict's options against it, every problem listed.
import { ValueError } from "@strata/tensor";

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

/** Checked option values by schema key. @internal */
export type Values = Record<string, number | boolean>;

/** What a subclass tells the base. @internal */
export interface OptimizerSpec<S extends Schema> {
  kind: string;
  schema: S;
  /** A problem between options (nesterov without momentum), or null. */
  constraint?(o: OptionValues<S>): string | null;
  /**
   * Whether a parameter's state has a `step` count, the buffers the options use (made, as zeros,
   * when missing at a step), and which of those a saved entry may lack (a buffer that an option
   * a schedule changes, such as momentum, switches on).
   */
  layout(o: OptionValues<S>): { step: boolean; buffers: readonly string[]; optional?: readonly string[] };
  /** Options users give as one tuple of schema keys: Adam's `betas` is `[beta1, beta2]`. */
  tuples?: Record<string, readonly string[]>;
  /** Options a group keeps from its creation on: the state's layout depends on them. */
  fixed?: readonly string[];
}

/** The learning rate's rule, shared by every optimiser: finite and >= 0. @internal */
export const lrRule = (defaultLr?: number): NumberRule => ({ type: "number", min: 0, ...(defaultLr === undefined ? {} : { default: defaultLr }) });

/** A value as a message shows it. @internal */
export const show = (v: unknown): string =>
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

/** The names users give options by: schema keys, with each tuple's keys replaced by its name. @internal */
export function publicNames(spec: OptimizerSpec<Schema>): string[] {
  const inTuple = new Map<string, string>();
  for (const [name, keys] of Object.entries(spec.tuples ?? {})) for (const k of keys) inTuple.set(k, name);
  const names: string[] = [];
  for (const key of Object.keys(spec.schema)) {
    const name = inTuple.get(key) ?? key;
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/**
 * Options as users give them (public names, `betas` a pair) as schema keys, with the problems of
 * the record's shape: not an object, an unknown name, a tuple that is not a pair. Keys whose value
 * is undefined are left out. `skip` names keys that are not options (a group's `params`).
 * @internal
 */
export function fromPublic(spec: OptimizerSpec<Schema>, given: unknown, skip: readonly string[] = []): { record: Record<string, unknown>; problems: string[] } {
  const record: Record<string, unknown> = {};
  if (given === undefined) return { record, problems: [] };
  if (given === null || typeof given !== "object" || Array.isArray(given)) return { record, problems: [`the options must be an object, got ${show(given)}`] };
  const problems: string[] = [];
  const names = publicNames(spec);
  for (const [name, value] of Object.entries(given as Record<string, unknown>)) {
    if (value === undefined || skip.includes(name)) continue;
    const tuple = spec.tuples?.[name];
    if (tuple) {
      if (!Array.isArray(value) || value.length !== tuple.length) problems.push(`${name} must be a pair [${tuple.join(", ")}], got ${show(value)}`);
      else tuple.forEach((k, i) => (record[k] = value[i]));
    } else if (name in spec.schema && !Object.values(spec.tuples ?? {}).some((keys) => keys.includes(name))) {
      record[name] = value;
    } else {
      problems.push(`unknown option "${name}" (known: ${names.join(", ")})`);
    }
  }
  return { record, problems };
}

/**
 * Reads schema-keyed options: from a constructor or a group (`required` true: defaults fill what
 * is missing, and an option without a default must be given) or from a state dict (`dict`:
 * everything must be there, named `<prefix>.<key>`). Returns the values and every problem.
 * @internal
 */
export function readOptions(
  spec: OptimizerSpec<Schema>,
  record: Record<string, unknown>,
  from: { dict: string } | { missing: string },
): { values: Values; problems: string[] } {
  const problems: string[] = [];
  const values: Values = {};
  const label = (key: string, rule: NumberRule | BooleanRule): string => ("dict" in from ? `${from.dict}.${key}` : (rule.type === "number" && rule.label) || key);
  if ("dict" in from) {
    const known = Object.keys(spec.schema);
    for (const key of Object.keys(record)) if (!(key in spec.schema)) problems.push(`${from.dict} has an unknown key "${key}" (known: ${known.join(", ")})`);
  }
  for (const [key, rule] of Object.entries(spec.schema)) {
    let value = record[key];
    if (value === undefined) {
      if ("dict" in from) {
        problems.push(`${from.dict}.${key} is missing`);
        continue;
      }
      if (rule.default === undefined) {
        problems.push(`${label(key, rule)} is required${from.missing}`);
        continue;
      }
      value = rule.default;
    }
    const problem = checkOption(rule, label(key, rule), value);
    if (problem) problems.push(problem);
    else values[key] = value as number | boolean;
  }
  if (problems.length === 0 && spec.constraint) {
    const problem = spec.constraint(values as OptionValues<Schema>);
    if (problem) problems.push(problem);
  }
  return { values, problems };
}

/** Throws a ValueError `<kind>: <problems joined by "; ">` when there are problems. @internal */
export function throwIf(kind: string, problems: readonly string[]): void {
  if (problems.length > 0) throw new ValueError(`${kind}: ${problems.join("; ")}`);
}
