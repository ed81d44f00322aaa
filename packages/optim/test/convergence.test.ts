// End to end: each optimiser minimises a quadratic through autograd's backward and reaches the
// known minimiser.
import { describe, expect, it } from "vitest";
import { variable, type Variable } from "@strata/autograd";
import { tensor } from "@strata/tensor";
import { Adam, AdamW, CosineAnnealingLR, RMSprop, SGD, clipGradNorm, type LRScheduler, type Optimizer } from "@strata/optim";
import { values } from "./helpers.js";

// f(x) = Σ aᵢ (xᵢ − cᵢ)², minimised at x = c; the curvatures aᵢ differ by a factor 20.
const A = tensor([[1, 4], [0.2, 2]], { dtype: "float64" });
const C = tensor([[3, -1], [0.5, 2]], { dtype: "float64" });
const loss = (x: Variable): Variable => x.sub(C).square().mul(A).sum();

function minimise(make: (x: Variable) => Optimizer, steps: number, schedule?: (opt: Optimizer) => LRScheduler): { x: Variable; f: number } {
  const x = variable(tensor([[0, 0], [0, 0]], { dtype: "float64" }), { requiresGrad: true });
  const opt = make(x);
  const sched = schedule?.(opt);
  for (let k = 0; k < steps; k++) {
    opt.zeroGrad();
    loss(x).backward();
    clipGradNorm([x], 10);
    opt.step();
    sched?.step();
  }
  return { x, f: loss(x).item() };
}

describe("convergence on a quadratic", () => {
  const cases: [string, (x: Variable) => Optimizer, number, ((opt: Optimizer) => LRScheduler)?][] = [
    ["SGD", (x) => new SGD([x], { lr: 0.1 }), 300],
    ["SGD with momentum", (x) => new SGD([x], { lr: 0.05, momentum: 0.9 }), 300],
    ["SGD with Nesterov momentum", (x) => new SGD([x], { lr: 0.05, momentum: 0.9, nesterov: true }), 300],
    ["Adam with cosine annealing", (x) => new Adam([x], { lr: 0.1 }), 1000, (opt) => new CosineAnnealingLR(opt, { tMax: 1000 })],
    ["AMSGrad", (x) => new Adam([x], { lr: 0.1, amsgrad: true }), 1000, (opt) => new CosineAnnealingLR(opt, { tMax: 1000 })],
    ["AdamW without decay", (x) => new AdamW([x], { lr: 0.1, weightDecay: 0 }), 1000, (opt) => new CosineAnnealingLR(opt, { tMax: 1000 })],
    ["RMSprop", (x) => new RMSprop([x], { lr: 0.01 }), 1000, (opt) => new CosineAnnealingLR(opt, { tMax: 1000 })],
    ["RMSprop centered with momentum", (x) => new RMSprop([x], { lr: 0.01, momentum: 0.5, centered: true }), 1000, (opt) => new CosineAnnealingLR(opt, { tMax: 1000 })],
  ];
  for (const [name, make, steps, schedule] of cases) {
    it(`${name} reaches the minimiser`, () => {
      const { x, f } = minimise(make, steps, schedule);
      expect(values(x)).toAllClose(values(C), { atol: 1e-3, rtol: 0 });
      expect(f).toBeLessThan(1e-5);
    });
  }

  it("SGD with weight decay reaches the minimiser of the penalised loss, c·a/(a + λ/2)", () => {
    // ∇(a(x − c)² + (λ/2)x²) = 2a(x − c) + λx = 0  ⇒  x = 2ac/(2a + λ)
    const lambda = 0.5;
    const { x } = minimise((v) => new SGD([v], { lr: 0.1, weightDecay: lambda }), 500);
    const a = values(A);
    const want = values(C).map((c, i) => (2 * a[i]! * c) / (2 * a[i]! + lambda));
    expect(values(x)).toAllClose(want, { atol: 1e-8, rtol: 0 });
  });
});
