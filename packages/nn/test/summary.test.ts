// summary and summaryRows.
import { describe, expect, it } from "vitest";
import { errorOf } from "./helpers.js";
import { add, matmul, mul, reshape, sum, variable, type Operand, type Variable } from "@strata/autograd";
import { ActivationLayer, Dense, Dropout, Module, ModuleList, Sequential, deepNetwork, summary, summaryRows } from "@strata/nn";
import { DTypeError, ShapeError, Tensor, ValueError, rng, zeros } from "@strata/tensor";

describe("summary and summaryRows", () => {
  it("describes deepNetwork([30, 20, 7, 5, 1]) layer by layer", () => {
    const net = deepNetwork([30, 20, 7, 5, 1], { rng: rng(0) });
    const rows = summaryRows(net, 30);
    expect(rows).toEqual([
      { name: "0", layer: "Dense(layer 1) relu", W: "(20, 30)", b: "(20, 1)", output: "(20, m)", parameters: 20 * 30 + 20, trainable: 620 },
      { name: "1", layer: "Dense(layer 2) relu", W: "(7, 20)", b: "(7, 1)", output: "(7, m)", parameters: 7 * 20 + 7, trainable: 147 },
      { name: "2", layer: "Dense(layer 3) relu", W: "(5, 7)", b: "(5, 1)", output: "(5, m)", parameters: 5 * 7 + 5, trainable: 40 },
      { name: "3", layer: "Dense(layer 4) sigmoid", W: "(1, 5)", b: "(1, 1)", output: "(1, m)", parameters: 1 * 5 + 1, trainable: 6 },
    ]);
    expect(rows.map((r) => r.parameters)).toEqual([620, 147, 40, 6]);
  });

  it("prints the rows as an aligned table with a total", () => {
    const net = deepNetwork([30, 20, 7, 5, 1], { rng: rng(0) });
    const lines = summary(net, 30).split("\n");
    expect(lines).toHaveLength(6);
    expect(lines[0]!.split(/ {2,}/)).toEqual(["layer", "W", "b", "Z, A", "parameters"]);
    expect(lines[1]!.split(/ {2,}/)).toEqual(["Dense(layer 1) relu", "(20, 30)", "(20, 1)", "(20, m)", "620"]);
    expect(lines[2]!.split(/ {2,}/)).toEqual(["Dense(layer 2) relu", "(7, 20)", "(7, 1)", "(7, m)", "147"]);
    expect(lines[3]!.split(/ {2,}/)).toEqual(["Dense(layer 3) relu", "(5, 7)", "(5, 1)", "(5, m)", "40"]);
    expect(lines[4]!.split(/ {2,}/)).toEqual(["Dense(layer 4) sigmoid", "(1, 5)", "(1, 1)", "(1, m)", "6"]);
    expect(lines[5]).toBe(`total: ${620 + 147 + 40 + 6} parameters`);
    // columns start at the same place on every line
    const col = lines[0]!.indexOf("Z, A");
    for (const [i, cell] of [[1, "(20, m)"], [2, "(7, m)"], [4, "(1, m)"]] as const) expect(lines[i]!.indexOf(cell)).toBe(col);
    for (const line of lines) expect(line).toBe(line.trimEnd());
  });

  it("lists Dropout and ActivationLayer rows with the width they pass on", () => {
    const seq = new Sequential(new Dense(4, 3, { activation: "relu" }), new ActivationLayer("tanh"), new Dropout(0.2), new Dense(3, 2));
    expect(summaryRows(seq, 4)).toEqual([
      { name: "0", layer: "Dense(layer 1) relu", W: "(3, 4)", b: "(3, 1)", output: "(3, m)", parameters: 15, trainable: 15 },
      { name: "1", layer: "Activation tanh", W: "", b: "", output: "(3, m)", parameters: 0, trainable: 0 },
      { name: "2", layer: "Dropout(p=0.2)", W: "", b: "", output: "(3, m)", parameters: 0, trainable: 0 },
      { name: "3", layer: "Dense(layer 2) identity", W: "(2, 3)", b: "(2, 1)", output: "(2, m)", parameters: 8, trainable: 8 },
    ]);
    expect(summary(seq, 4).split("\n").at(-1)).toBe("total: 23 parameters");
  });

  it("a lone Dense is named by its sizes", () => {
    expect(summaryRows(new Dense(4, 3, { activation: "sigmoid" }), 4)).toEqual([
      { name: "", layer: "Dense(4→3) sigmoid", W: "(3, 4)", b: "(3, 1)", output: "(3, m)", parameters: 15, trainable: 15 },
    ]);
  });

  it("a wrong nIn is a ShapeError naming the first layer", () => {
    const err = errorOf(() => summary(deepNetwork([30, 20, 1]), 31));
    expect(err).toBeInstanceOf(ShapeError);
    expect(err.message).toContain("Dense(layer 1)");
    expect(err.message).toContain("30 rows");
    expect(err.message).toContain("31");
  });

  it("a mis-chained Sequential is a ShapeError naming the layer", () => {
    const seq = new Sequential(new Dense(30, 20), new Dense(7, 5));
    const err = errorOf(() => summaryRows(seq, 30));
    expect(err).toBeInstanceOf(ShapeError);
    // summary runs the layers' own forward, so the message is the layer's own, after "summary: "
    expect(err.message).toBe("summary: Dense(layer 2): expected input with 7 rows (n[1]), got 20");
  });

  it("rejects a bad nIn", () => {
    for (const n of [0, -3, 2.5]) {
      const err = errorOf(() => summaryRows(deepNetwork([3, 1]), n));
      expect(err).toBeInstanceOf(ValueError);
      expect(err.message).toBe(`summary: nIn must be an integer ≥ 1, got ${n}`);
    }
  });

  class Pool extends Module {
    forward(x: Operand): Variable {
      return sum(x, { axis: 0, keepDims: true });
    }
  }
  class Scale extends Module {
    s = variable([[2]], { requiresGrad: true });
    forward(x: Operand): Variable {
      return mul(x, this.s);
    }
  }

  it("finds a custom module's output rows by running it, and counts its parameters", () => {
    const seq = new Sequential(new Dense(4, 3), new Scale(), new Pool(), new Dense(1, 2));
    expect(summaryRows(seq, 4)).toEqual([
      { name: "0", layer: "Dense(layer 1) identity", W: "(3, 4)", b: "(3, 1)", output: "(3, m)", parameters: 15, trainable: 15 },
      { name: "1", layer: "Scale", W: "", b: "", output: "(3, m)", parameters: 1, trainable: 1 },
      { name: "2", layer: "Pool", W: "", b: "", output: "(1, m)", parameters: 0, trainable: 0 },
      { name: "3", layer: "Dense(layer 2) identity", W: "(2, 1)", b: "(2, 1)", output: "(2, m)", parameters: 4, trainable: 4 },
    ]);
    expect(summary(seq, 4).split("\n").at(-1)).toBe("total: 20 parameters");
  });

  it("a mis-chained layer after a custom module is caught", () => {
    const seq = new Sequential(new Dense(4, 3), new Pool(), new Dense(3, 2));
    const err = errorOf(() => summaryRows(seq, 4));
    expect(err).toBeInstanceOf(ShapeError);
    expect(err.message).toBe("summary: Dense(layer 2): expected input with 3 rows (n[1]), got 1");
  });

  it("leaves every module's mode as it was (training or eval)", () => {
    const seq = new Sequential(new Dense(4, 3), new Pool(), new Dropout(0.2));
    summaryRows(seq, 4);
    expect(seq.modules().every((m) => m.training)).toBe(true);
    seq.eval();
    summaryRows(seq, 4);
    expect(seq.modules().map((m) => m.training)).toEqual([false, false, false, false]);
  });

  it("restores every module's mode when a custom module's forward throws", () => {
    class Broken extends Module {
      forward(): Variable {
        throw new Error("broken forward");
      }
    }
    const seq = new Sequential(new Dense(4, 3), new Broken(), new Dropout(0.2));
    expect(() => summaryRows(seq, 4)).toThrow("broken forward");
    expect(seq.modules().every((m) => m.training)).toBe(true);
    seq.eval();
    expect(() => summaryRows(seq, 4)).toThrow("broken forward");
    expect(seq.modules().every((m) => !m.training)).toBe(true);
    expect(summaryRows(new Sequential(new Dense(4, 3), new Pool()), 4).at(-1)!.output).toBe("(1, m)");
  });

  it("records no graph and leaves gradients alone", () => {
    const seq = new Sequential(new Dense(2, 2, { rng: rng(0) }), new Scale());
    summary(seq, 2);
    for (const p of seq.parameters()) expect(p.grad).toBeNull();
  });
});

