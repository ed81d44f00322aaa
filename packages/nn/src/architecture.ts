// Architectures: a model's structure as JSON (architectureOf) and back (modelFromArchitecture),
// through the registry of layer types. JSON read from files is validated field by field against
// each type's fields, and the state dict it implies is known (for types that say) before anything
// is allocated, so that load can check a file's weights first.
import { ValueError } from "@strata/tensor";
import { prefixed } from "./checks.js";
import { childKind, childLimit, type ChildKind, type ConfigField } from "./config-fields.js";
import { checkDepth, parseJson, quote } from "./json.js";
import { layerOfModule, layerOfType, layerTypeNames } from "./layer-registry.js";
import { Undescribable, type LayerType, type StateShape } from "./layer-type.js";
import { Module } from "./module.js";

export type { ActivationJSON } from "./activation-json.js";

/**
 * A model as JSON, as {@link architectureOf} describes it and {@link modelFromArchitecture} rebuilds
 * it: `type` names a registered layer type ({@link registerLayer}) and the other keys are its
 * config's fields; child layers are nested architectures. The built-in types: `deepNetwork`
 * (`layerDims`, `hidden`, `output`, `dtype`), `sequential` (`layers`), `dense` (`nIn`, `nOut`,
 * `activation`, `dtype`), `dropout` (`p`), `activation` (`activation`), `moduleList` (`modules`),
 * `moduleDict` (`modules`, by key). Structure only: no weights, initialisers or generators.
 *
 * @example
 * ```ts
 * import { architectureOf, modelFromArchitecture, type Architecture } from "@strata/nn";
 * const arch: Architecture = {
 *   type: "sequential",
 *   layers: [
 *     { type: "dense", nIn: 2, nOut: 3, activation: { name: "relu" }, dtype: "float32" },
 *     { type: "dropout", p: 0.5 },
 *     { type: "dense", nIn: 3, nOut: 1, activation: { name: "sigmoid" }, dtype: "float32" },
 *   ],
 * };
 * const net = modelFromArchitecture(arch);
 * console.log(net.namedParameters().map(([k, p]) => `${k}${JSON.stringify(p.shape)}`)); // ["0.W[3,2]", "0.b[3,1]", "2.W[1,3]", "2.b[1,1]"]
 * console.log(JSON.stringify(architectureOf(net)) === JSON.stringify(arch)); // true
 * ```
 */
export interface Architecture {
  /** The registered layer type. */
  type: string;
  /** The type's config fields (child layers as nested architectures). */
  [field: string]: unknown;
}

type AnyLayer = LayerType<Module, Record<string, ConfigField<unknown>>>;

/** An architecture checked against its types' fields, not built yet: what {@link build} builds
 * and {@link stateShapesOf} sizes. Child fields hold ParsedLayers. */
export class ParsedLayer {
  constructor(
    readonly layer: AnyLayer,
    readonly config: Record<string, unknown>,
    readonly path: string,
  ) {}
}

const at = (path: string, key: string): string => (path ? `${path}.${key}` : key);

/** Every child ParsedLayer of `parsed` with the field it is in, in field order. */
function* childrenOf(parsed: ParsedLayer): Generator<ParsedLayer> {
  for (const [key, f] of Object.entries(parsed.layer.fields)) {
    const kind = childKind(f);
    const v = parsed.config[key];
    if (kind === "one") yield v as ParsedLayer;
    else if (kind === "list") yield* v as ParsedLayer[];
    else if (kind === "dict") for (const [, child] of v as [string, ParsedLayer][]) yield child;
  }
}

function parseChildren(kind: ChildKind, limit: number, v: unknown, path: string): unknown {
  if (kind === "one") return parse(v, path);
  if (kind === "list") {
    if (!Array.isArray(v) || v.length > limit) throw new ValueError(`${path}: expected an array of ${limit === Infinity ? "" : `at most ${limit} `}layers, got ${quote(v)}`);
    return v.map((item, i) => parse(item, `${path}[${i}]`));
  }
  if (!Array.isArray(v) || v.length > limit) throw new ValueError(`${path}: expected an array of ${limit === Infinity ? "" : `at most ${limit} `}[name, layer] pairs, got ${quote(v)}`);
  const names = new Set<string>();
  return v.map((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2) throw new ValueError(`${path}[${i}]: expected a [name, layer] pair, got ${quote(pair)}`);
    const key = pair[0];
    if (typeof key !== "string" || key === "" || key.includes(".") || key.length > 256) throw new ValueError(`${path}[${i}][0]: a layer name must be a string of 1 to 256 characters without dots, got ${quote(key)}`);
    if (names.has(key)) throw new ValueError(`${path}[${i}][0]: the name ${quote(key)} is used twice`);
    names.add(key);
    return [key, parse(pair[1], `${path}.${key}`)];
  });
}

