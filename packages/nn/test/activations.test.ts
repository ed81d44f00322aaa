// Each activation against scalar formulas; its derivative against finite differences of its own
// value; its recorded op against gradcheck, to second order.
import { describe, expect, it } from "vitest";
import { gradcheck, grad, sum, variable, type Variable } from "@strata/autograd";
import { activation, activationNames, type Activation } from "@strata/nn";
import { tensor, ValueError, type Tensor } from "@strata/tensor";
import { flatValues, sample } from "../../tensor/test/reference.js";

const sigma = (z: number): number => 1 / (1 + Math.exp(-z));
const scalar: Record<string, (z: number) => number> = {
  relu: (z) => Math.max(z, 0),
  leakyRelu: (z) => (z > 0 ? z : 0.01 * z),
  sigmoid: sigma,
  tanh: Math.tanh,
  identity: (z) => z,
};
const elementwise = Object.keys(scalar);
// Points away from the kinks of relu and leakyRelu, where finite differences are meaningful.
const Z = tensor([[-2.5, -0.7, 0.3], [1.1, 2.2, -1.3]], { dtype: "float64" });

function central(f: (z: number) => number, z: number, h = 1e-6): number {
  return (f(z + h) - f(z - h)) / (2 * h);
}

describe("elementwise activations", () => {
  it.each(elementwise)("%s: value equals the scalar formula", (name) => {
    const g = activation(name as never);
    expect(g.forward(Z).data).toAllClose(flatValues(Z).map(scalar[name]!).reduce<number[][]>((rows, v, i) => (i % 3 ? rows[rows.length - 1]!.push(v) : rows.push([v]), rows), []), { rtol: 1e-15, atol: 0 });
  });

  it.each(elementwise)("%s: g'(Z) equals a central difference of g", (name) => {
    const d = activation(name as never).derivative!(Z).data;
    expect(d.dtype).toBe("float64");
    const fd = flatValues(Z).map((z) => central(scalar[name]!, z));
    expect(flatValues(d)).toAllClose(fd, { rtol: 1e-8, atol: 1e-9 });
  });

  it.each(elementwise)("%s: backward is dA * g'(Z)", (name) => {
    const g = activation(name as never);
    const dA = sample([2, 3], "float64", 7);
    const expected = flatValues(dA).map((a, i) => a * central(scalar[name]!, flatValues(Z)[i]!));
    expect(flatValues(g.backward(dA, Z).data)).toAllClose(expected, { rtol: 1e-8, atol: 1e-9 });
  });

  it.each(elementwise)("%s: the recorded op passes gradcheck, and so does its gradient", (name) => {
    const g = activation(name as never);
    expect(gradcheck((z) => g.forward(z), [Z]).passed).toBe(true);
    // d/dZ of Σ g'(Z)·w: the second derivative, through the derivative's own recorded ops.
    const w = sample([2, 3], "float64", 3);
    const firstGrad = (z: Variable): Variable => grad((u: Variable) => sum(g.forward(u).mul(w)))(z) as Variable;
    expect(gradcheck((z) => sum(firstGrad(z)), [Z]).passed).toBe(true);
  });

  it("sigmoid''(z) = σ(1-σ)(1-2σ) through the recorded op", () => {
    const z = variable([0.4, -1.7], { dtype: "float64", requiresGrad: true });
    const g = activation("sigmoid");
    const d1 = grad((u: Variable) => sum(g.forward(u)))(z) as Variable;
    const d2 = grad((u: Variable) => sum(grad((v: Variable) => sum(g.forward(v)))(u) as Variable))(z) as Variable;
    const s = [0.4, -1.7].map(sigma);
    expect(d1.data).toAllClose(s.map((v) => v * (1 - v)), { rtol: 1e-14 });
    expect(d2.data).toAllClose(s.map((v) => v * (1 - v) * (1 - 2 * v)), { rtol: 1e-12 });
  });

  it("keeps float32 in float32", () => {
    for (const name of elementwise) {
      const g = activation(name as never);
      const z32 = Z.cast("float32");
      expect(g.forward(z32).dtype).toBe("float32");
      expect(g.derivative!(z32).dtype).toBe("float32");
      expect(g.forward(z32).data).toAllClose(g.forward(Z).data, { rtol: 1e-6, atol: 1e-7 });
    }
  });

  it("relu's and leakyRelu's derivatives at exactly 0 are those of the left side (0 and alpha)", () => {
    expect(activation("relu").derivative!(tensor([0])).toArray()).toEqual([0]);
    expect(activation({ name: "leakyRelu", alpha: 0.25 }).derivative!(tensor([0, 2])).toArray()).toEqual([0.25, 1]);
  });

  it("leakyRelu takes its slope", () => {
    const g = activation({ name: "leakyRelu", alpha: 0.2 });
    expect(g.alpha).toBe(0.2);
    expect(flatValues(g.forward(Z).data)).toAllClose(flatValues(Z).map((z) => (z > 0 ? z : 0.2 * z)), { rtol: 1e-15 });
    expect(gradcheck((z) => g.forward(z), [Z]).passed).toBe(true);
  });
});

