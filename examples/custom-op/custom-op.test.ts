import { describe, expect, it } from "vitest";
import { run } from "./run.js";

describe("custom-op example", () => {
  // Few steps keep it fast; the checks below do not depend on the fit having fully converged.
  const res = run({ steps: 60, n: 60 });

  it("passes gradcheck in float64 for both ops", () => {
    expect(res.gradcheck.logCosh.passed).toBe(true);
    expect(res.gradcheck.huber.passed).toBe(true);
    expect(res.gradcheck.logCosh.maxError).toBeLessThan(1e-6);
    expect(res.gradcheck.huber.maxError).toBeLessThan(1e-6);
  });

  it("matches the closed forms, staying finite where the naive form overflows", () => {
    for (const r of res.rows) expect(r.logCosh).toBeCloseTo(r.closedForm, 12);
    const big = res.rows.find((r) => r.x === 800)!;
    expect(big.naive).toBe(Infinity);
    expect(big.logCosh).toBeCloseTo(800 - Math.LN2, 10);
    for (const r of res.rows.filter((r) => Math.abs(r.x) < 20)) expect(r.logCosh).toBeCloseTo(Math.log(Math.cosh(r.x)), 12);
    // Huber, δ = 1: ½r² inside, |r| − ½ outside; gradient clip(r, −1, 1) and its negative for the target.
    const { r, value, dPred, dTarget } = res.huber;
    r.forEach((ri, i) => {
      expect(value[i]).toBeCloseTo(Math.abs(ri) <= 1 ? 0.5 * ri * ri : Math.abs(ri) - 0.5, 12);
      expect(dPred[i]).toBeCloseTo(Math.max(-1, Math.min(1, ri)), 12);
      expect(dTarget[i]).toBeCloseTo(-Math.max(-1, Math.min(1, ri)), 12);
    });
  });

  it("differentiates the backward again: second derivatives match the closed forms", () => {
    expect(res.logCoshDerivErrors.first).toBeLessThan(1e-12);
    expect(res.logCoshDerivErrors.second).toBeLessThan(1e-12);
    const mid = res.rows.find((r) => r.x === 0.5)!;
    expect(mid.d2).toBeCloseTo(1 - Math.tanh(0.5) ** 2, 12);
    expect(res.huber.d2).toEqual(res.huber.r.map((ri) => (Math.abs(ri) <= 1 ? 1 : 0)));
  });

  it("trains with Adam: every loss decreases, and the robust ones resist the outliers", () => {
    for (const fit of res.fits) expect(fit.lastLoss).toBeLessThan(0.8 * fit.firstLoss);
    const byName = Object.fromEntries(res.fits.map((f) => [f.loss, f]));
    for (const name of ["huber", "logCosh"]) {
      expect(Math.abs(byName[name]!.w - res.truth.w)).toBeLessThan(0.2);
    }
  });
});
