// Checkpoints as bytes in memory: the same checkpoint as a file, byte for byte, read back by the
// same reader with the same bounds and the same errors as a file, and a model resumed from bytes
// trains on exactly as the original does.
import * as fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  Dense, Dropout, Sequential, architectureOf, binaryCrossEntropy, deepNetwork, encodeSafetensors, fit,
  load, loadFromBytes, loadWeights, loadWeightsFromBytes, save, saveToBytes, saveWeights, saveWeightsToBytes, writeSafetensors,
  type Module, type OptimizerStateLike,
} from "@strata/nn";
import { Adam, SGD } from "@strata/optim";
import { DTypeError, Tensor, ValueError, rand, rng, tensor } from "@strata/tensor";
import { errorOf, sameBits } from "./helpers.js";
import { safetensorsBytes, strataCheckpoint } from "../../../bench/src/checkpoints/hostile.js";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "strata-bytes-"));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

function expectSameState(a: Module, b: Module): void {
  const x = a.stateDict();
  const y = b.stateDict();
  expect(Object.keys(y)).toEqual(Object.keys(x));
  for (const k of Object.keys(x)) expect(sameBits(y[k]!, x[k]!), k).toBe(true);
}

function expectSameOptimizerState(a: OptimizerStateLike, b: OptimizerStateLike): void {
  expect([b.kind, b.options]).toEqual([a.kind, a.options]);
  expect(b.state.length).toBe(a.state.length);
  a.state.forEach((entry, i) => {
    expect(Object.keys(b.state[i]!)).toEqual(Object.keys(entry));
    for (const [k, v] of Object.entries(entry)) {
      const w = b.state[i]![k]!;
      if (v instanceof Tensor) expect(w instanceof Tensor && sameBits(w, v), `state[${i}].${k}`).toBe(true);
      else expect(w).toBe(v);
    }
  });
}

// A small binary problem in the column layout: 3 features, 20 examples.
const X = rand([3, 20], { rng: rng(30), dtype: "float64" });
const Y = tensor([Array.from({ length: 20 }, (_, j) => (j % 3 === 0 ? 1 : 0))], { dtype: "float64" });

