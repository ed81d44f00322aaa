// The course's own test cases (course 1 week 4, "Building your Deep Neural Network: Step by
// Step"): the notebook's inputs and expected outputs, rebuilt in numpy by fixtures/course_cases.py
// and stored in fixtures/course-cases.json (the tests never run Python). Every block runs on the
// same inputs in float64 and must give the fixture's numbers to about 12 digits. Then the inputs
// the notebook allows beyond probabilities (AL from randn, labels other than 0 and 1) against the
// formulas written out here in plain loops, and the inputs that leave a formula undefined.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  activation, computeCost, linearActivationBackward, linearActivationForward, linearBackward, linearForward, modelBackward,
  modelForward, updateParameters, type LayerCache, type ParamDict,
} from "@strata/nn";
import { ValueError, randn, rng, tensor, type Tensor } from "@strata/tensor";
import { sample } from "../../tensor/test/reference.js";
import { errorOf } from "./helpers.js";

type Matrix = number[][];
type Dict = Record<string, Matrix>;
interface CourseCache { A: Matrix; W: Matrix; b: Matrix; Z: Matrix; activation: "relu" | "sigmoid" }
interface Fixture {
  cases: {
    linearForward: { inputs: { A: Matrix; W: Matrix; b: Matrix }; outputs: { Z: Matrix } };
    linearActivationForward: { inputs: { Aprev: Matrix; W: Matrix; b: Matrix }; outputs: Record<"sigmoid" | "relu", { A: Matrix; Z: Matrix }> };
    modelForward: { inputs: { X: Matrix; params: Dict }; outputs: { AL: Matrix } };
    computeCost: { inputs: { AL: Matrix; Y: Matrix }; outputs: { cost: number } };
    linearBackward: { inputs: { dZ: Matrix; A: Matrix; W: Matrix; b: Matrix }; outputs: { dAprev: Matrix; dW: Matrix; db: Matrix } };
    linearActivationBackward: {
      inputs: { dA: Matrix; A: Matrix; W: Matrix; b: Matrix; Z: Matrix };
      outputs: Record<"sigmoid" | "relu", { dAprev: Matrix; dW: Matrix; db: Matrix }>;
    };
    modelBackward: { inputs: { AL: Matrix; Y: Matrix; caches: CourseCache[] }; outputs: { dAL: Matrix; grads: Dict } };
    updateParameters: { inputs: { params: Dict; grads: Dict; learningRate: number }; outputs: { params: Dict } };
  };
}

const { cases } = JSON.parse(readFileSync(new URL("./fixtures/course-cases.json", import.meta.url), "utf8")) as Fixture;
const f64 = (m: Matrix): Tensor => tensor(m, { dtype: "float64" });
const dict = (d: Dict): Record<string, Tensor> => Object.fromEntries(Object.entries(d).map(([k, v]) => [k, f64(v)]));
/** The fixture's float64 numbers to about 12 significant digits (relu's exact zeros exactly). */
const close = { rtol: 1e-12, atol: 1e-15 };
/** The course's activation cache is Z alone: no cached output, so nothing but Z is read. */
const layerCache = (c: Omit<CourseCache, "activation">, name: CourseCache["activation"]): LayerCache =>
  ({ linear: { A: f64(c.A), W: f64(c.W), b: f64(c.b) }, Z: f64(c.Z), activation: activation(name) });

