// What a checkpoint holds, whatever carries it: the tensors and metadata that save and
// saveToBytes write (weights as `model.*`, the architecture and optimiser state as JSON metadata,
// optimiser buffers as `optimizer.*`), and how load and loadFromBytes check and rebuild them from
// a reader of either a file or bytes. The optimiser is typed structurally so that @strata/nn does
// not depend on @strata/optim.
import { ValueError, isFloatDType, type DType, type Tensor } from "@strata/tensor";
import { architectureOf, build, knownStateSize, specOf, stateShapesOf, type Architecture, type ParsedLayer } from "./architecture.js";
import { prefixed } from "./checks.js";
import { parseJson } from "./json.js";
import type { StateShape } from "./layer-type.js";
import type { LoadResult, Module } from "./module.js";
import type { Entry, Header, SafetensorsContents, Storage } from "./safetensors.js";

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
  /** Each parameter group's parameter indices (into `state`) and options; absent in checkpoints written before groups. */
  paramGroups?: Array<{ params: number[]; [option: string]: number | boolean | number[] }>;
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

export const VERSION = "1";
type Rec = Record<string, unknown>;

/** The tensors and metadata of a safetensors file. */
export interface Contents {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

/**
 * What {@link save} and {@link saveToBytes} write for `model` (and the optimiser): the
 * parameters' and persistent buffers' own tensors as `model.<name>`, the architecture and the
 * optimiser's JSON in the metadata, its buffers as `optimizer.<i>.<buffer>`. `where` ("save
 * <path>", "saveToBytes") starts every error message.
 */
export function checkpointContents(model: Module, options: { optimizer?: OptimizerLike }, where: string): Contents {
  let architecture: Architecture;
  try {
    architecture = architectureOf(model);
  } catch (e) {
    throw prefixed(where, e);
  }
  const tensors: Record<string, Tensor> = Object.create(null);
  // The live tensors, not stateDict()'s copies: writing is synchronous, so nothing changes them
  // meanwhile, and a copy of gigabytes costs seconds.
  for (const { name, tensor } of model.stateTensors()) tensors[`model.${name}`] = tensor;
  const metadata: Record<string, string> = { format: "strata", "strata.version": VERSION, "strata.architecture": JSON.stringify(architecture) };
  if (options.optimizer !== undefined) {
    const dict = options.optimizer.stateDict();
    // Tensors are stored as `{ "tensor": name }` references so each entry keeps its key order and the mapping is explicit.
    const state = dict.state.map((entry, i) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v === "number") {
          if (!Number.isFinite(v)) throw new ValueError(`${where}: optimizer state[${i}].${k} is ${v}, which JSON cannot hold`);
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
      if (typeof v === "number" && !Number.isFinite(v)) throw new ValueError(`${where}: optimizer option ${k} is ${v}, which JSON cannot hold`);
    }
    if (dict.paramGroups !== undefined) checkGroupValues(dict.paramGroups, where);
    metadata["strata.optimizer"] = JSON.stringify({ kind: dict.kind, options: dict.options, state, ...(dict.paramGroups !== undefined && { paramGroups: dict.paramGroups }) });
  }
  return { tensors, metadata };
}

/** Refuses a group option JSON cannot hold (NaN, ±Infinity). */
function checkGroupValues(groups: NonNullable<OptimizerStateLike["paramGroups"]>, where: string): void {
  groups.forEach((g, i) => {
    for (const [k, v] of Object.entries(g)) {
      for (const n of Array.isArray(v) ? v : [v]) {
        if (typeof n === "number" && !Number.isFinite(n)) throw new ValueError(`${where}: optimizer paramGroups[${i}].${k} is ${n}, which JSON cannot hold`);
      }
    }
  });
}

/** What {@link saveWeights} and {@link saveWeightsToBytes} write: the state dict, keys as they are. */
export function weightsContents(model: Module): Contents {
  return { tensors: model.stateDict(), metadata: { format: "strata-weights" } };
}

/** {@link loadWeights} and {@link loadWeightsFromBytes} once the tensors are read: errors start with `where`. */
export function loadWeightsInto(model: Module, tensors: Record<string, Tensor>, options: { strict?: boolean; unchecked?: boolean }, where: string): LoadResult {
  try {
    return model.loadStateDict(tensors, options);
  } catch (e) {
    throw prefixed(where, e);
  }
}

/** Reads a safetensors file from a file or bytes: `inspect` sees the header before any tensor is
 * allocated, `into` may give a tensor's storage. */
export type Reader = (inspect: (header: Header) => void, into: (entry: Entry) => Storage | undefined) => SafetensorsContents;

// { kind, options: {…}, state: [{ key: number | { tensor: name } }] } nests four levels.
const MAX_OPTIMIZER_DEPTH = 8;

function readOptimizer(json: string, raw: unknown, tensors: Record<string, Tensor>, used: Set<string>, fail: (m: string) => never): OptimizerStateLike {
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
  if (r.paramGroups === undefined) return { kind: r.kind as string, options, state };
  return { kind: r.kind as string, options, state, paramGroups: readGroups(r.paramGroups, state.length, fail) };
}

/** The file's paramGroups: objects with `params`, indices into the state (each once), and options of numbers, booleans or lists of numbers. */
function readGroups(raw: unknown, count: number, fail: (m: string) => never): NonNullable<OptimizerStateLike["paramGroups"]> {
  if (!Array.isArray(raw)) fail(`strata.optimizer paramGroups must be an array, got ${JSON.stringify(raw)?.slice(0, 200)}`);
  const seen = new Set<number>();
  return (raw as unknown[]).map((g, i) => {
    if (g === null || typeof g !== "object" || Array.isArray(g)) fail(`strata.optimizer paramGroups[${i}] must be an object`);
    const params = (g as Rec).params;
    if (!Array.isArray(params)) fail(`strata.optimizer paramGroups[${i}].params must be an array of parameter indices`);
    for (const p of params as unknown[]) {
      if (!Number.isSafeInteger(p) || (p as number) < 0 || (p as number) >= count || seen.has(p as number)) {
        fail(`strata.optimizer paramGroups[${i}].params holds ${JSON.stringify(p)}; expected indices of the ${count} state entries, each in one group once`);
      }
      seen.add(p as number);
    }
    const out = { params: [...(params as number[])] } as NonNullable<OptimizerStateLike["paramGroups"]>[number];
    for (const [k, v] of Object.entries(g as Rec)) {
      if (k === "params") continue;
      const ok = typeof v === "number" || typeof v === "boolean" || (Array.isArray(v) && v.every((n) => typeof n === "number"));
      if (!ok) fail(`strata.optimizer paramGroups[${i}].${k} must be a number, a boolean or a list of numbers, got ${JSON.stringify(v)?.slice(0, 200)}`);
      // defineProperty: a key "__proto__" from the file must stay data, not set a prototype.
      Object.defineProperty(out, k, { value: Array.isArray(v) ? [...v] : v, enumerable: true, writable: true, configurable: true });
    }
    return out;
  });
}

/**
 * Rebuilds a checkpoint from what `read` reads, for {@link load} and {@link loadFromBytes};
 * `where` ("load <path>", "loadFromBytes") starts every error message.
 */
export function readCheckpoint(where: string, read: Reader): Checkpoint {
  const fail = (m: string): never => {
    throw new ValueError(`${where}: ${m}`);
  };
  let model: Module | undefined;
  const parameters = new Map<string, Tensor>();
  let optimizerJson: unknown;
  // Everything the header says is checked before any tensor is read or any weight allocated: a
  // small file must not make us allocate what its architecture declares.
  const { tensors, metadata } = read(({ entries, metadata }) => {
    if (metadata.format === "strata-weights") fail("this file was written by saveWeights, so it holds no architecture; build the model yourself and use loadWeights");
    if (metadata.format !== "strata" || metadata["strata.version"] === undefined) {
      fail("not a Strata checkpoint (no format/strata.version metadata); read it with readSafetensors");
    }
    if (metadata["strata.version"] !== VERSION) fail(`unsupported strata.version ${JSON.stringify(metadata["strata.version"])}; this version reads "${VERSION}"`);
    const arch = metadata["strata.architecture"];
    if (arch === undefined) fail("no strata.architecture metadata; build the model yourself and use loadWeights");
    let unreadable = false;
    let parsed: ParsedLayer;
    try {
      parsed = specOf(arch, (m) => {
        unreadable = true;
        throw new ValueError(`strata.architecture ${m}`);
      });
    } catch (e) {
      // JSON that cannot be read says so itself; a bad field is named by its path in the architecture
      throw prefixed(unreadable ? where : `${where}: strata.architecture`, e);
    }
    // Types that say which state their config implies let the file be checked before anything is
    // allocated; a model with a type that does not is built from its checked config first.
    const shapes = stateShapesOf(parsed);
    if (shapes !== null) checkWeightsFit(shapes, entries, fail, " (nothing was allocated)");
    else {
      const need = knownStateSize(parsed);
      const have = entries.reduce((n, e) => n + (e.name.startsWith("model.") ? e.shape.reduce((a, b) => a * b, 1) : 0), 0);
      if (need > have) fail(`the weights in the file do not fit strata.architecture (nothing was allocated): its layers need at least ${need} values, the file holds ${have}`);
    }
    const opt = metadata["strata.optimizer"];
    if (opt !== undefined) optimizerJson = parseJson(opt, MAX_OPTIMIZER_DEPTH, (m) => fail(`strata.optimizer ${m}`));
    // Only now, with the file's weights known to fit, is the model built; each weight stored in
    // its parameter's dtype is then read straight into the parameter (nothing copied twice).
    try {
      model = build(parsed);
    } catch (e) {
      throw prefixed(`${where}: strata.architecture`, e);
    }
    const state = model.stateTensors();
    if (shapes === null) checkWeightsFit(state.map((s): StateShape => [s.name, s.tensor.shape, s.tensor.dtype]), entries, fail, "");
    for (const s of state) parameters.set(`model.${s.name}`, s.tensor);
  }, (entry) => {
    const t = parameters.get(entry.name);
    return t && t.dtype === entry.dtype && t.isContiguous && t.offset === 0 && t.data.length === t.size ? (t.data as Storage) : undefined;
  });
  // The rest (weights of another float dtype) are cast into the parameters and buffers, checked
  // for values their dtype cannot hold.
  const weights: Record<string, Tensor> = Object.create(null);
  for (const [name, t] of Object.entries(tensors)) if (name.startsWith("model.") && t.data !== parameters.get(name)!.data) weights[name.slice("model.".length)] = t;
  try {
    model!.loadStateDict(weights, { strict: false });
  } catch (e) {
    throw prefixed(where, e);
  }
  const used = new Set<string>();
  const opt = metadata["strata.optimizer"];
  const optimizerState = opt === undefined ? null : readOptimizer(opt, optimizerJson, tensors, used, fail);
  const stray = Object.keys(tensors).filter((n) => n.startsWith("optimizer.") && !used.has(n));
  if (stray.length) {
    const names = new Listing();
    for (const n of stray) names.add(`"${n}"`);
    fail(`optimizer tensors ${names} are not referenced by strata.optimizer`);
  }
  return { model: model!, optimizerState };
}

/** A list of up to ten items and how many more: a hostile file may name a million. */
class Listing {
  readonly items: string[] = [];
  count = 0;
  add(item: string): void {
    if (this.count++ < 10) this.items.push(item);
  }
  toString(): string {
    return this.count <= 10 ? this.items.join(", ") : `${this.items.join(", ")} and ${this.count - 10} more`;
  }
}

/** Whether a tensor stored as `stored` loads into one of dtype `want` (undefined: a float). */
const fits = (want: DType | undefined, stored: DType): boolean => (want === undefined || isFloatDType(want) ? isFloatDType(stored) : stored === want);

/** The file's model.* tensors must be exactly the architecture's state, shape for shape, in a
 * dtype that loads; any other name must be optimizer.*. Linear in the names, never more. */
function checkWeightsFit(shapes: Iterable<StateShape>, entries: readonly Entry[], fail: (m: string) => never, note: string): void {
  const inFile = new Map<string, Entry>();
  for (const e of entries) {
    if (e.name.startsWith("model.")) inFile.set(e.name.slice("model.".length), e);
    else if (!e.name.startsWith("optimizer.")) fail(`unexpected tensor "${e.name}" (expected model.* or optimizer.*)`);
  }
  const [missing, unexpected, wrong] = [new Listing(), new Listing(), new Listing()];
  const seen = new Set<string>();
  for (const [name, want, dtype] of shapes) {
    const e = inFile.get(name);
    if (e === undefined) {
      missing.add(name);
      continue;
    }
    seen.add(name);
    if (want.length !== e.shape.length || want.some((n, i) => n !== e.shape[i])) wrong.add(`${name} is (${e.shape.join(", ")}) but the architecture needs (${want.join(", ")})`);
    else if (!fits(dtype, e.dtype)) wrong.add(`${name} is ${e.dtype}, expected ${dtype === undefined || isFloatDType(dtype) ? "float32 or float64" : dtype}`);
  }
  for (const name of inFile.keys()) if (!seen.has(name)) unexpected.add(name);
  const problems = [
    ...(missing.count ? [`missing ${missing}`] : []),
    ...(unexpected.count ? [`unexpected ${unexpected}`] : []),
    ...(wrong.count ? [`${wrong}`] : []),
  ];
  if (problems.length) fail(`the weights in the file do not fit strata.architecture${note}: ${problems.join("; ")}`);
}
