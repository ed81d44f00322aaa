// Checkpoints: one safetensors file with the weights (readable by other frameworks), the model's
// architecture as JSON in the metadata, and optionally an optimiser's state. The optimiser is typed
// structurally so that @strata/nn does not depend on @strata/optim.
import { ValueError, type DType, type Tensor } from "@strata/tensor";
import { activation as lookup, isBuiltIn, type Activation, type ActivationName } from "./activations.js";
import { Dense } from "./dense.js";
import { ActivationLayer, Dropout } from "./dropout.js";
import { zeros } from "./init.js";
import type { LoadResult, Module } from "./module.js";
import { DeepNetwork } from "./network.js";
import { readSafetensors, writeSafetensors } from "./safetensors.js";
import { Sequential } from "./sequential.js";

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

/**
 * An optimiser's state dict as `@strata/optim`'s `stateDict()` returns and `loadStateDict()` takes
 * it: the optimiser's kind, its options, and per parameter its step count and buffers (each
 * buffer the shape of its parameter). {@link save} stores it; {@link load} returns it.
 *
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import type { OptimizerStateLike } from "@strata/nn";
 * import { Adam } from "@strata/optim";
 * const w = variable([[1, 2]], { requiresGrad: true });
 * const opt = new Adam([w], { lr: 0.5 });
 * w.sum().backward();
 * opt.step();
 * const state: OptimizerStateLike = opt.stateDict();
 * console.log(state.kind, state.options.lr, Object.keys(state.state[0]!)); // Adam 0.5 ["step", "expAvg", "expAvgSq"]
 * const resumed = new Adam([variable([[1, 2]], { requiresGrad: true })]);
 * resumed.loadStateDict(state);
 * console.log(resumed.lr); // 0.5
 * ```
 */
export interface OptimizerStateLike {
  kind: string;
  options: Record<string, number | boolean>;
  state: Array<Record<string, Tensor | number>>;
}

/**
 * What {@link save} needs of an optimiser: its `stateDict()`. Every `@strata/optim` optimiser fits.
 *
 * @example
 * ```ts
 * import { deepNetwork, load, save, type OptimizerLike } from "@strata/nn";
 * import { SGD } from "@strata/optim";
 * import { rng } from "@strata/tensor";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const dir = mkdtempSync(join(tmpdir(), "strata-doc-"));
 * const model = deepNetwork([2, 1], { rng: rng(0) });
 * const optimizer: OptimizerLike = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * save(model, join(dir, "model.safetensors"), { optimizer });
 * console.log(load(join(dir, "model.safetensors")).optimizerState?.options); // { lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0 }
 * rmSync(dir, { recursive: true });
 * ```
 */
export interface OptimizerLike {
  stateDict(): OptimizerStateLike;
}

/**
 * What {@link load} returns: the rebuilt model with its saved weights and, when {@link save} was
 * given an optimiser, that optimiser's state to resume training with.
 *
 * @example
 * ```ts
 * import { deepNetwork, load, save, type Checkpoint } from "@strata/nn";
 * import { SGD } from "@strata/optim";
 * import { rng } from "@strata/tensor";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const dir = mkdtempSync(join(tmpdir(), "strata-doc-"));
 * const net = deepNetwork([3, 2, 1], { rng: rng(0) });
 * save(net, join(dir, "ckpt.safetensors"), { optimizer: new SGD(net.parameters(), { lr: 0.05 }) });
 * const checkpoint: Checkpoint = load(join(dir, "ckpt.safetensors"));
 * const opt = new SGD(checkpoint.model.parameters(), { lr: 1 });
 * if (checkpoint.optimizerState) opt.loadStateDict(checkpoint.optimizerState);
 * console.log(checkpoint.model.namedParameters().map(([k]) => k), opt.lr); // ["W1", "b1", "W2", "b2"] 0.05
 * rmSync(dir, { recursive: true });
 * ```
 */
export interface Checkpoint {
  /** The rebuilt model with the saved weights, in training mode. */
  model: Module;
  /** The optimiser state to pass to `loadStateDict` of an optimiser over `model.parameters()`, or null when none was saved. */
  optimizerState: OptimizerStateLike | null;
}

