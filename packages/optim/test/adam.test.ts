// Adam and AdamW against PyTorch's documented algorithms, recomputed here element by element with
// scalar arithmetic over three steps of fixed gradients.
import { describe, expect, it } from "vitest";
import { Adam, AdamW, type AdamOptions } from "@strata/optim";
import { GRADS, P0, param, thrown, trajectory } from "./helpers.js";

/**
 * t ← t+1; Adam: g += λp, AdamW: p ← p(1 − lr·λ); m ← β1 m + (1−β1) g; v ← β2 v + (1−β2) g²;
 * amsgrad: vmax ← max(vmax, v), used as v below; m̂ = m/(1−β1^t); v̂ = v/(1−β2^t); p ← p − lr·m̂/(√v̂ + ε).
 * (PyTorch's code, which takes the maximum before the bias correction; groups-pytorch.test.ts
 * checks it against PyTorch's own values.)
 */
function reference(p0: number[], grads: number[][], o: AdamOptions, decoupled: boolean): number[][] {
  const { lr = 1e-3, betas: [b1, b2] = [0.9, 0.999], eps = 1e-8, weightDecay = decoupled ? 1e-2 : 0, amsgrad = false } = o;
  const p = [...p0];
  const m = p0.map(() => 0);
  const v = p0.map(() => 0);
  const vmax = p0.map(() => 0);
  return grads.map((grad, k) => {
    const t = k + 1;
    for (let i = 0; i < p.length; i++) {
      let g = grad[i]!;
      if (decoupled) p[i] = p[i]! * (1 - lr * weightDecay);
      else g = g + weightDecay * p[i]!;
      m[i] = b1 * m[i]! + (1 - b1) * g;
      v[i] = b2 * v[i]! + (1 - b2) * g * g;
      const mhat = m[i]! / (1 - Math.pow(b1, t));
      if (amsgrad) vmax[i] = Math.max(vmax[i]!, v[i]!);
      const vhat = (amsgrad ? vmax[i]! : v[i]!) / (1 - Math.pow(b2, t));
      p[i] = p[i]! - (lr * mhat) / (Math.sqrt(vhat) + eps);
    }
    return [...p];
  });
}

const CASES: [string, AdamOptions][] = [
  ["defaults", {}],
  ["custom lr, betas, eps", { lr: 0.1, betas: [0.8, 0.9], eps: 1e-3 }],
  ["weight decay", { lr: 0.1, betas: [0.8, 0.9], weightDecay: 0.3 }],
  ["amsgrad", { lr: 0.1, betas: [0.5, 0.6], amsgrad: true }],
  ["amsgrad with weight decay", { lr: 0.05, betas: [0.7, 0.8], weightDecay: 0.2, amsgrad: true }],
];

