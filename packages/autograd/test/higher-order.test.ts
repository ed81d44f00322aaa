// Gradients of gradients: second derivatives checked two independent ways, by finite differences
// of the analytic first derivative (gradcheck on grad(f)) and against closed forms; and a
// Hessian-vector product of a two-layer network against differences of its gradient.
import { describe, expect, it } from "vitest";
import {
  Variable, add, concat, exp, flatten, gradcheck, gradients, grad, log, matmul, mean, mul, pow, sigmoid,
  softmax, softplus, sin, sub, sum, tanh, variable,
} from "@strata/autograd";
import { randn, rng, rand, tensor, type Tensor } from "@strata/tensor";

const f64 = { dtype: "float64" as const };
const values = (t: Tensor): number[] => Array.from(t.toTypedArray() as ArrayLike<number>);

describe("second derivatives of elementwise ops", () => {
  // For f(x) = Σ wᵢ·op(xᵢ) the Hessian is diagonal with entries wᵢ·op''(xᵢ); grad(Σ ∂f/∂x) reads it off.
  const cases: { name: string; op: (x: Variable) => Variable; second: (x: number) => number; lo: number; hi: number }[] = [
    { name: "exp", op: exp, second: Math.exp, lo: -2, hi: 2 },
    { name: "log", op: log, second: (x) => -1 / (x * x), lo: 0.5, hi: 3 },
    { name: "tanh", op: tanh, second: (x) => -2 * Math.tanh(x) * (1 - Math.tanh(x) ** 2), lo: -2, hi: 2 },
    {
      name: "sigmoid",
      op: sigmoid,
      second: (x) => {
        const s = 1 / (1 + Math.exp(-x));
        return s * (1 - s) * (1 - 2 * s);
      },
      lo: -4,
      hi: 4,
    },
    { name: "pow(x, 3)", op: (x) => pow(x, 3), second: (x) => 6 * x, lo: 0.2, hi: 2 },
    { name: "pow(x, 0.5)", op: (x) => pow(x, 0.5), second: (x) => -0.25 * x ** -1.5, lo: 0.5, hi: 3 },
    { name: "softplus", op: softplus, second: (x) => Math.exp(-x) / (1 + Math.exp(-x)) ** 2, lo: -3, hi: 3 },
  ];
  for (const c of cases) {
    it(`${c.name}: closed form and finite differences of the first derivative`, () => {
      const r = rng(7);
      const x = rand([2, 3], { rng: r, ...f64 }).mul(c.hi - c.lo).add(c.lo);
      const w = randn([2, 3], { rng: r, ...f64 });
      const f = (v: Variable) => sum(mul(c.op(v), w));
      const firstDerivative = grad(f);
      const diagonal = grad((v) => sum(firstDerivative(v)))(x);
      const expected = values(x).map((xi, k) => values(w)[k]! * c.second(xi));
      expect(values(diagonal.data)).toAllClose(expected, { rtol: 1e-10, atol: 1e-12 });
      expect(gradcheck((v) => firstDerivative(v), [x]).passed).toBe(true);
    });
  }

  it("third derivative of sin is -cos", () => {
    const x = tensor([0.3, -1.2, 2], f64);
    const d1 = grad((v) => sum(sin(v)));
    const d2 = grad((v) => sum(d1(v)));
    const d3 = grad((v) => sum(d2(v)))(x);
    expect(values(d3.data)).toAllClose(values(x).map((v) => -Math.cos(v)), { rtol: 1e-12 });
  });
});

