// The textbook building blocks against scalar-loop references and against finite differences of
// computeCost, in float64.
import { describe, expect, it } from "vitest";
import {
  activation, computeCost, initializeParametersDeep, linearActivationBackward, linearActivationForward, linearBackward,
  linearForward, modelBackward, modelForward, predict, scaled, updateParameters, zeros as zeroInit, type LayerCache, type ParamDict,
} from "@strata/nn";
import { DTypeError, ShapeError, ValueError, rng, tensor, zeros, type Tensor } from "@strata/tensor";
import { flatValues, sample } from "../../tensor/test/reference.js";
import { errorOf } from "./helpers.js";

type Matrix = number[][];
const toMatrix = (t: Tensor): Matrix => t.toArray() as Matrix;
const matmul = (a: Matrix, b: Matrix): Matrix => a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const T = (a: Matrix): Matrix => a[0]!.map((_, j) => a.map((row) => row[j]!));
const sigma = (z: number): number => 1 / (1 + Math.exp(-z));
const f64 = (values: Matrix): Tensor => tensor(values, { dtype: "float64" });

/** The L-layer forward pass in plain numbers: ReLU hidden layers, sigmoid output. */
function referenceForward(X: Matrix, params: ParamDict, L: number): Matrix {
  let A = X;
  for (let l = 1; l <= L; l++) {
    const Z = matmul(toMatrix(params[`W${l}`]!), A).map((row, i) => row.map((v) => v + toMatrix(params[`b${l}`]!)[i]![0]!));
    A = Z.map((row) => row.map((z) => (l === L ? sigma(z) : Math.max(z, 0))));
  }
  return A;
}

function referenceCost(AL: Matrix, Y: Matrix): number {
  const m = AL[0]!.length;
  let s = 0;
  AL.forEach((row, i) => row.forEach((a, j) => (s += Y[i]![j]! * Math.log(a) + (1 - Y[i]![j]!) * Math.log(1 - a))));
  return -s / m;
}

const dims = [5, 4, 3, 1];
const initial = initializeParametersDeep(dims, { rng: rng(4), dtype: "float64" });
// Non-zero biases keep every Z away from relu's kink at 0, where finite differences mislead.
const params: ParamDict = { ...initial, b1: sample([4, 1], "float64", 21, 0.1, 0.5), b2: sample([3, 1], "float64", 22, 0.1, 0.5), b3: sample([1, 1], "float64", 23) };
const X = sample([5, 7], "float64", 2);
const Y = f64([[1, 0, 0, 1, 1, 0, 1]]);

describe("initializeParametersDeep", () => {
  it("draws W[l] (n[l], n[l-1]) in layer order from one generator, b[l] zero (n[l], 1)", () => {
    const p = initializeParametersDeep([3, 2, 1], { rng: rng(9), init: scaled(0.01), dtype: "float64" });
    expect(Object.keys(p)).toEqual(["W1", "b1", "W2", "b2"]);
    const g = rng(9);
    const draws = Array.from({ length: 8 }, () => 0.01 * g.normal());
    expect(flatValues(p.W1!)).toEqual(draws.slice(0, 6));
    expect(flatValues(p.W2!)).toEqual(draws.slice(6, 8));
    expect(p.b1!.shape).toEqual([2, 1]);
    expect(flatValues(p.b1!)).toEqual([0, 0]);
  });

  it("gives float32 weights that are the float64 ones rounded, and rejects bad sizes", () => {
    const p32 = initializeParametersDeep(dims, { rng: rng(4) });
    expect(p32.W2!.dtype).toBe("float32");
    expect(flatValues(p32.W2!)).toEqual(flatValues(initial.W2!).map(Math.fround));
    expect(() => initializeParametersDeep([5])).toThrow(/initializeParametersDeep: expected layer sizes \[n0, n1, …, nL\] with at least two entries, got \[5\]/);
    expect(() => initializeParametersDeep([5, 0, 1])).toThrow(/n\[1\] must be an integer ≥ 1, got 0/);
  });

  it("keeps parameters float and checks rng up front, whatever the initialiser (zeros() too)", () => {
    for (const init of [zeroInit(), scaled(0.01)]) {
      for (const dtype of ["int32", "bool"] as const) {
        const err = errorOf(() => initializeParametersDeep([3, 2], { dtype, init }));
        expect(err).toBeInstanceOf(DTypeError);
        expect(err.message).toBe(`initializeParametersDeep: options.dtype must be float32 or float64 (parameters are float), got "${dtype}"`);
      }
      const err = errorOf(() => initializeParametersDeep([3, 2], { rng: 7 as never, init }));
      expect(err).toBeInstanceOf(ValueError);
      expect(err.message).toBe("initializeParametersDeep: options.rng must be an Rng from rng(seed), got 7");
    }
    const p = initializeParametersDeep([3, 2], { rng: rng(0), init: zeroInit(), dtype: "float64" });
    expect([p.W1!.dtype, p.b1!.dtype, flatValues(p.W1!).every((v) => v === 0)]).toEqual(["float64", "float64", true]);
  });
});

