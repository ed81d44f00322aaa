// Frozen parameters, parameters in arrays, registered parameters and buffers: what namedParameters,
// stateDict and loadStateDict see, in PyTorch's order and with PyTorch's dtypes (fixtures written
// by fixtures/module_state.py).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { matmul, mul, variable, type Operand, type Variable } from "@strata/autograd";
import { Dense, Linear, Module, Sequential, loadFromBytes, loadWeights, loadWeightsFromBytes, saveToBytes } from "@strata/nn";
import { Adam, SGD } from "@strata/optim";
import { DTypeError, ValueError, ones, rng, tensor, zeros, type Tensor } from "@strata/tensor";
import { errorOf, sameBits } from "./helpers.js";

const fixtures = join(import.meta.dirname, "fixtures");
const reference = JSON.parse(readFileSync(join(fixtures, "module-state.json"), "utf8")) as {
  stateDict: Record<string, { dtype: string; shape: number[]; values: number[] }>;
};

describe("frozen parameters", () => {
  const net = (seed: number): Sequential => new Sequential(new Dense(3, 2, { rng: rng(seed), dtype: "float64" }), new Dense(2, 1, { rng: rng(seed + 1), dtype: "float64" }));

  it("stay parameters: listed, in stateDict, and reloaded (the issue's `missing 0.W, 0.b`)", () => {
    const a = net(1);
    const first = a.layers[0] as Dense;
    first.W.requiresGrad = false;
    first.b.requiresGrad = false;
    expect(a.namedParameters().map(([k]) => k)).toEqual(["0.W", "0.b", "1.W", "1.b"]);
    expect(Object.keys(a.stateDict())).toEqual(["0.W", "0.b", "1.W", "1.b"]);
    const b = net(5);
    expect(b.loadStateDict(a.stateDict())).toEqual({ missing: [], unexpected: [] });
    for (const [k, v] of Object.entries(a.stateDict())) expect(sameBits(b.stateDict()[k]!, v), k).toBe(true);
    // and through a checkpoint, which stores values (not whether a parameter is frozen, as PyTorch's)
    const { model } = loadFromBytes(saveToBytes(a));
    for (const [k, v] of Object.entries(a.stateDict())) expect(sameBits(model.stateDict()[k]!, v), k).toBe(true);
  });

  it("get no gradient and are not changed by an optimiser over the trainable ones", () => {
    const a = net(2);
    const first = a.layers[0] as Dense;
    first.W.requiresGrad = false;
    const before = first.W.data.clone();
    const trainable = a.parameters().filter((p) => p.requiresGrad);
    expect(trainable).toHaveLength(3);
    const opt = new SGD(trainable, { lr: 0.5 });
    a.forward(ones([3, 4], { dtype: "float64" })).sum().backward();
    expect(first.W.grad).toBeNull();
    const b0 = first.b.data.clone();
    const g = first.b.grad!.clone();
    opt.step();
    expect(sameBits(first.W.data, before)).toBe(true);
    // b ← b − lr·∂L/∂b, worked out element by element
    expect(Array.from(first.b.data.toTypedArray())).toEqual(Array.from(b0.toTypedArray()).map((v, i) => v - 0.5 * g.toTypedArray()[i]!));
  });

  it("a leaf that never required gradients is a constant, unless registered as a parameter", () => {
    class Net extends Module {
      constant = variable([[3]]);
      declared: Variable;
      laterTrained = variable([[2]]);
      constructor() {
        super();
        this.declared = variable([[1, 2]]);
        this.registerParameter("declared", this.declared);
        this.laterTrained.requiresGrad = true; // required gradients once: a parameter for good
        this.laterTrained.requiresGrad = false;
      }
      forward(x: Operand): Variable {
        return mul(x, this.constant);
      }
    }
    const m = new Net();
    expect(m.namedParameters().map(([k]) => k)).toEqual(["declared", "laterTrained"]);
    expect(m.parameters()[0]).toBe(m.declared);
    expect(m.declared.requiresGrad).toBe(false);
    expect(Object.keys(m.stateDict())).toEqual(["declared", "laterTrained"]);
  });

  it("registerParameter refuses a non-leaf, a bad name and a buffer's name", () => {
    class M extends Module {
      forward(): void {}
    }
    const m = new M();
    const w = variable([1], { requiresGrad: true });
    expect(errorOf(() => m.registerParameter("y", mul(w, 2))).message).toBe('registerParameter: "y" must be a leaf Variable (variable(t, { requiresGrad: true })), got a variable computed by mul');
    expect(errorOf(() => m.registerParameter("a.b", w)).message).toBe('registerParameter: a name must be a non-empty string without dots, got "a.b"');
    m.registerBuffer("stat", zeros([1]));
    const e = errorOf(() => m.registerParameter("stat", w));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toBe('registerParameter: "stat" is already a buffer of M');
  });
});