describe("the notebook's test cases, in float64", () => {
  it("linear_forward: Z = W·A + b", () => {
    const { A, W, b } = cases.linearForward.inputs;
    const { Z } = linearForward(f64(A), f64(W), f64(b));
    expect(Z).toAllClose(cases.linearForward.outputs.Z, close);
    expect(Z).toAllClose([[3.26295337, -1.23429987]], { rtol: 0, atol: 1e-8 }); // as the notebook prints it
  });

  it.each(["sigmoid", "relu"] as const)("linear_activation_forward with %s", (name) => {
    const { Aprev, W, b } = cases.linearActivationForward.inputs;
    const { A, cache } = linearActivationForward(f64(Aprev), f64(W), f64(b), name);
    expect(A).toAllClose(cases.linearActivationForward.outputs[name].A, close);
    expect(cache.Z).toAllClose(cases.linearActivationForward.outputs[name].Z, close);
    expect(A).toAllClose(name === "sigmoid" ? [[0.96890023, 0.11013289]] : [[3.43896131, 0]], { rtol: 0, atol: 1e-8 });
  });

  it("L_model_forward with 2 hidden relu layers and a sigmoid output", () => {
    const { X, params } = cases.modelForward.inputs;
    const { AL, caches } = modelForward(f64(X), dict(params));
    expect(AL).toAllClose(cases.modelForward.outputs.AL, close);
    expect(AL).toAllClose([[0.03921668, 0.70498921, 0.19734387, 0.04728177]], { rtol: 0, atol: 1e-8 });
    expect(caches.map((c) => c.activation.name)).toEqual(["relu", "relu", "sigmoid"]);
  });

  it("compute_cost, with float and int32 labels", () => {
    const { AL, Y } = cases.computeCost.inputs;
    expect(computeCost(f64(AL), f64(Y))).toBeCloseTo(cases.computeCost.outputs.cost, 14);
    expect(computeCost(f64(AL), tensor(Y, { dtype: "int32" }))).toBeCloseTo(0.2797765635793422, 14);
  });

  it("linear_backward: dW = (1/m)·dZ·A_prevᵀ, db = column mean of dZ, dA_prev = Wᵀ·dZ", () => {
    const { dZ, A, W, b } = cases.linearBackward.inputs;
    const grads = linearBackward(f64(dZ), { A: f64(A), W: f64(W), b: f64(b) });
    for (const k of ["dAprev", "dW", "db"] as const) expect(grads[k], k).toAllClose(cases.linearBackward.outputs[k], close);
    expect(grads.db).toAllClose([[-0.14713786], [-0.11313155], [-0.13209101]], { rtol: 0, atol: 1e-8 });
  });

  it.each(["sigmoid", "relu"] as const)("linear_activation_backward with %s, from the cached Z", (name) => {
    const { dA, ...cache } = cases.linearActivationBackward.inputs;
    const expected = cases.linearActivationBackward.outputs[name];
    // the blocks' own cache (the output A included) and the course's (Z alone) give the same gradients
    const own = linearActivationForward(f64(cache.A), f64(cache.W), f64(cache.b), name).cache;
    for (const layer of [layerCache(cache, name), { ...own, Z: f64(cache.Z), A: activation(name).forward(f64(cache.Z)).data }]) {
      const grads = linearActivationBackward(f64(dA), layer, name);
      for (const k of ["dAprev", "dW", "db"] as const) expect(grads[k], k).toAllClose(expected[k], close);
    }
    const printed = name === "sigmoid" ? [[0.10266786, 0.09778551, -0.01968084]] : [[0.44513824, 0.37371418, -0.10478989]];
    expect(linearActivationBackward(f64(dA), layerCache(cache, name), name).dW).toAllClose(printed, { rtol: 0, atol: 1e-8 });
  });

  it("L_model_backward on the notebook's AL = randn(1, 2), whose first entry 1.78862847 is above 1", () => {
    const { AL, Y, caches } = cases.modelBackward.inputs;
    expect(AL[0]![0]).toBeGreaterThan(1);
    const grads = modelBackward(f64(AL), f64(Y), caches.map((c) => layerCache(c, c.activation)));
    expect(Object.keys(grads).sort()).toEqual(Object.keys(cases.modelBackward.outputs.grads).sort());
    for (const [k, v] of Object.entries(cases.modelBackward.outputs.grads)) expect(grads[k], k).toAllClose(v, close);
    expect(grads.dW1).toAllClose([[0.41010002, 0.07807203, 0.13798444, 0.10502167], [0, 0, 0, 0], [0.05283652, 0.01005865, 0.01777766, 0.0135308]], { rtol: 0, atol: 1e-8 });
    expect(grads.db1).toAllClose([[-0.22007063], [0], [-0.02835349]], { rtol: 0, atol: 1e-8 });
    expect(grads.dA1).toAllClose([[0.12913162, -0.44014127], [-0.14175655, 0.48317296], [0.01663708, -0.05670698]], { rtol: 0, atol: 1e-8 });
  });

  it("dAL is the notebook's -(Y/AL - (1-Y)/(1-AL)) for that AL (read through an identity layer)", () => {
    const { AL, Y, dAL } = { ...cases.modelBackward.inputs, ...cases.modelBackward.outputs };
    expect(modelBackward(f64(AL), f64(Y), [identityLayer(AL)]).dA0).toAllClose(dAL, close);
  });

  it("update_parameters with learning rate 0.1", () => {
    const { params, grads, learningRate } = cases.updateParameters.inputs;
    const next = updateParameters(dict(params), dict(grads), learningRate);
    for (const [k, v] of Object.entries(cases.updateParameters.outputs.params)) expect(next[k], k).toAllClose(v, close);
    expect((next.W1!.toArray() as Matrix)[0]).toAllClose([-0.59562069, -0.09991781, -2.14584584, 1.82662008], { rtol: 0, atol: 1e-8 });
  });
});