describe("layer forward", () => {
  it("linearForward computes W·A + b with b broadcast over the columns", () => {
    const A = sample([5, 7], "float64", 3);
    const { Z, cache } = linearForward(A, params.W1!, tensor([[0.5], [0.5], [0.5], [0.5]], { dtype: "float64" }));
    const expected = matmul(toMatrix(params.W1!), toMatrix(A)).map((row) => row.map((v) => v + 0.5));
    expect(Z).toAllClose(expected, { rtol: 1e-14, atol: 1e-15 });
    expect(cache.A).toBe(A);
  });

  it("linearActivationForward applies g to Z and caches Z", () => {
    const { A, cache } = linearActivationForward(X, params.W1!, params.b1!, "tanh");
    expect(A).toAllClose(toMatrix(cache.Z).map((row) => row.map(Math.tanh)), { rtol: 1e-15 });
    expect(cache.activation.name).toBe("tanh");
  });

  it("names the problem: rows, b's shape, dtypes, the layer", () => {
    expect(() => linearForward(sample([3, 2]), params.W1!, params.b1!)).toThrow(ShapeError);
    expect(() => linearForward(sample([3, 2]), params.W1!, params.b1!)).toThrow("linearForward: expected A with 5 rows, got 3");
    expect(() => linearForward(X, params.W1!, zeros([4], { dtype: "float64" }))).toThrow("linearForward: expected b of shape (4, 1) to match W (4,5), got (4)");
    expect(() => linearForward(X.cast("float32"), params.W1!, params.b1!)).toThrow(DTypeError);
    const bad = { ...params, W2: sample([3, 5]) };
    expect(() => modelForward(X, bad)).toThrow("modelForward(layer 2): expected A1 with 5 rows (n[1]), got 4");
    expect(() => modelForward(X.T, params)).toThrow(/modelForward\(layer 1\): expected A0 with 5 rows \(n\[0\]\), got 7; it looks like \(m, 5\)/);
    expect(() => modelForward(X, { W1: params.W1!, b1: params.b1!, W2: params.W2! })).toThrow(ValueError);
  });

  it("modelForward matches the scalar reference, with one cache per layer", () => {
    const { AL, caches } = modelForward(X, params);
    expect(AL).toAllClose(referenceForward(toMatrix(X), params, 3), { rtol: 1e-13 });
    expect(caches.map((c) => c.activation.name)).toEqual(["relu", "relu", "sigmoid"]);
    const { AL: tanhOut } = modelForward(X, params, { hidden: "tanh", output: "identity" });
    const viaBlocks = linearActivationForward(
      linearActivationForward(linearActivationForward(X, params.W1!, params.b1!, "tanh").A, params.W2!, params.b2!, "tanh").A,
      params.W3!, params.b3!, "identity").A;
    expect(tanhOut.equals(viaBlocks)).toBe(true);
  });
});

