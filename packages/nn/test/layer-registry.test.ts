// The layer protocol: a user's layer, registered once, saves and loads (file and bytes) with its
// children and buffers, prints and summarises; hostile architectures naming it are validated by
// its fields before anything is built.
import * as fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { add, mul, variable, type Operand, type Variable } from "@strata/autograd";
import {
  Dense, Dropout, Module, Sequential, architectureOf, field, load, loadFromBytes, modelFromArchitecture, readSafetensors, registerLayer, save, saveToBytes,
  summary, summaryRows, writeSafetensors, type LayerType,
} from "@strata/nn";
import { ValueError, assign, ones, rand, rng, zeros } from "@strata/tensor";
import { errorOf, sameBits } from "./helpers.js";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "strata-registry-"));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * A user's block: `gain · body(x) − runningMean` with body a Sequential it builds itself; in
 * training it keeps a running mean of body's rows (a float buffer, replaced) and counts its calls
 * (an int32 buffer, written in place).
 */
class ResidualBlock extends Module {
  readonly body: Sequential;
  readonly gain: Variable;
  constructor(readonly width: number, readonly p: number, options: { seed?: number } = {}) {
    super();
    this.body = new Sequential(new Dense(width, width, { activation: "tanh", rng: rng(options.seed ?? 0), dtype: "float64" }), new Dropout(p, { rng: rng(1) }));
    this.gain = variable(ones([width, 1], { dtype: "float64" }), { requiresGrad: true });
    this.registerBuffer("running_mean", zeros([width, 1], { dtype: "float64" }));
    this.registerBuffer("calls", zeros([], { dtype: "int32" }));
  }
  forward(x: Operand): Variable {
    const h = this.body.forward(x);
    if (this.training) {
      const mean = h.data.mean({ axis: 1, keepDims: true });
      this.setBuffer("running_mean", this.getBuffer("running_mean")!.mul(0.9).add(mean.mul(0.1)));
      assign(this.getBuffer("calls")!, this.getBuffer("calls")!.add(1));
    }
    return add(mul(this.gain, h), this.getBuffer("running_mean")!.neg());
  }
  override extraRepr(): string {
    return `width=${this.width}, p=${this.p}`;
  }
}

const blockFields = { width: field.integer({ min: 1, max: 4096 }), p: field.number({ min: 0, max: 1, what: "a probability" }) };
const blockType: LayerType<ResidualBlock, typeof blockFields> = {
  type: "ResidualBlock",
  fields: blockFields,
  config: (m) => ({ width: m.width, p: m.p }),
  fromConfig: (c) => new ResidualBlock(c.width, c.p),
  stateShapes: (c) => [["gain", [c.width, 1]], ["running_mean", [c.width, 1]], ["calls", [], "int32"], ["body.0.W", [c.width, c.width]], ["body.0.b", [c.width, 1]]],
};
registerLayer(ResidualBlock, blockType);

/** A wrapper whose child is given (a config field), without stateShapes: load builds it first. */
class Wrapper extends Module {
  constructor(readonly inner: Module, readonly scale: number) {
    super();
  }
  forward(x: Operand): Variable {
    return mul(this.inner.forward(x), this.scale);
  }
}
registerLayer(Wrapper, {
  type: "Wrapper",
  fields: { inner: field.layer(), scale: field.number() },
  config: (m) => ({ inner: m.inner, scale: m.scale }),
  fromConfig: (c) => new Wrapper(c.inner, c.scale),
});

function model(): Sequential {
  return new Sequential(new Dense(3, 4, { activation: "relu", rng: rng(7), dtype: "float64" }), new ResidualBlock(4, 0.25, { seed: 8 }), new Wrapper(new Dense(4, 2, { rng: rng(9), dtype: "float64" }), 0.5));
}

function trained(): Sequential {
  const m = model();
  for (let i = 0; i < 3; i++) m.forward(rand([3, 5], { rng: rng(10 + i), dtype: "float64" })); // moves the buffers
  return m;
}

