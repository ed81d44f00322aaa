// gradcheck: finite differences against the engine's gradients. It must pass for correct rows,
// fail (naming the worst element) for a wrong one, and count the pairs it compared.
import { describe, expect, it } from "vitest";
import {
  Variable, add, defineFunction, exp, gather, gradcheck, log, matmul, mul, sigmoid, sum, tanh,
} from "@strata/autograd";
import { Tensor, ValueError, tensor, type TensorValues } from "@strata/tensor";

const f64 = (values: TensorValues) => tensor(values, { dtype: "float64" });

// d(x²/2)/dx = x, but this backward returns x/2: off by a factor of 2.
const badHalfSquare = defineFunction({
  name: "badHalfSquare",
  forward(ctx, x) {
    ctx.save(x as Tensor);
    return (x as Tensor).mul(x as Tensor).mul(0.5);
  },
  backward: (ctx, g) => [mul(g, mul(ctx.saved[0]!, 0.5))],
});

describe("correct functions pass", () => {
  it("several ops over two inputs, scalar and matrix outputs", () => {
    const a = f64([[0.5, -1, 2], [0.1, 0.3, -0.7]]);
    const b = f64([[1, 0.2], [-0.5, 0.4], [0.3, -1.2]]);
    const scalar = (a: Variable, b: Variable) =>
      add(sum(tanh(matmul(a, b))), sum(mul(log(add(mul(a, a), 1)), sigmoid(a))));
    const r1 = gradcheck(scalar, [a, b]);
    expect(r1.passed).toBe(true);
    expect(r1.checked).toBe((6 + 6) * 1);
    expect(r1.maxError).toBeLessThan(1e-6);

    const r2 = gradcheck((a, b) => exp(matmul(a, b)), [a, b]);
    expect(r2.passed).toBe(true);
    expect(r2.checked).toBe((6 + 6) * 4);
  });

  it("converts float32 inputs to float64 copies", () => {
    const x = tensor([0.3, -1.1, 2]);
    const dtypes = new Set<string>();
    const result = gradcheck((v) => {
      dtypes.add(v.dtype);
      return sum(mul(exp(v), v));
    }, [x]);
    expect(result.passed).toBe(true);
    expect([...dtypes]).toEqual(["float64"]);
    expect(x.dtype).toBe("float32");
    expect(x.toArray()).toEqual([0.3, -1.1, 2].map(Math.fround));
  });

  it("restores float64 inputs it perturbs in place", () => {
    const x = f64([0.25, -4]);
    gradcheck((v) => sum(mul(v, mul(v, v))), [x]);
    expect(x.toArray()).toEqual([0.25, -4]);
  });

  it("passes numbers and int32 tensors through as constants", () => {
    const x = f64([1, -2, 0.5, 3]);
    const idx = tensor([0, 2, 2], { dtype: "int32" });
    const seen: [number, string][] = [];
    const result = gradcheck((v, k, i) => {
      seen.push([k.item(), i.dtype]);
      return sum(mul(mul(gather(v, i), k), gather(v, i)));
    }, [x, 2.5, idx]);
    expect(result.passed).toBe(true);
    expect(result.checked).toBe(4 * 1); // only x's elements
    expect(seen.every(([k, d]) => k === 2.5 && d === "int32")).toBe(true);
  });

  it("checks a broadcast view per storage element, summing over the positions that share it", () => {
    const base = f64([1, 2, -3]);
    const x = base.broadcastTo([2, 3]);
    const w = f64([[1, 2, 3], [4, 5, 6]]);
    // Σ_ij x_j² w_ij: d/d base_j = 2·base_j·(w_0j + w_1j)
    const r = gradcheck((v) => sum(mul(mul(v, v), w)), [x]);
    expect(r.passed).toBe(true);
    expect(r.checked).toBe(3 * 1);

    const r2 = gradcheck((v) => mul(v, w), [x]);
    expect(r2.passed).toBe(true);
    expect(r2.checked).toBe(3 * 6);

    // A wrong backward on the same view is still caught, at the storage element with the largest gap.
    const r3 = gradcheck((v) => sum(mul(badHalfSquare(v), w)), [x], { throwOnFailure: false });
    expect(r3.passed).toBe(false);
    expect(r3.worst).toMatchObject({ input: 0, index: [0, 2] });
    // numeric = base_2·(w_02 + w_12) = -3·9 = -27, analytic half of it
    expect(r3.worst!.numeric).toBeCloseTo(-27, 5);
    expect(r3.worst!.analytic).toBeCloseTo(-13.5, 10);
  });

  it("checks a transposed view element by element", () => {
    const x = f64([[1, 2, 3], [4, 5, 6]]).T;
    const r = gradcheck((v) => sum(mul(tanh(v), f64([[1, -1], [2, 0], [0.5, 3]]))), [x]);
    expect(r.passed).toBe(true);
    expect(r.checked).toBe(6);
  });
});

