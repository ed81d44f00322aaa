// Sequential, deepNetwork, ActivationLayer and l2Penalty (initialisers, Dropout and summary have their own files).
import { describe, expect, it } from "vitest";
import { errorOf, sameBits } from "./helpers.js";
import { add, gradcheck, mul, sum, variable, type Operand, type Variable } from "@strata/autograd";
import {
  ActivationLayer, Dense, DeepNetwork, Dropout, Module, Sequential, deepNetwork, he, initializeParametersDeep, l2Penalty,
  scaled, zeros as zeroInit, type Initializer,
} from "@strata/nn";
import { DTypeError, ShapeError, ValueError, ones, rng, tensor, type DType, type Tensor } from "@strata/tensor";



function flat(t: Tensor): number[] {
  return Array.from(t.toTypedArray() as ArrayLike<number>);
}

/** Row-major (rows, cols) matrix as nested arrays from a tensor. */
function mat(t: Tensor): number[][] {
  return t.toArray() as number[][];
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
const relu = (z: number): number => (z > 0 ? z : 0);

// ---------------------------------------------------------------------------------------------

describe("Sequential", () => {
  it("names its children 0, 1, … and numbers only its Dense layers 1, 2, …", () => {
    const d1 = new Dense(4, 3);
    const act = new ActivationLayer("relu");
    const drop = new Dropout(0.1);
    const d2 = new Dense(3, 2);
    const d3 = new Dense(2, 1);
    const seq = new Sequential(d1, act, drop, d2, d3);
    expect(seq.namedChildren().map(([k]) => k)).toEqual(["0", "1", "2", "3", "4"]);
    expect(seq.namedChildren().map(([, m]) => m)).toEqual([d1, act, drop, d2, d3]);
    expect([d1.layer, d2.layer, d3.layer]).toEqual([1, 2, 3]);
    expect(d2.label).toBe("Dense(layer 2)");
    expect(seq.namedParameters().map(([k]) => k)).toEqual(["0.W", "0.b", "3.W", "3.b", "4.W", "4.b"]);
  });

  it("a lone Dense names itself by its sizes", () => {
    const d = new Dense(3, 2);
    expect(d.layer).toBeUndefined();
    const err = errorOf(() => d.forward(ones([4, 5])));
    expect(err).toBeInstanceOf(ShapeError);
    expect(err.message).toBe("Dense(3→2): expected input with 3 rows, got 4");
  });

  it("a mis-chained network fails at layer 2 with the course's wording", () => {
    const seq = new Sequential(new Dense(30, 20, { rng: rng(0) }), new Dense(7, 5, { rng: rng(1) }));
    const err = errorOf(() => seq.forward(ones([30, 4])));
    expect(err).toBeInstanceOf(ShapeError);
    expect(err.message).toBe("Dense(layer 2): expected input with 7 rows (n[1]), got 20");
  });

  it("an input with examples as rows gets the hint to transpose", () => {
    const seq = new Sequential(new Dense(3, 2, { rng: rng(0) }));
    const err = errorOf(() => seq.forward(ones([5, 3])));
    expect(err).toBeInstanceOf(ShapeError);
    expect(err.message).toBe(
      "Dense(layer 1): expected input with 3 rows (n[0]), got 5; it looks like (m, 3) with examples as rows: pass its transpose (examples are columns)",
    );
  });

  it("an input that is not a matrix says what shape was expected", () => {
    const seq = new Sequential(new Dense(3, 2, { rng: rng(0) }));
    const err = errorOf(() => seq.forward(ones([3])));
    expect(err).toBeInstanceOf(ShapeError);
    expect(err.message).toBe("Dense(layer 1): expected input of shape (3, m) (n[0]) with one column per example, got (3)");
  });

  it("a float64 input to a float32 layer is a DTypeError naming both dtypes", () => {
    const seq = new Sequential(new Dense(3, 2, { rng: rng(0) }));
    const err = errorOf(() => seq.forward(ones([3, 4], { dtype: "float64" })));
    expect(err).toBeInstanceOf(DTypeError);
    expect(err.message).toBe('Dense(layer 1): input is float64 but the weights are float32; cast one of them (x.cast("float32"))');
  });

  it("forward equals chaining each layer's forward by hand", () => {
    const layers = [
      new Dense(4, 5, { activation: "relu", rng: rng(1), dtype: "float64" }),
      new ActivationLayer("tanh"),
      new Dense(5, 3, { activation: "sigmoid", rng: rng(2), dtype: "float64" }),
      new Dense(3, 2, { rng: rng(3), dtype: "float64" }),
    ];
    const seq = new Sequential(...layers);
    const x = tensor([[1, -2, 0.5], [0.3, 0.7, -1], [2, 0, -0.5], [-1, 1, 1]], { dtype: "float64" });
    let h: Operand = x;
    for (const l of layers) h = l.forward(h);
    const y = seq.forward(x);
    expect(y.shape).toEqual([2, 3]);
    expect(sameBits(y.data, (h as Variable).data)).toBe(true);
  });

  it("with no layers returns its input as a variable", () => {
    const x = tensor([[1, 2], [3, 4]]);
    const y = new Sequential().forward(x);
    expect(y.data.toArray()).toEqual([[1, 2], [3, 4]]);
  });

  it("rejects an item that is not a Module, naming its position", () => {
    const err = errorOf(() => new Sequential(new Dense(2, 2), 5 as unknown as Module));
    expect(err).toBeInstanceOf(ValueError);
    expect(err.message).toBe("Sequential: item 1 is not a Module (got 5)");
  });
});

// ---------------------------------------------------------------------------------------------

describe("deepNetwork", () => {
  it("names its parameters W1, b1, …, WL, bL with the course's shapes", () => {
    const net = deepNetwork([5, 4, 3, 1], { rng: rng(0) });
    expect(net).toBeInstanceOf(DeepNetwork);
    expect(net).toBeInstanceOf(Sequential);
    const named = net.namedParameters();
    expect(named.map(([k]) => k)).toEqual(["W1", "b1", "W2", "b2", "W3", "b3"]);
    expect(named.map(([, p]) => p.shape)).toEqual([[4, 5], [4, 1], [3, 4], [3, 1], [1, 3], [1, 1]]);
    expect(net.parameters()).toEqual(named.map(([, p]) => p));
    expect(net.layers.map((d) => d.layer)).toEqual([1, 2, 3]);
    expect(net.layers.map((d) => d.activation.name)).toEqual(["relu", "relu", "sigmoid"]);
    expect(net.layerDims).toEqual([5, 4, 3, 1]);
  });

  it("hidden and output choose the activations", () => {
    const net = deepNetwork([3, 2, 2, 1], { hidden: "tanh", output: "identity", rng: rng(0) });
    expect(net.layers.map((d) => d.activation.name)).toEqual(["tanh", "tanh", "identity"]);
  });

  const cases: [string, Initializer | undefined, DType | undefined][] = [
    ["scaled(0.01) float32", scaled(0.01), "float32"],
    ["scaled(0.01) float64", scaled(0.01), "float64"],
    ["he float32", he(), "float32"],
    ["he float64", he(), "float64"],
    ["defaults (he, float32)", undefined, undefined],
  ];
  for (const [label, init, dtype] of cases) {
    it(`its stateDict is initializeParametersDeep's dict for the same seed: ${label}`, () => {
      const dims = [6, 5, 3, 1];
      const opts = { ...(init && { init }), ...(dtype && { dtype }) };
      const net = deepNetwork(dims, { rng: rng(42), ...opts });
      const params = initializeParametersDeep(dims, { rng: rng(42), ...opts });
      const dict = net.stateDict();
      expect(Object.keys(dict)).toEqual(Object.keys(params));
      for (const k of Object.keys(params)) {
        expect(dict[k]!.dtype, k).toBe(dtype ?? "float32");
        expect(sameBits(dict[k]!, params[k]!), k).toBe(true);
      }
      // the weights were really drawn (not zeros) and the biases are zero
      expect(flat(dict.W1!).some((v) => v !== 0)).toBe(true);
      expect(flat(dict.b1!).every((v) => v === 0)).toBe(true);
    });
  }

  /** A scalar forward pass of [3, 2, 1] from the parameters as nested arrays. */
  function referenceForward(p: Record<string, number[][]>, X: number[][], g1: (z: number) => number, g2: (z: number) => number): number[][] {
    const m = X[0]!.length;
    const A1 = [0, 1].map((i) => Array.from({ length: m }, (_, j) => g1(p.W1![i]![0]! * X[0]![j]! + p.W1![i]![1]! * X[1]![j]! + p.W1![i]![2]! * X[2]![j]! + p.b1![i]![0]!)));
    return [Array.from({ length: m }, (_, j) => g2(p.W2![0]![0]! * A1[0]![j]! + p.W2![0]![1]! * A1[1]![j]! + p.b2![0]![0]!))];
  }

  const X = [[1, -0.5, 2, 0, -3], [0.25, 1, -1, 2, 0.5], [-2, 0.75, 0.5, 1, 1.5]];

  it("applies relu to the hidden layer and sigmoid to the output (scalar reference, float64)", () => {
    const net = deepNetwork([3, 2, 1], { rng: rng(3), dtype: "float64" });
    net.loadStateDict({ ...net.stateDict(), b1: tensor([[0.3], [-0.2]], { dtype: "float64" }), b2: tensor([[0.1]], { dtype: "float64" }) });
    const p = Object.fromEntries(Object.entries(net.stateDict()).map(([k, t]) => [k, mat(t)]));
    const expected = referenceForward(p, X, relu, sigmoid);
    const y = net.forward(tensor(X, { dtype: "float64" }));
    expect(y.dtype).toBe("float64");
    expect(y.data).toAllClose(expected, { rtol: 1e-12, atol: 1e-15 });
    // the relu really clipped something, or the check would not tell relu from identity
    const Z1 = [0, 1].flatMap((i) => X[0]!.map((_, j) => p.W1![i]![0]! * X[0]![j]! + p.W1![i]![1]! * X[1]![j]! + p.W1![i]![2]! * X[2]![j]! + p.b1![i]![0]!));
    expect(Z1.some((z) => z < 0)).toBe(true);
  });

  it("applies tanh to the hidden layer and identity to the output (scalar reference, float64)", () => {
    const net = deepNetwork([3, 2, 1], { hidden: "tanh", output: "identity", rng: rng(4), dtype: "float64" });
    net.loadStateDict({ ...net.stateDict(), b1: tensor([[-0.4], [0.6]], { dtype: "float64" }), b2: tensor([[1.5]], { dtype: "float64" }) });
    const p = Object.fromEntries(Object.entries(net.stateDict()).map(([k, t]) => [k, mat(t)]));
    const expected = referenceForward(p, X, Math.tanh, (z) => z);
    expect(net.forward(tensor(X, { dtype: "float64" })).data).toAllClose(expected, { rtol: 1e-12, atol: 1e-15 });
  });

  it("rejects invalid layer sizes", () => {
    const bad: [number[], string][] = [
      [[5], "deepNetwork: expected layer sizes [n0, n1, …, nL] with at least two entries, got [5]"],
      [[], "deepNetwork: expected layer sizes [n0, n1, …, nL] with at least two entries, got []"],
      [[5, 0, 1], "deepNetwork: n[1] must be an integer ≥ 1, got 0"],
      [[5, 2.5], "deepNetwork: n[1] must be an integer ≥ 1, got 2.5"],
      [[-1, 3], "deepNetwork: n[0] must be an integer ≥ 1, got -1"],
      [[4, 3, NaN], "deepNetwork: n[2] must be an integer ≥ 1, got NaN"],
    ];
    for (const [dims, message] of bad) {
      const err = errorOf(() => deepNetwork(dims));
      expect(err, JSON.stringify(dims)).toBeInstanceOf(ValueError);
      expect(err.message).toBe(message);
    }
  });

  it("checks rng and dtype up front, naming deepNetwork, also with init: zeros()", () => {
    const err = errorOf(() => deepNetwork([3, 2, 1], { rng: 5 as never, init: zeroInit() }));
    expect(err).toBeInstanceOf(ValueError);
    expect(err.message).toBe("deepNetwork: options.rng must be an Rng from rng(seed), got 5");
    const bad = errorOf(() => deepNetwork([3, 2, 1], { dtype: "bool", init: zeroInit() }));
    expect(bad).toBeInstanceOf(DTypeError);
    expect(bad.message).toBe('deepNetwork: options.dtype must be float32 or float64 (parameters are float), got "bool"');
    expect(deepNetwork([3, 2, 1], { rng: rng(1), init: zeroInit(), dtype: "float64" }).layers[1]!.W.dtype).toBe("float64");
  });
});

// ---------------------------------------------------------------------------------------------

describe("ActivationLayer", () => {
  const zs = [-3, -1.2, -0.4, 0.3, 0.9, 2.5];
  const z = tensor([zs.slice(0, 3), zs.slice(3)], { dtype: "float64" });
  const elementwise: [string, ConstructorParameters<typeof ActivationLayer>[0], (z: number) => number, (z: number) => number][] = [
    ["relu", "relu", relu, (v) => (v > 0 ? 1 : 0)],
    ["leakyRelu (0.01)", "leakyRelu", (v) => (v > 0 ? v : 0.01 * v), (v) => (v > 0 ? 1 : 0.01)],
    ["leakyRelu (0.2)", { name: "leakyRelu", alpha: 0.2 }, (v) => (v > 0 ? v : 0.2 * v), (v) => (v > 0 ? 1 : 0.2)],
    ["sigmoid", "sigmoid", sigmoid, (v) => sigmoid(v) * (1 - sigmoid(v))],
    ["tanh", "tanh", Math.tanh, (v) => 1 - Math.tanh(v) ** 2],
    ["identity", "identity", (v) => v, () => 1],
  ];
  for (const [label, spec, g, dg] of elementwise) {
    it(`${label}: forward is g elementwise, gradient is g' and passes gradcheck`, () => {
      const layer = new ActivationLayer(spec);
      const y = layer.forward(z);
      expect(y.dtype).toBe("float64");
      expect(y.data).toAllClose([zs.slice(0, 3).map(g), zs.slice(3).map(g)], { rtol: 1e-14, atol: 1e-16 });
      const v = variable(z, { requiresGrad: true });
      sum(layer.forward(v)).backward();
      expect(v.grad!).toAllClose([zs.slice(0, 3).map(dg), zs.slice(3).map(dg)], { rtol: 1e-12, atol: 1e-15 });
      expect(gradcheck((u) => layer.forward(u), [z]).passed).toBe(true);
    });
  }

  it("softmax: each column sums to one, matching a scalar reference, and passes gradcheck", () => {
    const layer = new ActivationLayer("softmax");
    const Z = [[1, -2, 0.5], [0.3, 3, 0.5], [-1, 0, 2]];
    const expected = Z.map((row) => row.slice());
    for (let j = 0; j < 3; j++) {
      const col = Z.map((r) => r[j]!);
      const e = col.map(Math.exp);
      const s = e.reduce((a, b) => a + b, 0);
      e.forEach((v, i) => (expected[i]![j] = v / s));
    }
    const zt = tensor(Z, { dtype: "float64" });
    expect(layer.forward(zt).data).toAllClose(expected, { rtol: 1e-14, atol: 1e-16 });
    const w = tensor([[1, 2, 3], [-1, 0.5, 2], [0, 1, -3]], { dtype: "float64" });
    expect(gradcheck((u) => sum(mul(layer.forward(u), w)), [zt]).passed).toBe(true);
  });

  it("an unknown name lists the known ones", () => {
    const err = errorOf(() => new ActivationLayer("swish" as "relu"));
    expect(err).toBeInstanceOf(ValueError);
    expect(err.message).toBe('activation: unknown activation "swish"; expected one of relu, leakyRelu, sigmoid, tanh, softmax, identity');
  });
});

// ---------------------------------------------------------------------------------------------

describe("l2Penalty", () => {
  function sumSquares(t: Tensor): number {
    let s = 0;
    for (const v of flat(t)) s += v * v;
    return s;
  }

  it("is (λ/2m)·Σ‖W‖² over every Dense weight, biases excluded (scalar loop)", () => {
    const net = deepNetwork([6, 5, 4, 1], { rng: rng(3), dtype: "float64" });
    // non-zero biases, to see that they are left out
    net.loadStateDict({
      ...net.stateDict(),
      b1: tensor([[1], [2], [3], [4], [5]], { dtype: "float64" }),
      b3: tensor([[9]], { dtype: "float64" }),
    });
    const lambda = 0.7;
    const m = 5;
    let s = 0;
    for (const d of net.layers) s += sumSquares(d.W.data);
    const pen = l2Penalty(net, { lambda, m });
    expect(pen.shape).toEqual([]);
    expect(pen.item()).toAllClose((lambda / (2 * m)) * s, { rtol: 1e-13 });
  });

  it("its gradient is (λ/m)·W for each W and nothing for b", () => {
    const net = deepNetwork([4, 3, 2, 1], { rng: rng(4), dtype: "float64" });
    const lambda = 0.3;
    const m = 8;
    l2Penalty(net, { lambda, m }).backward();
    for (const d of net.layers) {
      const expected = tensor(flat(d.W.data).map((w) => (lambda / m) * w), { dtype: "float64", shape: [d.nOut, d.nIn] });
      expect(d.W.grad).toAllClose(expected, { rtol: 1e-13 });
      const gb = d.b.grad;
      if (gb !== null) expect(flat(gb).every((v) => v === 0)).toBe(true);
    }
  });

  it("added to a cost, it adds (λ/m)·W to each dW (weight decay) and leaves db alone", () => {
    const net = deepNetwork([3, 4, 1], { rng: rng(5), dtype: "float64" });
    const x = tensor([[1, -1, 0.5, 2], [0, 2, -1, 1], [0.3, 0.2, -0.7, 1]], { dtype: "float64" });
    const lambda = 0.5;
    const m = 4;
    sum(net.forward(x)).backward();
    const plain = net.parameters().map((p) => p.grad!.clone());
    net.zeroGrad();
    add(sum(net.forward(x)), l2Penalty(net, { lambda, m })).backward();
    net.namedParameters().forEach(([k, p], i) => {
      const expected = flat(plain[i]!).map((g, j) => (k.startsWith("W") ? g + (lambda / m) * flat(p.data)[j]! : g));
      expect(p.grad!).toAllClose(tensor(expected, { dtype: "float64", shape: [...p.shape] }), { rtol: 1e-12, atol: 1e-15 });
    });
  });

  it("covers the Dense layers of any module tree and skips other layers", () => {
    const a = new Dense(3, 2, { rng: rng(1), dtype: "float64" });
    const b = new Dense(2, 2, { rng: rng(2), dtype: "float64" });
    const seq = new Sequential(a, new ActivationLayer("tanh"), new Sequential(new Dropout(0.1), b));
    const expected = (0.2 / (2 * 3)) * (sumSquares(a.W.data) + sumSquares(b.W.data));
    expect(l2Penalty(seq, { lambda: 0.2, m: 3 }).item()).toAllClose(expected, { rtol: 1e-13 });
  });

  it("counts a Dense shared by two fields once", () => {
    const shared = new Dense(3, 3, { rng: rng(6), dtype: "float64" });
    class Tied extends Module {
      first = shared;
      second = shared;
      forward(x: Operand): Variable {
        return this.second.forward(this.first.forward(x));
      }
    }
    const tied = new Tied();
    expect(tied.parameters()).toHaveLength(2);
    const lambda = 1;
    const m = 1;
    const pen = l2Penalty(tied, { lambda, m });
    expect(pen.item()).toAllClose((lambda / (2 * m)) * sumSquares(shared.W.data), { rtol: 1e-13 });
    pen.backward();
    expect(shared.W.grad!).toAllClose(shared.W.data, { rtol: 1e-13 }); // (λ/m)·W with λ = m = 1
  });

  it("λ = 0 gives zero", () => {
    expect(l2Penalty(deepNetwork([3, 2, 1], { rng: rng(0) }), { lambda: 0, m: 10 }).item()).toBe(0);
  });

  it("rejects a bad λ or m, and a model without Dense layers", () => {
    const net = deepNetwork([3, 2, 1], { rng: rng(0) });
    const bad: [() => unknown, string][] = [
      [() => l2Penalty(net, { lambda: -0.1, m: 4 }), "l2Penalty: lambda must be a finite number ≥ 0, got -0.1"],
      [() => l2Penalty(net, { lambda: NaN, m: 4 }), "l2Penalty: lambda must be a finite number ≥ 0, got NaN"],
      [() => l2Penalty(net, { lambda: Infinity, m: 4 }), "l2Penalty: lambda must be a finite number ≥ 0, got Infinity"],
      [() => l2Penalty(net, { lambda: "0.1" as unknown as number, m: 4 }), "l2Penalty: lambda must be a finite number ≥ 0, got 0.1"],
      [() => l2Penalty(net, { lambda: 0.1, m: 0 }), "l2Penalty: m must be the number of examples, an integer ≥ 1, got 0"],
      [() => l2Penalty(net, { lambda: 0.1, m: 2.5 }), "l2Penalty: m must be the number of examples, an integer ≥ 1, got 2.5"],
      [() => l2Penalty(new Sequential(new ActivationLayer("relu"), new Dropout(0.2)), { lambda: 0.1, m: 4 }), "l2Penalty: the model has no Dense layer whose weights could be penalised"],
    ];
    for (const [fn, message] of bad) {
      const err = errorOf(fn);
      expect(err).toBeInstanceOf(ValueError);
      expect(err.message).toBe(message);
    }
  });
});
