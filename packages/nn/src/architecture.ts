// Architectures: a model's structure as JSON (architectureOf) and back (modelFromArchitecture),
// every field of JSON read from files validated, and the state dict it implies known before
// anything is allocated, so that load can check a file's weights first.
import { ValueError, type DType } from "@strata/tensor";
import { activation as lookup, isBuiltIn, type Activation, type ActivationName } from "./activations.js";
import { Dense } from "./dense.js";
import { ActivationLayer, Dropout } from "./dropout.js";
import { zeros } from "./init.js";
import { checkDepth, parseJson } from "./json.js";
import type { Module } from "./module.js";
import { DeepNetwork } from "./network.js";
import { Sequential, setLayers } from "./sequential.js";

/**
 * An activation as JSON, inside an {@link Architecture}: `{ name }` for a built-in activation, or
 * `{ name: "leakyRelu", alpha }` with its slope (finite, ≥ 0).
 *
 * @example
 * ```ts
 * import { architectureOf, modelFromArchitecture, type ActivationJSON } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const g: ActivationJSON = { name: "leakyRelu", alpha: 0.25 };
 * const layer = modelFromArchitecture({ type: "activation", activation: g });
 * console.log(layer.forward(tensor([[-4, 2]])).toArray()); // [[-1, 2]]
 * console.log(JSON.stringify(architectureOf(layer))); // {"type":"activation","activation":{"name":"leakyRelu","alpha":0.25}}
 * ```
 */
export type ActivationJSON = { name: Exclude<ActivationName, "leakyRelu"> } | { name: "leakyRelu"; alpha: number };

/**
 * A model as JSON, as {@link architectureOf} describes it and {@link modelFromArchitecture} rebuilds
 * it: a deepNetwork by its layer sizes [n0, …, nL], a Sequential by its layers, a Dense by nIn
 * (n[l-1]) and nOut (n[l]), a Dropout by p, an ActivationLayer by its activation. Structure only:
 * no weights, initialisers or generators.
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
export type Architecture =
  | { type: "deepNetwork"; layerDims: number[]; hidden: ActivationJSON; output: ActivationJSON; dtype: "float32" | "float64" }
  | { type: "sequential"; layers: Architecture[] }
  | { type: "dense"; nIn: number; nOut: number; activation: ActivationJSON; dtype: "float32" | "float64" }
  | { type: "dropout"; p: number }
  | { type: "activation"; activation: ActivationJSON };

const cannot = (what: string): ValueError =>
  new ValueError(`architectureOf: ${what} cannot be described as an architecture; use saveWeights/loadWeights with a model you construct yourself instead`);

function describeActivation(g: Activation, where: string): ActivationJSON {
  if (!isBuiltIn(g)) throw cannot(`the custom activation ${JSON.stringify(String(g.name))} of ${where}`);
  return g.name === "leakyRelu" ? { name: "leakyRelu", alpha: g.alpha! } : ({ name: g.name } as ActivationJSON);
}

function floatDType(d: DType, where: string): "float32" | "float64" {
  if (d === "float32" || d === "float64") return d;
  throw cannot(`${where} with dtype ${d}`);
}

/**
 * The architecture of `model` as JSON: a deepNetwork, a Sequential of Dense, Dropout,
 * ActivationLayer and nested Sequential layers, or a lone Dense, with built-in activations. Only
 * the structure: weights are in the state dict, and initialisers and generators are not kept.
 *
 * @throws ValueError for anything else (a custom Module or subclass, a custom activation), saying to use saveWeights/loadWeights.
 * @example
 * ```ts
 * import { Dense, Dropout, Sequential, architectureOf } from "@strata/nn";
 * const net = new Sequential(new Dense(3, 2, { activation: { name: "leakyRelu", alpha: 0.2 } }), new Dropout(0.1));
 * console.log(JSON.stringify(architectureOf(net))); // {"type":"sequential","layers":[{"type":"dense","nIn":3,"nOut":2,"activation":{"name":"leakyRelu","alpha":0.2},"dtype":"float32"},{"type":"dropout","p":0.1}]}
 * ```
 */