describe("saveToBytes / loadFromBytes", () => {
  for (const dtype of ["float32", "float64"] as const) {
    it(`round-trip a trained ${dtype} network and its Adam state: architecture, dtypes, values and buffers`, () => {
      const net = deepNetwork([3, 5, 1], { hidden: { name: "leakyRelu", alpha: 0.05 }, dtype, rng: rng(31) });
      const opt = new Adam(net.parameters(), { lr: 0.02, betas: [0.85, 0.995], amsgrad: true });
      fit(net, { x: X.cast(dtype), y: Y.cast(dtype), loss: binaryCrossEntropy, optimizer: opt, epochs: 2, batchSize: 8, rng: rng(32), verbose: false });
      const { model, optimizerState } = loadFromBytes(saveToBytes(net, { optimizer: opt }));
      expect(architectureOf(model)).toEqual({ type: "deepNetwork", layerDims: [3, 5, 1], hidden: { name: "leakyRelu", alpha: 0.05 }, output: { name: "sigmoid" }, dtype });
      expect(model.parameters().every((p) => p.dtype === dtype)).toBe(true);
      expectSameState(net, model);
      expectSameOptimizerState(opt.stateDict(), optimizerState!);
      // 2 epochs of ⌈20 / 8⌉ = 3 batches
      expect(optimizerState!.state[0]!.step).toBe(6);
    });
  }

  it("round-trip a Sequential with Dropout and a nested Sequential, with no optimiser", () => {
    const net = new Sequential(new Dense(3, 4, { activation: "tanh", rng: rng(33) }), new Dropout(0.25), new Sequential(new Dense(4, 2, { rng: rng(34), dtype: "float32" })));
    const { model, optimizerState } = loadFromBytes(saveToBytes(net));
    expect(optimizerState).toBeNull();
    expect(architectureOf(model)).toEqual(architectureOf(net));
    expect((model as Sequential).layers[1]).toBeInstanceOf(Dropout);
    expectSameState(net, model);
  });

  it("a model resumed from bytes trains on exactly as the original does (same losses, same weights)", () => {
    const make = (): [Module, Adam] => {
      const net = deepNetwork([3, 6, 1], { hidden: "tanh", dtype: "float64", rng: rng(35) });
      return [net, new Adam(net.parameters(), { lr: 0.05 })];
    };
    const train = (net: Module, optimizer: Adam, seed: number) =>
      fit(net, { x: X, y: Y, loss: binaryCrossEntropy, optimizer, epochs: 3, batchSize: 6, rng: rng(seed), verbose: false }).loss;
    const [original, optA] = make();
    train(original, optA, 36);
    const bytes = saveToBytes(original, { optimizer: optA });
    const { model: resumed, optimizerState } = loadFromBytes(bytes);
    // a fresh optimiser with other options: everything must come from the bytes
    const optB = new Adam(resumed.parameters(), { lr: 1 });
    optB.loadStateDict(optimizerState!);
    const further = train(original, optA, 37);
    const furtherResumed = train(resumed, optB, 37);
    expect(furtherResumed).toEqual(further);
    expectSameState(original, resumed);
    // …and losing the optimiser state would have shown: Adam restarted from step 0 goes elsewhere
    const { model: cold } = loadFromBytes(bytes);
    expect(train(cold, new Adam(cold.parameters(), { lr: 0.05 }), 37)).not.toEqual(further);
  });

  it("the bytes are a copy: changing or reusing them does not touch the loaded model", () => {
    const net = new Dense(2, 2, { rng: rng(38), dtype: "float64" });
    const bytes = saveToBytes(net);
    const { model } = loadFromBytes(bytes);
    bytes.fill(0);
    expectSameState(net, model);
  });

  it("refuses what is not a Uint8Array, naming the function and what to pass", () => {
    for (const bad of [new ArrayBuffer(8), [1, 2, 3], "bytes", null]) {
      const e = errorOf(() => loadFromBytes(bad as unknown as Uint8Array));
      expect(e).toBeInstanceOf(ValueError);
      expect(e.message).toMatch(/^loadFromBytes: expected a Uint8Array \(what saveToBytes returns; wrap an ArrayBuffer with new Uint8Array\(buffer\)\), got /);
    }
    expect(errorOf(() => loadWeightsFromBytes(new Dense(1, 1), {} as Uint8Array)).message).toMatch(/^loadWeightsFromBytes: expected a Uint8Array \(what saveWeightsToBytes returns/);
  });
});

describe("saveWeightsToBytes / loadWeightsFromBytes", () => {
  it("round-trip any Module's weights in place, strict by default, reporting with strict: false", () => {
    const a = new Sequential(new Dense(3, 2, { rng: rng(40) }), new Dense(2, 1, { rng: rng(41), dtype: "float64" }));
    const b = new Sequential(new Dense(3, 2, { rng: rng(42) }), new Dense(2, 1, { rng: rng(43), dtype: "float64" }));
    const variables = b.parameters();
    expect(loadWeightsFromBytes(b, saveWeightsToBytes(a))).toEqual({ missing: [], unexpected: [] });
    expectSameState(a, b);
    expect(b.parameters().every((p, i) => p === variables[i])).toBe(true);
    const partial = encodeSafetensors({ "0.W": tensor([[1, 2, 3], [4, 5, 6]]), extra: tensor([1]) });
    const e = errorOf(() => loadWeightsFromBytes(b, partial));
    expect(e.message).toBe("loadWeightsFromBytes: loadStateDict: unexpected extra; missing 0.b, 1.W, 1.b; nothing was loaded");
    expectSameState(a, b);
    expect(loadWeightsFromBytes(b, partial, { strict: false })).toEqual({ missing: ["0.b", "1.W", "1.b"], unexpected: ["extra"] });
    expect((b.layers[0] as Dense).W.data.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
  });

  it("refuse a value the model's dtype cannot hold as loadWeights does, unless unchecked", () => {
    const layer = new Dense(2, 1, { rng: rng(44) });
    const bytes = encodeSafetensors({ W: tensor([[0.5, -1e300]], { dtype: "float64" }), b: tensor([[0]], { dtype: "float64" }) });
    const e = errorOf(() => loadWeightsFromBytes(layer, bytes));
    expect(e).toBeInstanceOf(DTypeError);
    expect(e.message).toBe("loadWeightsFromBytes: loadStateDict: W holds -1e+300 at index (0, 1), which float32 cannot hold (it would become -Infinity); pass { unchecked: true } to convert anyway");
    loadWeightsFromBytes(layer, bytes, { unchecked: true });
    expect(layer.W.data.toArray()).toEqual([[0.5, -Infinity]]);
  });
});

describe("a file holds exactly the bytes of the in-memory functions", () => {
  it("save = saveToBytes, saveWeights = saveWeightsToBytes, writeSafetensors = encodeSafetensors, for the same arguments", () => {
    const net = deepNetwork([3, 4, 1], { dtype: "float64", rng: rng(50) });
    const opt = new SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
    fit(net, { x: X, y: Y, loss: binaryCrossEntropy, optimizer: opt, epochs: 1, batchSize: 7, verbose: false });
    const file = path.join(dir, "same.safetensors");
    save(net, file, { optimizer: opt });
    expect(sameBytes(fs.readFileSync(file), saveToBytes(net, { optimizer: opt }))).toBe(true);
    save(net, file);
    expect(sameBytes(fs.readFileSync(file), saveToBytes(net))).toBe(true);
    saveWeights(net, file);
    expect(sameBytes(fs.readFileSync(file), saveWeightsToBytes(net))).toBe(true);
    // every dtype, a non-contiguous view, an empty tensor and metadata
    const tensors = { t: tensor([[1, 2, 3], [4, 5, 6]], { dtype: "float32" }).transpose(), i: tensor([7, -8], { dtype: "int32" }), b: tensor([true, false]), e: tensor([], { dtype: "float64" }) };
    writeSafetensors(file, tensors, { note: "same" });
    expect(sameBytes(fs.readFileSync(file), encodeSafetensors(tensors, { note: "same" }))).toBe(true);
  });

  it("property: for random small networks and optimisers, the file and the bytes agree and load to the same model", () => {
    const dims = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 4 });
    fc.assert(
      fc.property(dims, fc.constantFrom("float32", "float64"), fc.boolean(), fc.nat(1000), (layerDims, dtype, withOptimizer, seed) => {
        const net = deepNetwork(layerDims, { dtype, rng: rng(seed) });
        const options = withOptimizer ? { optimizer: new Adam(net.parameters(), { lr: 0.001 * (seed + 1) }) } : {};
        const file = path.join(dir, "p.safetensors");
        save(net, file, options);
        const bytes = saveToBytes(net, options);
        expect(sameBytes(fs.readFileSync(file), bytes)).toBe(true);
        const fromFile = load(file);
        const fromBytes = loadFromBytes(bytes);
        expect(architectureOf(fromBytes.model)).toEqual(architectureOf(fromFile.model));
        expectSameState(fromFile.model, fromBytes.model);
        expect(fromBytes.optimizerState).toEqual(fromFile.optimizerState);
      }),
      { numRuns: 30 },
    );
  });
});

