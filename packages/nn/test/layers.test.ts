// Sequential, deepNetwork, initialisers, Dropout, ActivationLayer, l2Penalty and summary.
import { describe, expect, it } from "vitest";
import { errorOf, sameBits } from "./helpers.js";
import { add, gradcheck, mul, sum, variable, type Operand, type Variable } from "@strata/autograd";
import {
  ActivationLayer, Dense, DeepNetwork, Dropout, Module, Sequential, deepNetwork, he, initializeParametersDeep, l2Penalty,
  scaled, summary, summaryRows, xavier, zeros as zeroInit, type Initializer,
} from "@strata/nn";
import { DTypeError, ShapeError, ValueError, ones, rng, tensor, type DType, type Tensor } from "@strata/tensor";



function flat(t: Tensor): number[] {
  return Array.from(t.toTypedArray() as ArrayLike<number>);
}

/** Row-major (rows, cols) matrix as nested arrays from a tensor. */
function mat(t: Tensor): number[][] {
  return t.toArray() as number[][];
}

/** The sample standard deviation and mean of a list. */
function stats(xs: number[]): { mean: number; std: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return { mean, std: Math.sqrt(v) };
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
});

// ---------------------------------------------------------------------------------------------

describe("initialisers", () => {
  it("he has std √(2/nIn) and mean 0 on a large matrix", () => {
    const W = he().weights(400, 500, { rng: rng(11), dtype: "float64" });
    expect(W.shape).toEqual([400, 500]);
    const { mean, std } = stats(flat(W));
    const target = Math.sqrt(2 / 500);
    expect(Math.abs(std / target - 1)).toBeLessThan(0.03);
    expect(Math.abs(mean)).toBeLessThan(0.03 * target);
  });

  it("xavier has std √(2/(nIn+nOut)) on a large matrix", () => {
    const W = xavier().weights(400, 500, { rng: rng(12), dtype: "float64" });
    const { mean, std } = stats(flat(W));
    const target = Math.sqrt(2 / 900);
    expect(Math.abs(std / target - 1)).toBeLessThan(0.03);
    expect(Math.abs(mean)).toBeLessThan(0.03 * target);
  });

  it("he and xavier differ as their formulas say (nIn 500 vs nIn + nOut 900)", () => {
    const a = stats(flat(he().weights(400, 500, { rng: rng(13), dtype: "float64" }))).std;
    const b = stats(flat(xavier().weights(400, 500, { rng: rng(13), dtype: "float64" }))).std;
    // same draws, so the ratio is exact: √(2/500) / √(2/900)
    expect(a / b).toAllClose(Math.sqrt(900 / 500), { rtol: 1e-12 });
  });

  it("scaled(0.01) is exactly 0.01 · the generator's normal draws, row-major (float64)", () => {
    const W = scaled(0.01).weights(3, 4, { rng: rng(7), dtype: "float64" });
    const g = rng(7);
    const expected = Array.from({ length: 12 }, () => 0.01 * g.normal());
    expect(W.shape).toEqual([3, 4]);
    expect(flat(W)).toEqual(expected);
  });

  it("he and xavier are exactly their std · the normal draws (float64)", () => {
    const g1 = rng(8);
    expect(flat(he().weights(2, 5, { rng: rng(8), dtype: "float64" }))).toEqual(Array.from({ length: 10 }, () => Math.sqrt(2 / 5) * g1.normal()));
    const g2 = rng(8);
    expect(flat(xavier().weights(2, 5, { rng: rng(8), dtype: "float64" }))).toEqual(Array.from({ length: 10 }, () => Math.sqrt(2 / 7) * g2.normal()));
  });

  for (const init of [scaled(0.01), he(), xavier()]) {
    it(`${init.name}: float32 weights are the float64 weights of the same seed rounded once`, () => {
      const w32 = init.weights(6, 7, { rng: rng(21), dtype: "float32" });
      const w64 = init.weights(6, 7, { rng: rng(21), dtype: "float64" });
      expect(w32.dtype).toBe("float32");
      expect(flat(w32)).toEqual(flat(w64).map(Math.fround));
    });
  }

  it("float32 is the default dtype", () => {
    expect(he().weights(2, 2, { rng: rng(0) }).dtype).toBe("float32");
    expect(zeroInit().weights(2, 2).dtype).toBe("float32");
  });

  it("names itself", () => {
    expect([scaled(0.01).name, scaled(0.5).name, he().name, xavier().name, zeroInit().name]).toEqual(["scaled(0.01)", "scaled(0.5)", "he", "xavier", "zeros"]);
  });

  it("zeros() gives zero weights of the asked shape and dtype", () => {
    const w = zeroInit().weights(3, 2, { dtype: "float64" });
    expect(w.shape).toEqual([3, 2]);
    expect(w.dtype).toBe("float64");
    expect(flat(w)).toEqual([0, 0, 0, 0, 0, 0]);
    const layer = new Dense(2, 3, { init: zeroInit() });
    expect(flat(layer.W.data).every((v) => v === 0)).toBe(true);
  });

  it("is reproducible from a seed and differs between seeds", () => {
    for (const init of [scaled(0.01), he(), xavier()]) {
      const a = init.weights(4, 3, { rng: rng(5) });
      const b = init.weights(4, 3, { rng: rng(5) });
      const c = init.weights(4, 3, { rng: rng(6) });
      expect(sameBits(a, b)).toBe(true);
      expect(a.equals(c)).toBe(false);
    }
    const d1 = new Dense(3, 4, { rng: rng(9) });
    const d2 = new Dense(3, 4, { rng: rng(9) });
    expect(sameBits(d1.W.data, d2.W.data)).toBe(true);
  });

  it("draws successive weights from one generator in sequence", () => {
    const g = rng(30);
    const a = he().weights(2, 3, { rng: g, dtype: "float64" });
    const b = he().weights(2, 3, { rng: g, dtype: "float64" });
    const both = he().weights(4, 3, { rng: rng(30), dtype: "float64" });
    expect([...flat(a), ...flat(b)]).toEqual(flat(both));
  });

  it("Dense picks He for ReLU and Xavier otherwise", () => {
    const r = new Dense(5, 4, { activation: "relu", rng: rng(3), dtype: "float64" });
    expect(sameBits(r.W.data, he().weights(4, 5, { rng: rng(3), dtype: "float64" }))).toBe(true);
    const t = new Dense(5, 4, { activation: "tanh", rng: rng(3), dtype: "float64" });
    expect(sameBits(t.W.data, xavier().weights(4, 5, { rng: rng(3), dtype: "float64" }))).toBe(true);
    expect(flat(t.b.data)).toEqual([0, 0, 0, 0]);
  });

  it("rejects bad arguments, naming the initialiser and the argument", () => {
    const bad: [() => unknown, string][] = [
      [() => scaled(-1), "scaled: factor must be a finite number ≥ 0, got -1"],
      [() => scaled(NaN), "scaled: factor must be a finite number ≥ 0, got NaN"],
      [() => scaled(Infinity), "scaled: factor must be a finite number ≥ 0, got Infinity"],
      [() => he().weights(0, 3), "he: nOut must be an integer ≥ 1, got 0"],
      [() => xavier().weights(2, 1.5), "xavier: nIn must be an integer ≥ 1, got 1.5"],
      [() => scaled(0.01).weights(2, -4), "scaled(0.01): nIn must be an integer ≥ 1, got -4"],
      [() => zeroInit().weights(NaN, 2), "zeros: nOut must be an integer ≥ 1, got NaN"],
      [() => new Dense(0, 2), "Dense: nIn must be an integer ≥ 1, got 0"],
      [() => new Dense(2, 1.5), "Dense: nOut must be an integer ≥ 1, got 1.5"],
    ];
    for (const [fn, message] of bad) {
      const err = errorOf(fn);
      expect(err).toBeInstanceOf(ValueError);
      expect(err.message).toBe(message);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe("Dropout", () => {
  /** The mask Dropout(p, rng(seed)) should draw for n elements: keep where the float64 uniform < 1 - p. */
  function referenceKeep(seed: number, n: number, p: number): boolean[] {
    const g = rng(seed);
    return Array.from({ length: n }, () => g.uniform() < 1 - p);
  }

  it("keeps about 1 - p of a large tensor, scaled by exactly 1/(1 - p), mean ≈ 1 (float64)", () => {
    const drop = new Dropout(0.3, { rng: rng(1) });
    const y = drop.forward(ones([200, 500], { dtype: "float64" }));
    expect(y.dtype).toBe("float64");
    const v = flat(y.data);
    const kept = v.filter((x) => x !== 0);
    expect(Math.abs(kept.length / v.length - 0.7)).toBeLessThan(0.02);
    expect(kept.every((x) => x === 1 / 0.7)).toBe(true);
    expect(v.every((x) => x === 0 || x === 1 / 0.7)).toBe(true);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    expect(Math.abs(mean - 1)).toBeLessThan(0.02);
  });

  it("draws its mask from the generator: element i is kept when the i-th uniform draw is < 1 - p", () => {
    const y = new Dropout(0.3, { rng: rng(2) }).forward(ones([20, 30], { dtype: "float64" }));
    const keep = referenceKeep(2, 600, 0.3);
    expect(flat(y.data)).toEqual(keep.map((k) => (k ? 1 / 0.7 : 0)));
  });

  it("float32 input stays float32, kept values 1/(1 - p) rounded", () => {
    const y = new Dropout(0.3, { rng: rng(3) }).forward(ones([10, 50]));
    expect(y.dtype).toBe("float32");
    expect(flat(y.data).every((x) => x === 0 || x === Math.fround(1 / 0.7))).toBe(true);
    expect(flat(y.data).some((x) => x === 0)).toBe(true);
  });

  it("scales the kept entries of a general input and zeroes the others", () => {
    const xs = Array.from({ length: 40 }, (_, i) => (i - 20) / 3);
    const x = tensor(xs, { dtype: "float64", shape: [4, 10] });
    const y = new Dropout(0.25, { rng: rng(4) }).forward(x);
    const keep = referenceKeep(4, 40, 0.25);
    expect(y.data).toAllClose(tensor(xs.map((v, i) => (keep[i] ? v / 0.75 : 0)), { dtype: "float64", shape: [4, 10] }), { rtol: 1e-15 });
  });

  it("the same seed gives the same mask, and each call draws a fresh one", () => {
    const x = ones([30, 40], { dtype: "float64" });
    const a = new Dropout(0.5, { rng: rng(9) });
    const b = new Dropout(0.5, { rng: rng(9) });
    const ya = a.forward(x);
    expect(sameBits(ya.data, b.forward(x).data)).toBe(true);
    expect(ya.data.equals(a.forward(x).data)).toBe(false);
  });

  it("eval() passes the input through unchanged, and train() drops again", () => {
    const drop = new Dropout(0.5, { rng: rng(5) }).eval();
    const x = tensor([[1.5, -2, 3], [4, 5, -6]], { dtype: "float64" });
    expect(drop.forward(x).data.toArray()).toEqual(x.toArray());
    const v = variable(x, { requiresGrad: true });
    expect(drop.forward(v)).toBe(v);
    drop.train();
    expect(flat(drop.forward(ones([20, 20])).data).some((z) => z === 0)).toBe(true);
  });

  it("the gradient of sum(dropout(x)) is mask / (1 - p): the output for x = ones", () => {
    const drop = new Dropout(0.3, { rng: rng(6) });
    const x = variable(ones([8, 9], { dtype: "float64" }), { requiresGrad: true });
    const y = drop.forward(x);
    sum(y).backward();
    expect(x.grad).not.toBeNull();
    expect(sameBits(x.grad!, y.data)).toBe(true);
    const keep = referenceKeep(6, 72, 0.3);
    expect(flat(x.grad!)).toEqual(keep.map((k) => (k ? 1 / 0.7 : 0)));
  });

  it("the gradient passes gradcheck for a fixed mask", () => {
    const x = tensor(Array.from({ length: 12 }, (_, i) => i / 5 - 1), { dtype: "float64", shape: [3, 4] });
    // a fresh Dropout with the same seed for every evaluation, so the mask is the same
    const fn = (v: Variable): Variable => mul(new Dropout(0.4, { rng: rng(8) }).forward(v), v);
    expect(gradcheck(fn, [x]).passed).toBe(true);
  });

  it("p = 0 is the identity, with gradient one", () => {
    const x = variable(tensor([[1, -2], [3.5, 4]], { dtype: "float64" }), { requiresGrad: true });
    const y = new Dropout(0, { rng: rng(0) }).forward(x);
    expect(y.data.toArray()).toEqual([[1, -2], [3.5, 4]]);
    sum(y).backward();
    expect(flat(x.grad!)).toEqual([1, 1, 1, 1]);
  });

  it("p = 1 drops everything, with a zero gradient and no NaN", () => {
    const x = variable(tensor([[1, -2], [3.5, 4]], { dtype: "float64" }), { requiresGrad: true });
    const y = new Dropout(1, { rng: rng(0) }).forward(x);
    expect(flat(y.data).every((v) => v === 0)).toBe(true); // ±0: 0 · (−2) is −0
    sum(y).backward();
    expect(flat(x.grad!).every((v) => v === 0)).toBe(true);
  });

  it("rejects p outside [0, 1], naming Dropout and the value", () => {
    for (const [p, shown] of [[-0.1, "-0.1"], [1.5, "1.5"], [NaN, "NaN"], ["0.5", "0.5"]] as const) {
      const err = errorOf(() => new Dropout(p as number));
      expect(err).toBeInstanceOf(ValueError);
      expect(err.message).toBe(`Dropout: p must be a probability in [0, 1], got ${shown}`);
    }
  });

  it("inside a Sequential it follows the model's eval()", () => {
    const seq = new Sequential(new Dense(3, 4, { rng: rng(0), dtype: "float64" }), new Dropout(0.5, { rng: rng(1) }));
    const x = tensor([[1, 2], [3, 4], [5, 6]], { dtype: "float64" });
    seq.eval();
    const expected = (seq.layers[0] as Dense).forward(x).data;
    expect(sameBits(seq.forward(x).data, expected)).toBe(true);
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

// ---------------------------------------------------------------------------------------------

describe("summary and summaryRows", () => {
  it("describes deepNetwork([30, 20, 7, 5, 1]) layer by layer", () => {
    const net = deepNetwork([30, 20, 7, 5, 1], { rng: rng(0) });
    const rows = summaryRows(net, 30);
    expect(rows).toEqual([
      { layer: "Dense(layer 1) relu", W: "(20, 30)", b: "(20, 1)", output: "(20, m)", parameters: 20 * 30 + 20 },
      { layer: "Dense(layer 2) relu", W: "(7, 20)", b: "(7, 1)", output: "(7, m)", parameters: 7 * 20 + 7 },
      { layer: "Dense(layer 3) relu", W: "(5, 7)", b: "(5, 1)", output: "(5, m)", parameters: 5 * 7 + 5 },
      { layer: "Dense(layer 4) sigmoid", W: "(1, 5)", b: "(1, 1)", output: "(1, m)", parameters: 1 * 5 + 1 },
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
      { layer: "Dense(layer 1) relu", W: "(3, 4)", b: "(3, 1)", output: "(3, m)", parameters: 15 },
      { layer: "Activation tanh", W: "", b: "", output: "(3, m)", parameters: 0 },
      { layer: "Dropout(p=0.2)", W: "", b: "", output: "(3, m)", parameters: 0 },
      { layer: "Dense(layer 2) identity", W: "(2, 3)", b: "(2, 1)", output: "(2, m)", parameters: 8 },
    ]);
    expect(summary(seq, 4).split("\n").at(-1)).toBe("total: 23 parameters");
  });

  it("a lone Dense is named by its sizes", () => {
    expect(summaryRows(new Dense(4, 3, { activation: "sigmoid" }), 4)).toEqual([
      { layer: "Dense(4→3) sigmoid", W: "(3, 4)", b: "(3, 1)", output: "(3, m)", parameters: 15 },
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
    expect(err.message).toBe("summary: Dense(layer 2) expects input with 7 rows (n[1]), but the layer before gives 20");
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
      { layer: "Dense(layer 1) identity", W: "(3, 4)", b: "(3, 1)", output: "(3, m)", parameters: 15 },
      { layer: "Scale", W: "", b: "", output: "(3, m)", parameters: 1 },
      { layer: "Pool", W: "", b: "", output: "(1, m)", parameters: 0 },
      { layer: "Dense(layer 2) identity", W: "(2, 1)", b: "(2, 1)", output: "(2, m)", parameters: 4 },
    ]);
    expect(summary(seq, 4).split("\n").at(-1)).toBe("total: 20 parameters");
  });

  it("a mis-chained layer after a custom module is caught", () => {
    const seq = new Sequential(new Dense(4, 3), new Pool(), new Dense(3, 2));
    const err = errorOf(() => summaryRows(seq, 4));
    expect(err).toBeInstanceOf(ShapeError);
    expect(err.message).toBe("summary: Dense(layer 2) expects input with 3 rows (n[1]), but the layer before gives 1");
  });

  it("leaves every module's mode as it was (training or eval)", () => {
    const seq = new Sequential(new Dense(4, 3), new Pool(), new Dropout(0.2));
    summaryRows(seq, 4);
    expect(seq.modules().every((m) => m.training)).toBe(true);
    seq.eval();
    summaryRows(seq, 4);
    expect(seq.modules().map((m) => m.training)).toEqual([false, false, false, false]);
  });

  it("records no graph and leaves gradients alone", () => {
    const seq = new Sequential(new Dense(2, 2, { rng: rng(0) }), new Scale());
    summary(seq, 2);
    for (const p of seq.parameters()) expect(p.grad).toBeNull();
  });
});