// ---------------------------------------------------------------------------------------------
// The course's formulas in plain loops, independent of the blocks.

const rows = (a: Matrix): number => a.length;
const cols = (a: Matrix): number => a[0]!.length;
const map2 = (a: Matrix, f: (v: number, i: number, j: number) => number): Matrix => a.map((r, i) => r.map((v, j) => f(v, i, j)));
function matmul(a: Matrix, b: Matrix): Matrix {
  const out: Matrix = [];
  for (let i = 0; i < rows(a); i++) {
    out.push([]);
    for (let j = 0; j < cols(b); j++) {
      let s = 0;
      for (let k = 0; k < cols(a); k++) s += a[i]![k]! * b[k]![j]!;
      out[i]!.push(s);
    }
  }
  return out;
}
const transpose = (a: Matrix): Matrix => a[0]!.map((_, j) => a.map((r) => r[j]!));
const sigma = (z: number): number => 1 / (1 + Math.exp(-z));

/** linear_activation_backward: dZ = dA·g'(Z) (relu: 0 where Z ≤ 0), then the linear part. */
function referenceLayerBackward(dA: Matrix, c: CourseCache): { dAprev: Matrix; dW: Matrix; db: Matrix } {
  const dZ = map2(dA, (v, i, j) => {
    const z = c.Z[i]![j]!;
    return c.activation === "relu" ? (z <= 0 ? 0 : v) : v * sigma(z) * (1 - sigma(z));
  });
  const m = cols(c.A);
  return {
    dAprev: matmul(transpose(c.W), dZ),
    dW: map2(matmul(dZ, transpose(c.A)), (v) => v / m),
    db: dZ.map((r) => [r.reduce((s, v) => s + v, 0) / m]),
  };
}

/** The notebook's dAL = -(Y/AL - (1-Y)/(1-AL)), literally. */
const referenceDAL = (AL: Matrix, Y: Matrix): Matrix => map2(AL, (a, i, j) => -(Y[i]![j]! / a - (1 - Y[i]![j]!) / (1 - a)));

/** L_model_backward: dAL, then each layer from L down. */
function referenceModelBackward(AL: Matrix, Y: Matrix, caches: CourseCache[]): Dict {
  const grads: Dict = {};
  let dA = referenceDAL(AL, Y);
  for (let l = caches.length; l >= 1; l--) {
    const g = referenceLayerBackward(dA, caches[l - 1]!);
    Object.assign(grads, { [`dA${l - 1}`]: g.dAprev, [`dW${l}`]: g.dW, [`db${l}`]: g.db });
    dA = g.dAprev;
  }
  return grads;
}

