// Module: parameter discovery, modes, gradients and state dicts.
import { describe, expect, it } from "vitest";
import { errorOf, sameBits } from "./helpers.js";
import { matmul, mul, sum, variable, Variable, type Operand } from "@strata/autograd";
import { ActivationLayer, Dense, Dropout, Module, Sequential, deepNetwork, type StateDict } from "@strata/nn";
import { DTypeError, ValueError, addInPlace, ones, rng, tensor, type Tensor } from "@strata/tensor";
import fc from "fast-check";


function expectDictBitwise(actual: StateDict, expected: StateDict): void {
  expect(Object.keys(actual)).toEqual(Object.keys(expected));
  for (const k of Object.keys(expected)) expect(sameBits(actual[k]!, expected[k]!), k).toBe(true);
}


class Net extends Module {
  hidden = new Dense(3, 4, { activation: "tanh", rng: rng(0), dtype: "float64" });
  scale = variable([[2]], { requiresGrad: true, dtype: "float64" });
  frozen = variable([[5]], { requiresGrad: false, dtype: "float64" });
  derived = mul(this.scale, 3); // computed from a parameter: not a leaf
  blocks = [new Dense(4, 4, { rng: rng(1), dtype: "float64" }), new ActivationLayer("relu"), new Dense(4, 2, { rng: rng(2), dtype: "float64" })];
  notAModule = { W: variable([[1]], { requiresGrad: true }) };
  forward(x: Operand): Variable {
    let h: Operand = this.hidden.forward(x);
    for (const b of this.blocks) h = b.forward(h);
    return matmul(this.scale, sum(h, { axis: 0, keepDims: true }));
  }
}

describe("Module.namedParameters / parameters", () => {
  it("lists own parameters first, then children in field order, with dotted paths into arrays", () => {
    const net = new Net();
    expect(net.namedParameters().map(([k]) => k)).toEqual([
      "scale",
      "hidden.W", "hidden.b",
      "blocks.0.W", "blocks.0.b",
      "blocks.2.W", "blocks.2.b",
    ]);
  });

  it("maps each path to the very Variable held in the field", () => {
    const net = new Net();
    const named = new Map(net.namedParameters());
    expect(named.get("scale")).toBe(net.scale);
    expect(named.get("hidden.W")).toBe(net.hidden.W);
    expect(named.get("hidden.b")).toBe(net.hidden.b);
    expect(named.get("blocks.2.W")).toBe((net.blocks[2] as Dense).W);
  });

  it("leaves out a non-leaf variable and one that does not require gradients", () => {
    const net = new Net();
    expect(net.derived.isLeaf).toBe(false);
    expect(net.derived.requiresGrad).toBe(true);
    const params = net.parameters();
    expect(params).not.toContain(net.derived);
    expect(params).not.toContain(net.frozen);
    // and a Variable inside a plain object is not found either
    expect(params).not.toContain(net.notAModule.W);
  });

  it("lists a Dense used twice once, under its first path", () => {
    const shared = new Dense(2, 2, { rng: rng(3) });
    class Tied extends Module {
      first = shared;
      other = new Dense(2, 1, { rng: rng(4) });
      again = shared;
      forward(x: Operand): Variable {
        return this.other.forward(this.again.forward(this.first.forward(x)));
      }
    }
    const tied = new Tied();
    expect(tied.namedParameters().map(([k]) => k)).toEqual(["first.W", "first.b", "other.W", "other.b"]);
    expect(tied.parameters()).toHaveLength(4);
    expect(new Set(tied.parameters()).size).toBe(4);
  });

  it("parameters() is namedParameters() without the names, same objects in the same order", () => {
    const net = new Net();
    const named = net.namedParameters();
    const params = net.parameters();
    expect(params).toHaveLength(named.length);
    params.forEach((p, i) => expect(p).toBe(named[i]![1]));
  });

  it("Sequential names children by index and numbers parameters accordingly", () => {
    const seq = new Sequential(new Dense(4, 3, { rng: rng(0) }), new ActivationLayer("tanh"), new Sequential(new Dense(3, 2, { rng: rng(1) })));
    expect(seq.namedParameters().map(([k]) => k)).toEqual(["0.W", "0.b", "2.0.W", "2.0.b"]);
  });

  it("a module without parameters has none", () => {
    expect(new ActivationLayer("relu").parameters()).toEqual([]);
    expect(new Dropout(0.5).namedParameters()).toEqual([]);
  });
});

