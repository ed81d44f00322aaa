// The fields of a layer type's config and their validators. A checkpoint's architecture is
// untrusted JSON: each field reads the value found at its path and either returns it checked
// (types, ranges, lengths) or throws a ValueError naming the path, before anything is built.
// Child layers are fields too (field.layer, field.layers, field.layerDict), read by the
// architecture parser itself.
import { ValueError } from "@strata/tensor";
import { activationField, type ActivationJSON } from "./activation-json.js";
import { quote } from "./json.js";
import type { Module } from "./module.js";

/**
 * A config field's validator: takes the JSON value found at `path` in an architecture (untrusted:
 * from a file) and returns it checked, or throws a ValueError that starts with `path`. The
 * helpers of {@link field} make the common ones; any function of this type works.
 *
 * @example
 * ```ts
 * import { type ConfigField } from "@strata/nn";
 * import { ValueError } from "@strata/tensor";
 * const even: ConfigField<number> = (value, path) => {
 *   if (!Number.isInteger(value) || (value as number) % 2 !== 0) throw new ValueError(`${path}: expected an even integer, got ${JSON.stringify(value)}`);
 *   return value as number;
 * };
 * console.log(even(4, "width")); // 4
 * try { even(3, "layers[1].width"); } catch (e) { console.log((e as Error).message); } // layers[1].width: expected an even integer, got 3
 * ```
 */
export type ConfigField<T> = (value: unknown, path: string) => T;

/**
 * A layer type's config fields by name, as {@link LayerType.fields} lists them.
 *
 * @example
 * ```ts
 * import { field, type ConfigFields } from "@strata/nn";
 * const fields: ConfigFields = { features: field.integer({ min: 1, max: 4096 }), p: field.number({ min: 0, max: 1 }) };
 * console.log(Object.keys(fields)); // ["features", "p"]
 * ```
 */
export type ConfigFields = Record<string, ConfigField<unknown>>;

/**
 * The config that a set of fields describes: each field's checked value by name. What a layer
 * type's `config` returns and its `fromConfig` takes.
 *
 * @example
 * ```ts
 * import { field, type ConfigOf } from "@strata/nn";
 * const fields = { features: field.integer({ min: 1 }), bias: field.boolean() };
 * const config: ConfigOf<typeof fields> = { features: 8, bias: true };
 * console.log(config); // { features: 8, bias: true }
 * ```
 */
export type ConfigOf<F extends ConfigFields> = { [K in keyof F]: F[K] extends ConfigField<infer T> ? T : never };

/** What a child field holds: one layer, a list of layers, or layers by key. @internal */
export type ChildKind = "one" | "list" | "dict";
const CHILD = Symbol("child layers");
type ChildField = ConfigField<unknown> & { [CHILD]: ChildKind; maxLength: number };

/** The kind of child a field holds, or undefined for an ordinary field. @internal */
export function childKind(f: ConfigField<unknown>): ChildKind | undefined {
  return (f as Partial<ChildField>)[CHILD];
}

/** The most children a list or dict field takes. @internal */
export function childLimit(f: ConfigField<unknown>): number {
  return (f as ChildField).maxLength;
}

function childField(kind: ChildKind, maxLength: number): ChildField {
  const read = (_value: unknown, path: string): never => {
    throw new ValueError(`${path}: child layer fields are read by the architecture parser (modelFromArchitecture, load), not called`);
  };
  return Object.assign(read, { [CHILD]: kind, maxLength });
}

const words = (values: readonly unknown[]): string =>
  values.length === 1 ? quote(values[0]) : `${values.length > 2 ? "one of " : ""}${values.slice(0, -1).map(quote).join(", ")} or ${quote(values.at(-1))}`;

/** Range options of {@link field}'s numbers. */
interface Range {
  min?: number;
  max?: number;
  /** Exclude `min` itself (`> min`). */
  minOpen?: boolean;
  /** Exclude `max` itself (`< max`). */
  maxOpen?: boolean;
  /** What the value is, for messages ("a probability"); "an integer" or "a number" by default. */
  what?: string;
}