describe("cost", () => {
  it("computeCost equals -(1/m) Σ (Y log AL + (1-Y) log(1-AL))", () => {
    const { AL } = modelForward(X, params);
    expect(computeCost(AL, Y)).toBeCloseTo(referenceCost(toMatrix(AL), toMatrix(Y)), 13);
  });

  it("is finite for outputs of exactly 0 and 1, and rejects labels of another shape", () => {
    expect(computeCost(f64([[1, 0]]), f64([[1, 0]]))).toBe(0);
    expect(computeCost(f64([[0, 1]]), f64([[1, 0]]))).toBe(100);
    expect(() => computeCost(f64([[0.5, 0.5]]), f64([[1], [0]]))).toThrow("computeCost: expected Y (one column per example, like AL) of shape (1,2), got (2,1)");
  });

  it("rejects what leaves the formula undefined: AL outside [0, 1] or NaN (log undefined), NaN or infinite labels, m = 0", () => {
    const bad: [() => unknown, string][] = [
      [() => computeCost(f64([[0.5, 1.5]]), f64([[1, 0]])), "computeCost: AL value 1.5 at index (0, 1) is outside [0, 1]; expected probabilities in [0, 1], where log AL and log(1 - AL) are defined"],
      [() => computeCost(f64([[-0.1, 0.5]]), f64([[1, 0]])), "computeCost: AL value -0.1 at index (0, 0) is outside [0, 1]"],
      [() => computeCost(f64([[0.5], [NaN]]), f64([[1], [0]])), "computeCost: AL values contain NaN at index (1, 0); expected probabilities in [0, 1]"],
      [() => computeCost(f64([[0.5, 0.5]]), f64([[1, NaN]])), "computeCost: labels Y contain NaN at index (0, 1); expected finite values"],
      [() => computeCost(f64([[0.5, 0.5]]), f64([[-Infinity, 0]])), "computeCost: labels Y contain -Infinity at index (0, 0); expected finite values"],
      [() => computeCost(zeros([1, 0], { dtype: "float64" }), zeros([1, 0], { dtype: "float64" })), "computeCost: AL is (1,0), with m = 0 examples"],
    ];
    for (const [fn, message] of bad) {
      const err = errorOf(fn);
      expect(err, message).toBeInstanceOf(ValueError);
      expect(err.message).toContain(message);
    }
    expect(() => computeCost(tensor([[1, 0]], { dtype: "int32" }), f64([[1, 0]]))).toThrow(DTypeError);
    // the edges of the valid range, int32 and bool labels
    expect(computeCost(f64([[1, 0.5]]), tensor([[1, 0]], { dtype: "int32" }))).toBeCloseTo(Math.log(2) / 2, 14);
    expect(computeCost(f64([[0, 1]]), tensor([[false, true]], { dtype: "bool" }))).toBe(0);
    // labels outside [0, 1] leave the formula defined: -(2·log 0.5 + (1 - 2)·log 0.5) = log 2
    expect(computeCost(f64([[0.5, 0.5]]), tensor([[1, 2]], { dtype: "int32" }))).toBeCloseTo(Math.log(2), 14);
    expect(computeCost(f64([[0.8, 0.1]]), f64([[3, -0.5]]))).toBeCloseTo(referenceCost([[0.8, 0.1]], [[3, -0.5]]), 14);
  });
});