describe("Module modes and modules()", () => {
  it("modules() lists self then descendants depth first", () => {
    const inner = new Dropout(0.2);
    const nested = new Sequential(new ActivationLayer("relu"), inner);
    const first = new Dense(2, 2);
    const seq = new Sequential(first, nested);
    const mods = seq.modules();
    expect(mods).toHaveLength(5);
    expect(mods[0]).toBe(seq);
    expect(mods[1]).toBe(first);
    expect(mods[2]).toBe(nested);
    expect(mods[3]).toBe(nested.layers[0]);
    expect(mods[4]).toBe(inner);
  });

  it("modules() of a custom module reaches fields and array items", () => {
    const net = new Net();
    const mods = net.modules();
    expect(mods[0]).toBe(net);
    expect(mods).toContain(net.hidden);
    for (const b of net.blocks) expect(mods).toContain(b);
    expect(mods).toHaveLength(1 + 1 + 3);
  });

  it("train() and eval() set the flag on every descendant and return the module", () => {
    const net = new Net();
    const seq = new Sequential(new Dense(2, 3), new Sequential(new Dropout(0.3), new ActivationLayer("tanh")), new Dense(3, 1));
    for (const model of [net, seq] as Module[]) {
      expect(model.modules().every((m) => m.training)).toBe(true);
      expect(model.eval()).toBe(model);
      expect(model.modules().map((m) => m.training)).toEqual(model.modules().map(() => false));
      expect(model.train()).toBe(model);
      expect(model.modules().every((m) => m.training)).toBe(true);
      model.train(false);
      expect(model.modules().some((m) => m.training)).toBe(false);
    }
  });

  it("eval() turns off a Dropout nested in an array field", () => {
    class WithDrop extends Module {
      parts = [new Dropout(0.9, { rng: rng(0) })];
      forward(x: Operand): Variable {
        return this.parts[0]!.forward(x);
      }
    }
    const m = new WithDrop().eval();
    const x = tensor([[1, 2, 3, 4, 5, 6, 7, 8]], { dtype: "float64" });
    expect(m.forward(x).toArray()).toEqual(x.toArray());
  });
});

describe("Module.zeroGrad", () => {
  it("sets every parameter's grad to null after a backward", () => {
    const net = new Net();
    net.forward(ones([3, 5], { dtype: "float64" })).sum().backward();
    const params = net.parameters();
    expect(params.every((p) => p.grad !== null)).toBe(true);
    net.zeroGrad();
    for (const p of params) expect(p.grad).toBeNull();
  });

  it("after zeroGrad a second backward gives the first gradient again, not twice it", () => {
    const net = new Net();
    const x = ones([3, 5], { dtype: "float64" });
    net.forward(x).sum().backward();
    const first = net.parameters().map((p) => p.grad!.clone());
    net.zeroGrad();
    net.forward(x).sum().backward();
    net.parameters().forEach((p, i) => expect(sameBits(p.grad!, first[i]!)).toBe(true));
  });
});

describe("Module.stateDict", () => {
  it("has one entry per parameter, keyed by its path, with equal values", () => {
    const net = new Net();
    const dict = net.stateDict();
    expect(Object.keys(dict)).toEqual(net.namedParameters().map(([k]) => k));
    for (const [k, p] of net.namedParameters()) expect(sameBits(dict[k]!, p.data)).toBe(true);
  });

  it("returns copies: changing the model afterwards does not change the dict", () => {
    const net = new Net();
    const dict = net.stateDict();
    const snapshot = Object.fromEntries(Object.entries(dict).map(([k, t]) => [k, t.toArray()]));
    for (const p of net.parameters()) addInPlace(p.data, 1);
    for (const k of Object.keys(dict)) expect(dict[k]!.toArray()).toEqual(snapshot[k]);
    expect(net.scale.data.item()).toBe(3);
  });

  it("returns copies: changing the dict does not change the model", () => {
    const net = new Net();
    const before = net.parameters().map((p) => p.data.clone());
    const dict = net.stateDict();
    for (const t of Object.values(dict)) addInPlace(t, 100);
    net.parameters().forEach((p, i) => expect(sameBits(p.data, before[i]!)).toBe(true));
  });
});