describe("second derivatives through reductions and products", () => {
  it("pow with both arguments: the full Hessian, mixed partials included", () => {
    const r = rng(3);
    const a = rand([3], { rng: r, ...f64 }).add(0.5);
    const b = rand([3], { rng: r, ...f64 }).mul(2);
    const f = (x: Variable, y: Variable) => sum(pow(x, y));
    const both = grad(f, { argnums: [0, 1] });
    expect(gradcheck((x, y) => concat(both(x, y).map((g) => flatten(g))), [a, b]).passed).toBe(true);
    // ∂²(aᵇ)/∂a∂b = aᵇ⁻¹ (1 + b ln a), by hand
    const mixed = grad((x, y) => sum(both(x, y)[0]!), { argnums: 1 })(a, b);
    const expected = values(a).map((ai, k) => {
      const bi = values(b)[k]!;
      return ai ** (bi - 1) * (1 + bi * Math.log(ai));
    });
    expect(values(mixed.data)).toAllClose(expected, { rtol: 1e-10 });
  });

  it("softmax: Hessian of Σ w·softmax(x) over rows", () => {
    const r = rng(11);
    const x = randn([2, 4], { rng: r, ...f64 });
    const w = randn([2, 4], { rng: r, ...f64 });
    const g = grad((v) => sum(mul(softmax(v, { axis: 1 }), w)));
    expect(gradcheck((v) => g(v), [x]).passed).toBe(true);
    // Closed form of the first derivative: p ⊙ (w - Σ p·w) per row.
    const p = x.softmax({ axis: 1 });
    const centred = w.sub(p.mul(w).sum({ axis: 1, keepDims: true }));
    expect(g(x).data).toAllClose(p.mul(centred), { rtol: 1e-12 });
  });

  it("matmul-based: Hessian of Σ w·tanh(W·x) with respect to W and x together", () => {
    const r = rng(5);
    const W = randn([3, 4], { rng: r, ...f64 });
    const x = randn([4, 2], { rng: r, ...f64 });
    const w = randn([3, 2], { rng: r, ...f64 });
    const both = grad((A, B) => sum(mul(tanh(matmul(A, B)), w)), { argnums: [0, 1] });
    expect(gradcheck((A, B) => concat(both(A, B).map((g) => flatten(g))), [W, x]).passed).toBe(true);
  });

  it("quadratic form: the Hessian of ½xᵀAx is (A + Aᵀ)/2, exactly", () => {
    const A = tensor([[1, 2], [3, 4]], f64);
    const x = variable([0.5, -1], { requiresGrad: true, ...f64 });
    const q = mul(sum(mul(x, matmul(A, x))), 0.5);
    const [g] = gradients([q], [x], { createGraph: true });
    const rows = [0, 1].map((i) => gradients([g!.slice(i)], [x], { retainGraph: true })[0]!.toArray());
    expect(rows).toEqual([[1, 2.5], [2.5, 4]]);
  });
});

describe("Hessian-vector product of a two-layer network", () => {
  // loss(θ) = mean(softplus(Z2) - Y·Z2), Z2 = W2·tanh(W1·X + b1) + b2: binary cross-entropy with logits.
  const r = rng(2026);
  const X = randn([3, 6], { rng: r, ...f64 });
  const Y = tensor([[1, 0, 1, 1, 0, 0]], f64);
  const theta = [randn([4, 3], { rng: r, ...f64 }), randn([4, 1], { rng: r, ...f64 }), randn([1, 4], { rng: r, ...f64 }), randn([1, 1], { rng: r, ...f64 })];
  const direction = theta.map((t) => randn(t.shape, { rng: r, ...f64 }));
  const loss = ([W1, b1, W2, b2]: Variable[]) => {
    const A1 = tanh(add(matmul(W1!, X), b1!));
    const Z2 = add(matmul(W2!, A1), b2!);
    return mean(sub(softplus(Z2), mul(Y, Z2)));
  };
  const gradientAt = (params: Tensor[]): Tensor[] => {
    const vs = params.map((p) => variable(p, { requiresGrad: true }));
    return gradients([loss(vs)], vs).map((g) => g.data);
  };

  it("backward({ createGraph }) then differentiating ⟨∇L, v⟩ matches (∇L(θ+εv) - ∇L(θ-εv)) / 2ε", () => {
    const params = theta.map((t) => variable(t.clone(), { requiresGrad: true }));
    loss(params).backward(undefined, { createGraph: true });
    const inner = params.map((p, k) => sum(mul(p.gradVariable!, direction[k]!))).reduce((s, t) => add(s, t));
    const hv = gradients([inner], params);

    const eps = 1e-5;
    const plus = gradientAt(theta.map((t, k) => t.add(direction[k]!.mul(eps))));
    const minus = gradientAt(theta.map((t, k) => t.sub(direction[k]!.mul(eps))));
    hv.forEach((h, k) => {
      const numeric = plus[k]!.sub(minus[k]!).div(2 * eps);
      expect(h.data).toAllClose(numeric, { rtol: 1e-6, atol: 1e-9 });
    });
    // The product is not trivially zero: the check above compares real curvature.
    expect(Math.max(...hv.map((h) => h.data.abs().max().item()))).toBeGreaterThan(1e-3);
  });

  it("the same product through gradients({ createGraph }) agrees to rounding", () => {
    const params = theta.map((t) => variable(t, { requiresGrad: true }));
    const gs = gradients([loss(params)], params, { createGraph: true });
    const inner = gs.map((g, k) => sum(mul(g, direction[k]!))).reduce((s, t) => add(s, t));
    const viaGradients = gradients([inner], params);
    const p2 = theta.map((t) => variable(t, { requiresGrad: true }));
    loss(p2).backward(undefined, { createGraph: true });
    const inner2 = p2.map((p, k) => sum(mul(p.gradVariable!, direction[k]!))).reduce((s, t) => add(s, t));
    gradients([inner2], p2).forEach((h, k) => expect(h.data).toAllClose(viaGradients[k]!.data, { rtol: 1e-13, atol: 1e-15 }));
  });
});