describe("layer backward", () => {
  const A = sample([5, 6], "float64", 8);
  const W = sample([3, 5], "float64", 9);
  const b = sample([3, 1], "float64", 10);

  it("linearBackward: dW = (1/m) dZ·Aᵀ, db = (1/m) Σ dZ, dA_prev = Wᵀ·dZ", () => {
    const dZ = sample([3, 6], "float64", 12);
    const { cache } = linearForward(A, W, b);
    const { dAprev, dW, db } = linearBackward(dZ, cache);
    const m = 6;
    expect(dW).toAllClose(matmul(toMatrix(dZ), T(toMatrix(A))).map((r) => r.map((v) => v / m)), { rtol: 1e-14 });
    expect(db).toAllClose(toMatrix(dZ).map((r) => [r.reduce((s, v) => s + v, 0) / m]), { rtol: 1e-14 });
    expect(dAprev).toAllClose(matmul(T(toMatrix(W)), toMatrix(dZ)), { rtol: 1e-14 });
    expect(() => linearBackward(sample([3, 5]), cache)).toThrow("linearBackward: expected dZ of shape (3,6), got (3,5)");
  });

  it("both backward blocks refuse m = 0 examples, whose means are undefined, instead of returning NaN", () => {
    const { cache } = linearActivationForward(zeros([5, 0], { dtype: "float64" }), W, b, "relu");
    const empty = zeros([3, 0], { dtype: "float64" });
    expect(() => linearBackward(empty, cache.linear)).toThrow(ValueError);
    expect(() => linearBackward(empty, cache.linear)).toThrow("linearBackward: the cached A_prev is (5, 0), with m = 0 examples; dW = (1/m)·dZ·A_prevᵀ and db = (1/m)·Σ dZ need at least one column");
    for (const g of ["relu", "sigmoid", "tanh", "identity"] as const) {
      expect(() => linearActivationBackward(empty, cache, g)).toThrow(/^linearActivationBackward: the cached A_prev is \(5, 0\), with m = 0 examples/);
    }
  });

  it("linearBackward refuses a dZ of another dtype than the layer's instead of promoting it", () => {
    const { cache } = linearForward(A.cast("float32"), W.cast("float32"), b.cast("float32"));
    const dZ = sample([3, 6], "float64", 12);
    for (const dtype of ["float64", "int32", "bool"] as const) {
      const err = errorOf(() => linearBackward(dZ.cast(dtype), cache));
      expect(err, dtype).toBeInstanceOf(DTypeError);
      expect(err.message).toBe(`linearBackward: dZ is ${dtype} but the layer's W is float32; cast it (dZ.cast("float32"))`);
    }
    expect(linearBackward(dZ.cast("float32"), cache).dW.dtype).toBe("float32");
  });

  it.each(["relu", "leakyRelu", "sigmoid", "tanh", "identity", "softmax", "custom"] as const)(
    "linearActivationBackward(%s) refuses a dA of another dtype than the layer's, naming itself",
    (name) => {
      // a copy of tanh is not one of the package's own activations: it takes the composed path
      const g = name === "custom" ? { ...activation("tanh") } : activation(name);
      const { cache } = linearActivationForward(A.cast("float32"), W.cast("float32"), b.cast("float32"), g);
      const dA = sample([3, 6], "float64", 13);
      for (const dtype of ["float64", "int32"] as const) {
        const err = errorOf(() => linearActivationBackward(dA.cast(dtype), cache, g));
        expect(err, dtype).toBeInstanceOf(DTypeError);
        expect(err.message).toBe(`linearActivationBackward: dA is ${dtype} but the layer's Z is float32; cast it (dA.cast("float32"))`);
      }
      expect(linearActivationBackward(dA.cast("float32"), cache, g).dW.dtype).toBe("float32");
    },
  );

  it.each(["relu", "sigmoid", "tanh", "identity", "leakyRelu"] as const)(
    "linearActivationBackward(%s): dW and db are the gradient of (1/m)·Σ dA ⊙ g(W·A + b), by finite differences",
    (name) => {
      const dA = sample([3, 6], "float64", 13);
      const { cache } = linearActivationForward(A, W, b, name);
      const { dW, db } = linearActivationBackward(dA, cache, name);
      const objective = (w: Tensor, bias: Tensor): number =>
        flatValues(linearActivationForward(A, w, bias, name).A).reduce((s, v, i) => s + v * flatValues(dA)[i]!, 0) / 6;
      const numeric = (t: Tensor, which: "W" | "b"): number[] =>
        flatValues(t).map((_, k) => {
          const plus = t.clone();
          const minus = t.clone();
          plus.data[k] = plus.data[k]! + 1e-6;
          minus.data[k] = minus.data[k]! - 1e-6;
          const f = (x: Tensor) => (which === "W" ? objective(x, b) : objective(W, x));
          return (f(plus) - f(minus)) / 2e-6;
        });
      expect(flatValues(dW)).toAllClose(numeric(W, "W"), { rtol: 1e-6, atol: 1e-8 });
      expect(flatValues(db)).toAllClose(numeric(b, "b"), { rtol: 1e-6, atol: 1e-8 });
    },
  );
});

