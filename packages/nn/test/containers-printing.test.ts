// ModuleList, ModuleDict, the printed form (against PyTorch's print of the same structure, from
// fixtures/module_state.py) and forward hooks.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mul, sum, variable, type Operand, type Variable } from "@strata/autograd";
import { ActivationLayer, Dense, Dropout, Module, ModuleDict, ModuleList, Sequential, deepNetwork, loadFromBytes, saveToBytes } from "@strata/nn";
import { ValueError, ones, rng, tensor } from "@strata/tensor";
import { errorOf, sameBits } from "./helpers.js";

const printed = (JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "module-state.json"), "utf8")) as { printed: Record<string, string> }).printed;

class Pool extends Module {
  forward(x: Operand): Variable {
    return sum(x, { axis: 0, keepDims: true });
  }
}
class Gate extends Module {
  inner = new Dense(2, 2, { activation: "sigmoid" });
  forward(x: Operand): Variable {
    return this.inner.forward(x);
  }
  override extraRepr(): string {
    return "units=2\nmode=soft";
  }
}
class Tower extends Module {
  stem = new Sequential(new Dense(4, 3, { activation: "relu" }), new Dropout(0.5));
  blocks = new ModuleList<Module>([new Dense(3, 3, { activation: "tanh" }), new Pool(), new Sequential(new Gate())]);
  heads = new ModuleDict({ age: new Dense(3, 1), kind: new Dense(3, 2, { activation: "softmax" }) });
  forward(x: Operand): Variable {
    return this.stem.forward(x);
  }
}

describe("the printed form", () => {
  it("is PyTorch's print(model) for the same structure: names, extra lines, nesting, containers", () => {
    expect(String(new Sequential(new Dense(4, 3, { activation: "relu" }), new Dropout(0.5)))).toBe(printed.sequential);
    expect(String(new Tower())).toBe(printed.tower);
    expect(String(new Pool())).toBe(printed.pool);
    expect(String(new Sequential())).toBe(printed.emptySequential);
  });

  it("gives every built-in layer its settings, and a deepNetwork its Dense layers", () => {
    expect(String(new ActivationLayer({ name: "leakyRelu", alpha: 0.25 }))).toBe("ActivationLayer(leakyRelu(alpha=0.25))");
    expect(String(new Dense(2, 5, { activation: { name: "leakyRelu", alpha: 0.1 } }))).toBe("Dense(2, 5, activation=leakyRelu(alpha=0.1))");
    expect(String(deepNetwork([3, 4, 1]))).toBe("DeepNetwork(\n  (0): Dense(3, 4, activation=relu)\n  (1): Dense(4, 1, activation=sigmoid)\n)");
    expect(`${new Dropout(0.25)}`).not.toBe("[object Object]");
  });
});

describe("ModuleList", () => {
  it("indexes, appends, extends, iterates and names its children 0, 1, …", () => {
    const a = new Dense(2, 2, { rng: rng(0) });
    const b = new Dropout(0.1);
    const list = new ModuleList<Module>([a]);
    expect(list.append(b)).toBe(list);
    list.extend([new Dense(2, 1, { rng: rng(1) })]);
    expect(list.length).toBe(3);
    expect(list[0]).toBe(a);
    expect(list[1]).toBe(b);
    expect(list.at(-1)).toBe(list[2]);
    expect(list.at(3)).toBeUndefined();
    expect([...list]).toEqual([a, b, list[2]]);
    expect(list.namedChildren().map(([k]) => k)).toEqual(["0", "1", "2"]);
    expect(list.namedParameters().map(([k]) => k)).toEqual(["0.W", "0.b", "2.W", "2.b"]);
    list[1] = new Dense(2, 2, { rng: rng(2) }); // replaces an item
    expect(list.namedParameters().map(([k]) => k)).toEqual(["0.W", "0.b", "1.W", "1.b", "2.W", "2.b"]);
  });

  it("in a module: its items are trained, put in eval mode and saved; it has no forward", () => {
    class Stack extends Module {
      layers = new ModuleList([new Dense(3, 3, { rng: rng(3), dtype: "float64" }), new Dense(3, 2, { rng: rng(4), dtype: "float64" })]);
      drop = new ModuleList([new Dropout(0.5)]);
      forward(x: Operand): Variable {
        let h: Operand = x;
        for (const layer of this.layers) h = layer.forward(h);
        return this.drop[0]!.forward(h);
      }
    }
    const s = new Stack();
    expect(Object.keys(s.stateDict())).toEqual(["layers.0.W", "layers.0.b", "layers.1.W", "layers.1.b"]);
    s.eval();
    expect(s.drop[0]!.training).toBe(false);
    const x = ones([3, 4], { dtype: "float64" });
    const expected = s.layers[1]!.forward(s.layers[0]!.forward(x));
    expect(sameBits(s.forward(x).data, expected.data)).toBe(true);
    const e = errorOf(() => s.layers.forward());
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toMatch(/^ModuleList: a list of modules has no forward/);
    expect(errorOf(() => new ModuleList([3 as unknown as Module])).message).toBe("ModuleList: item 0 is not a Module (got 3)");
  });

  it("saves and loads as an architecture, values and order kept", () => {
    const list = new ModuleList([new Dense(2, 3, { rng: rng(5) }), new ActivationLayer("tanh"), new Sequential(new Dense(3, 1, { rng: rng(6) }))]);
    const { model } = loadFromBytes(saveToBytes(list));
    expect(model).toBeInstanceOf(ModuleList);
    expect(String(model)).toBe(String(list));
    for (const [k, v] of Object.entries(list.stateDict())) expect(sameBits(model.stateDict()[k]!, v), k).toBe(true);
  });
});