const VERSION = "1";
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

function build(json: unknown, path: string): Module {
  const at = (k: string): string => (path ? `${path}.${k}` : k);
  const type = json !== null && typeof json === "object" ? (json as Rec).type : undefined;
  switch (type) {
    case "deepNetwork": {
      const r = fields(json, path, ["type", "layerDims", "hidden", "output", "dtype"]);
      if (!Array.isArray(r.layerDims) || r.layerDims.length < 2) throw new ValueError(`${at("layerDims")}: expected an array of at least 2 layer sizes, got ${JSON.stringify(r.layerDims)}`);
      const dims = r.layerDims.map((n, i) => count(n, `${at("layerDims")}[${i}]`));
      return new DeepNetwork(dims, { hidden: activationField(r.hidden, at("hidden")), output: activationField(r.output, at("output")), dtype: dtypeField(r.dtype, at("dtype")), init: zeros() });
    }
    case "sequential": {
      const r = fields(json, path, ["type", "layers"]);
      if (!Array.isArray(r.layers)) throw new ValueError(`${at("layers")}: expected an array, got ${JSON.stringify(r.layers)}`);
      return new Sequential(...r.layers.map((l, i) => build(l, `${at("layers")}[${i}]`)));
    }
    case "dense": {
      const r = fields(json, path, ["type", "nIn", "nOut", "activation", "dtype"]);
      // zeros(): the weights are about to be overwritten, and drawing them would advance the default generator.
      return new Dense(count(r.nIn, at("nIn")), count(r.nOut, at("nOut")), { activation: activationField(r.activation, at("activation")), dtype: dtypeField(r.dtype, at("dtype")), init: zeros() });
    }
    case "dropout": {
      const r = fields(json, path, ["type", "p"]);
      if (typeof r.p !== "number" || !(r.p >= 0 && r.p <= 1)) throw new ValueError(`${at("p")}: expected a probability in [0, 1], got ${JSON.stringify(r.p)}`);
      return new Dropout(r.p);
    }
    case "activation": {
      const r = fields(json, path, ["type", "activation"]);
      return new ActivationLayer(activationField(r.activation, at("activation")));
    }
    default:
      throw new ValueError(`${at("type")}: expected "deepNetwork", "sequential", "dense", "dropout" or "activation", got ${JSON.stringify(type)}`);
  }
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
  let value = json;
  if (typeof json === "string") {
    try {
      value = JSON.parse(json);
    } catch (e) {
      throw new ValueError(`modelFromArchitecture: not valid JSON (${(e as Error).message})`);
    }
  }
  return build(value, "");
}

const prefixed = (path: string, e: unknown): unknown =>
  e instanceof ValueError ? Object.assign(new ValueError(`${path}: ${e.message}`), { cause: e }) : e;

/**
 * Saves `model` to `path` as one safetensors file: its state dict as `model.<name>` tensors, its
 * architecture in the metadata (`format: "strata"`, `strata.version`, `strata.architecture`) and,
 * with `optimizer`, that optimiser's buffers as `optimizer.<i>.<buffer>` tensors and its kind,
 * options and step counts as JSON in `strata.optimizer`. Atomic: on failure a previous file at
 * `path` is unchanged.
 *
 * @throws ValueError naming `path` when the model cannot be described ({@link architectureOf}) or the optimiser state is not serialisable.
 * @example
 * ```ts
 * import { deepNetwork, load, save } from "@strata/nn";
 * import { ones, rng } from "@strata/tensor";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { rmSync } from "node:fs";
 * const file = join(tmpdir(), `strata-doc-save-${process.pid}.safetensors`);
 * const net = deepNetwork([2, 3, 1], { hidden: { name: "leakyRelu", alpha: 0.1 }, rng: rng(0) });
 * save(net, file);
 * const { model } = load(file);
 * console.log(model.forward(ones([2, 4])).data.toTypedArray().join() === net.forward(ones([2, 4])).data.toTypedArray().join()); // true
 * rmSync(file);
 * ```
 */
