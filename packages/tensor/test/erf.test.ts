// erf against 40-digit values from mpmath (fixtures/erf.json, written by scripts/erf_reference.py;
// the tests never run Python), measured in units in the last place of the exact value, and its
// structure: odd, saturating at ±1, NaN through, float32 rounded once, every memory layout.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DTypeError, erf, kernelOptions, setKernelOptions, tensor } from "@strata/tensor";
import { flatValues, layouts, thrown } from "./reference.js";

interface Fixture { rows: [x: number, nearest: number, residual: number][] }
const { rows } = JSON.parse(readFileSync(new URL("./fixtures/erf.json", import.meta.url), "utf8")) as Fixture;

/** The spacing of float64 values just above |y|. */
function ulp(y: number): number {
  if (y === 0) return Number.MIN_VALUE;
  const b = new Float64Array([Math.abs(y)]);
  const bits = new BigInt64Array(b.buffer);
  bits[0]! += 1n;
  return b[0]! - Math.abs(y);
}

describe("erf", () => {
  it("is within 6 ulps (relative 7e-16) of the 40-digit reference at 381 points, exact at the trivial ones", () => {
    const got = flatValues(erf(tensor(rows.map((r) => r[0]), { dtype: "float64" })));
    let worstUlps = 0;
    rows.forEach(([x, nearest, residual], i) => {
      // the error against the exact value nearest + residual, without rounding it again
      const ulps = Math.abs(got[i]! - nearest - residual) / ulp(nearest);
      worstUlps = Math.max(worstUlps, ulps);
      expect(ulps, `erf(${x}) = ${got[i]}, exact ${nearest} + ${residual}`).toBeLessThanOrEqual(6);
      if (nearest !== 0) expect(Math.abs(got[i]! - nearest) / Math.abs(nearest), `erf(${x})`).toBeLessThan(7e-16);
    });
    // the check is not vacuous: most points are not exact
    expect(worstUlps).toBeGreaterThan(0.5);
    const exact = new Map(rows.map(([x, nearest]) => [x, nearest]));
    expect(exact.get(0)).toBe(0);
    expect(got[rows.findIndex((r) => r[0] === 0)]).toBe(0);
    expect(got[rows.findIndex((r) => r[0] === 6)]).toBe(1);
    expect(got[rows.findIndex((r) => r[0] === 27)]).toBe(1);
  });

  it("is tiny-linear near 0: erf(x) = 2x/√π for |x| < 1e-8 (to rounding)", () => {
    for (const x of [1e-300, 1e-20, -1e-10]) {
      const y = erf(tensor([x], { dtype: "float64" })).item();
      expect(Math.abs(y - (2 / Math.sqrt(Math.PI)) * x)).toBeLessThanOrEqual(2 * ulp(y));
    }
  });

  it("is odd, saturates at ±1 and passes NaN through", () => {
    const xs = [0.3, 1.7, 2.2, 4.1, 5.99];
    const pos = flatValues(erf(tensor(xs, { dtype: "float64" })));
    const neg = flatValues(erf(tensor(xs.map((x) => -x), { dtype: "float64" })));
    expect(neg).toEqual(pos.map((v) => -v));
    expect(flatValues(erf(tensor([Infinity, -Infinity, 6, -8, NaN], { dtype: "float64" })))).toEqual([1, -1, 1, -1, NaN]);
    // the two expansions meet at |x| = 2 (the fixture holds 2 and the float64 just below it):
    // neighbours on either side agree to a few ulps, with no step between them
    const around = flatValues(erf(tensor([1.9999999999999996, 1.9999999999999998, 2, 2.0000000000000004], { dtype: "float64" })));
    for (const v of around) expect(Math.abs(v - 0.9953222650189527)).toBeLessThanOrEqual(4 * ulp(v));
  });

  it("rounds a float32 result once from the float64 value, and int32 input gives float32", () => {
    const xs = [-2.5, -0.7, 0.1, 1.3, 3];
    const f64 = flatValues(erf(tensor(xs, { dtype: "float64" })));
    const f32 = erf(tensor(xs, { dtype: "float32" }));
    expect(f32.dtype).toBe("float32");
    // the float32 inputs are the rounded xs: compare with the float64 erf of exactly those
    const f64OfRounded = flatValues(erf(tensor(xs.map(Math.fround), { dtype: "float64" })));
    expect(flatValues(f32)).toEqual(f64OfRounded.map(Math.fround));
    expect(f64[0]).toBeCloseTo(-0.999593047982555, 14);
    const i = erf(tensor([0, 1], { dtype: "int32" }));
    expect(i.dtype).toBe("float32");
    expect(i.toArray()).toEqual([0, Math.fround(0.8427007929497149)]);
    expect(erf(0.5).item()).toBe(Math.fround(0.5204998778130465));
  });

  it("gives the same values on every memory layout, whichever kernels are enabled", () => {
    const x = tensor([[-3, -1.5, -0.2], [0.4, 2.6, 5]], { dtype: "float64" });
    const want = flatValues(erf(x));
    const was = kernelOptions().wasm;
    try {
      for (const wasm of [false, true]) {
        setKernelOptions({ wasm });
        for (const { name, t } of layouts(x)) expect(flatValues(erf(t)), name).toEqual(want);
        expect(flatValues(erf(x.slice(null, [0, 1]).broadcastTo([2, 2, 1])))).toEqual([want[0], want[3], want[0], want[3]]);
      }
    } finally {
      setKernelOptions({ wasm: was });
    }
  });

  it("names itself when given something that is not a tensor", () => {
    const e = thrown(() => erf("1" as never));
    expect(e).toBeInstanceOf(DTypeError);
    expect(e.message).toMatch(/^erf: /);
  });
});
