// clipGradNorm: total norms worked out by hand, the scaled gradients, and what it leaves alone.
import { describe, expect, it } from "vitest";
import { variable } from "@strata/autograd";
import { tensor } from "@strata/tensor";
import { clipGradNorm, type ClipGradNormOptions } from "@strata/optim";
import { thrown, values } from "./helpers.js";

/** Two parameters with gradients (1, −2, 2) and ((0, 4), (−4, 0)), and one without a gradient. */
function setup(dtype: "float32" | "float64" = "float64") {
  const a = variable(tensor([0, 0, 0], { dtype }), { requiresGrad: true });
  const b = variable(tensor([[0, 0], [0, 0]], { dtype }), { requiresGrad: true });
  const c = variable(tensor([7], { dtype }), { requiresGrad: true });
  a.grad = tensor([1, -2, 2], { dtype });
  b.grad = tensor([[0, 4], [-4, 0]], { dtype });
  return { a, b, c, params: [a, b, c] };
}

describe("clipGradNorm", () => {
  // 2-norm: √(1 + 4 + 4 + 16 + 16) = √41; 1-norm: 1 + 2 + 2 + 4 + 4 = 13; ∞-norm: 4.
  const cases: [ClipGradNormOptions["normType"], number][] = [
    [2, Math.sqrt(41)],
    [1, 13],
    [Infinity, 4],
  ];
  for (const [normType, total] of cases) {
    it(`normType ${normType}: returns the total norm ${total.toFixed(4)} and scales by maxNorm/(total + 1e-6)`, () => {
      const { a, b, c, params } = setup();
      expect(clipGradNorm(params, 1, { normType })).toBeCloseTo(total, 14);
      const scale = 1 / (total + 1e-6);
      expect(values(a.grad!)).toAllClose([1, -2, 2].map((x) => x * scale), { rtol: 1e-14 });
      expect(values(b.grad!)).toAllClose([0, 4, -4, 0].map((x) => x * scale), { rtol: 1e-14 });
      expect(c.grad).toBeNull();
    });

    it(`normType ${normType}: leaves gradients whose norm is within maxNorm unchanged`, () => {
      const { a, b, params } = setup();
      const ga = a.grad!;
      expect(clipGradNorm(params, total, { normType })).toBeCloseTo(total, 14);
      expect(a.grad).toBe(ga);
      expect(values(a.grad!)).toEqual([1, -2, 2]);
      expect(values(b.grad!)).toEqual([0, 4, -4, 0]);
      expect(ga.version).toBe(0);
    });
  }

  it("defaults to the 2-norm, scales in place, and after clipping the norm is maxNorm", () => {
    const { a, params } = setup();
    const ga = a.grad!;
    expect(clipGradNorm(params, 2)).toBeCloseTo(Math.sqrt(41), 14);
    expect(a.grad).toBe(ga); // the same tensor, scaled in place
    expect(clipGradNorm(params, 100)).toBeCloseTo(2, 5);
  });

  it("computes the norm in float64 for float32 gradients", () => {
    const { a, params } = setup("float32");
    expect(clipGradNorm(params, 1)).toBe(Math.sqrt(41));
    expect(a.grad!.dtype).toBe("float32");
    expect(values(a.grad!)).toAllClose([1, -2, 2].map((x) => x / (Math.sqrt(41) + 1e-6)), { rtol: 1e-6 });
  });

  it("handles non-contiguous and broadcast gradients, one variable, and repeats", () => {
    const a = variable(tensor([[0, 0], [0, 0]], { dtype: "float64" }), { requiresGrad: true });
    a.grad = tensor([[3, 0], [4, 0]], { dtype: "float64" }).T; // (3, 4; 0, 0) as a view
    expect(clipGradNorm([a, a], 1)).toBe(5); // counted once
    expect(values(a.grad!)).toAllClose([3, 4, 0, 0].map((x) => x / (5 + 1e-6)), { rtol: 1e-14 });

    const b = variable(tensor([[0, 0], [0, 0]], { dtype: "float64" }), { requiresGrad: true });
    b.grad = tensor([1, 1], { dtype: "float64" }).broadcastTo([2, 2]);
    expect(clipGradNorm(b, 1)).toBe(2);
    expect(values(b.grad!)).toAllClose([0.5, 0.5, 0.5, 0.5].map((x) => (x * 2) / (2 + 1e-6)), { rtol: 1e-14 });
  });

  it("refuses a non-finite total norm and changes nothing", () => {
    const { a, b, params } = setup();
    b.grad = tensor([[0, NaN], [1, 0]], { dtype: "float64" });
    const message = thrown(() => clipGradNorm(params, 1)).message;
    expect(message).toMatch(/^clipGradNorm: the total 2-norm of the gradients of 2 parameters is NaN/);
    expect(message).toContain("nothing was changed");
    expect(values(a.grad!)).toEqual([1, -2, 2]);
    b.grad = tensor([[0, Infinity], [1, 0]], { dtype: "float64" });
    expect(thrown(() => clipGradNorm(params, 1, { normType: Infinity })).message).toMatch(/the total Infinity-norm of the gradients of 2 parameters is Infinity/);
    expect(values(a.grad!)).toEqual([1, -2, 2]);
  });

  it("checks maxNorm and normType", () => {
    const { params } = setup();
    expect(thrown(() => clipGradNorm(params, -1)).message).toBe("clipGradNorm: maxNorm must be a finite number >= 0, got -1");
    expect(thrown(() => clipGradNorm(params, NaN)).message).toBe("clipGradNorm: maxNorm must be a finite number >= 0, got NaN");
    expect(thrown(() => clipGradNorm(params, 1, { normType: 3 as 2 })).message).toBe("clipGradNorm: normType must be 1, 2 or Infinity, got 3");
  });

  it("returns 0 when no parameter has a gradient", () => {
    const { c } = setup();
    expect(clipGradNorm([c], 1)).toBe(0);
  });
});