/** The error of loading `bytes` from a file and from memory, with the part that names the source cut off. */
function bothErrors(bytes: Uint8Array, weightsInto?: Module): { file: Error; memory: Error; fileRest: string; memoryRest: string } {
  const file = path.join(dir, `h${fs.readdirSync(dir).length}.safetensors`);
  fs.writeFileSync(file, bytes);
  const fromFile = errorOf(() => (weightsInto ? loadWeights(weightsInto, file) : load(file)));
  const fromMemory = errorOf(() => (weightsInto ? loadWeightsFromBytes(weightsInto, bytes) : loadFromBytes(bytes)));
  const op = weightsInto ? "loadWeights" : "load";
  const fileRest = fromFile.message.startsWith(`${op} ${file}: `) ? fromFile.message.slice(`${op} ${file}: `.length) : fromFile.message.startsWith(`${file}: `) ? fromFile.message.slice(file.length + 2) : `(unprefixed) ${fromFile.message}`;
  const prefix = weightsInto ? "loadWeightsFromBytes: " : "loadFromBytes: ";
  const memoryRest = fromMemory.message.startsWith(prefix) ? fromMemory.message.slice(prefix.length) : `(unprefixed) ${fromMemory.message}`;
  return { file: fromFile, memory: fromMemory, fileRest, memoryRest };
}