function twoLayer(seed: number, dtype: "float32" | "float64" = "float32"): Sequential {
  return new Sequential(
    new Dense(3, 2, { activation: "tanh", rng: rng(seed), dtype }),
    new Dense(2, 1, { activation: "sigmoid", rng: rng(seed + 100), dtype }),
  );
}

describe("Module.loadStateDict", () => {
  it("round trip between differently seeded models makes their outputs equal", () => {
    const a = twoLayer(1);
    const b = twoLayer(2);
    const x = tensor([[0.5, -1, 2, 0], [1, 1, -0.5, 3], [-2, 0.25, 1, -1]]);
    expect(a.forward(x).data.equals(b.forward(x).data)).toBe(false);
    const result = b.loadStateDict(a.stateDict());
    expect(result).toEqual({ missing: [], unexpected: [] });
    expect(sameBits(b.forward(x).data, a.forward(x).data)).toBe(true);
    expectDictBitwise(b.stateDict(), a.stateDict());
  });

  it("keeps the parameter Variables and their tensors, changing values in place", () => {
    const a = twoLayer(1);
    const b = twoLayer(2);
    const vars = b.parameters();
    const datas = vars.map((p) => p.data);
    b.loadStateDict(a.stateDict());
    const after = b.parameters();
    after.forEach((p, i) => {
      expect(p).toBe(vars[i]);
      expect(p.data).toBe(datas[i]);
    });
    expect(sameBits(vars[0]!.data, (a.layers[0] as Dense).W.data)).toBe(true);
  });

  it("copies the dict's values: changing the dict after loading does not change the model", () => {
    const a = twoLayer(1);
    const b = twoLayer(2);
    const dict = a.stateDict();
    b.loadStateDict(dict);
    addInPlace(dict["0.W"]!, 10);
    expect(sameBits((b.layers[0] as Dense).W.data, (a.layers[0] as Dense).W.data)).toBe(true);
  });

  it("loads a non-contiguous (transposed) value correctly", () => {
    const model = new Dense(3, 2, { rng: rng(0), dtype: "float64" });
    const source = tensor([[1, 4], [2, 5], [3, 6]], { dtype: "float64" });
    model.loadStateDict({ W: source.T, b: tensor([[7], [8]], { dtype: "float64" }) });
    expect(model.W.data.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(model.b.data.toArray()).toEqual([[7], [8]]);
  });

  it("lists missing, unexpected and mis-shaped keys in one error and changes nothing", () => {
    const model = twoLayer(5);
    const before = model.stateDict();
    const good = twoLayer(6).stateDict();
    const dict: StateDict = {
      "0.W": tensor([[1, 2], [3, 4], [5, 6]]), // the model's is (2, 3)
      "0.b": good["0.b"]!,
      "1.W": good["1.W"]!,
      // "1.b" missing
      "2.W": tensor([[1]]), // unexpected
    };
    const err = errorOf(() => model.loadStateDict(dict));
    expect(err).toBeInstanceOf(ValueError);
    expect(err.message).toMatch(/^loadStateDict: /);
    expect(err.message).toContain("missing 1.b");
    expect(err.message).toContain("unexpected 2.W");
    expect(err.message).toContain("0.W: the model has (2,3), the dict (3,2)");
    expect(err.message).toContain("nothing was loaded");
    // the good keys that were checked first were not written either
    expectDictBitwise(model.stateDict(), before);
  });

  it("strict by default: a missing key alone fails", () => {
    const model = twoLayer(5);
    const before = model.stateDict();
    const { ["1.b"]: _, ...dict } = twoLayer(6).stateDict();
    expect(() => model.loadStateDict(dict)).toThrow(/loadStateDict: missing 1\.b/);
    expectDictBitwise(model.stateDict(), before);
  });

  it("strict by default: an unexpected key alone fails", () => {
    const model = twoLayer(5);
    const before = model.stateDict();
    const dict = { ...twoLayer(6).stateDict(), "0.gamma": tensor([[1]]) };
    expect(() => model.loadStateDict(dict)).toThrow(/loadStateDict: unexpected 0\.gamma/);
    expectDictBitwise(model.stateDict(), before);
  });

  it("strict: false loads the matching keys and reports the rest", () => {
    const model = twoLayer(5);
    const before = model.stateDict();
    const other = twoLayer(6).stateDict();
    const result = model.loadStateDict({ "0.W": other["0.W"]!, "1.b": other["1.b"]!, extra: tensor([1, 2]) }, { strict: false });
    expect(result).toEqual({ missing: ["0.b", "1.W"], unexpected: ["extra"] });
    const after = model.stateDict();
    expect(sameBits(after["0.W"]!, other["0.W"]!)).toBe(true);
    expect(sameBits(after["1.b"]!, other["1.b"]!)).toBe(true);
    expect(sameBits(after["0.b"]!, before["0.b"]!)).toBe(true);
    expect(sameBits(after["1.W"]!, before["1.W"]!)).toBe(true);
  });

  it("strict: false still fails on a mis-shaped key, loading nothing", () => {
    const model = twoLayer(5);
    const before = model.stateDict();
    const other = twoLayer(6).stateDict();
    const err = errorOf(() => model.loadStateDict({ "0.W": other["0.W"]!, "1.W": tensor([[1, 2, 3]]) }, { strict: false }));
    expect(err).toBeInstanceOf(ValueError);
    expect(err.message).toContain("1.W: the model has (1,2), the dict (1,3)");
    expect(err.message).not.toContain("missing");
    expectDictBitwise(model.stateDict(), before);
  });

  it("casts float64 values into a float32 model", () => {
    const model = new Dense(3, 1, { rng: rng(0) });
    const W = tensor([[0.1, 1 / 3, -2.7]], { dtype: "float64" });
    model.loadStateDict({ W, b: tensor([[Math.PI]], { dtype: "float64" }) });
    expect(model.W.dtype).toBe("float32");
    expect(Array.from(model.W.data.toTypedArray())).toEqual([0.1, 1 / 3, -2.7].map(Math.fround));
    expect(model.b.data.item()).toBe(Math.fround(Math.PI));
  });

  it("refuses a float64 value float32 cannot hold, naming the key, the value and its index, and loads nothing", () => {
    const model = deepNetwork([3, 2, 1], { rng: rng(0) });
    const before = model.stateDict();
    const dict: StateDict = {};
    for (const [k, v] of Object.entries(deepNetwork([3, 2, 1], { rng: rng(1) }).stateDict())) dict[k] = v.cast("float64");
    dict["W1"] = tensor([[0.5, 0.25, 1e300], [0, 0, 0]], { dtype: "float64" });
    dict["W2"] = tensor([[-1e39, 0]], { dtype: "float64" }); // a later key is not reported: the first is enough
    const err = errorOf(() => model.loadStateDict(dict));
    expect(err).toBeInstanceOf(DTypeError);
    expect(err.message).toBe(
      "loadStateDict: W1 holds 1e+300 at index (0, 2), which float32 cannot hold (it would become Infinity); pass { unchecked: true } to convert anyway",
    );
    expectDictBitwise(model.stateDict(), before);
    // the bad value in the last key: the good keys before it (W1, b1) are not written either
    const late = { ...dict, W1: tensor([[0.5, 0.25, 2], [0, 0, 0]], { dtype: "float64" }) };
    expect(errorOf(() => model.loadStateDict(late)).message).toMatch(/^loadStateDict: W2 holds -1e\+39 at index \(0, 0\).*-Infinity/);
    expectDictBitwise(model.stateDict(), before);
  });

  it("loads it anyway with { unchecked: true }: ±Infinity, as the cast stores it", () => {
    const model = new Dense(3, 1, { rng: rng(0) });
    const result = model.loadStateDict({ W: tensor([[0.1, 1e300, -1e300]], { dtype: "float64" }), b: tensor([[3e38]], { dtype: "float64" }) }, { unchecked: true });
    expect(result).toEqual({ missing: [], unexpected: [] });
    expect(model.W.data.toArray()).toEqual([[Math.fround(0.1), Infinity, -Infinity]]);
    expect(model.b.data.item()).toBe(Math.fround(3e38));
  });

  it("property: values beyond float32's range are always refused, and with unchecked equal Math.fround", () => {
    const F32_OVERFLOW = 3.4028234663852886e38 + 2 ** 103;
    const within = fc.double({ min: -3.4028234663852886e38, max: 3.4028234663852886e38, noNaN: true });
    const beyond = fc.double({ min: F32_OVERFLOW, max: Number.MAX_VALUE, noNaN: true }).chain((v) => fc.constantFrom(v, -v));
    fc.assert(
      fc.property(fc.array(within, { minLength: 3, maxLength: 3 }), beyond, fc.nat(2), within, (row, bad, at, bias) => {
        const model = new Dense(3, 1, { rng: rng(0) });
        const before = model.stateDict();
        const W = [...row];
        W[at] = bad;
        const dict = { W: tensor([W], { dtype: "float64" }), b: tensor([[bias]], { dtype: "float64" }) };
        const err = errorOf(() => model.loadStateDict(dict));
        expect(err).toBeInstanceOf(DTypeError);
        expect(err.message).toBe(
          `loadStateDict: W holds ${bad} at index (0, ${at}), which float32 cannot hold (it would become ${bad > 0 ? "" : "-"}Infinity); pass { unchecked: true } to convert anyway`,
        );
        expectDictBitwise(model.stateDict(), before);
        model.loadStateDict(dict, { unchecked: true });
        expect(model.W.data.toArray()).toEqual([W.map(Math.fround)]);
        expect(model.b.data.item()).toBe(Math.fround(bias));
        model.loadStateDict({ W: tensor([row], { dtype: "float64" }), b: dict.b }); // within range: no option needed
        expect(model.W.data.toArray()).toEqual([row.map(Math.fround)]);
      }),
      { numRuns: 200 },
    );
  });

  it("casts float32 values into a float64 model", () => {
    const model = new Dense(2, 1, { rng: rng(0), dtype: "float64" });
    model.loadStateDict({ W: tensor([[0.1, -0.7]], { dtype: "float32" }), b: tensor([[0.3]], { dtype: "float32" }) });
    expect(model.W.dtype).toBe("float64");
    expect(Array.from(model.W.data.toTypedArray())).toEqual([Math.fround(0.1), Math.fround(-0.7)]);
    expect(model.b.data.item()).toBe(Math.fround(0.3));
  });

  it("rejects an int32 value naming the key and the dtype", () => {
    const model = new Dense(2, 1, { rng: rng(0) });
    const before = model.stateDict();
    const err = errorOf(() => model.loadStateDict({ W: tensor([[1, 2]], { dtype: "int32" }), b: tensor([[0]]) }));
    expect(err).toBeInstanceOf(ValueError);
    expect(err.message).toContain("W: expected float32 or float64 values, got int32");
    expectDictBitwise(model.stateDict(), before);
  });

  it("rejects a non-Tensor value (number, null, array) with a message", () => {
    const model = new Dense(2, 1, { rng: rng(0) });
    const before = model.stateDict();
    for (const bad of [3, null, [[1, 2]]]) {
      const err = errorOf(() => model.loadStateDict({ W: bad as unknown as Tensor, b: tensor([[0]]) }));
      expect(err).toBeInstanceOf(ValueError);
      expect(err.message).toContain(`W: expected a Tensor, got ${String(bad)}`);
    }
    expectDictBitwise(model.stateDict(), before);
  });

  it("rejects a Variable value (a parameter instead of its data) before writing anything", () => {
    const model = twoLayer(5);
    const before = model.stateDict();
    const other = twoLayer(6);
    // The first keys are fine tensors; the last is the Variable itself rather than its .data.
    const dict = { ...other.stateDict(), "1.b": (other.layers[1] as Dense).b } as unknown as StateDict;
    const err = errorOf(() => model.loadStateDict(dict));
    // Checked softly so that every broken promise is reported, not just the first.
    const after = model.stateDict();
    for (const k of Object.keys(before)) expect.soft(sameBits(after[k]!, before[k]!), `${k} unchanged after the failed load`).toBe(true);
    expect.soft(err).toBeInstanceOf(ValueError);
    expect.soft(err.message).toMatch(/^loadStateDict: .*1\.b: expected a Tensor/);
  });

  it("works with deepNetwork's course names", () => {
    const a = deepNetwork([4, 3, 1], { rng: rng(1) });
    const b = deepNetwork([4, 3, 1], { rng: rng(2) });
    expect(Object.keys(a.stateDict())).toEqual(["W1", "b1", "W2", "b2"]);
    b.loadStateDict(a.stateDict());
    expectDictBitwise(b.stateDict(), a.stateDict());
  });
});