export function architectureOf(model: Module, where = "the model"): Architecture {
  const ctor = (model as object | null)?.constructor;
  if (ctor === DeepNetwork) {
    const net = model as DeepNetwork;
    const layers = net.layers;
    const output = describeActivation(layers[layers.length - 1]!.activation, `${where}'s output layer`);
    // With one layer there is no hidden activation to read; the default is what a rebuild needs.
    const hidden = layers.length > 1 ? describeActivation(layers[0]!.activation, `${where}'s layer 1`) : { name: "relu" as const };
    return { type: "deepNetwork", layerDims: [...net.layerDims], hidden, output, dtype: floatDType(layers[0]!.W.dtype, where) };
  }
  if (ctor === Sequential) return { type: "sequential", layers: (model as Sequential).layers.map((m, i) => architectureOf(m, `layers[${i}]`)) };
  if (ctor === Dense) {
    const d = model as Dense;
    return { type: "dense", nIn: d.nIn, nOut: d.nOut, activation: describeActivation(d.activation, where), dtype: floatDType(d.W.dtype, where) };
  }
  if (ctor === Dropout) return { type: "dropout", p: (model as Dropout).p };
  if (ctor === ActivationLayer) return { type: "activation", activation: describeActivation((model as ActivationLayer).activation, where) };
  const name = typeof ctor === "function" && ctor.name ? ctor.name : "this object";
  throw cannot(`${where === "the model" ? "the model" : where} (a ${name})`);
}

type Rec = Record<string, unknown>;

function fields(json: unknown, path: string, allowed: readonly string[]): Rec {
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw new ValueError(`${path || "architecture"}: expected an object, got ${JSON.stringify(json)}`);
  for (const k of Object.keys(json)) if (!allowed.includes(k)) throw new ValueError(`${path ? `${path}.` : ""}${k}: unknown field for type ${JSON.stringify((json as Rec).type)}`);
  return json as Rec;
}

function count(v: unknown, path: string): number {
  if (!Number.isInteger(v) || (v as number) < 1) throw new ValueError(`${path}: expected an integer ≥ 1, got ${JSON.stringify(v)}`);
  return v as number;
}

function dtypeField(v: unknown, path: string): "float32" | "float64" {
  if (v !== "float32" && v !== "float64") throw new ValueError(`${path}: expected "float32" or "float64", got ${JSON.stringify(v)}`);
  return v;
}

function activationField(v: unknown, path: string): Activation {
  const rec = fields(v, path, ["name", "alpha"]);
  if (rec.name === "leakyRelu") {
    if (typeof rec.alpha !== "number" || !Number.isFinite(rec.alpha) || rec.alpha < 0) throw new ValueError(`${path}.alpha: expected a finite number ≥ 0, got ${JSON.stringify(rec.alpha)}`);
    return lookup({ name: "leakyRelu", alpha: rec.alpha });
  }
  if ("alpha" in rec) throw new ValueError(`${path}.alpha: only leakyRelu takes alpha`);
  if (typeof rec.name !== "string" || rec.name === "leakyRelu" || !Object.hasOwn({ relu: 1, sigmoid: 1, tanh: 1, softmax: 1, identity: 1 }, rec.name)) {
    throw new ValueError(`${path}.name: unknown activation ${JSON.stringify(rec.name)}`);
  }
  return lookup(rec.name as ActivationName);
}

/** An architecture checked field by field, activations resolved: what {@link construct} builds
 * and {@link parameterShapes} sizes, before anything is allocated. */
export type Spec =
  | { type: "deepNetwork"; dims: number[]; hidden: Activation; output: Activation; dtype: "float32" | "float64" }
  | { type: "sequential"; layers: Spec[] }
  | { type: "dense"; nIn: number; nOut: number; activation: Activation; dtype: "float32" | "float64" }
  | { type: "dropout"; p: number }
  | { type: "activation"; activation: Activation };

function parse(json: unknown, path: string): Spec {
  const at = (k: string): string => (path ? `${path}.${k}` : k);
  const type = json !== null && typeof json === "object" ? (json as Rec).type : undefined;
  switch (type) {
    case "deepNetwork": {
      const r = fields(json, path, ["type", "layerDims", "hidden", "output", "dtype"]);
      if (!Array.isArray(r.layerDims) || r.layerDims.length < 2) throw new ValueError(`${at("layerDims")}: expected an array of at least 2 layer sizes, got ${JSON.stringify(r.layerDims)}`);
      const dims = r.layerDims.map((n, i) => count(n, `${at("layerDims")}[${i}]`));
      return { type, dims, hidden: activationField(r.hidden, at("hidden")), output: activationField(r.output, at("output")), dtype: dtypeField(r.dtype, at("dtype")) };
    }
    case "sequential": {
      const r = fields(json, path, ["type", "layers"]);
      if (!Array.isArray(r.layers)) throw new ValueError(`${at("layers")}: expected an array, got ${JSON.stringify(r.layers)}`);
      return { type, layers: r.layers.map((l, i) => parse(l, `${at("layers")}[${i}]`)) };
    }
    case "dense": {
      const r = fields(json, path, ["type", "nIn", "nOut", "activation", "dtype"]);
      return { type, nIn: count(r.nIn, at("nIn")), nOut: count(r.nOut, at("nOut")), activation: activationField(r.activation, at("activation")), dtype: dtypeField(r.dtype, at("dtype")) };
    }
    case "dropout": {
      const r = fields(json, path, ["type", "p"]);
      if (typeof r.p !== "number" || !(r.p >= 0 && r.p <= 1)) throw new ValueError(`${at("p")}: expected a probability in [0, 1], got ${JSON.stringify(r.p)}`);
      return { type, p: r.p };
    }
    case "activation": {
      const r = fields(json, path, ["type", "activation"]);
      return { type, activation: activationField(r.activation, at("activation")) };
    }
    default:
      throw new ValueError(`${at("type")}: expected "deepNetwork", "sequential", "dense", "dropout" or "activation", got ${JSON.stringify(type)}`);
  }
}