/** One identity layer with W the identity matrix: its dA0 is dAL itself, so modelBackward's dAL can be read. */
function identityLayer(AL: Matrix): LayerCache {
  const eye = AL.map((_, i) => AL.map((__, j) => (i === j ? 1 : 0)));
  return { linear: { A: f64(AL), W: f64(eye), b: f64(AL.map(() => [0])) }, Z: f64(AL), activation: activation("identity") };
}

const toMatrix = (t: Tensor): Matrix => t.toArray() as Matrix;
let seed = 100;
const draw = (shape: [number, number]): Matrix => toMatrix(randn(shape, { rng: rng(seed++), dtype: "float64" }));

/** A [4, 3, 2] relu/sigmoid network's caches drawn unconstrained, as the course's tests draw them. */
function randomCaches(m: number): CourseCache[] {
  return [
    { A: draw([4, m]), W: draw([3, 4]), b: draw([3, 1]), Z: draw([3, m]), activation: "relu" },
    { A: draw([3, m]), W: draw([2, 3]), b: draw([2, 1]), Z: draw([2, m]), activation: "sigmoid" },
  ];
}

describe("inputs beyond probabilities, against the formulas in plain loops", () => {
  const m = 5;
  const ALs: [string, Matrix][] = [
    ["randn", draw([2, m])],
    ["in (1, 3)", toMatrix(sample([2, m], "float64", 41, 1.001, 2.999))],
    ["in (-2, 0)", toMatrix(sample([2, m], "float64", 42, -1.999, -0.001))],
  ];
  const labels: [string, Matrix][] = [
    ["0/1 labels", toMatrix(sample([2, m], "bool", 43).cast("float64"))],
    ["randn labels", draw([2, m])],
  ];

  for (const [what, AL] of ALs) {
    for (const [which, Y] of labels) {
      it(`modelBackward with AL ${what} and ${which}`, () => {
        if (what === "in (1, 3)") expect(AL.flat().every((a) => a > 1 && a < 3)).toBe(true);
        if (what === "in (-2, 0)") expect(AL.flat().every((a) => a > -2 && a < 0)).toBe(true);
        const caches = randomCaches(m);
        const grads = modelBackward(f64(AL), f64(Y), caches.map((c) => layerCache(c, c.activation)));
        const expected = referenceModelBackward(AL, Y, caches);
        expect(Object.keys(grads).sort()).toEqual(Object.keys(expected).sort());
        for (const [k, v] of Object.entries(expected)) expect(grads[k], k).toAllClose(v, { rtol: 1e-12, atol: 1e-13 });
        expect(modelBackward(f64(AL), f64(Y), [identityLayer(AL)]).dA0).toAllClose(referenceDAL(AL, Y), { rtol: 1e-13, atol: 0 });
      });
    }
  }

  it.each(["sigmoid", "relu"] as const)("linearActivationBackward(%s) on randn dA, A, W, b, Z", (name) => {
    for (let trial = 0; trial < 3; trial++) {
      const c: CourseCache = { A: draw([4, 6]), W: draw([3, 4]), b: draw([3, 1]), Z: draw([3, 6]), activation: name };
      const dA = draw([3, 6]);
      const grads = linearActivationBackward(f64(dA), layerCache(c, name), name);
      const expected = referenceLayerBackward(dA, c);
      for (const k of ["dAprev", "dW", "db"] as const) expect(grads[k], k).toAllClose(expected[k], { rtol: 1e-12, atol: 1e-14 });
    }
  });

  it("labels of 2 (and -1) are taken by modelBackward: dAL = -(2/AL + 1/(1-AL))", () => {
    const AL = [[0.25, 0.8, 1.5]];
    const Y = [[2, 2, -1]];
    const dA0 = modelBackward(f64(AL), f64(Y), [identityLayer(AL)]).dA0!;
    expect(dA0).toAllClose([[-(2 / 0.25 + 1 / 0.75), -(2 / 0.8 + 1 / 0.2), -(-1 / 1.5 - 2 / -0.5)]], { rtol: 1e-14, atol: 0 });
    const caches = randomCaches(3);
    const AL2 = [[0.25, 0.8, 1.5], [-0.5, 0.5, 2]];
    const Y2 = [[2, 2, 2], [2, 0, 1]];
    const grads = modelBackward(f64(AL2), f64(Y2), caches.map((c) => layerCache(c, c.activation)));
    for (const [k, v] of Object.entries(referenceModelBackward(AL2, Y2, caches))) expect(grads[k], k).toAllClose(v, { rtol: 1e-12, atol: 1e-13 });
  });

  it("floors AL·(1-AL) away from 0 keeping its sign: ±1e-12 within 1e-12 of AL = 0 or 1, exact elsewhere", () => {
    const AL = [[1, 0, 1 + 2 ** -44, -(2 ** -44), 1 + 1e-6, -1e-6, 1 - 1e-6]];
    const Y = [[0, 1, 0, 1, 1, 0, 1]];
    const dA0 = modelBackward(f64(AL), f64(Y), [identityLayer(AL)]).dA0!;
    const [a, y] = [AL[0]!, Y[0]!];
    const exact = (j: number): number => (a[j]! - y[j]!) / (a[j]! * (1 - a[j]!));
    expect(dA0).toAllClose([[
      1e12, // (1 - 0) / max(0, 1e-12)
      -1e12, // (0 - 1) / max(0, 1e-12)
      (1 + 2 ** -44) / -1e-12, // d ≈ -5.7e-14, floored to -1e-12 (a floor at +1e-12 would flip the sign)
      (-(2 ** -44) - 1) / -1e-12,
      exact(4), // d ≈ ±1e-6: used as is
      exact(5),
      exact(6),
    ]], { rtol: 1e-15, atol: 0 });
    // and there the notebook's -(Y/AL - (1-Y)/(1-AL)), to the rounding of 1 - AL's cancellation
    expect(toMatrix(dA0)[0]!.slice(4)).toAllClose(referenceDAL(AL, Y)[0]!.slice(4), { rtol: 1e-9, atol: 0 });
    expect(toMatrix(dA0)[0]!.slice(2, 4).map(Math.sign)).toEqual([-1, 1]);
  });
});