describe("a registered layer with a nested Sequential and buffers", () => {
  it("round-trips through save/load and saveToBytes/loadFromBytes: structure, parameters, buffers, outputs", () => {
    const original = trained();
    expect((original.layers[1] as ResidualBlock).getBuffer("calls")!.item()).toBe(3);
    const file = path.join(dir, "custom.safetensors");
    save(original, file);
    const fromFile = load(file).model;
    const fromBytes = loadFromBytes(saveToBytes(original)).model;
    expect(fs.readFileSync(file).equals(Buffer.from(saveToBytes(original)))).toBe(true);
    const x = rand([3, 6], { rng: rng(20), dtype: "float64" });
    const expected = original.eval().forward(x);
    for (const copy of [fromFile, fromBytes]) {
      expect(copy).toBeInstanceOf(Sequential);
      const block = (copy as Sequential).layers[1] as ResidualBlock;
      expect(block).toBeInstanceOf(ResidualBlock);
      expect([block.width, block.p]).toEqual([4, 0.25]);
      expect(block.getBuffer("calls")!.item()).toBe(3);
      expect(Object.keys(copy.stateDict())).toEqual(Object.keys(original.stateDict()));
      for (const [k, v] of Object.entries(original.stateDict())) expect(sameBits(copy.stateDict()[k]!, v), k).toBe(true);
      expect(sameBits(copy.eval().forward(x).data, expected.data)).toBe(true);
      expect(String(copy)).toBe(String(original));
    }
    expect(Object.keys(readSafetensors(file).tensors)).toEqual([
      "model.0.W", "model.0.b", "model.1.gain", "model.1.running_mean", "model.1.calls", "model.1.body.0.W", "model.1.body.0.b", "model.2.inner.W", "model.2.inner.b",
    ]);
    expect(architectureOf(original)).toEqual({
      type: "sequential",
      layers: [
        { type: "dense", nIn: 3, nOut: 4, activation: { name: "relu" }, dtype: "float64" },
        { type: "ResidualBlock", width: 4, p: 0.25 },
        { type: "Wrapper", inner: { type: "dense", nIn: 4, nOut: 2, activation: { name: "identity" }, dtype: "float64" }, scale: 0.5 },
      ],
    });
  });

  it("prints as PyTorch would, its children nested", () => {
    expect(String(model())).toBe(
      [
        "Sequential(",
        "  (0): Dense(3, 4, activation=relu)",
        "  (1): ResidualBlock(",
        "    width=4, p=0.25",
        "    (body): Sequential(",
        "      (0): Dense(4, 4, activation=tanh)",
        "      (1): Dropout(p=0.25)",
        "    )",
        "  )",
        "  (2): Wrapper(",
        "    (inner): Dense(4, 2, activation=identity)",
        "  )",
        ")",
      ].join("\n"),
    );
  });

  it("summarises as rows: itself (it has its own parameter) and each of its layers, with their output shapes", () => {
    const m = model();
    m.layers[0]!.parameters().forEach((p) => (p.requiresGrad = false));
    const rows = summaryRows(m, 3);
    expect(rows.map((r) => [r.name, r.layer, r.W, r.output, r.parameters, r.trainable])).toEqual([
      ["0", "Dense(layer 1) relu", "(4, 3)", "(4, m)", 16, 0],
      ["1", "ResidualBlock", "", "(4, m)", 4, 4],
      ["1.body.0", "Dense(layer 1) tanh", "(4, 4)", "(4, m)", 20, 20],
      ["1.body.1", "Dropout(p=0.25)", "", "(4, m)", 0, 0],
      ["2.inner", "Dense(4→2) identity", "(2, 4)", "(2, m)", 10, 10],
    ]);
    expect(summary(m, 3).split("\n").at(-1)).toBe("total: 50 parameters (34 trainable, 16 frozen)");
    // summary ran in eval mode: the training-only buffer updates did not happen
    expect((m.layers[1] as ResidualBlock).getBuffer("calls")!.item()).toBe(0);
  });
});