describe("hostile bytes: the same errors as a hostile file, within the same bounds", () => {
  const real = (): Uint8Array => {
    const net = deepNetwork([3, 2, 1], { rng: rng(60) });
    return saveToBytes(net, { optimizer: new SGD(net.parameters(), { lr: 0.1, momentum: 0.5 }) });
  };
  const cases: [string, () => Uint8Array, typeof ValueError][] = [
    ["fewer than 8 bytes", () => new Uint8Array(5), ValueError],
    ["a header length over 100 MB", () => { const b = new Uint8Array(16); new DataView(b.buffer).setBigUint64(0, 2n ** 40n, true); return b; }, ValueError],
    ["a header length past the end", () => { const b = new Uint8Array(16); new DataView(b.buffer).setBigUint64(0, 9n, true); return b; }, ValueError],
    ["a header that is not UTF-8", () => { const b = safetensorsBytes("{}"); b[8] = 0xff; return b; }, ValueError],
    ["a header nested without end", () => safetensorsBytes(`{"x":${"[".repeat(50_000)}${"]".repeat(50_000)}}`), ValueError],
    ["a 240-byte file declaring a 30000 x 30000 layer", () => strataCheckpoint('{"type":"deepNetwork","layerDims":[30000,30000,1],"hidden":{"name":"relu"},"output":{"name":"sigmoid"},"dtype":"float32"}'), ValueError],
    ["data offsets past the end", () => safetensorsBytes('{"w":{"dtype":"F32","shape":[1000000],"data_offsets":[0,4000000]}}', new Uint8Array(8)), ValueError],
    ["saveWeights bytes given to load", () => saveWeightsToBytes(new Dense(2, 1)), ValueError],
    ["an unknown strata.version", () => safetensorsBytes('{"__metadata__":{"format":"strata","strata.version":"9","strata.architecture":"{}"}}'), ValueError],
    ["an architecture with a bad field", () => strataCheckpoint('{"type":"dense","nIn":0,"nOut":1,"activation":{"name":"relu"},"dtype":"float32"}'), ValueError],
    ["an optimiser state nested without end", () => strataCheckpoint('{"type":"dropout","p":0.5}', { "strata.optimizer": `{"kind":"SGD","options":{},"state":[{"m":${"[".repeat(100)}${"]".repeat(100)}}]}` }), ValueError],
    ["an optimiser state naming a tensor not in the file", () => strataCheckpoint('{"type":"dropout","p":0.5}', { "strata.optimizer": '{"kind":"SGD","options":{},"state":[{"m":{"tensor":"optimizer.9.m"}}]}' }), ValueError],
    ["a float64 weight beyond a float32 model", () => encodeSafetensors({ "model.W": tensor([[1e300]], { dtype: "float64" }), "model.b": tensor([[0]], { dtype: "float64" }) }, { format: "strata", "strata.version": "1", "strata.architecture": '{"type":"dense","nIn":1,"nOut":1,"activation":{"name":"relu"},"dtype":"float32"}' }), DTypeError],
    ["a real checkpoint with one byte more", () => { const r = real(); const b = new Uint8Array(r.length + 1); b.set(r); return b; }, ValueError],
  ];

  for (const [what, make, Class] of cases) {
    it(`${what}`, () => {
      const { file, memory, fileRest, memoryRest } = bothErrors(make());
      expect(memory.constructor).toBe(Class);
      expect(file.constructor).toBe(Class);
      expect(memoryRest).not.toMatch(/^\(unprefixed\)/);
      expect(memoryRest).toBe(fileRest);
    });
  }

  it("the 30000 x 30000 declaration allocates nothing from bytes either", () => {
    const bytes = strataCheckpoint('{"type":"deepNetwork","layerDims":[30000,30000,1],"hidden":{"name":"relu"},"output":{"name":"sigmoid"},"dtype":"float32"}');
    const before = process.memoryUsage().arrayBuffers;
    const e = errorOf(() => loadFromBytes(bytes));
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
    expect(e.message).toBe("loadFromBytes: the weights in the file do not fit strata.architecture (nothing was allocated): missing W1, b1, W2, b2");
  });

  it("property: a real checkpoint cut anywhere, or with any header byte changed, fails (or loads) alike from a file and from bytes", () => {
    const bytes = real();
    const headerEnd = 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const mutation = fc.oneof(
      fc.integer({ min: 0, max: bytes.length - 1 }).map((cut) => bytes.slice(0, cut)),
      fc.tuple(fc.integer({ min: 0, max: headerEnd - 1 }), fc.integer({ min: 0, max: 255 })).map(([at, value]) => {
        const b = bytes.slice();
        b[at] = value;
        return b;
      }),
    );
    fc.assert(
      fc.property(mutation, (b) => {
        let fromBytes: ReturnType<typeof loadFromBytes> | undefined;
        try {
          fromBytes = loadFromBytes(b);
        } catch {
          // compared below
        }
        if (fromBytes) {
          const file = path.join(dir, "ok.safetensors");
          fs.writeFileSync(file, b);
          expectSameState(load(file).model, fromBytes.model);
          return;
        }
        const { file, memory, fileRest, memoryRest } = bothErrors(b);
        expect(memory.constructor).toBe(file.constructor);
        expect(memoryRest).toBe(fileRest);
      }),
      { numRuns: 150 },
    );
  });

  it("weights: loadWeightsFromBytes fails as loadWeights does on the same bytes", () => {
    const layer = new Dense(2, 1);
    for (const bytes of [new Uint8Array(3), safetensorsBytes('{"W":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}', new Uint8Array(8)), encodeSafetensors({ W: tensor([[1, 2, 3]]) })]) {
      const { file, memory, fileRest, memoryRest } = bothErrors(bytes, layer);
      expect(memory.constructor).toBe(file.constructor);
      expect(memoryRest).toBe(fileRest);
    }
  });
});