describe("what leaves a formula undefined is refused, naming the op, the value and its index", () => {
  const cache = [identityLayer([[0.5, 0.5, 0.5]])];

  it("computeCost refuses AL outside [0, 1], where log AL or log(1 - AL) is undefined", () => {
    for (const [AL, message] of [
      [[[0.5, 0.5, 1.5]], "computeCost: AL value 1.5 at index (0, 2) is outside [0, 1]; expected probabilities in [0, 1], where log AL and log(1 - AL) are defined"],
      [[[0.5, -0.1, 0.5]], "computeCost: AL value -0.1 at index (0, 1) is outside [0, 1]"],
      [[[Infinity, 0.5, 0.5]], "computeCost: AL value Infinity at index (0, 0) is outside [0, 1]"],
      [[[0.5, 0.5, NaN]], "computeCost: AL values contain NaN at index (0, 2)"],
    ] as [Matrix, string][]) {
      const err = errorOf(() => computeCost(f64(AL), f64([[1, 0, 1]])));
      expect(err, message).toBeInstanceOf(ValueError);
      expect(err.message).toContain(message);
    }
  });

  it("computeCost takes any finite label and refuses NaN and ±Infinity", () => {
    // Y = 2, AL = 0.5: -(2·log 0.5 + (1-2)·log 0.5) = log 2
    expect(computeCost(f64([[0.5]]), f64([[2]]))).toBeCloseTo(Math.log(2), 14);
    expect(computeCost(f64([[0.25, 0.9]]), f64([[-1, 0.3]]))).toBeCloseTo(-(-Math.log(0.25) + 2 * Math.log(0.75) + 0.3 * Math.log(0.9) + 0.7 * Math.log(0.1)) / 2, 14);
    for (const [v, shown] of [[NaN, "NaN"], [Infinity, "Infinity"], [-Infinity, "-Infinity"]] as const) {
      const err = errorOf(() => computeCost(f64([[0.5, 0.5], [0.5, 0.5]]), f64([[1, 0], [v, 1]])));
      expect(err, shown).toBeInstanceOf(ValueError);
      expect(err.message).toBe(`computeCost: labels Y contain ${shown} at index (1, 0); expected finite values`);
    }
  });

  it("modelBackward refuses NaN and ±Infinity in AL and in Y", () => {
    for (const [v, shown] of [[NaN, "NaN"], [Infinity, "Infinity"], [-Infinity, "-Infinity"]] as const) {
      const inAL = errorOf(() => modelBackward(f64([[0.5, 2, v]]), f64([[1, 0, 1]]), cache));
      expect(inAL, shown).toBeInstanceOf(ValueError);
      expect(inAL.message).toBe(`modelBackward: AL values contain ${shown} at index (0, 2); expected finite values`);
      const inY = errorOf(() => modelBackward(f64([[0.5, 2, 0.5]]), f64([[1, v, 1]]), cache));
      expect(inY, shown).toBeInstanceOf(ValueError);
      expect(inY.message).toBe(`modelBackward: labels Y contain ${shown} at index (0, 1); expected finite values`);
    }
  });

  it("the shapes still have to match", () => {
    expect(() => modelBackward(f64([[0.5, 2]]), f64([[1], [0]]), cache)).toThrow("modelBackward: expected Y (one column per example, like AL) of shape (1,2), got (2,1)");
    expect(() => modelBackward(f64([[0.5, 2]]), f64([[1, 0]]), cache)).toThrow("modelBackward: expected the caches of the forward pass that produced AL (1,2); got 1 caches ending in Z (1,3)");
    expect(() => computeCost(f64([[0.5, 0.5]]), f64([[1, 0, 1]]))).toThrow("computeCost: expected Y (one column per example, like AL) of shape (1,2), got (1,3)");
  });
});