describe("modelBackward", () => {
  const { AL, caches } = modelForward(X, params);
  const grads = modelBackward(AL, Y, caches);

  it("returns dA0…dA{L-1}, dW1…dWL, db1…dbL of the cached shapes", () => {
    expect(Object.keys(grads).sort()).toEqual(["dA0", "dA1", "dA2", "dW1", "dW2", "dW3", "db1", "db2", "db3"]);
    expect(grads.dA0!.shape).toEqual([5, 7]);
    expect(grads.dW2!.shape).toEqual([3, 4]);
  });

  it("every dW and db equals the central difference of computeCost", () => {
    for (const key of Object.keys(params)) {
      const p = params[key]!;
      const numeric = flatValues(p).map((_, k) => {
        const cost = (delta: number): number => {
          const t = p.clone();
          t.data[k] = t.data[k]! + delta;
          return computeCost(modelForward(X, { ...params, [key]: t }).AL, Y);
        };
        return (cost(1e-6) - cost(-1e-6)) / 2e-6;
      });
      expect(flatValues(grads[`d${key}`]!)).toAllClose(numeric, { rtol: 1e-5, atol: 1e-9 });
    }
  });

  it("dA0 is m times the gradient of the cost with respect to X (the course's summed-loss convention)", () => {
    const numeric = flatValues(X).map((_, k) => {
      const cost = (delta: number): number => {
        const t = X.clone();
        t.data[k] = t.data[k]! + delta;
        return computeCost(modelForward(t, params).AL, Y);
      };
      return (7 * (cost(1e-6) - cost(-1e-6))) / 2e-6;
    });
    expect(flatValues(grads.dA0!)).toAllClose(numeric, { rtol: 1e-5, atol: 1e-9 });
  });

  it("stays finite for saturated outputs, and checks its caches", () => {
    const saturated = modelBackward(f64([[1, 0]]), f64([[0, 1]]), [{ ...caches[2]!, Z: zeros([1, 2], { dtype: "float64" }), linear: { A: zeros([3, 2], { dtype: "float64" }), W: params.W3!, b: params.b3! } }]);
    expect(flatValues(saturated.dW1!).every(Number.isFinite)).toBe(true);
    expect(() => modelBackward(AL, Y, caches.slice(0, 2))).toThrow(/modelBackward: expected the caches of the forward pass that produced AL \(1,7\); got 2 caches ending in Z \(3,7\)/);
  });

  it("checks every cache against its neighbours up front, naming the layer", () => {
    // layer 2 of a [5, 4, 7, 1] network between layers 1 and 3 of the [5, 4, 3, 1] one
    const other = modelForward(X, { ...params, W2: sample([7, 4], "float64", 30), b2: zeros([7, 1], { dtype: "float64" }), W3: sample([1, 7], "float64", 31) }).caches;
    const cases: [LayerCache[], string][] = [
      [[caches[0]!, other[1]!, caches[2]!], "modelBackward(layer 2): expected Z2 (n[2], m), like the A2 cached by layer 3, of shape (3,7), got (7,7)"],
      [[caches[0]!, { ...caches[1]!, linear: { ...caches[1]!.linear, A: X } }, caches[2]!], "modelBackward(layer 2): expected A1 (n[1], m), the input W2 takes, of shape (4,7), got (5,7)"],
      [[caches[0]!, { ...caches[1]!, linear: { ...caches[1]!.linear, b: zeros([4, 1], { dtype: "float64" }) } }, caches[2]!], "modelBackward(layer 2): expected b of shape (3, 1) to match W (3,4), got (4,1)"],
    ];
    for (const [bad, message] of cases) {
      const err = errorOf(() => modelBackward(AL, Y, bad));
      expect(err, message).toBeInstanceOf(ShapeError);
      expect(err.message).toBe(message);
    }
    const mixed = [{ ...caches[0]!, Z: caches[0]!.Z.cast("float32") }, caches[1]!, caches[2]!];
    expect(() => modelBackward(AL, Y, mixed)).toThrow(DTypeError);
    expect(() => modelBackward(AL, Y, mixed)).toThrow("modelBackward(layer 1): the cached Z1 is float32 but AL is float64");
    expect(modelBackward(AL, Y, caches).dW2!.shape).toEqual([3, 4]);
  });

  it("refuses NaN and ±Infinity in AL and Y, naming the index; takes every finite AL and label", () => {
    for (const [v, shown] of [[Number.NaN, "NaN"], [Infinity, "Infinity"], [-Infinity, "-Infinity"]] as const) {
      const bad = AL.clone();
      bad.data[3] = v;
      const err = errorOf(() => modelBackward(bad, Y, caches));
      expect(err, shown).toBeInstanceOf(ValueError);
      expect(err.message).toBe(`modelBackward: AL values contain ${shown} at index (0, 3); expected finite values`);
      const badY = Y.clone();
      badY.data[5] = v;
      expect(() => modelBackward(AL, badY, caches)).toThrow(`modelBackward: labels Y contain ${shown} at index (0, 5); expected finite values`);
    }
    // labels of 2: the gradient is still that of computeCost (defined for them), by central differences
    const twice = modelBackward(AL, Y.mul(2), caches);
    const numeric = flatValues(params.W3!).map((_, k) => {
      const cost = (delta: number): number => {
        const t = params.W3!.clone();
        t.data[k] = t.data[k]! + delta;
        return computeCost(modelForward(X, { ...params, W3: t }).AL, Y.mul(2));
      };
      return (cost(1e-6) - cost(-1e-6)) / 2e-6;
    });
    expect(flatValues(twice.dW3!)).toAllClose(numeric, { rtol: 1e-5, atol: 1e-9 });
    // AL above 1 (as the course's L_model_backward test passes): dW3 = (1/m)·(dAL ⊙ σ'(Z3))·A2ᵀ with
    // the course's dAL = -(Y/AL - (1-Y)/(1-AL)), not a floored one
    const above = AL.add(1);
    const dZ = toMatrix(above).map((row, i) => row.map((a, j) => {
      const y = toMatrix(Y)[i]![j]!;
      const s = sigma(toMatrix(caches[2]!.Z)[i]![j]!);
      return -(y / a - (1 - y) / (1 - a)) * s * (1 - s);
    }));
    expect(modelBackward(above, Y, caches).dW3!).toAllClose(matmul(dZ, T(toMatrix(caches[2]!.linear.A))).map((r) => r.map((v) => v / 7)), { rtol: 1e-12 });
    expect(modelBackward(f64([[0, 1]]), f64([[0, 1]]), [{ ...caches[2]!, Z: zeros([1, 2], { dtype: "float64" }), linear: { A: zeros([3, 2], { dtype: "float64" }), W: params.W3!, b: params.b3! } }]).dW1!.shape).toEqual([1, 3]);
  });

  it("works in float32 close to float64", () => {
    const p32: ParamDict = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.cast("float32")]));
    const out = modelForward(X.cast("float32"), p32);
    const g32 = modelBackward(out.AL, Y.cast("float32"), out.caches);
    expect(g32.dW1!.dtype).toBe("float32");
    expect(g32.dW1!).toAllClose(grads.dW1!, { rtol: 1e-4, atol: 1e-6 });
  });
});