export function save(model: Module, path: string, options: { optimizer?: OptimizerLike } = {}): void {
  let architecture: Architecture;
  try {
    architecture = architectureOf(model);
  } catch (e) {
    throw prefixed(`save ${path}`, e);
  }
  const tensors: Record<string, Tensor> = Object.create(null);
  for (const [k, t] of Object.entries(model.stateDict())) tensors[`model.${k}`] = t;
  const metadata: Record<string, string> = { format: "strata", "strata.version": VERSION, "strata.architecture": JSON.stringify(architecture) };
  if (options.optimizer !== undefined) {
    const dict = options.optimizer.stateDict();
    // Tensors are stored as `{ "tensor": name }` references so each entry keeps its key order and the mapping is explicit.
    const state = dict.state.map((entry, i) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v === "number") {
          if (!Number.isFinite(v)) throw new ValueError(`save ${path}: optimizer state[${i}].${k} is ${v}, which JSON cannot hold`);
          out[k] = v;
        } else {
          const name = `optimizer.${i}.${k}`;
          tensors[name] = v;
          out[k] = { tensor: name };
        }
      }
      return out;
    });
    for (const [k, v] of Object.entries(dict.options)) {
      if (typeof v === "number" && !Number.isFinite(v)) throw new ValueError(`save ${path}: optimizer option ${k} is ${v}, which JSON cannot hold`);
    }
    metadata["strata.optimizer"] = JSON.stringify({ kind: dict.kind, options: dict.options, state });
  }
  writeSafetensors(path, tensors, metadata);
}

function readOptimizer(json: string, tensors: Record<string, Tensor>, used: Set<string>, fail: (m: string) => never): OptimizerStateLike {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    return fail(`strata.optimizer is not valid JSON (${(e as Error).message})`);
  }
  const r = raw as Rec;
  if (r === null || typeof r !== "object" || typeof r.kind !== "string" || r.options === null || typeof r.options !== "object" || !Array.isArray(r.state)) {
    fail(`strata.optimizer must be { kind, options, state }, got ${json.slice(0, 200)}`);
  }
  const options: Record<string, number | boolean> = {};
  for (const [k, v] of Object.entries(r.options as Rec)) {
    if (typeof v !== "number" && typeof v !== "boolean") fail(`strata.optimizer options.${k} must be a number or boolean, got ${JSON.stringify(v)}`);
    Object.defineProperty(options, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  const state = (r.state as unknown[]).map((entry, i) => {
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) fail(`strata.optimizer state[${i}] must be an object`);
    const out: Record<string, Tensor | number> = {};
    for (const [k, v] of Object.entries(entry as Rec)) {
      let value: Tensor | number;
      if (typeof v === "number") value = v;
      else {
        const name = (v as Rec | null)?.tensor;
        if (typeof name !== "string" || !name.startsWith("optimizer.") || !Object.hasOwn(tensors, name)) fail(`strata.optimizer state[${i}].${k} refers to ${JSON.stringify(v)}, which is not an optimizer tensor in the file`);
        if (used.has(name as string)) fail(`strata.optimizer refers to tensor "${name}" twice`);
        used.add(name as string);
        value = tensors[name as string]!;
      }
      // defineProperty: a key "__proto__" from the file must stay data, not set a prototype.
      Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
    }
    return out;
  });
  return { kind: r.kind as string, options, state };
}

/**
 * Loads a checkpoint written by {@link save}: rebuilds the model from its architecture, loads the
 * weights strictly (every parameter present, nothing extra, shapes matching) and returns the
 * optimiser state, ready for `new Adam(model.parameters(), …).loadStateDict(optimizerState)`.
 *
 * @throws ValueError naming `path` when the file is malformed, is not a Strata checkpoint (e.g. written by saveWeights), or its weights do not fit the architecture.
 * @example
 * ```ts
 * import { Dense, load, save } from "@strata/nn";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { rmSync } from "node:fs";
 * const file = join(tmpdir(), `strata-doc-load-${process.pid}.safetensors`);
 * save(new Dense(3, 2, { activation: "tanh" }), file);
 * const { model, optimizerState } = load(file);
 * console.log(model instanceof Dense, (model as Dense).activation.name, optimizerState); // true tanh null
 * rmSync(file);
 * ```
 */