function rangeText(r: Range, what: string): string {
  const lo = r.min === undefined ? undefined : `${r.minOpen ? ">" : "≥"} ${r.min}`;
  if (r.max === undefined) return lo === undefined ? what : `${what} ${lo}`;
  if (r.min === undefined) return `${what} ${r.maxOpen ? "<" : "≤"} ${r.max}`;
  return `${what} in ${r.minOpen ? "(" : "["}${r.min}, ${r.max}${r.maxOpen ? ")" : "]"}`;
}

function inRange(v: number, r: Range): boolean {
  return (r.min === undefined || (r.minOpen ? v > r.min : v >= r.min)) && (r.max === undefined || (r.maxOpen ? v < r.max : v <= r.max));
}

/**
 * Validators for the fields of a layer type's config ({@link registerLayer}): each returns a
 * {@link ConfigField} whose message names the field's path and what was expected
 * (`layers[2].features: expected an integer in [1, 4096], got 0`).
 *
 * - `integer({ min?, max?, what? })`: a safe integer in the range.
 * - `number({ min?, max?, minOpen?, maxOpen?, what? })`: a finite number in the range.
 * - `boolean()`, `string({ maxLength? = 256 })`.
 * - `oneOf(...values)`: one of the given strings, numbers, booleans or null.
 * - `list(item, { minLength?, maxLength? = 65536, what? })`: an array, each item checked at `path[i]`.
 * - `anyOf(...fields)`: the first field that accepts the value (`3` or `[3, 5]` or `"same"`).
 * - `nullable(f)`: null, or what `f` accepts. `optional(f, fallback)`: `fallback` when the field is absent.
 * - `dtype()`: `"float32"` or `"float64"`. `activation()`: an {@link ActivationJSON}.
 * - `layer()`, `layers({ maxLength? })`, `layerDict({ maxLength? })`: child layers, stored as their
 *   own architectures (each validated by its own type) and rebuilt before the parent's
 *   `fromConfig`, which receives the modules (a Module, a Module[], `[key, Module]` pairs).
 *
 * @throws ValueError from the returned validators (naming the path), never from the helpers.
 * @example
 * ```ts
 * import { field } from "@strata/nn";
 * const kernel = field.anyOf(field.integer({ min: 1 }), field.list(field.integer({ min: 1 }), { minLength: 2, maxLength: 2 }));
 * console.log(kernel(3, "kernelSize"), kernel([3, 5], "kernelSize")); // 3 [3, 5]
 * try { field.number({ min: 0, max: 1, what: "a probability" })(2, "layers[1].p"); } catch (e) { console.log((e as Error).message); } // layers[1].p: expected a probability in [0, 1], got 2
 * ```
 */