/** The model a spec describes, its weights zero: they are about to be overwritten, and drawing
 * them would advance the default generator. */
export function construct(spec: Spec): Module {
  switch (spec.type) {
    case "deepNetwork":
      return new DeepNetwork(spec.dims, { hidden: spec.hidden, output: spec.output, dtype: spec.dtype, init: zeros() });
    case "sequential":
      return setLayers(new Sequential(), spec.layers.map(construct));
    case "dense":
      return new Dense(spec.nIn, spec.nOut, { activation: spec.activation, dtype: spec.dtype, init: zeros() });
    case "dropout":
      return new Dropout(spec.p);
    case "activation":
      return new ActivationLayer(spec.activation);
  }
}

/** The state dict a spec's model will have, as names and shapes, without building it: W (n[l],
 * n[l-1]) and b (n[l], 1) per Dense, W1, b1, … in a deepNetwork, `i.` before the names of a
 * Sequential's i-th layer. (A test checks this against the built models.) */
export function* parameterShapes(spec: Spec, prefix = ""): Generator<[string, number[]]> {
  switch (spec.type) {
    case "deepNetwork":
      for (let l = 1; l < spec.dims.length; l++) {
        yield [`${prefix}W${l}`, [spec.dims[l]!, spec.dims[l - 1]!]];
        yield [`${prefix}b${l}`, [spec.dims[l]!, 1]];
      }
      break;
    case "sequential":
      for (let i = 0; i < spec.layers.length; i++) yield* parameterShapes(spec.layers[i]!, `${prefix}${i}.`);
      break;
    case "dense":
      yield [`${prefix}W`, [spec.nOut, spec.nIn]];
      yield [`${prefix}b`, [spec.nOut, 1]];
      break;
    default:
  }
}

// Architectures nest one object and one array per Sequential: 256 levels are 127 nested
// Sequentials, far beyond any real model, and shallow enough for the recursive validation.
const MAX_ARCHITECTURE_DEPTH = 256;

/** The architecture `json` (an object or its text) checked and resolved; JSON that does not parse
 * or nests too deep goes to `fail`, bad fields throw ValueErrors naming their path. */
export function specOf(json: unknown, fail: (message: string) => never): Spec {
  const value = typeof json === "string" ? parseJson(json, MAX_ARCHITECTURE_DEPTH, fail) : (checkDepth(json, MAX_ARCHITECTURE_DEPTH, fail), json);
  return parse(value, "");
}

/**
 * Rebuilds a model from {@link architectureOf}'s JSON (an object or its string), every field
 * validated. The weights are zeros (load them with `loadStateDict`); the default generator is not used.
 *
 * @throws ValueError naming the path of the bad field, e.g. `layers[2].nIn: expected an integer ≥ 1, got 0`.
 * @example
 * ```ts
 * import { modelFromArchitecture } from "@strata/nn";
 * const net = modelFromArchitecture({ type: "deepNetwork", layerDims: [4, 3, 1], hidden: { name: "relu" }, output: { name: "sigmoid" }, dtype: "float64" });
 * console.log(net.namedParameters().map(([k, p]) => `${k}${JSON.stringify(p.shape)}`).join(" ")); // W1[3,4] b1[3,1] W2[1,3] b2[1,1]
 * try { modelFromArchitecture({ type: "sequential", layers: [{ type: "dropout", p: 2 }] }); } catch (e) { console.log((e as Error).message); } // layers[0].p: expected a probability in [0, 1], got 2
 * ```
 */
export function modelFromArchitecture(json: Architecture | string | unknown): Module {
  return construct(specOf(json, (m) => {
    throw new ValueError(`modelFromArchitecture: the architecture ${m}`);
  }));
}

