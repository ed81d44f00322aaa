import { describe, expect, it } from "vitest";
import { mat4, vec3 } from "gl-matrix";
import { variable } from "@strata/autograd";
import { tensor } from "@strata/tensor";
import { rodrigues, run } from "./run.js";

describe("pose-fit example", () => {
  // N = 50 and 200 steps: about 0.08° and 0.004 here, where 1000 steps give 0.10° and 0.004 —
  // the fit has converged and what is left is the noise; the bounds leave a margin over that.
  const res = run({ n: 50, steps: 200 });

  it("recovers the rotation and translation", () => {
    expect(res.rotationErrorDeg).toBeLessThan(0.5);
    expect(res.translationError).toBeLessThan(0.015);
    expect(res.losses.at(-1)!).toBeLessThan(res.losses[0]! / 1000);
    // What is left is the noise: E‖noise‖² = 3σ².
    expect(res.finalRms).toBeGreaterThan(0.5 * 0.01 * Math.sqrt(3));
    expect(res.finalRms).toBeLessThan(1.5 * 0.01 * Math.sqrt(3));
  });

  it("gives a mat4 that moves points where the truth does", () => {
    expect(res.maxPointError).toBeLessThan(0.02);
    for (const p of [[2, 0, 0], [0, -2, 1], [1.5, 1.5, -1.5]] as const) {
      const a = vec3.transformMat4(vec3.create(), p, res.estimate);
      const b = vec3.transformMat4(vec3.create(), p, res.truth);
      expect(vec3.distance(a, b)).toBeLessThan(0.05);
    }
    // A rigid transform: the last row stays (0, 0, 0, 1) and the determinant is 1.
    expect([res.estimate[3], res.estimate[7], res.estimate[11], res.estimate[15]]).toEqual([0, 0, 0, 1]);
    expect(mat4.determinant(res.estimate)).toBeCloseTo(1, 5);
  });

  it("builds rotations with Rodrigues' formula, including at r = 0", () => {
    expect(rodrigues(variable(tensor([0, 0, 0], { dtype: "float64" }))).data).toAllClose([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    // 90° about z sends x to y.
    const Rz = rodrigues(variable(tensor([0, 0, Math.PI / 2], { dtype: "float64" }))).data;
    expect(Rz).toAllClose([[0, -1, 0], [1, 0, 0], [0, 0, 1]], { atol: 1e-12 });
    const r = variable(tensor([0, 0, 0], { dtype: "float64" }), { requiresGrad: true });
    rodrigues(r).sum().backward();
    expect((r.grad!.toArray() as number[]).every(Number.isFinite)).toBe(true);
  });
});
