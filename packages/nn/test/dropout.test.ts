// Inverted dropout.
import { describe, expect, it } from "vitest";
import { errorOf, sameBits } from "./helpers.js";
import { gradcheck, mul, sum, variable, type Variable } from "@strata/autograd";
import { Dense, Dropout, Sequential } from "@strata/nn";
import { ValueError, ones, rng, tensor, type Tensor } from "@strata/tensor";

function flat(t: Tensor): number[] {
  return Array.from(t.toTypedArray() as ArrayLike<number>);
}

describe("Dropout", () => {
  /** The mask Dropout(p, rng(seed)) should draw for n elements: keep where the float64 uniform < 1 - p. */
  function referenceKeep(seed: number, n: number, p: number): boolean[] {
    const g = rng(seed);
    return Array.from({ length: n }, () => g.uniform() < 1 - p);
  }

  it("keeps about 1 - p of a large tensor, scaled by exactly 1/(1 - p), mean ≈ 1 (float64)", () => {
    const drop = new Dropout(0.3, { rng: rng(1) });
    const y = drop.forward(ones([200, 500], { dtype: "float64" }));
    expect(y.dtype).toBe("float64");
    const v = flat(y.data);
    const kept = v.filter((x) => x !== 0);
    expect(Math.abs(kept.length / v.length - 0.7)).toBeLessThan(0.02);
    expect(kept.every((x) => x === 1 / 0.7)).toBe(true);
    expect(v.every((x) => x === 0 || x === 1 / 0.7)).toBe(true);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    expect(Math.abs(mean - 1)).toBeLessThan(0.02);
  });

  it("draws its mask from the generator: element i is kept when the i-th uniform draw is < 1 - p", () => {
    const y = new Dropout(0.3, { rng: rng(2) }).forward(ones([20, 30], { dtype: "float64" }));
    const keep = referenceKeep(2, 600, 0.3);
    expect(flat(y.data)).toEqual(keep.map((k) => (k ? 1 / 0.7 : 0)));
  });

  it("float32 input stays float32, kept values 1/(1 - p) rounded", () => {
    const y = new Dropout(0.3, { rng: rng(3) }).forward(ones([10, 50]));
    expect(y.dtype).toBe("float32");
    expect(flat(y.data).every((x) => x === 0 || x === Math.fround(1 / 0.7))).toBe(true);
    expect(flat(y.data).some((x) => x === 0)).toBe(true);
  });

  it("scales the kept entries of a general input and zeroes the others", () => {
    const xs = Array.from({ length: 40 }, (_, i) => (i - 20) / 3);
    const x = tensor(xs, { dtype: "float64", shape: [4, 10] });
    const y = new Dropout(0.25, { rng: rng(4) }).forward(x);
    const keep = referenceKeep(4, 40, 0.25);
    expect(y.data).toAllClose(tensor(xs.map((v, i) => (keep[i] ? v / 0.75 : 0)), { dtype: "float64", shape: [4, 10] }), { rtol: 1e-15 });
  });

  it("the same seed gives the same mask, and each call draws a fresh one", () => {
    const x = ones([30, 40], { dtype: "float64" });
    const a = new Dropout(0.5, { rng: rng(9) });
    const b = new Dropout(0.5, { rng: rng(9) });
    const ya = a.forward(x);
    expect(sameBits(ya.data, b.forward(x).data)).toBe(true);
    expect(ya.data.equals(a.forward(x).data)).toBe(false);
  });

  it("eval() passes the input through unchanged, and train() drops again", () => {
    const drop = new Dropout(0.5, { rng: rng(5) }).eval();
    const x = tensor([[1.5, -2, 3], [4, 5, -6]], { dtype: "float64" });
    expect(drop.forward(x).data.toArray()).toEqual(x.toArray());
    const v = variable(x, { requiresGrad: true });
    expect(drop.forward(v)).toBe(v);
    drop.train();
    expect(flat(drop.forward(ones([20, 20])).data).some((z) => z === 0)).toBe(true);
  });

  it("the gradient of sum(dropout(x)) is mask / (1 - p): the output for x = ones", () => {
    const drop = new Dropout(0.3, { rng: rng(6) });
    const x = variable(ones([8, 9], { dtype: "float64" }), { requiresGrad: true });
    const y = drop.forward(x);
    sum(y).backward();
    expect(x.grad).not.toBeNull();
    expect(sameBits(x.grad!, y.data)).toBe(true);
    const keep = referenceKeep(6, 72, 0.3);
    expect(flat(x.grad!)).toEqual(keep.map((k) => (k ? 1 / 0.7 : 0)));
  });

  it("the gradient passes gradcheck for a fixed mask", () => {
    const x = tensor(Array.from({ length: 12 }, (_, i) => i / 5 - 1), { dtype: "float64", shape: [3, 4] });
    // a fresh Dropout with the same seed for every evaluation, so the mask is the same
    const fn = (v: Variable): Variable => mul(new Dropout(0.4, { rng: rng(8) }).forward(v), v);
    expect(gradcheck(fn, [x]).passed).toBe(true);
  });

  it("p = 0 is the identity, with gradient one", () => {
    const x = variable(tensor([[1, -2], [3.5, 4]], { dtype: "float64" }), { requiresGrad: true });
    const y = new Dropout(0, { rng: rng(0) }).forward(x);
    expect(y.data.toArray()).toEqual([[1, -2], [3.5, 4]]);
    sum(y).backward();
    expect(flat(x.grad!)).toEqual([1, 1, 1, 1]);
  });

  it("p = 1 drops everything, with a zero gradient and no NaN", () => {
    const x = variable(tensor([[1, -2], [3.5, 4]], { dtype: "float64" }), { requiresGrad: true });
    const y = new Dropout(1, { rng: rng(0) }).forward(x);
    expect(flat(y.data).every((v) => v === 0)).toBe(true); // ±0: 0 · (−2) is −0
    sum(y).backward();
    expect(flat(x.grad!).every((v) => v === 0)).toBe(true);
  });

  it("rejects p outside [0, 1], naming Dropout and the value", () => {
    for (const [p, shown] of [[-0.1, "-0.1"], [1.5, "1.5"], [NaN, "NaN"], ["0.5", "0.5"]] as const) {
      const err = errorOf(() => new Dropout(p as number));
      expect(err).toBeInstanceOf(ValueError);
      expect(err.message).toBe(`Dropout: p must be a probability in [0, 1], got ${shown}`);
    }
  });

  it("checks options.rng in the constructor, not at the first training forward", () => {
    for (const [g, shown] of [[42, "42"], [{}, "[object Object]"], [null, "null"]] as const) {
      const err = errorOf(() => new Dropout(0.5, { rng: g as never }));
      expect(err, shown).toBeInstanceOf(ValueError);
      expect(err.message).toBe(`Dropout: options.rng must be an Rng from rng(seed), got ${shown}`);
    }
    expect(new Dropout(0.5).forward(ones([2, 3])).shape).toEqual([2, 3]);
    expect(new Dropout(0.5, { rng: rng(0) }).forward(ones([2, 3])).shape).toEqual([2, 3]);
  });

  it("inside a Sequential it follows the model's eval()", () => {
    const seq = new Sequential(new Dense(3, 4, { rng: rng(0), dtype: "float64" }), new Dropout(0.5, { rng: rng(1) }));
    const x = tensor([[1, 2], [3, 4], [5, 6]], { dtype: "float64" });
    seq.eval();
    const expected = (seq.layers[0] as Dense).forward(x).data;
    expect(sameBits(seq.forward(x).data, expected)).toBe(true);
  });
});