describe("updateParameters and predict", () => {
  it("W = W - α·dW and b = b - α·db, as new tensors", () => {
    const { AL, caches } = modelForward(X, params);
    const grads = modelBackward(AL, Y, caches);
    const next = updateParameters(params, grads, 0.3);
    for (const k of Object.keys(params)) {
      expect(flatValues(next[k]!)).toAllClose(flatValues(params[k]!).map((v, i) => v - 0.3 * flatValues(grads[`d${k}`]!)[i]!), { rtol: 1e-15, atol: 1e-17 });
      expect(next[k]).not.toBe(params[k]);
    }
    expect(() => updateParameters(params, { ...grads, dW2: undefined as never }, 0.1)).toThrow("updateParameters: grads has no dW2 for parameter W2");
    expect(() => updateParameters(params, { ...grads, db1: zeros([1, 4], { dtype: "float64" }) }, 0.1)).toThrow("updateParameters(layer 1): expected db1 of shape (4,1), got (1,4)");
    expect(() => updateParameters(params, grads, Number.NaN)).toThrow(/learningRate must be a finite number, got NaN/);
  });

  it("predict thresholds the sigmoid output at 0.5; argmax for softmax", () => {
    const { AL } = modelForward(X, params);
    expect(flatValues(predict(X, params))).toEqual(flatValues(AL).map((a) => (a > 0.5 ? 1 : 0)));
    const { AL: soft } = modelForward(X, params, { output: "softmax" });
    expect(predict(X, params, { output: "softmax" }).toArray()).toEqual([flatValues(soft).map(() => 0)]);
  });

  it("predict requires a finite threshold and uses the one given", () => {
    for (const [threshold, shown] of [[Number.NaN, "NaN"], [Infinity, "Infinity"], ["0.5", '"0.5"'], [null, "null"]] as const) {
      const err = errorOf(() => predict(X, params, { threshold: threshold as number }));
      expect(err, shown).toBeInstanceOf(ValueError);
      expect(err.message).toBe(`predict: threshold must be a finite number, got ${shown}`);
    }
    const { AL } = modelForward(X, params);
    expect(flatValues(predict(X, params, { threshold: 0.7 }))).toEqual(flatValues(AL).map((a) => (a > 0.7 ? 1 : 0)));
  });
});