describe("hostile or unknown architectures", () => {
  it("an unregistered type names itself and says how to register it", () => {
    const file = path.join(dir, "unknown.safetensors");
    writeSafetensors(file, {}, { format: "strata", "strata.version": "1", "strata.architecture": '{"type":"sequential","layers":[{"type":"dropout","p":0.1},{"type":"MyBlock","width":3}]}' });
    expect(errorOf(() => load(file)).message).toBe(
      `load ${file}: strata.architecture: layers[1].type: unknown layer type "MyBlock"; register its class once, before loading, with registerLayer(TheClass, { type: "MyBlock", fields, config, fromConfig }) (registered: deepNetwork, sequential, dense, dropout, activation, moduleList, moduleDict, Linear, Conv1d, Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, BatchNorm1d, BatchNorm2d, Flatten, Dropout2d, ReLU, LeakyReLU, Tanh, Sigmoid, GELU, Softmax, LogSoftmax, Embedding, ResidualBlock, Wrapper)`,
    );
  });

  it("a config its fields refuse names the layer's path and the field, before anything is built", () => {
    const bad = (arch: unknown): string => errorOf(() => loadFromBytes(checkpointBytes(arch))).message;
    const block = { type: "ResidualBlock", width: 4, p: 0.25 };
    expect(bad({ type: "sequential", layers: [block, { ...block, width: 0 }] })).toBe("loadFromBytes: strata.architecture: layers[1].width: expected an integer in [1, 4096], got 0");
    expect(bad({ type: "Wrapper", inner: { ...block, p: 2 }, scale: 1 })).toBe("loadFromBytes: strata.architecture: inner.p: expected a probability in [0, 1], got 2");
    expect(bad({ type: "Wrapper", inner: block, scale: "x" })).toBe('loadFromBytes: strata.architecture: scale: expected a number, got "x"');
    expect(bad({ type: "Wrapper", inner: block })).toBe("loadFromBytes: strata.architecture: scale: expected a number, got undefined");
    expect(bad({ ...block, depth: 3 })).toBe('loadFromBytes: strata.architecture: depth: unknown field for type "ResidualBlock"');
    expect(bad({ type: "Wrapper", inner: 5, scale: 1 })).toBe("loadFromBytes: strata.architecture: inner: expected an object, got 5");
  });

  it("with stateShapes, a file declaring a huge layer is refused from its header; without, the layer is built first and checked after", () => {
    const huge = checkpointBytes({ type: "ResidualBlock", width: 4096, p: 0 });
    expect(errorOf(() => loadFromBytes(huge)).message).toBe(
      "loadFromBytes: the weights in the file do not fit strata.architecture (nothing was allocated): missing gain, running_mean, calls, body.0.W, body.0.b",
    );
    const wrapped = checkpointBytes({ type: "Wrapper", inner: { type: "dropout", p: 0.5 }, scale: 1 }, { "model.extra": ones([1]) });
    expect(errorOf(() => loadFromBytes(wrapped)).message).toBe("loadFromBytes: the weights in the file do not fit strata.architecture: unexpected extra");
    // a huge built-in layer inside a type without stateShapes: refused by its size, from the header
    const nested = checkpointBytes({ type: "Wrapper", inner: { type: "dense", nIn: 30000, nOut: 30000, activation: { name: "relu" }, dtype: "float32" }, scale: 1 }, { "model.inner.W": ones([2, 2]) });
    const before = process.memoryUsage().arrayBuffers;
    expect(errorOf(() => loadFromBytes(nested)).message).toBe(
      "loadFromBytes: the weights in the file do not fit strata.architecture (nothing was allocated): its layers need at least 900030000 values, the file holds 4",
    );
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20); // 30000 x 30000 float32 would be 3.6 GB
    const wrong = checkpointBytes({ type: "ResidualBlock", width: 2, p: 0 }, {
      "model.gain": ones([2, 1]), "model.running_mean": ones([2, 1]), "model.calls": ones([]), "model.body.0.W": ones([2, 2]), "model.body.0.b": ones([2, 1]),
    });
    expect(errorOf(() => loadFromBytes(wrong)).message).toBe("loadFromBytes: the weights in the file do not fit strata.architecture (nothing was allocated): calls is float32, expected int32");
  });
});