/** `json` checked against its layer type's fields (and its children's), naming the path of the first problem. */
function parse(json: unknown, path: string): ParsedLayer {
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw new ValueError(`${path || "architecture"}: expected an object, got ${quote(json)}`);
  const rec = json as Record<string, unknown>;
  const type = rec.type;
  const entry = typeof type === "string" ? layerOfType(type) : undefined;
  if (entry === undefined) {
    const how = typeof type === "string" ? `; register its class once, before loading, with registerLayer(TheClass, { type: ${quote(type)}, fields, config, fromConfig })` : "";
    throw new ValueError(`${at(path, "type")}: unknown layer type ${quote(type)}${how} (registered: ${layerTypeNames().join(", ")})`);
  }
  const layer = entry.layer as AnyLayer;
  for (const k of Object.keys(rec)) if (k !== "type" && !Object.hasOwn(layer.fields, k)) throw new ValueError(`${at(path, k)}: unknown field for type ${quote(type)}`);
  const config: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(layer.fields)) {
    const v = Object.hasOwn(rec, key) ? rec[key] : undefined;
    const kind = childKind(f);
    config[key] = kind === undefined ? f(v, at(path, key)) : parseChildren(kind, childLimit(f), v, at(path, key));
  }
  const problem = layer.check?.(config);
  if (problem !== undefined) throw new ValueError(`${path || "architecture"} (${type}): ${problem}`);
  return new ParsedLayer(layer, config, path);
}

// Architectures nest an object and an array per Sequential: 256 levels are 127 nested
// Sequentials, far beyond any real model, and shallow enough for the recursive validation.
const MAX_ARCHITECTURE_DEPTH = 256;

/** The architecture `json` (an object or its text) checked; JSON that does not parse or nests
 * too deep goes to `fail`, bad fields throw ValueErrors naming their path. */
export function specOf(json: unknown, fail: (message: string) => never): ParsedLayer {
  const value = typeof json === "string" ? parseJson(json, MAX_ARCHITECTURE_DEPTH, fail) : (checkDepth(json, MAX_ARCHITECTURE_DEPTH, fail), json);
  return parse(value, "");
}

/** The model a checked architecture describes, children first; its weights are whatever the
 * types' constructors give (load overwrites them). */
export function build(parsed: ParsedLayer): Module {
  const config: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(parsed.layer.fields)) {
    const kind = childKind(f);
    const v = parsed.config[key];
    if (kind === "one") config[key] = build(v as ParsedLayer);
    else if (kind === "list") config[key] = (v as ParsedLayer[]).map(build);
    else if (kind === "dict") config[key] = (v as [string, ParsedLayer][]).map(([k, c]) => [k, build(c)]);
    else config[key] = v;
  }
  let module: unknown;
  try {
    module = parsed.layer.fromConfig(config);
  } catch (e) {
    throw prefixed(`${parsed.path || "architecture"} (${parsed.layer.type})`, e);
  }
  if (!(module instanceof Module)) throw new ValueError(`${parsed.path || "architecture"} (${parsed.layer.type}): fromConfig returned ${quote(module)}, not a Module`);
  return module;
}

/** Whether every layer type in the tree says which state its config implies. */
function knowsShapes(parsed: ParsedLayer): boolean {
  if (parsed.layer.stateShapes === undefined) return false;
  for (const child of childrenOf(parsed)) if (!knowsShapes(child)) return false;
  return true;
}

/** The state dict's names and shapes the architecture implies, lazily (a file may declare a
 * million), or null when some layer type does not say. */
export function stateShapesOf(parsed: ParsedLayer): Iterable<StateShape> | null {
  if (!knowsShapes(parsed)) return null;
  const shapes = (p: ParsedLayer): Iterable<StateShape> => p.layer.stateShapes!(p.config, (child) => {
    if (!(child instanceof ParsedLayer)) throw new ValueError(`${p.path || "architecture"} (${p.layer.type}): stateShapes passed childShapes something that is not one of its child fields`);
    return shapes(child);
  });
  return shapes(parsed);
}

/**
 * How many values the state of the parts of the architecture whose types say must hold at least:
 * for a model that cannot be sized whole (a type without stateShapes), a file holding fewer is
 * refused before anything is built, so a small file cannot make load allocate a huge built-in
 * layer nested in a type that does not say its shapes.
 */
export function knownStateSize(parsed: ParsedLayer): number {
  if (knowsShapes(parsed)) {
    let n = 0;
    for (const [, shape] of stateShapesOf(parsed)!) n += shape.reduce((a, b) => a * b, 1);
    return n;
  }
  let n = 0;
  for (const child of childrenOf(parsed)) n += knownStateSize(child);
  return n;
}

const cannot = (what: string): ValueError =>
  new ValueError(`architectureOf: ${what} cannot be described as an architecture; use saveWeights/loadWeights with a model you construct yourself instead`);