describe("a wrong gradient fails", () => {
  it("throws a ValueError naming the input, the element, and both values", () => {
    // analytic x/2 vs numeric x: the gap |x|/2 is largest relative to the tolerance at x = -3.
    const fn = (x: Variable) => sum(badHalfSquare(x));
    const x = f64([1, -3, 2]);
    expect(() => gradcheck(fn, [x])).toThrow(ValueError);
    expect(() => gradcheck(fn, [x])).toThrow(
      /gradcheck: input 0 \(shape \(3\)\) element \(1\), output element \(\): analytic -1\.5 vs numeric -(3|2\.9)/,
    );
  });

  it("returns passed false and the worst pair with throwOnFailure: false", () => {
    // Input 0 is right, input 1 wrong; output element k depends on x_k only.
    const fn = (a: Variable, x: Variable) => add(mul(a, 2), badHalfSquare(x));
    const result = gradcheck(fn, [f64([1, 1, 1]), f64([1, -4, 2])], { throwOnFailure: false });
    expect(result.passed).toBe(false);
    expect(result.worst).toMatchObject({ input: 1, index: [1], output: [1] });
    expect(result.worst!.analytic).toBeCloseTo(-2, 10);
    expect(result.worst!.numeric).toBeCloseTo(-4, 5);
    expect(result.maxError).toBeCloseTo(2, 5);
    expect(result.checked).toBe((3 + 3) * 3);
  });
});

describe("result.checked", () => {
  it("is the storage elements of the checked inputs times the output size", () => {
    const a = f64([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]);
    const b = tensor([1, 2, 3]); // float32, checked as a float64 copy
    const idx = tensor([1, 0], { dtype: "int32" });
    const r = gradcheck((a, b, k, i) => mul(gather(add(a, b), i), k), [a, b, 7, idx]);
    expect(r.passed).toBe(true);
    expect(r.checked).toBe((6 + 3) * 6);
  });
});

describe("options", () => {
  it("rejects a step that is not finite and > 0, and tolerances that are not finite and >= 0, naming gradcheck", () => {
    const fn = (x: Variable) => sum(exp(x));
    const x = f64([0.5, 1]);
    for (const eps of [0, -1e-6, NaN, Infinity]) {
      expect(() => gradcheck(fn, [x], { eps })).toThrow(ValueError);
      expect(() => gradcheck(fn, [x], { eps })).toThrow(`gradcheck: eps must be a finite number > 0 (the finite-difference step), got ${eps}`);
    }
    expect(() => gradcheck(fn, [x], { atol: -1 })).toThrow(/gradcheck: atol must be a finite number >= 0, got -1/);
    expect(() => gradcheck(fn, [x], { rtol: NaN })).toThrow(/gradcheck: rtol must be a finite number >= 0, got NaN/);
    expect(() => gradcheck(fn, [x], { atol: Infinity })).toThrow(ValueError);
    // The boundaries are valid: zero tolerances with a coarse step fail as a comparison, not as bad options.
    expect(gradcheck(fn, [x], { eps: 1e-4, atol: 1e-5, rtol: 0 }).passed).toBe(true);
    expect(gradcheck(fn, [x], { eps: 1e-2, atol: 0, rtol: 0, throwOnFailure: false }).passed).toBe(false);
  });
});