describe("modules reached twice", () => {
  it("a child that refers back to its parent: every list is finite, each parameter once", () => {
    class Child extends Module {
      parent: Module | undefined;
      w = variable([1], { requiresGrad: true });
      forward(x: Operand): Variable {
        return mul(x, this.w);
      }
    }
    class Parent extends Module {
      child = new Child();
      v = variable([2], { requiresGrad: true });
      forward(x: Operand): Variable {
        return this.child.forward(x);
      }
    }
    const p = new Parent();
    p.child.parent = p;
    expect(p.namedModules().map(([k]) => k)).toEqual(["", "child"]);
    expect(p.namedParameters().map(([k]) => k)).toEqual(["v", "child.w"]);
    expect(Object.keys(p.stateDict())).toEqual(["v", "child.w"]);
  });
});

describe("parameters and modules in arrays", () => {
  class Mixture extends Module {
    weights = [variable([[1, 2]], { requiresGrad: true }), variable([[3, 4]], { requiresGrad: true })];
    experts = [new Dense(2, 1, { rng: rng(0) }), new Dense(2, 1, { rng: rng(1) })];
    forward(x: Operand): Variable {
      return this.experts[0]!.forward(matmul(this.weights[0]!.T, matmul(this.weights[1]!, x)));
    }
  }

  it("are registered as field.i, and an optimiser gets them (not `Adam: got an empty parameter list`)", () => {
    const m = new Mixture();
    expect(m.namedParameters().map(([k]) => k)).toEqual(["weights.0", "weights.1", "experts.0.W", "experts.0.b", "experts.1.W", "experts.1.b"]);
    const opt = new Adam(m.parameters(), { lr: 0.01 });
    const w0 = m.weights[0]!.data.toTypedArray().slice();
    m.forward(ones([2, 3])).sum().backward();
    const g = m.weights[0]!.grad!.toTypedArray().slice();
    opt.step();
    // Adam's first step: m̂ = g, v̂ = g², so p ← p − lr·g/(|g| + ε) (float32 rounding aside)
    const expected = Array.from(w0).map((p, i) => p - (0.01 * g[i]!) / (Math.abs(g[i]!) + 1e-8));
    Array.from(m.weights[0]!.data.toTypedArray()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    expect(Object.keys(m.stateDict())).toHaveLength(6);
  });
});

/** A batch-norm stand-in with BatchNorm1d's names whose forward only scales (the buffers are what these tests read). */
class Norm extends Module {
  weight = variable(ones([3], { dtype: "float64" }), { requiresGrad: true });
  bias = variable(zeros([3], { dtype: "float64" }), { requiresGrad: true });
  constructor() {
    super();
    this.registerBuffer("running_mean", zeros([3], { dtype: "float64" }));
    this.registerBuffer("running_var", ones([3], { dtype: "float64" }));
    // int32: Strata has no int64; 2^31 - 1 batches is far beyond any training run.
    this.registerBuffer("num_batches_tracked", zeros([], { dtype: "int32" }));
  }
  forward(x: Operand): Variable {
    return mul(x, this.weight);
  }
}
/** fixtures/module_state.py's Block, field for field. */
class Block extends Module {
  scale = variable(zeros([3], { dtype: "float64" }), { requiresGrad: true });
  body: Sequential;
  head = new Linear(3, 2, { dtype: "float64" });
  constructor() {
    super();
    this.registerBuffer("count", zeros([], { dtype: "int32" }));
    this.registerBuffer("scratch", zeros([2], { dtype: "float64" }), { persistent: false });
    this.body = new Sequential(new Linear(4, 3, { dtype: "float64" }), new Norm());
  }
  forward(x: Operand): Variable {
    return this.head.forward(this.body.forward(x));
  }
}

describe("buffers", () => {
  it("come in PyTorch's state-dict order: own parameters, own buffers, then each child's; non-persistent ones left out", () => {
    const block = new Block();
    expect(Object.keys(block.stateDict())).toEqual(Object.keys(reference.stateDict));
    for (const [k, t] of Object.entries(block.stateDict())) expect(t.shape, k).toEqual(reference.stateDict[k]!.shape);
    expect(block.namedBuffers().map(([k]) => k)).toEqual(["count", "scratch", "body.1.running_mean", "body.1.running_var", "body.1.num_batches_tracked"]);
    expect(block.buffers()).toHaveLength(5);
    expect(block.parameters().some((p) => (block.buffers() as unknown[]).includes(p.data))).toBe(false);
    expect(block.parameters()).toHaveLength(7);
  });

  it("load from PyTorch's safetensors (float64 values, num_batches_tracked as I64) into float64 and int32, file and bytes alike", () => {
    const file = join(fixtures, "module-state.safetensors");
    for (const load of [(m: Module) => loadWeights(m, file), (m: Module) => loadWeightsFromBytes(m, new Uint8Array(readFileSync(file)))]) {
      const block = new Block();
      const runningMean = block.getBuffer("body.1.running_mean");
      expect(load(block)).toEqual({ missing: [], unexpected: [] });
      for (const [k, t] of Object.entries(block.stateDict())) {
        const ref = reference.stateDict[k]!;
        expect(t.dtype, k).toBe(ref.dtype === "int64" ? "int32" : "float64");
        expect(Array.from(t.toTypedArray()), k).toEqual(ref.values);
      }
      expect(block.getBuffer("body.1.num_batches_tracked")!.item()).toBe(3);
      expect(block.getBuffer("count")!.item()).toBe(7);
      // buffers are written in place, as parameters are
      expect(block.getBuffer("body.1.running_mean")).toBe(runningMean);
    }
  });

  it("are checked by loadStateDict like parameters: missing, unexpected, shape, kind; nothing written on failure", () => {
    const block = new Block();
    const good = block.stateDict();
    const { ["body.1.running_var"]: _, ...withoutVar } = good;
    expect(errorOf(() => block.loadStateDict(withoutVar)).message).toBe("loadStateDict: missing body.1.running_var; nothing was loaded");
    expect(errorOf(() => block.loadStateDict({ ...good, scratch: zeros([2]) })).message).toBe("loadStateDict: unexpected scratch; nothing was loaded");
    const bad = { ...good, count: tensor(2.5, { dtype: "float64" }), "body.1.running_mean": zeros([4], { dtype: "float64" }) };
    expect(errorOf(() => block.loadStateDict(bad)).message).toBe("loadStateDict: count: expected int32 values, got float64; body.1.running_mean: the model has (3), the dict (4); nothing was loaded");
    // a float64 value into a float32 buffer is cast, and refused when it does not fit
    class F32 extends Module {
      constructor() {
        super();
        this.registerBuffer("stat", zeros([2]));
      }
      forward(): void {}
    }
    const f = new F32();
    f.loadStateDict({ stat: tensor([0.1, -2], { dtype: "float64" }) });
    expect(Array.from(f.getBuffer("stat")!.toTypedArray())).toEqual([Math.fround(0.1), -2]);
    const e = errorOf(() => f.loadStateDict({ stat: tensor([1e300, 0], { dtype: "float64" }) }));
    expect(e).toBeInstanceOf(DTypeError);
    expect(Array.from(f.getBuffer("stat")!.toTypedArray())).toEqual([Math.fround(0.1), -2]);
  });

  it("getBuffer, setBuffer and registerBuffer: by path, replaced, reserved as null, with clear errors", () => {
    const block = new Block();
    const norm = block.body.layers[1] as Norm;
    expect(block.getBuffer("body.1.running_var")).toBe(norm.getBuffer("running_var"));
    const updated = tensor([0.5, 0.25, 2], { dtype: "float64" });
    norm.setBuffer("running_var", updated);
    expect(block.stateDict()["body.1.running_var"]!.toArray()).toEqual([0.5, 0.25, 2]);
    norm.registerBuffer("running_mean", null); // kept in its place, but out of the state dict
    expect(Object.keys(norm.stateDict())).toEqual(["weight", "bias", "running_var", "num_batches_tracked"]);
    norm.registerBuffer("running_mean", zeros([3], { dtype: "float64" }));
    expect(Object.keys(norm.stateDict())).toEqual(["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]);
    expect(errorOf(() => block.getBuffer("body.1.nothing")).message).toBe('getBuffer: Block has no buffer "body.1.nothing"');
    expect(errorOf(() => block.getBuffer("nowhere.count")).message).toBe('getBuffer: Block has no buffer "nowhere.count"');
    expect(errorOf(() => norm.setBuffer("mean", zeros([3]))).message).toBe('setBuffer: Norm has no buffer "mean"; register it first with registerBuffer');
    expect(errorOf(() => norm.registerBuffer("weight", zeros([3]))).message).toBe('registerBuffer: "weight" is already a field of Norm; a buffer needs a name of its own');
    expect(errorOf(() => norm.registerBuffer("x", [1, 2] as unknown as Tensor)).message).toBe('registerBuffer: "x" must be a Tensor or null, got [object Array]');
    expect(errorOf(() => norm.registerBuffer("", zeros([1]))).message).toBe('registerBuffer: a name must be a non-empty string without dots, got ""');
  });
});

describe("to(dtype)", () => {
  it("casts float parameters and buffers in place, keeps the variables, leaves int buffers, returns the module", () => {
    const block = new Block();
    const params = block.parameters();
    const values = params.map((p) => Array.from(p.data.toTypedArray()));
    block.scale.data.data[0] = 0.1; // not a float32 number: rounded by the cast
    values[0]![0] = 0.1;
    expect(block.to("float32")).toBe(block);
    expect(block.parameters()).toEqual(params);
    block.parameters().forEach((p, i) => {
      expect(p).toBe(params[i]);
      expect(p.dtype).toBe("float32");
      expect(Array.from(p.data.toTypedArray())).toEqual(values[i]!.map(Math.fround));
    });
    expect(block.getBuffer("scratch")!.dtype).toBe("float32");
    expect(block.getBuffer("body.1.running_var")!.dtype).toBe("float32");
    expect(block.getBuffer("count")!.dtype).toBe("int32");
    expect(block.forward(ones([5, 4])).dtype).toBe("float32");
  });

  it("an optimiser made afterwards trains the cast model; one made before still updates it, its old state in the old dtype", () => {
    const layer = new Dense(2, 1, { rng: rng(3) });
    const before = new Adam(layer.parameters(), { lr: 0.1 });
    layer.forward(ones([2, 3])).sum().backward();
    before.step();
    layer.to("float64");
    expect(layer.W.grad!.dtype).toBe("float64");
    const W0 = Array.from(layer.W.data.toTypedArray());
    const after = new SGD(layer.parameters(), { lr: 0.25 });
    after.zeroGrad();
    layer.forward(ones([2, 3], { dtype: "float64" })).sum().backward();
    const g = Array.from(layer.W.grad!.toTypedArray());
    after.step();
    expect(Array.from(layer.W.data.toTypedArray())).toEqual(W0.map((w, i) => w - 0.25 * g[i]!));
    const W1 = layer.W.data.clone();
    before.step();
    expect(sameBits(layer.W.data, W1)).toBe(false);
    expect((before.stateDict().state[0]!.expAvg as Tensor).dtype).toBe("float32");
  });

  it("casts a buffer shared by two modules once, so it stays shared, and names a buffer by its path", () => {
    class Holder extends Module {
      constructor(shared: Tensor) {
        super();
        this.registerBuffer("table", shared);
      }
      forward(): Variable {
        return variable(this.getBuffer("table")!);
      }
    }
    const shared = tensor([1, 2], { dtype: "float64" });
    const model = new Sequential(new Holder(shared), new Holder(shared));
    model.to("float32");
    const [a, b] = [model.getBuffer("0.table")!, model.getBuffer("1.table")!];
    expect(a.dtype).toBe("float32");
    expect(a).toBe(b);
    shared.data[0] = 1e300;
    const again = new Sequential(new Holder(shared));
    expect(errorOf(() => again.to("float32")).message).toMatch(/^to: 0\.table holds 1e\+300 at index \(0\)/);
  });

  it("refuses a dtype that is not float, and a value the dtype cannot hold, changing nothing", () => {
    const layer = new Dense(2, 1, { rng: rng(3), dtype: "float64" });
    expect(errorOf(() => layer.to("int32"))).toBeInstanceOf(DTypeError);
    layer.b.data.data[0] = 1e300;
    const e = errorOf(() => layer.to("float32"));
    expect(e).toBeInstanceOf(DTypeError);
    expect(e.message).toMatch(/^to: b holds 1e\+300 at index \(0, 0\), which float32 cannot hold/);
    expect([layer.W.dtype, layer.b.dtype]).toEqual(["float64", "float64"]);
  });
});