/** Test-local batch-first layers: x (N, in) → x·Wᵀ + b, and (N, …) → (N, rest). */
class Affine extends Module {
  weight: Variable;
  bias: Variable;
  constructor(nIn: number, nOut: number) {
    super();
    this.weight = variable(zeros([nOut, nIn], { dtype: "float64" }), { requiresGrad: true });
    this.bias = variable(zeros([nOut], { dtype: "float64" }), { requiresGrad: true });
  }
  forward(x: Operand): Variable {
    const v = x as Variable;
    if (v.dtype !== "float64") throw new DTypeError(`Affine: expected float64 input, got ${v.dtype}`);
    return add(matmul(v, this.weight.T), this.bias);
  }
}
class Flat extends Module {
  forward(x: Operand): Variable {
    const shape = (x as Variable).shape;
    return reshape(x, [shape[0]!, shape.slice(1).reduce((a, b) => a * b, 1)]);
  }
}
class Split extends Module {
  forward(x: Variable): [Variable, Variable] {
    return [x.slice(null, [0, 2]), x.slice(null, [2, 5])];
  }
}
class Heads extends Module {
  split = new Split();
  unused = new ModuleList([new Affine(2, 2)]);
  forward(x: Variable): Variable {
    const [a] = this.split.forward(x);
    return a;
  }
}

