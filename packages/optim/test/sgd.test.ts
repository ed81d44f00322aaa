// SGD's update against PyTorch's documented algorithm, recomputed here element by element with
// scalar arithmetic over three steps of fixed gradients.
import { describe, expect, it } from "vitest";
import { SGD, type SGDOptions } from "@strata/optim";
import { GRADS, P0, grad, param, thrown, trajectory, values } from "./helpers.js";

/** The published algorithm: g += λp; b = g (first step) or μb + (1−τ)g; g = nesterov ? g + μb : b; p −= lr·g. */
function reference(p0: number[], grads: number[][], o: SGDOptions): number[][] {
  const { lr, momentum = 0, dampening = 0, nesterov = false, weightDecay = 0 } = o;
  const p = [...p0];
  const b = p0.map(() => 0);
  return grads.map((g, t) => {
    for (let i = 0; i < p.length; i++) {
      let d = g[i]! + weightDecay * p[i]!;
      if (momentum !== 0) {
        b[i] = t === 0 ? d : momentum * b[i]! + (1 - dampening) * d;
        d = nesterov ? d + momentum * b[i]! : b[i]!;
      }
      p[i] = p[i]! - lr * d;
    }
    return [...p];
  });
}

describe("SGD", () => {
  it("plain: is exactly W − lr·dW, step after step", () => {
    const p = param();
    const opt = new SGD([p], { lr: 0.3 });
    for (const g of GRADS) {
      p.grad = grad(g);
      const expected = p.data.sub(p.grad.mul(0.3)); // with tensor ops, before the step
      opt.step();
      expect(p.data.equals(expected)).toBe(true);
    }
  });

  const cases: [string, SGDOptions][] = [
    ["plain", { lr: 0.3 }],
    ["momentum", { lr: 0.3, momentum: 0.9 }],
    ["momentum with dampening", { lr: 0.3, momentum: 0.8, dampening: 0.25 }],
    ["nesterov", { lr: 0.2, momentum: 0.7, nesterov: true }],
    ["weight decay", { lr: 0.3, weightDecay: 0.05 }],
    ["everything but nesterov", { lr: 0.15, momentum: 0.6, dampening: 0.1, weightDecay: 0.2 }],
    ["nesterov with weight decay", { lr: 0.15, momentum: 0.6, nesterov: true, weightDecay: 0.2 }],
  ];
  for (const [name, options] of cases) {
    it(`${name}: matches the published formula over three float64 steps`, () => {
      const p = param();
      const got = trajectory(new SGD([p], options), p);
      const want = reference(P0, GRADS, options);
      got.forEach((step, k) => expect(step).toAllClose(want[k]!, { rtol: 1e-12, atol: 1e-12 }));
    });
  }

  it("momentum changes the path, and the first step is plain SGD (b = g)", () => {
    const plain = param();
    const heavy = param();
    const a = trajectory(new SGD([plain], { lr: 0.3 }), plain);
    const b = trajectory(new SGD([heavy], { lr: 0.3, momentum: 0.9, dampening: 0.5 }), heavy);
    expect(b[0]).toEqual(a[0]); // dampening does not touch the first buffer
    expect(Math.max(...b[2]!.map((x, i) => Math.abs(x - a[2]![i]!)))).toBeGreaterThan(0.1);
  });

  it("checks its options", () => {
    const p = param();
    expect(thrown(() => new SGD([p], {} as SGDOptions)).message).toBe("SGD: lr is required");
    expect(thrown(() => new SGD([p], { lr: -0.1 })).message).toBe("SGD: lr must be a finite number >= 0, got -0.1");
    expect(thrown(() => new SGD([p], { lr: NaN })).message).toBe("SGD: lr must be a finite number >= 0, got NaN");
    expect(thrown(() => new SGD([p], { lr: 0.1, momentum: -1 })).message).toBe("SGD: momentum must be a finite number >= 0, got -1");
    expect(thrown(() => new SGD([p], { lr: 0.1, dampening: 2 })).message).toBe("SGD: dampening must be in [0, 1], got 2");
    expect(thrown(() => new SGD([p], { lr: 0.1, weightDecay: Infinity })).message).toBe("SGD: weightDecay must be a finite number >= 0, got Infinity");
    expect(thrown(() => new SGD([p], { lr: 0.1, nesterov: true })).message).toBe(
      "SGD: nesterov requires momentum > 0 and dampening 0, got momentum 0 and dampening 0",
    );
    expect(thrown(() => new SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true })).message).toMatch(/nesterov requires momentum > 0 and dampening 0/);
    expect(thrown(() => new SGD([p], { lr: 0.1, nesterov: 1 as unknown as boolean })).message).toBe("SGD: nesterov must be true or false, got 1");
    const typo = { lr: 0.1, learningRate: 0.2 } as SGDOptions;
    expect(thrown(() => new SGD([p], typo)).message).toBe('SGD: unknown option "learningRate" (known: lr, momentum, dampening, nesterov, weightDecay)');
    // several problems are reported together
    expect(thrown(() => new SGD([p], { lr: -1, momentum: -1 })).message).toBe(
      "SGD: lr must be a finite number >= 0, got -1; momentum must be a finite number >= 0, got -1",
    );
  });

  it("lr is settable and checked", () => {
    const p = param();
    const opt = new SGD([p], { lr: 0.5 });
    opt.lr = 0.25;
    p.grad = grad(P0);
    opt.step();
    expect(values(p)).toEqual(P0.map((x) => x - 0.25 * x));
    expect(thrown(() => (opt.lr = -1)).message).toBe("SGD: lr must be a finite number >= 0, got -1");
    expect(thrown(() => (opt.lr = Infinity)).message).toBe("SGD: lr must be a finite number >= 0, got Infinity");
    expect(opt.lr).toBe(0.25);
  });
});