export const field = {
  /** A safe integer within the range. */
  integer(range: Range = {}): ConfigField<number> {
    const text = rangeText(range, range.what ?? "an integer");
    return (v, path) => {
      if (!Number.isSafeInteger(v) || !inRange(v as number, range)) throw new ValueError(`${path}: expected ${text}, got ${quote(v)}`);
      return v as number;
    };
  },
  /** A finite number within the range. */
  number(range: Range = {}): ConfigField<number> {
    const text = rangeText(range, range.what ?? (range.min !== undefined && range.max === undefined ? "a finite number" : "a number"));
    return (v, path) => {
      if (typeof v !== "number" || !Number.isFinite(v) || !inRange(v, range)) throw new ValueError(`${path}: expected ${text}, got ${quote(v)}`);
      return v;
    };
  },
  /** true or false. */
  boolean(): ConfigField<boolean> {
    return (v, path) => {
      if (typeof v !== "boolean") throw new ValueError(`${path}: expected true or false, got ${quote(v)}`);
      return v;
    };
  },
  /** A string of at most `maxLength` characters (256 by default). */
  string(options: { maxLength?: number } = {}): ConfigField<string> {
    const max = options.maxLength ?? 256;
    return (v, path) => {
      if (typeof v !== "string" || v.length > max) throw new ValueError(`${path}: expected a string of at most ${max} characters, got ${quote(v)}`);
      return v;
    };
  },
  /** One of `values`. */
  oneOf<const V extends readonly (string | number | boolean | null)[]>(...values: V): ConfigField<V[number]> {
    return (v, path) => {
      if (!values.includes(v as V[number])) throw new ValueError(`${path}: expected ${words(values)}, got ${quote(v)}`);
      return v as V[number];
    };
  },
  /** An array of `minLength` to `maxLength` (65536 by default; `Infinity` for no bound) items, each checked by `item` at `path[i]`. */
  list<T>(item: ConfigField<T>, options: { minLength?: number; maxLength?: number; what?: string } = {}): ConfigField<T[]> {
    const min = options.minLength ?? 0;
    const max = options.maxLength ?? 65536;
    const what = options.what ?? "items";
    const size = min === max ? `${min} ${what}` : max === Infinity ? (min > 0 ? `at least ${min} ${what}` : what) : min > 0 ? `${min} to ${max} ${what}` : `at most ${max} ${what}`;
    return (v, path) => {
      if (!Array.isArray(v) || v.length < min || v.length > max) throw new ValueError(`${path}: expected an array of ${size}, got ${quote(v)}`);
      return v.map((x, i) => item(x, `${path}[${i}]`));
    };
  },
  /** What the first of `fields` accepts; when none does, one message with every alternative's. */
  anyOf<F extends readonly ConfigField<unknown>[]>(...fields: F): ConfigField<F[number] extends ConfigField<infer T> ? T : never> {
    return ((v: unknown, path: string) => {
      const problems: string[] = [];
      for (const f of fields) {
        try {
          return f(v, path);
        } catch (e) {
          if (!(e instanceof ValueError)) throw e;
          problems.push(e.message.startsWith(`${path}: `) ? e.message.slice(path.length + 2) : e.message);
        }
      }
      throw new ValueError(`${path}: ${problems.join("; or ")}`);
    }) as ConfigField<F[number] extends ConfigField<infer T> ? T : never>;
  },
  /** null, or what `f` accepts. */
  nullable<T>(f: ConfigField<T>): ConfigField<T | null> {
    return (v, path) => (v === null ? null : f(v, path));
  },
  /** `fallback` when the field is absent (so an older architecture without it still loads), else what `f` accepts. */
  optional<T>(f: ConfigField<T>, fallback: T): ConfigField<T> {
    return (v, path) => (v === undefined ? fallback : f(v, path));
  },
  /** "float32" or "float64". */
  dtype(): ConfigField<"float32" | "float64"> {
    return field.oneOf("float32", "float64");
  },
  /** An activation of the course's layers, as {@link ActivationJSON}. */
  activation(): ConfigField<ActivationJSON> {
    return activationField;
  },
  /** One child layer, stored as its own architecture. */
  layer(): ConfigField<Module> {
    return childField("one", 1) as ConfigField<Module>;
  },
  /** A list of child layers (at most `maxLength`, unbounded by default), each stored as its own architecture. */
  layers(options: { maxLength?: number } = {}): ConfigField<Module[]> {
    return childField("list", options.maxLength ?? Infinity) as ConfigField<Module[]>;
  },
  /** Child layers by key (keys without dots), in order, as `[key, layer]` pairs; stored as pairs of a key and an architecture (an object would reorder keys such as "10" and "2"). */
  layerDict(options: { maxLength?: number } = {}): ConfigField<[string, Module][]> {
    return childField("dict", options.maxLength ?? Infinity) as ConfigField<[string, Module][]>;
  },
};
