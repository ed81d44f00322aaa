// grad and valueAndGrad: functional gradients, argnums, nesting, and the errors of misuse.
import { describe, expect, it } from "vitest";
import {
  Variable, add, grad, mul, noGrad, sin, cos, sum, valueAndGrad, variable,
} from "@strata/autograd";
import { DTypeError, ValueError, tensor, type TensorValues } from "@strata/tensor";

const f64 = (values: TensorValues) => tensor(values, { dtype: "float64" });

// f(x, y) = Σ x·y: ∂/∂x = y, ∂/∂y = x.
const dotProduct = (x: Variable, y: Variable) => sum(mul(x, y));

describe("argnums", () => {
  const x = f64([1, 2, 3]);
  const y = f64([4, 5, 6]);

  it("differentiates argument 0 by default", () => {
    const g = grad(dotProduct)(x, y);
    expect(g).toBeInstanceOf(Variable);
    expect(g.data).toAllClose([4, 5, 6]);
  });

  it("takes one argument index as a number", () => {
    expect(grad(dotProduct, { argnums: 1 })(x, y).data).toAllClose([1, 2, 3]);
  });

  it("returns one gradient per index for a list", () => {
    const [gy, gx] = grad(dotProduct, { argnums: [1, 0] })(x, y);
    expect(gy!.data).toAllClose([1, 2, 3]);
    expect(gx!.data).toAllClose([4, 5, 6]);
  });

  it("throws for an index out of range, naming it and the argument count", () => {
    expect(() => grad(dotProduct, { argnums: 2 })(x, y)).toThrow(ValueError);
    expect(() => grad(dotProduct, { argnums: [0, 2] })(x, y)).toThrow(/argnums 2 is out of range for 2 arguments/);
    expect(() => grad(dotProduct, { argnums: -1 })(x, y)).toThrow(/argnums -1 is out of range/);
  });
});

describe("values by hand", () => {
  it("differentiates a function of three arguments", () => {
    // f(a, b, c) = Σ a²·b + Σ sin(c)·b  →  ∂a = 2ab, ∂b = a² + sin c, ∂c = b·cos c
    const f = (a: Variable, b: Variable, c: Variable) => add(sum(mul(mul(a, a), b)), sum(mul(sin(c), b)));
    const a = f64([1, -2]);
    const b = f64([3, 0.5]);
    const c = f64([0, Math.PI / 2]);
    const [ga, gb, gc] = grad(f, { argnums: [0, 1, 2] })(a, b, c);
    expect(ga!.data).toAllClose([6, -2]);
    expect(gb!.data).toAllClose([1 + 0, 4 + 1]);
    expect(gc!.data).toAllClose([3, 0], { atol: 1e-15 });
  });

  it("valueAndGrad returns the value and the gradient", () => {
    const { value, grad: g } = valueAndGrad(dotProduct)(f64([1, 2]), f64([3, 4]));
    expect(value.item()).toBe(11);
    expect(value.requiresGrad).toBe(false);
    expect(g.data).toAllClose([3, 4]);
    const both = valueAndGrad(dotProduct, { argnums: [0, 1] })(f64([1, 2]), f64([3, 4]));
    expect(both.value.item()).toBe(11);
    expect(both.grad.map((v) => v.toArray())).toEqual([[3, 4], [1, 2]]);
  });

  it("nests: the third derivative of x⁴ is 24x", () => {
    const quartic = (x: Variable) => sum(mul(mul(x, x), mul(x, x)));
    const d1 = grad(quartic);
    const d2 = grad((x) => sum(d1(x)));
    const d3 = grad((x) => sum(d2(x)));
    const x = f64([1, -2, 0.5]);
    expect(d1(x).data).toAllClose([4, -32, 0.5]); // 4x³
    expect(d2(x).data).toAllClose([12, 48, 3]); // 12x²
    expect(d3(x).data).toAllClose([24, -48, 12]); // 24x
  });

  it("a mixed second derivative: ∂²/∂x∂y of Σ x²·y is 2x", () => {
    const f = (x: Variable, y: Variable) => sum(mul(mul(x, x), y));
    const dfdx = grad(f); // 2xy
    const mixed = grad((x, y) => sum(dfdx(x, y)), { argnums: 1 });
    expect(mixed(f64([1, 3]), f64([5, 7])).data).toAllClose([2, 6]);
  });

  it("keeps a gradient differentiable w.r.t. a variable the function closes over", () => {
    // ∂/∂x Σ x·w = w, so Σ of it differentiated w.r.t. w is ones.
    const w = variable([2, -3], { dtype: "float64", requiresGrad: true });
    const g = grad((x) => sum(mul(x, w)))(f64([1, 1]));
    expect(g.data).toAllClose([2, -3]);
    expect(g.requiresGrad).toBe(true);
    sum(g).backward();
    expect(w.grad).toAllClose([1, 1]);
  });
});

describe("arguments", () => {
  it("passes every argument as a variable; only the differentiated ones require gradients", () => {
    const seen: [boolean, boolean][] = [];
    const f = (x: Variable, k: Variable) => {
      expect(x).toBeInstanceOf(Variable);
      expect(k).toBeInstanceOf(Variable);
      seen.push([x.requiresGrad, k.requiresGrad]);
      return sum(mul(x, k));
    };
    expect(grad(f)(f64([1, 2]), 3).data).toAllClose([3, 3]);
    expect(grad(f)(f64([1, 2]), tensor([2, 4], { dtype: "int32" })).data).toAllClose([2, 4]);
    expect(seen).toEqual([[true, false], [true, false]]);
  });

  it("refuses to differentiate an int32 argument", () => {
    const ints = tensor([1, 2], { dtype: "int32" });
    expect(() => grad(dotProduct)(ints, f64([1, 1]))).toThrow(DTypeError);
    expect(() => grad(dotProduct, { argnums: [0, 1] })(f64([1, 1]), ints)).toThrow(/argument 1 is int32.*float32 and float64/);
  });

  it("refuses a non-scalar result and suggests a reduction", () => {
    expect(() => grad((x) => mul(x, 2))(f64([1, 2]))).toThrow(ValueError);
    expect(() => grad((x) => mul(x, 2))(f64([1, 2]))).toThrow(/one-element Variable, got shape \(2\).*sum, mean/);
  });

  it("returns zeros of the argument's shape and dtype for a constant function", () => {
    const g = grad(() => variable([5]))(f64([[1, 2], [3, 4]]));
    expect(g.dtype).toBe("float64");
    expect(g.data).toAllClose([[0, 0], [0, 0]]);
    // The result depends on argument 1 only, so argument 0 gets zeros.
    const h = grad((_x, y) => sum(y))(f64([1, 2, 3]), f64([1]));
    expect(h.data).toAllClose([0, 0, 0]);
  });

  it("works inside noGrad", () => {
    const g = noGrad(() => grad((x) => sum(mul(x, cos(x))))(f64([0, Math.PI])));
    // d/dx x·cos x = cos x - x·sin x
    expect(g.data).toAllClose([1, -1], { atol: 1e-12 });
  });
});
