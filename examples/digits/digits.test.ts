import { describe, expect, it } from "vitest";
import { loadDigits, run } from "./run.js";

describe("digits example", () => {
  it("ships the 1797 digits as (64, m) columns scaled to [0, 1]", () => {
    const { x, y } = loadDigits();
    expect(x.shape).toEqual([64, 1797]);
    expect(y.shape).toEqual([1797]);
    const px = x.toTypedArray() as Float32Array;
    expect(Math.min(...px)).toBe(0);
    expect(Math.max(...px)).toBe(1);
    expect(new Set(y.toTypedArray() as Int32Array).size).toBe(10);
  });

  it("learns the digits in a few epochs", () => {
    const r = run({ epochs: 4, verbose: false });
    expect(r.trainSize + r.testSize).toBe(1797);
    expect(r.testSize).toBe(359);
    expect(r.history.epochs).toBe(4);
    expect(r.history.loss[3]!).toBeLessThan(r.history.loss[0]! / 3);
    expect(r.testAccuracy).toBeGreaterThanOrEqual(0.85);
    // The same seed gives the same run.
    expect(run({ epochs: 1, verbose: false }).history.loss[0]).toBe(r.history.loss[0]);
  });
});
