// RMSprop against PyTorch's documented algorithm, recomputed here element by element with scalar
// arithmetic over three steps of fixed gradients.
import { describe, expect, it } from "vitest";
import { RMSprop, type RMSpropOptions } from "@strata/optim";
import { GRADS, P0, param, thrown, trajectory } from "./helpers.js";

/**
 * g += λp; v ← αv + (1−α)g²; centered: ga ← α ga + (1−α) g, denom = √(v − ga²) + ε, else √v + ε;
 * momentum: b ← μb + g/denom, p ← p − lr·b; else p ← p − lr·g/denom.
 */
function reference(p0: number[], grads: number[][], o: RMSpropOptions): number[][] {
  const { lr = 1e-2, alpha = 0.99, eps = 1e-8, weightDecay = 0, momentum = 0, centered = false } = o;
  const p = [...p0];
  const v = p0.map(() => 0);
  const ga = p0.map(() => 0);
  const b = p0.map(() => 0);
  return grads.map((grad) => {
    for (let i = 0; i < p.length; i++) {
      const g = grad[i]! + weightDecay * p[i]!;
      v[i] = alpha * v[i]! + (1 - alpha) * g * g;
      let denom: number;
      if (centered) {
        ga[i] = alpha * ga[i]! + (1 - alpha) * g;
        denom = Math.sqrt(v[i]! - ga[i]! * ga[i]!) + eps;
      } else {
        denom = Math.sqrt(v[i]!) + eps;
      }
      if (momentum > 0) {
        b[i] = momentum * b[i]! + g / denom;
        p[i] = p[i]! - lr * b[i]!;
      } else {
        p[i] = p[i]! - (lr * g) / denom;
      }
    }
    return [...p];
  });
}

describe("RMSprop", () => {
  const cases: [string, RMSpropOptions][] = [
    ["defaults", {}],
    ["plain", { lr: 0.05, alpha: 0.9, eps: 1e-6 }],
    ["centered", { lr: 0.05, alpha: 0.8, centered: true }],
    ["momentum", { lr: 0.05, alpha: 0.9, momentum: 0.7 }],
    ["weight decay", { lr: 0.05, alpha: 0.9, weightDecay: 0.1 }],
    ["centered with momentum and weight decay", { lr: 0.02, alpha: 0.7, momentum: 0.5, centered: true, weightDecay: 0.05 }],
  ];
  for (const [name, options] of cases) {
    it(`${name}: matches the published formula over three float64 steps`, () => {
      const p = param();
      const got = trajectory(new RMSprop([p], options), p);
      const want = reference(P0, GRADS, options);
      got.forEach((step, k) => expect(step).toAllClose(want[k]!, { rtol: 1e-12, atol: 1e-12 }));
    });
  }

  it("keeps the buffers its options need", () => {
    const p = param();
    const opt = new RMSprop([p], { momentum: 0.5, centered: true });
    trajectory(opt, p, GRADS.slice(0, 1));
    expect(Object.keys(opt.stateDict().state[0]!).sort()).toEqual(["gradAvg", "momentumBuffer", "squareAvg", "step"]);
    const q = param();
    const plain = new RMSprop([q]);
    trajectory(plain, q, GRADS.slice(0, 1));
    expect(Object.keys(plain.stateDict().state[0]!).sort()).toEqual(["squareAvg", "step"]);
  });

  it("checks its options", () => {
    const p = param();
    expect(thrown(() => new RMSprop([p], { alpha: 1.5 })).message).toBe("RMSprop: alpha must be in [0, 1], got 1.5");
    expect(thrown(() => new RMSprop([p], { eps: -1 })).message).toBe("RMSprop: eps must be a finite number > 0, got -1");
    expect(thrown(() => new RMSprop([p], { momentum: -0.5 })).message).toBe("RMSprop: momentum must be a finite number >= 0, got -0.5");
    expect(thrown(() => new RMSprop([p], { lr: Infinity })).message).toBe("RMSprop: lr must be a finite number >= 0, got Infinity");
  });
});
