// Gradients of gradients: gradcheck of functions that take gradients inside (finite differences of
// the analytic first derivative against its own backward), and the refusal, naming the function,
// of a second derivative through a custom backward that computed its gradient from values.
import { describe, expect, it } from "vitest";
import {
  Variable, batchNorm, defineFunction, exp, gradcheck, gt, where, gradients, grad, leakyRelu, matmul, mul, relu, sigmoid,
  sin, square, sub, sum, tanh, variable,
} from "@strata/autograd";
import { Tensor, ValueError, randn, rng, tensor, type TensorValues } from "@strata/tensor";

const f64 = (values: TensorValues): Tensor => tensor(values, { dtype: "float64" });

/** Σ w ⊙ ∂(Σ v ⊙ f(x))/∂x: a scalar function of x whose own gradient is a second derivative of f. */
function weightedGradient(f: (x: Variable) => Variable, v: Tensor, w: Tensor): (x: Variable) => Variable {
  return (x) => {
    const [g] = gradients([sum(mul(f(x), v))], [x], { createGraph: true });
    return sum(mul(g!, w));
  };
}

describe("gradcheck of a function that takes gradients inside", () => {
  const r = rng(11);
  const x = randn([2, 3], { rng: r, dtype: "float64" });
  const v = randn([2, 3], { rng: r, dtype: "float64" });
  const w = randn([2, 3], { rng: r, dtype: "float64" });
  const cases: [string, (x: Variable) => Variable][] = [
    ["x³", (x) => mul(mul(x, x), x)],
    ["exp", exp],
    ["tanh", tanh],
    ["sigmoid", sigmoid],
    ["x·sin x", (x) => mul(x, sin(x))],
  ];
  for (const [name, f] of cases) {
    it(`${name}: Σ w ⊙ ∂f/∂x, whose gradient is the Hessian-weighted w`, () => {
      expect(gradcheck(weightedGradient(f, v, w), [x]).passed).toBe(true);
    });
  }

  it("the gradient of Σ ∂(Σx³)/∂x is 6x, by grad inside and by gradcheck", () => {
    const fn = (x: Variable) => sum(grad((u) => sum(mul(mul(u, u), u)))(x));
    expect(grad(fn)(f64([1, -2])).data).toAllClose([6, -12]);
    expect(gradcheck(fn, [f64([1, -2, 0.5])]).passed).toBe(true);
  });

  it("a gradient penalty ‖∂D/∂x‖² of a one-layer critic, with respect to x and the weights", () => {
    const W = randn([3, 4], { rng: r, dtype: "float64" });
    const penalty = (x: Variable, W: Variable) => {
      const critic = sum(tanh(matmul(x, W)));
      const [g] = gradients([critic], [x], { createGraph: true });
      return sum(square(g!));
    };
    expect(gradcheck(penalty, [x, W]).passed).toBe(true);
  });

  it("catches a wrong hand-written second derivative", () => {
    // d/dx 3x² written as 3x (should be 6x), inside the correct first derivative of x³
    const threeXSquared = defineFunction({
      name: "threeXSquared",
      forward(ctx, x) {
        ctx.save(x as Tensor);
        return (x as Tensor).mul(x as Tensor).mul(3);
      },
      backward: (ctx, g) => [mul(g, mul(3, ctx.saved[0]!))],
    });
    const cube = defineFunction({
      name: "cube",
      forward(ctx, x) {
        ctx.save(x as Tensor);
        return (x as Tensor).mul(x as Tensor).mul(x as Tensor);
      },
      backward: (ctx, g) => [mul(g, threeXSquared(ctx.saved[0]!))],
    });
    const fn = (x: Variable) => sum(grad((u) => sum(cube(u)))(x));
    const first = gradcheck((x) => sum(cube(x)), [f64([1, 2])]);
    expect(first.passed).toBe(true);
    const second = gradcheck(fn, [f64([1, 2])], { throwOnFailure: false });
    expect(second.passed).toBe(false);
    expect(second.worst!.numeric).toBeCloseTo(6 * 2, 5);
    expect(second.worst!.analytic).toBeCloseTo(3 * 2, 12);
    expect(() => gradcheck(fn, [f64([1, 2])])).toThrow(/gradcheck: input 0/);
  });
});

// tanh with a backward computed from values: first derivatives right, second ones unavailable.
const fromValues = {
  tensor: defineFunction({
    name: "myTanh",
    forward(ctx, x) {
      const y = (x as Tensor).tanh();
      ctx.save(y);
      return y;
    },
    backward: (ctx, g) => [g.data.mul(ctx.saved[0]!.data.square().neg().add(1))],
  }),
  data: defineFunction({
    name: "myTanhData",
    forward(ctx, x) {
      const y = (x as Tensor).tanh();
      ctx.save(y);
      return y;
    },
    backward: (ctx, g) => [new Variable(g.data.mul(ctx.saved[0]!.data.square().neg().add(1)))],
  }),
};
const withOps = defineFunction({
  name: "opsTanh",
  forward(ctx, x) {
    const y = (x as Tensor).tanh();
    ctx.save(y);
    return y;
  },
  backward: (ctx, g) => [mul(g, sub(1, square(ctx.saved[0]!)))],
});