describe("softmax over the rows", () => {
  const g = activation("softmax");
  const columns = (t: Tensor): number[][] => {
    const [k, m] = t.shape as [number, number];
    const v = flatValues(t);
    return Array.from({ length: m }, (_, j) => Array.from({ length: k }, (_, i) => v[i * m + j]!));
  };

  it("each column is exp(z)/Σexp(z)", () => {
    const a = g.forward(Z).data;
    const expected = columns(Z).map((col) => {
      const e = col.map(Math.exp);
      const s = e.reduce((x, y) => x + y, 0);
      return e.map((v) => v / s);
    });
    expect(columns(a)).toAllClose(expected, { rtol: 1e-14 });
  });

  it("backward equals the explicit Jacobian Jᵢⱼ = aᵢ(δᵢⱼ - aⱼ) applied to dA", () => {
    const dA = sample([2, 3], "float64", 11);
    const a = columns(g.forward(Z).data);
    const expected = a.map((col, j) => col.map((ai, i) => col.reduce((s, aj, k) => s + ai * ((i === k ? 1 : 0) - aj) * columns(dA)[j]![k]!, 0)));
    expect(columns(g.backward(dA, Z).data)).toAllClose(expected, { rtol: 1e-12, atol: 1e-15 });
    expect(g.derivative).toBeUndefined();
  });

  it("passes gradcheck to second order; is stable for logits of ±1e4", () => {
    const w = sample([2, 3], "float64", 5);
    expect(gradcheck((z) => g.forward(z).mul(w), [Z]).passed).toBe(true);
    expect(gradcheck((z) => sum(grad((u: Variable) => sum(g.forward(u).mul(w).mul(g.forward(u))))(z) as Variable), [Z]).passed).toBe(true);
    const big = tensor([[1e4, -1e4], [-1e4, 1e4]], { dtype: "float64" });
    expect(g.forward(big).toArray()).toEqual([[1, 0], [0, 1]]);
  });
});

describe("activation()", () => {
  it("lists every name and returns an Activation unchanged", () => {
    expect([...activationNames].sort()).toEqual(["identity", "leakyRelu", "relu", "sigmoid", "softmax", "tanh"]);
    const g: Activation = activation("tanh");
    expect(activation(g)).toBe(g);
  });

  it("rejects unknown names and bad slopes with the list of names", () => {
    expect(() => activation("gelu" as never)).toThrow(ValueError);
    expect(() => activation("gelu" as never)).toThrow(/unknown activation "gelu"; expected one of relu, leakyRelu, sigmoid, tanh, softmax, identity/);
    expect(() => activation({ name: "leakyRelu", alpha: -1 })).toThrow(/leakyRelu: alpha must be a finite number ≥ 0, got -1/);
    expect(() => activation("__proto__" as never)).toThrow(/unknown activation/);
  });
});