describe("summary of batch-first models (an input shape)", () => {
  it("runs the model on zeros of that shape and takes every row's output shape from the layer itself", () => {
    const model = new Sequential(new Flat(), new Affine(12, 5), new ActivationLayer("relu"), new Heads());
    const rows = summaryRows(model, [2, 3, 4]);
    expect(rows.map((r) => [r.name, r.layer, r.W, r.b, r.output, r.parameters, r.trainable])).toEqual([
      ["0", "Flat", "", "", "(2, 12)", 0, 0],
      ["1", "Affine", "", "", "(2, 5)", 65, 65],
      ["2", "Activation relu", "", "", "(2, 5)", 0, 0],
      ["3.split", "Split", "", "", "[(2, 2), (2, 3)]", 0, 0],
      ["3.unused.0", "Affine", "", "", "--", 6, 6],
    ]);
    const lines = summary(model, [2, 3, 4]).split("\n");
    expect(lines[0]!.split(/ {2,}/)).toEqual(["name", "layer", "output", "parameters"]);
    expect(lines[2]!.split(/ {2,}/)).toEqual(["1", "Affine", "(2, 5)", "65"]);
    expect(lines.at(-1)).toBe("total: 71 parameters");
    // the hooks are gone afterwards
    for (const m of model.modules()) expect(Object.hasOwn(m, "forward")).toBe(false);
  });

  it("uses the first float parameter's dtype, or the one asked for", () => {
    const model = new Sequential(new Flat(), new Affine(6, 1));
    expect(summaryRows(model, [4, 6]).at(-1)!.output).toBe("(4, 1)");
    const e = errorOf(() => summaryRows(model, [4, 6], { dtype: "float32" }));
    expect(e).toBeInstanceOf(DTypeError);
    expect(e.message).toBe("summary: Affine: expected float64 input, got float32");
    class Ids extends Module {
      forward(ids: Tensor): Tensor {
        if (ids.dtype !== "int32") throw new DTypeError("Ids: expected int32 ids");
        return ids;
      }
    }
    expect(summaryRows(new Ids(), [3, 7], { dtype: "int32" })).toEqual([{ name: "", layer: "Ids", W: "", b: "", output: "(3, 7)", parameters: 0, trainable: 0 }]);
  });

  it("rejects an input that is neither nIn nor a shape of integers ≥ 1", () => {
    for (const bad of [[2, 0], [1.5], "3", [2, -1]]) {
      const e = errorOf(() => summaryRows(new Flat(), bad as number[]));
      expect(e).toBeInstanceOf(ValueError);
      expect(e.message).toBe(`summary: expected nIn (the rows of a column-layout input) or an input shape of integers ≥ 1 such as [1, 1, 28, 28], got ${String(bad)}`);
    }
  });
});