describe("a second derivative through a custom backward computed from values", () => {
  const x0 = f64([0.3, -0.7, 1.2]);
  const sech2 = (t: number) => 1 - Math.tanh(t) ** 2;

  for (const [kind, op] of Object.entries(fromValues)) {
    it(`(${kind}) gives the right first derivative, with and without createGraph`, () => {
      const x = variable(x0, { requiresGrad: true });
      const [g] = gradients([sum(op(x))], [x]);
      expect(g!.data).toAllClose([0.3, -0.7, 1.2].map(sech2));
      const [h] = gradients([sum(op(x))], [x], { createGraph: true });
      expect(h!.data).toAllClose([0.3, -0.7, 1.2].map(sech2));
    });

    it(`(${kind}) throws a ValueError naming the function when differentiated again, never a silent zero`, () => {
      const x = variable(x0, { requiresGrad: true });
      const [g] = gradients([sum(op(x))], [x], { createGraph: true });
      const name = kind === "tensor" ? "myTanh" : "myTanhData";
      const message = new RegExp(`defineFunction\\(${name}\\): its backward returned values that autograd cannot differentiate.*write backward with @strata/autograd ops`);
      expect(() => gradients([sum(g!)], [x])).toThrow(ValueError);
      expect(() => gradients([sum(g!)], [x])).toThrow(message);
      expect(() => sum(g!).backward()).toThrow(message);
      expect(() => grad((u) => sum(grad((v) => sum(op(v)))(u)))(x0)).toThrow(message);
      expect(() => gradcheck((u) => sum(grad((v) => sum(op(v)))(u)), [x0])).toThrow(message);
    });
  }

  it("a gradient that depends on the upstream gradient's graph is refused too", () => {
    // g at myTanh depends on w, so ∂(∂L/∂x)/∂w goes through the backward: refused
    const x = variable(x0, { requiresGrad: true });
    const w = variable(f64([2, 3, 4]), { requiresGrad: true });
    const [g] = gradients([sum(mul(fromValues.tensor(x), square(w)))], [x], { createGraph: true });
    expect(() => gradients([sum(g!)], [w])).toThrow(/defineFunction\(myTanh\)/);
  });

  it("a pass that does not go through the refused gradient is unaffected", () => {
    const x = variable(x0, { requiresGrad: true });
    const y = variable(f64([1, 2, 3]), { requiresGrad: true });
    const [g] = gradients([sum(fromValues.tensor(x))], [x], { createGraph: true });
    const [gy] = gradients([sum(mul(mul(y, y), g!.detach()))], [y]);
    expect(gy!.data).toAllClose([0.3, -0.7, 1.2].map((t, k) => 2 * (k + 1) * sech2(t)));
  });

  it("a custom relu whose derivative is a constant mask times grad has second derivative 0, not an error", () => {
    const myRelu = defineFunction({
      name: "myRelu",
      forward(ctx, x) {
        ctx.save(x as Tensor);
        return (x as Tensor).relu();
      },
      backward: (ctx, g) => [where(gt(ctx.saved[0]!, 0), g, 0)],
    });
    const x = variable(x0, { requiresGrad: true });
    const [g] = gradients([sum(myRelu(x))], [x], { createGraph: true });
    expect(g!.data).toAllClose([1, 0, 1]);
    const [h] = gradients([sum(mul(g!, x))], [x]); // d/dx Σ relu'(x)·x = relu'(x)
    expect(h!.data).toAllClose([1, 0, 1]);
    expect(gradcheck((u) => sum(mul(grad((v) => sum(myRelu(v)))(u), u)), [x0]).passed).toBe(true);
  });

  it("a backward written with autograd ops differentiates to the third order", () => {
    const x = f64([0.3, -0.7, 1.2]);
    const second = (u: Variable) => grad((v) => sum(grad((s) => sum(withOps(s)))(v)))(u);
    // d²/dx² tanh = -2 tanh sech²
    expect(second(variable(x)).data).toAllClose([0.3, -0.7, 1.2].map((t) => -2 * Math.tanh(t) * sech2(t)));
    expect(gradcheck((u) => sum(second(u)), [x]).passed).toBe(true);
    expect(gradcheck((u) => sum(grad((v) => sum(withOps(v)))(u)), [x]).passed).toBe(true);
  });
});

describe("the built-in ops with a first-order kernel keep second derivatives under createGraph", () => {
  const r = rng(5);
  const x = randn([4, 3], { rng: r, dtype: "float64" });
  const v = randn([4, 3], { rng: r, dtype: "float64" });
  const w = randn([4, 3], { rng: r, dtype: "float64" });
  const ops: [string, (x: Variable) => Variable][] = [
    ["sigmoid", sigmoid],
    ["tanh", tanh],
    ["relu (second derivative 0 almost everywhere)", relu],
    ["leakyRelu", (x) => leakyRelu(x, 0.2)],
    ["relu of a product (x² ⊙ relu'(x²·v))", (x) => relu(mul(mul(x, x), v))],
    ["batchNorm training", (x) => batchNorm(x, null, null, null, null, { training: true, eps: 1e-3 })],
    ["batchNorm evaluation", (x) => batchNorm(x, f64([0.1, -0.2, 0.3]), f64([1.5, 0.5, 2]), f64([2, -1, 0.5]), null, { eps: 1e-3 })],
  ];
  for (const [name, op] of ops) {
    it(`${name}: gradcheck of Σ w ⊙ ∂(Σ v ⊙ op(x))/∂x`, () => {
      expect(gradcheck(weightedGradient(op, v, w), [x]).passed).toBe(true);
    });
  }

  it("sigmoid's and batchNorm's second derivatives are not zero (the check above could fail)", () => {
    for (const op of [sigmoid, (x: Variable) => batchNorm(x, null, null, null, null, { training: true })]) {
      const xv = variable(x, { requiresGrad: true });
      const [second] = gradients([weightedGradient(op, v, w)(xv)], [xv]);
      expect(Math.max(...Array.from(second!.data.abs().toTypedArray() as Float64Array))).toBeGreaterThan(1e-3);
    }
  });
});