describe("Adam", () => {
  for (const [name, options] of CASES) {
    it(`${name}: matches the published formula over three float64 steps`, () => {
      const p = param();
      const got = trajectory(new Adam([p], options), p);
      const want = reference(P0, GRADS, options, false);
      got.forEach((step, k) => expect(step).toAllClose(want[k]!, { rtol: 1e-12, atol: 1e-12 }));
    });
  }

  it("amsgrad keeps the largest v: a small third gradient takes a smaller step than plain Adam", () => {
    // With β2 = 0.6 the v of the last step drops, so AMSGrad's denominator is larger.
    const a = param();
    const b = param();
    const plain = trajectory(new Adam([a], { lr: 0.1, betas: [0.5, 0.6] }), a);
    const ams = trajectory(new Adam([b], { lr: 0.1, betas: [0.5, 0.6], amsgrad: true }), b);
    expect(ams[0]).toEqual(plain[0]);
    expect(ams[2]).not.toEqual(plain[2]);
  });

  it("counts steps per parameter, so a parameter without gradient keeps its bias correction", () => {
    const a = param();
    const b = param();
    const opt = new Adam([a, b], { lr: 0.1 });
    trajectory(opt, a, GRADS.slice(0, 2)); // two steps of a only
    b.grad = null;
    const dict = opt.stateDict();
    expect(dict.state[0]!.step).toBe(2);
    expect(dict.state[1]).toEqual({});
  });

  it("checks its options, naming betas by position", () => {
    const p = param();
    expect(thrown(() => new Adam([p], { betas: [0.9, 1.2] })).message).toBe("Adam: betas[1] must be in [0, 1), got 1.2");
    expect(thrown(() => new Adam([p], { betas: [-0.1, 0.9] })).message).toBe("Adam: betas[0] must be in [0, 1), got -0.1");
    expect(thrown(() => new Adam([p], { betas: [0.9, 1] })).message).toBe("Adam: betas[1] must be in [0, 1), got 1");
    expect(thrown(() => new Adam([p], { betas: [0.9] as unknown as [number, number] })).message).toBe("Adam: betas must be a pair [beta1, beta2], got [0.9]");
    expect(thrown(() => new Adam([p], { eps: 0 })).message).toBe("Adam: eps must be a finite number > 0, got 0");
    expect(thrown(() => new Adam([p], { lr: -1 })).message).toBe("Adam: lr must be a finite number >= 0, got -1");
    expect(thrown(() => new Adam([p], { weightDecay: -0.1 })).message).toBe("Adam: weightDecay must be a finite number >= 0, got -0.1");
    expect(thrown(() => new AdamW([p], { betas: [0.9, 1.2] })).message).toBe("AdamW: betas[1] must be in [0, 1), got 1.2");
    expect(thrown(() => new AdamW([p], { amsgrad: "yes" as unknown as boolean })).message).toBe('AdamW: amsgrad must be true or false, got "yes"');
  });
});

describe("AdamW", () => {
  const cases: [string, AdamOptions][] = [
    ["default decay 1e-2", { lr: 0.1 }],
    ["custom decay", { lr: 0.1, betas: [0.8, 0.9], weightDecay: 0.3 }],
    ["amsgrad", { lr: 0.05, betas: [0.5, 0.6], weightDecay: 0.2, amsgrad: true }],
  ];
  for (const [name, options] of cases) {
    it(`${name}: matches the published formula over three float64 steps`, () => {
      const p = param();
      const got = trajectory(new AdamW([p], options), p);
      const want = reference(P0, GRADS, options, true);
      got.forEach((step, k) => expect(step).toAllClose(want[k]!, { rtol: 1e-12, atol: 1e-12 }));
    });
  }

  it("decoupled decay differs from Adam's L2 penalty, and equals Adam without decay", () => {
    const options: AdamOptions = { lr: 0.1, betas: [0.8, 0.9], weightDecay: 0.3 };
    const a = param();
    const w = param();
    const l2 = trajectory(new Adam([a], options), a);
    const decoupled = trajectory(new AdamW([w], options), w);
    // The decoupled decay after step 1 is lr·λ·p exactly; the L2 term is normalised by √v̂ instead.
    const gap = Math.max(...l2[2]!.map((x, i) => Math.abs(x - decoupled[2]![i]!)));
    expect(gap).toBeGreaterThan(1e-3);

    const a0 = param();
    const w0 = param();
    expect(trajectory(new AdamW([w0], { ...options, weightDecay: 0 }), w0)).toEqual(trajectory(new Adam([a0], { ...options, weightDecay: 0 }), a0));
  });

  it("decays a parameter with a zero gradient by exactly (1 − lr·λ) per step", () => {
    const p = param();
    const opt = new AdamW([p], { lr: 0.1, weightDecay: 0.5 });
    const zeros = GRADS.map((g) => g.map(() => 0));
    const got = trajectory(opt, p, zeros);
    got.forEach((step, k) => expect(step).toAllClose(P0.map((x) => x * 0.95 ** (k + 1)), { rtol: 1e-14 }));
  });
});