describe("ModuleDict", () => {
  it("gets, sets, pops, iterates keys in insertion order, and names children by key", () => {
    const dict = new ModuleDict<Module>([["10", new Dense(2, 2, { rng: rng(0) })], ["2", new Dropout(0.5)]]);
    dict.set("head", new Dense(2, 1, { rng: rng(1) }));
    expect([...dict]).toEqual(["10", "2", "head"]);
    expect([...dict.keys()]).toEqual(["10", "2", "head"]);
    expect([...dict.items()].map(([k, m]) => [k, m.constructor.name])).toEqual([["10", "Dense"], ["2", "Dropout"], ["head", "Dense"]]);
    expect(dict.has("2")).toBe(true);
    expect(dict.length).toBe(3);
    expect(dict.namedParameters().map(([k]) => k)).toEqual(["10.W", "10.b", "head.W", "head.b"]);
    const replaced = new Dense(2, 2, { rng: rng(2) });
    dict.set("10", replaced); // replaced in its place
    expect(dict.namedChildren()[0]).toEqual(["10", replaced]);
    expect(dict.pop("2")).toBeInstanceOf(Dropout);
    expect(dict.pop("2")).toBeUndefined();
    expect([...dict.values()]).toHaveLength(2);
    expect(errorOf(() => dict.set("a.b", new Dropout(0.1))).message).toBe('ModuleDict: a key must be a non-empty string without dots, got "a.b"');
    expect(errorOf(() => dict.set("x", {} as Module)).message).toBe('ModuleDict: the value for "x" is not a Module (got [object Object])');
    expect(errorOf(() => dict.forward()).message).toMatch(/^ModuleDict: a dict of modules has no forward/);
  });

  it("saves and loads keeping key order (also keys that look like numbers)", () => {
    const dict = new ModuleDict<Module>([["10", new Dense(2, 2, { rng: rng(3) })], ["2", new Dense(2, 1, { rng: rng(4) })], ["act", new ActivationLayer("relu")]]);
    const { model } = loadFromBytes(saveToBytes(dict));
    expect([...(model as ModuleDict)]).toEqual(["10", "2", "act"]);
    expect(Object.keys(model.stateDict())).toEqual(["10.W", "10.b", "2.W", "2.b"]);
    for (const [k, v] of Object.entries(dict.stateDict())) expect(sameBits(model.stateDict()[k]!, v), k).toBe(true);
  });
});

describe("forward hooks", () => {
  it("see every call with its inputs and output, however the module is called, and can replace the output", () => {
    const inner = new Dense(2, 2, { rng: rng(0) });
    const seq = new Sequential(inner, new ActivationLayer("relu"));
    const calls: [Module, number[], number[]][] = [];
    const handle = inner.registerForwardHook((m, [x], y) => void calls.push([m, [...(x as Variable).shape], [...y.shape]]));
    const x = variable(ones([2, 3]));
    seq.forward(x);
    inner.forward(x);
    expect(calls).toEqual([[inner, [2, 3], [2, 3]], [inner, [2, 3], [2, 3]]]);
    handle.remove();
    handle.remove(); // twice does nothing
    inner.forward(x);
    expect(calls).toHaveLength(2);
    expect(Object.hasOwn(inner, "forward")).toBe(false); // without hooks the instance is as it was
    const doubled = seq.registerForwardHook((_m, _in, y) => mul(y, 2));
    const plain = new Sequential(inner, new ActivationLayer("relu")).forward(x);
    expect(seq.forward(x).toArray()).toEqual(mul(plain, 2).toArray());
    doubled.remove();
    expect(seq.forward(x).toArray()).toEqual(plain.toArray());
  });

  it("run in registration order, each seeing the output the one before returned", () => {
    const layer = new ActivationLayer("identity");
    const order: string[] = [];
    layer.registerForwardHook(() => void order.push("first"));
    layer.registerForwardHook((_m, _in, y) => (order.push("second"), mul(y, 10)));
    layer.registerForwardHook((_m, _in, y) => void order.push(`third ${y.item()}`));
    expect(layer.forward(tensor([[2]])).item()).toBe(20);
    expect(order).toEqual(["first", "second", "third 20"]);
    expect(errorOf(() => layer.registerForwardHook(5 as never)).message).toBe("registerForwardHook: expected a function (module, inputs, output) => …, got 5");
  });
});