function describe(model: Module, path: string): Architecture {
  const where = path || "the model";
  const entry = model instanceof Module ? layerOfModule(model) : undefined;
  if (entry === undefined) {
    const ctor = (model as object | null)?.constructor;
    const name = typeof ctor === "function" && ctor.name ? ctor.name : "this object";
    throw new ValueError(
      `architectureOf: ${where} (a ${name}) cannot be described as an architecture: ${name} is not a registered layer type; register it once with registerLayer(${name}, { type, fields, config, fromConfig }), or use saveWeights/loadWeights with a model you construct yourself`,
    );
  }
  let config: Record<string, unknown>;
  try {
    config = entry.layer.config(model);
  } catch (e) {
    if (e instanceof Undescribable) throw cannot(`${e.what} of ${where}`);
    throw prefixed(`architectureOf: ${where} (${entry.layer.type})`, e);
  }
  const out: Architecture = { type: entry.layer.type };
  for (const [key, f] of Object.entries(entry.layer.fields as Record<string, ConfigField<unknown>>)) {
    const kind = childKind(f);
    const v = config?.[key];
    const child = (m: unknown, p: string): Architecture => {
      if (!(m instanceof Module)) throw new ValueError(`architectureOf: the config of ${where} (${entry.layer.type}) gives ${p} = ${quote(m)}, not a Module`);
      return describe(m, p);
    };
    if (kind === "one") out[key] = child(v, at(path, key));
    else if (kind === "list") {
      if (!Array.isArray(v)) throw new ValueError(`architectureOf: the config of ${where} (${entry.layer.type}) gives ${at(path, key)} = ${quote(v)}, not an array of Modules`);
      out[key] = v.map((m, i) => child(m, `${at(path, key)}[${i}]`));
    }
    else if (kind === "dict") {
      if (!Array.isArray(v)) throw new ValueError(`architectureOf: the config of ${where} (${entry.layer.type}) gives ${at(path, key)} = ${quote(v)}, not an array of [name, Module] pairs`);
      out[key] = v.map((pair: unknown) => {
        const [k, m] = Array.isArray(pair) ? pair : [undefined, pair];
        return [k, child(m, `${at(path, key)}.${String(k)}`)];
      });
    }
    else out[key] = v;
  }
  return out;
}

/**
 * The architecture of `model` as JSON, through the registry of layer types: every module in it
 * must be of a registered class ({@link registerLayer}; the built-in layers are). Only the
 * structure: weights are in the state dict, and initialisers and generators are not kept. What it
 * returns is checked to load back (it passes every type's fields), so a checkpoint `save` writes
 * can be read by `load`.
 *
 * @throws ValueError for a module of an unregistered class (saying how to register it), a custom
 *   activation, or a config that its own fields refuse; each names the place in the model.
 * @example
 * ```ts
 * import { Dense, Dropout, Sequential, architectureOf } from "@strata/nn";
 * const net = new Sequential(new Dense(3, 2, { activation: { name: "leakyRelu", alpha: 0.2 } }), new Dropout(0.1));
 * console.log(JSON.stringify(architectureOf(net))); // {"type":"sequential","layers":[{"type":"dense","nIn":3,"nOut":2,"activation":{"name":"leakyRelu","alpha":0.2},"dtype":"float32"},{"type":"dropout","p":0.1}]}
 * ```
 */
export function architectureOf(model: Module): Architecture {
  const arch = describe(model, "");
  try {
    // Through JSON text, as a file holds it: a value JSON changes (NaN, undefined) is caught too.
    parse(JSON.parse(JSON.stringify(arch)), "");
  } catch (e) {
    throw prefixed("architectureOf: the description would not load back (a config() its own fields refuse)", e);
  }
  return arch;
}

/**
 * Rebuilds a model from {@link architectureOf}'s JSON (an object or its string), every field
 * validated by its layer type before anything is built. The built-in types' weights are zeros
 * (load them with `loadStateDict`) and the default generator is not used.
 *
 * @throws ValueError naming the path of the bad field, e.g. `layers[2].nIn: expected an integer ≥ 1, got 0`, or the unknown type and how to register it.
 * @example
 * ```ts
 * import { modelFromArchitecture } from "@strata/nn";
 * const net = modelFromArchitecture({ type: "deepNetwork", layerDims: [4, 3, 1], hidden: { name: "relu" }, output: { name: "sigmoid" }, dtype: "float64" });
 * console.log(net.namedParameters().map(([k, p]) => `${k}${JSON.stringify(p.shape)}`).join(" ")); // W1[3,4] b1[3,1] W2[1,3] b2[1,1]
 * try { modelFromArchitecture({ type: "sequential", layers: [{ type: "dropout", p: 2 }] }); } catch (e) { console.log((e as Error).message); } // layers[0].p: expected a probability in [0, 1], got 2
 * ```
 */
export function modelFromArchitecture(json: Architecture | string | unknown): Module {
  return build(specOf(json, (m) => {
    throw new ValueError(`modelFromArchitecture: the architecture ${m}`);
  }));
}
