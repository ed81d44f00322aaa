// The weight initialisers: scaled, he, xavier and zeros.
import { describe, expect, it } from "vitest";
import { errorOf, sameBits } from "./helpers.js";
import { Dense, he, scaled, xavier, zeros as zeroInit } from "@strata/nn";
import { DTypeError, ValueError, rng, type Tensor } from "@strata/tensor";

function flat(t: Tensor): number[] {
  return Array.from(t.toTypedArray() as ArrayLike<number>);
}

/** The sample standard deviation and mean of a list. */
function stats(xs: number[]): { mean: number; std: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return { mean, std: Math.sqrt(v) };
}

describe("initialisers", () => {
  it("he has std √(2/nIn) and mean 0 on a large matrix", () => {
    const W = he().weights(400, 500, { rng: rng(11), dtype: "float64" });
    expect(W.shape).toEqual([400, 500]);
    const { mean, std } = stats(flat(W));
    const target = Math.sqrt(2 / 500);
    expect(Math.abs(std / target - 1)).toBeLessThan(0.03);
    expect(Math.abs(mean)).toBeLessThan(0.03 * target);
  });

  it("xavier has std √(2/(nIn+nOut)) on a large matrix", () => {
    const W = xavier().weights(400, 500, { rng: rng(12), dtype: "float64" });
    const { mean, std } = stats(flat(W));
    const target = Math.sqrt(2 / 900);
    expect(Math.abs(std / target - 1)).toBeLessThan(0.03);
    expect(Math.abs(mean)).toBeLessThan(0.03 * target);
  });

  it("he and xavier differ as their formulas say (nIn 500 vs nIn + nOut 900)", () => {
    const a = stats(flat(he().weights(400, 500, { rng: rng(13), dtype: "float64" }))).std;
    const b = stats(flat(xavier().weights(400, 500, { rng: rng(13), dtype: "float64" }))).std;
    // same draws, so the ratio is exact: √(2/500) / √(2/900)
    expect(a / b).toAllClose(Math.sqrt(900 / 500), { rtol: 1e-12 });
  });

  it("scaled(0.01) is exactly 0.01 · the generator's normal draws, row-major (float64)", () => {
    const W = scaled(0.01).weights(3, 4, { rng: rng(7), dtype: "float64" });
    const g = rng(7);
    const expected = Array.from({ length: 12 }, () => 0.01 * g.normal());
    expect(W.shape).toEqual([3, 4]);
    expect(flat(W)).toEqual(expected);
  });

  it("he and xavier are exactly their std · the normal draws (float64)", () => {
    const g1 = rng(8);
    expect(flat(he().weights(2, 5, { rng: rng(8), dtype: "float64" }))).toEqual(Array.from({ length: 10 }, () => Math.sqrt(2 / 5) * g1.normal()));
    const g2 = rng(8);
    expect(flat(xavier().weights(2, 5, { rng: rng(8), dtype: "float64" }))).toEqual(Array.from({ length: 10 }, () => Math.sqrt(2 / 7) * g2.normal()));
  });

  for (const init of [scaled(0.01), he(), xavier()]) {
    it(`${init.name}: float32 weights are the float64 weights of the same seed rounded once`, () => {
      const w32 = init.weights(6, 7, { rng: rng(21), dtype: "float32" });
      const w64 = init.weights(6, 7, { rng: rng(21), dtype: "float64" });
      expect(w32.dtype).toBe("float32");
      expect(flat(w32)).toEqual(flat(w64).map(Math.fround));
    });
  }

  it("float32 is the default dtype", () => {
    expect(he().weights(2, 2, { rng: rng(0) }).dtype).toBe("float32");
    expect(zeroInit().weights(2, 2).dtype).toBe("float32");
  });

  it("names itself", () => {
    expect([scaled(0.01).name, scaled(0.5).name, he().name, xavier().name, zeroInit().name]).toEqual(["scaled(0.01)", "scaled(0.5)", "he", "xavier", "zeros"]);
  });

  it("zeros() gives zero weights of the asked shape and dtype", () => {
    const w = zeroInit().weights(3, 2, { dtype: "float64" });
    expect(w.shape).toEqual([3, 2]);
    expect(w.dtype).toBe("float64");
    expect(flat(w)).toEqual([0, 0, 0, 0, 0, 0]);
    const layer = new Dense(2, 3, { init: zeroInit() });
    expect(flat(layer.W.data).every((v) => v === 0)).toBe(true);
  });

  it("is reproducible from a seed and differs between seeds", () => {
    for (const init of [scaled(0.01), he(), xavier()]) {
      const a = init.weights(4, 3, { rng: rng(5) });
      const b = init.weights(4, 3, { rng: rng(5) });
      const c = init.weights(4, 3, { rng: rng(6) });
      expect(sameBits(a, b)).toBe(true);
      expect(a.equals(c)).toBe(false);
    }
    const d1 = new Dense(3, 4, { rng: rng(9) });
    const d2 = new Dense(3, 4, { rng: rng(9) });
    expect(sameBits(d1.W.data, d2.W.data)).toBe(true);
  });

  it("draws successive weights from one generator in sequence", () => {
    const g = rng(30);
    const a = he().weights(2, 3, { rng: g, dtype: "float64" });
    const b = he().weights(2, 3, { rng: g, dtype: "float64" });
    const both = he().weights(4, 3, { rng: rng(30), dtype: "float64" });
    expect([...flat(a), ...flat(b)]).toEqual(flat(both));
  });

  it("Dense picks He for ReLU and Xavier otherwise", () => {
    const r = new Dense(5, 4, { activation: "relu", rng: rng(3), dtype: "float64" });
    expect(sameBits(r.W.data, he().weights(4, 5, { rng: rng(3), dtype: "float64" }))).toBe(true);
    const t = new Dense(5, 4, { activation: "tanh", rng: rng(3), dtype: "float64" });
    expect(sameBits(t.W.data, xavier().weights(4, 5, { rng: rng(3), dtype: "float64" }))).toBe(true);
    expect(flat(t.b.data)).toEqual([0, 0, 0, 0]);
  });

  it("rejects bad arguments, naming the initialiser and the argument", () => {
    const bad: [() => unknown, string][] = [
      [() => scaled(-1), "scaled: factor must be a finite number ≥ 0, got -1"],
      [() => scaled(NaN), "scaled: factor must be a finite number ≥ 0, got NaN"],
      [() => scaled(Infinity), "scaled: factor must be a finite number ≥ 0, got Infinity"],
      [() => he().weights(0, 3), "he: nOut must be an integer ≥ 1, got 0"],
      [() => xavier().weights(2, 1.5), "xavier: nIn must be an integer ≥ 1, got 1.5"],
      [() => scaled(0.01).weights(2, -4), "scaled(0.01): nIn must be an integer ≥ 1, got -4"],
      [() => zeroInit().weights(NaN, 2), "zeros: nOut must be an integer ≥ 1, got NaN"],
      [() => new Dense(0, 2), "Dense: nIn must be an integer ≥ 1, got 0"],
      [() => new Dense(2, 1.5), "Dense: nOut must be an integer ≥ 1, got 1.5"],
    ];
    for (const [fn, message] of bad) {
      const err = errorOf(fn);
      expect(err).toBeInstanceOf(ValueError);
      expect(err.message).toBe(message);
    }
  });

  it("parameters are float: every initialiser, zeros() included, refuses int32, bool and unknown dtypes", () => {
    for (const init of [zeroInit(), he(), xavier(), scaled(0.01)]) {
      for (const dtype of ["int32", "bool", "float16"]) {
        const err = errorOf(() => init.weights(2, 3, { rng: rng(0), dtype: dtype as never }));
        expect(err, `${init.name} ${dtype}`).toBeInstanceOf(DTypeError);
        expect(err.message).toBe(`${init.name}: options.dtype must be float32 or float64 (parameters are float), got "${dtype}"`);
      }
      expect(init.weights(2, 3, { rng: rng(0), dtype: "float64" }).dtype).toBe("float64");
    }
  });

  it("checks options.rng itself (not inside randn), zeros() too, though it draws nothing", () => {
    for (const init of [zeroInit(), he(), scaled(0.01)]) {
      const err = errorOf(() => init.weights(2, 3, { rng: 42 as never }));
      expect(err).toBeInstanceOf(ValueError);
      expect(err.message).toBe(`${init.name}: options.rng must be an Rng from rng(seed), got 42`);
      expect(init.weights(2, 3, { rng: rng(1) }).shape).toEqual([2, 3]);
    }
  });

  it("scaled: a factor whose weights overflow the dtype is a ValueError naming scaled", () => {
    for (const [factor, dtype] of [[1e308, "float64"], [1e39, "float32"]] as const) {
      const err = errorOf(() => scaled(factor).weights(10, 10, { rng: rng(2), dtype }));
      expect(err).toBeInstanceOf(ValueError);
      expect(err.message).toMatch(new RegExp(`^scaled\\(${String(factor).replace("+", "\\+")}\\): factor ${String(factor).replace("+", "\\+")} overflows ${dtype}: W\\[\\d+, \\d+\\] = -?Infinity; use a smaller factor`));
    }
    // large factors whose draws stay finite are fine, in float64 beyond float32's range too
    expect(flat(scaled(1e300).weights(4, 5, { rng: rng(2), dtype: "float64" })).every(Number.isFinite)).toBe(true);
    expect(flat(scaled(1e30).weights(4, 5, { rng: rng(2) })).every(Number.isFinite)).toBe(true);
  });
});