function checkpointBytes(architecture: unknown, tensors: Record<string, ReturnType<typeof ones>> = {}): Uint8Array {
  const file = path.join(dir, `c${fs.readdirSync(dir).length}.safetensors`);
  writeSafetensors(file, tensors, { format: "strata", "strata.version": "1", "strata.architecture": JSON.stringify(architecture) });
  return new Uint8Array(fs.readFileSync(file));
}

describe("registerLayer and architectureOf", () => {
  it("save refuses a config its own fields refuse, so what it writes always loads", () => {
    class Liar extends Module {
      forward(x: Operand): Variable {
        return variable(x as never);
      }
    }
    registerLayer(Liar, { type: "Liar", fields: { n: field.integer({ min: 1 }) }, config: () => ({ n: 0 }), fromConfig: () => new Liar() });
    const e = errorOf(() => saveToBytes(new Sequential(new Liar())));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toBe("saveToBytes: architectureOf: the description would not load back (a config() its own fields refuse): layers[0].n: expected an integer ≥ 1, got 0");
  });

  it("refuses a duplicate or built-in type name, a second name for a class, a non-Module class and bad fields", () => {
    class Other extends Module {
      forward(): void {}
    }
    const spec = { type: "ResidualBlock", fields: {}, config: () => ({}), fromConfig: () => new Other() };
    expect(errorOf(() => registerLayer(Other, spec)).message).toBe('registerLayer(Other): the type "ResidualBlock" is registered already, for ResidualBlock');
    expect(errorOf(() => registerLayer(Other, { ...spec, type: "dense" })).message).toBe('registerLayer(Other): "dense" is a built-in layer type; choose another name');
    expect(errorOf(() => registerLayer(ResidualBlock, { ...spec, type: "Residual2" } as never)).message).toBe('registerLayer(ResidualBlock): ResidualBlock is registered already, as "ResidualBlock"');
    expect(errorOf(() => registerLayer(Map as never, spec)).message).toBe("registerLayer: expected a class that extends Module, got function Map() { [native code] }");
    expect(errorOf(() => registerLayer(Other, { ...spec, type: "has space" })).message).toMatch(/^registerLayer\(Other\): type must be 1 to 100 letters/);
    expect(errorOf(() => registerLayer(Other, { ...spec, type: "Other", fields: { n: 3 } } as never)).message).toMatch(/^registerLayer\(Other\): fields\.n must be a validator/);
    expect(errorOf(() => registerLayer(Other, { ...spec, type: "Other", fields: { type: field.integer() } } as never)).message).toBe('registerLayer(Other): "type" cannot be a field; it holds the layer type\'s name');
    expect(errorOf(() => registerLayer(Other, { ...spec, type: "Other", fromConfig: undefined } as never)).message).toBe("registerLayer(Other): fromConfig must be a function, got undefined");
    // re-registering a class under its own type replaces the entry
    registerLayer(ResidualBlock, { ...blockType, fromConfig: (c) => new ResidualBlock(c.width, c.p, { seed: 99 }) });
    const rebuilt = modelFromArchitecture({ type: "ResidualBlock", width: 2, p: 0.5 }) as ResidualBlock;
    expect(sameBits(rebuilt.body.layers[0]!.parameters()[0]!.data, new ResidualBlock(2, 0.5, { seed: 99 }).body.layers[0]!.parameters()[0]!.data)).toBe(true);
    registerLayer(ResidualBlock, blockType);
  });

  it("a subclass of a registered class needs its own registration", () => {
    class Tweaked extends ResidualBlock {}
    expect(errorOf(() => architectureOf(new Sequential(new Tweaked(2, 0)))).message).toMatch(/^architectureOf: layers\[0\] \(a Tweaked\) cannot be described as an architecture: Tweaked is not a registered layer type; register it once with registerLayer\(Tweaked/);
  });
});