describe("the other blocks take every finite value their formulas are defined for", () => {
  it("updateParameters takes a learning rate of 0 or below (W - α·dW is defined), only not NaN or ±Infinity", () => {
    const params: ParamDict = { W1: f64([[1, 2]]), b1: f64([[3]]) };
    const grads = { dW1: f64([[10, -10]]), db1: f64([[1]]) };
    expect(updateParameters(params, grads, -0.5).W1!.toArray()).toEqual([[6, -3]]);
    expect(updateParameters(params, grads, 0).b1!.toArray()).toEqual([[3]]);
    for (const lr of [NaN, Infinity, -Infinity]) {
      expect(() => updateParameters(params, grads, lr)).toThrow(`updateParameters: learningRate must be a finite number, got ${lr}`);
    }
  });

  it("linearBackward and linearActivationBackward take gradients of any size and sign", () => {
    const c: CourseCache = { A: [[1e3, -2e3]], W: [[-7]], b: [[1e6]], Z: [[-5e2, 4]], activation: "relu" };
    const dA = [[-1e8, 3e8]];
    const grads = linearActivationBackward(f64(dA), layerCache(c, "relu"), "relu");
    const expected = referenceLayerBackward(dA, c);
    for (const k of ["dAprev", "dW", "db"] as const) expect(grads[k], k).toAllClose(expected[k], { rtol: 1e-14, atol: 0 });
    expect(linearBackward(f64(dA), { A: f64(c.A), W: f64(c.W), b: f64(c.b) }).db).toAllClose([[1e8]], { rtol: 1e-14, atol: 0 });
  });
});