export function load(path: string): Checkpoint {
  const { tensors, metadata } = readSafetensors(path);
  const fail = (m: string): never => {
    throw new ValueError(`load ${path}: ${m}`);
  };
  if (metadata.format === "strata-weights") fail("this file was written by saveWeights, so it holds no architecture; build the model yourself and use loadWeights");
  if (metadata.format !== "strata" || metadata["strata.version"] === undefined) {
    fail("not a Strata checkpoint (no format/strata.version metadata); read it with readSafetensors");
  }
  if (metadata["strata.version"] !== VERSION) fail(`unsupported strata.version ${JSON.stringify(metadata["strata.version"])}; this version reads "${VERSION}"`);
  const arch = metadata["strata.architecture"];
  if (arch === undefined) fail("no strata.architecture metadata; build the model yourself and use loadWeights");
  let model: Module;
  try {
    model = modelFromArchitecture(arch);
  } catch (e) {
    throw prefixed(`load ${path}: strata.architecture`, e);
  }
  const weights: Record<string, Tensor> = Object.create(null);
  for (const [name, t] of Object.entries(tensors)) {
    if (name.startsWith("model.")) weights[name.slice("model.".length)] = t;
    else if (!name.startsWith("optimizer.")) fail(`unexpected tensor "${name}" (expected model.* or optimizer.*)`);
  }
  try {
    model.loadStateDict(weights);
  } catch (e) {
    throw prefixed(`load ${path}`, e);
  }
  const used = new Set<string>();
  const opt = metadata["strata.optimizer"];
  const optimizerState = opt === undefined ? null : readOptimizer(opt, tensors, used, fail);
  const stray = Object.keys(tensors).filter((n) => n.startsWith("optimizer.") && !used.has(n));
  if (stray.length) fail(`optimizer tensors ${stray.map((n) => `"${n}"`).join(", ")} are not referenced by strata.optimizer`);
  return { model, optimizerState };
}

/**
 * Saves only the weights of any Module (its state dict, keys as they are) to `path` as
 * safetensors, atomically. Load them into a model built the same way with {@link loadWeights}.
 *
 * @throws StrataError naming `path` when writing fails.
 * @example
 * ```ts
 * import { Dense, loadWeights, saveWeights } from "@strata/nn";
 * import { rng } from "@strata/tensor";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { rmSync } from "node:fs";
 * const file = join(tmpdir(), `strata-doc-weights-${process.pid}.safetensors`);
 * const a = new Dense(2, 2, { rng: rng(1) });
 * const b = new Dense(2, 2, { rng: rng(2) });
 * saveWeights(a, file);
 * loadWeights(b, file);
 * console.log(b.W.data.toTypedArray().join() === a.W.data.toTypedArray().join()); // true
 * rmSync(file);
 * ```
 */
export function saveWeights(model: Module, path: string): void {
  writeSafetensors(path, model.stateDict(), { format: "strata-weights" });
}

/**
 * Loads weights saved by {@link saveWeights} (or any safetensors file whose names are the model's
 * parameter paths) into `model` in place. Strict by default: missing or unexpected names fail and
 * nothing changes; with `strict: false` they are reported in the result.
 *
 * @throws ValueError naming `path` when the file is malformed or does not fit the model.
 * @example
 * ```ts
 * import { Dense, loadWeights, writeSafetensors } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { rmSync } from "node:fs";
 * const file = join(tmpdir(), `strata-doc-partial-${process.pid}.safetensors`);
 * writeSafetensors(file, { W: tensor([[1, 2]]) });
 * const layer = new Dense(2, 1);
 * console.log(loadWeights(layer, file, { strict: false }).missing, layer.W.data.toArray()); // ["b"] [[1, 2]]
 * rmSync(file);
 * ```
 */
export function loadWeights(model: Module, path: string, options: { strict?: boolean } = {}): LoadResult {
  const { tensors } = readSafetensors(path);
  try {
    return model.loadStateDict(tensors, options);
  } catch (e) {
    throw prefixed(`loadWeights ${path}`, e);
  }
}
