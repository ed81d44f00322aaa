import { describe, expect, it } from "vitest";
import { tour } from "./tour.js";

describe("tensor tour", () => {
  const steps = new Map(tour().map((s) => [s.title, s.value]));
  const get = (title: string) => {
    const v = steps.get(title);
    if (!v) throw new Error(`missing step ${title}`);
    return v;
  };

  it("shows views that share memory", () => {
    expect(get("a.T").data).toBe(get("a = arange(12).reshape([3, 4])").data);
    expect(get("a.slice(null, [null, null, -2])").toArray()).toEqual([[3, 1], [7, 5], [11, 9]]);
    expect(get("col.broadcastTo([3, 4]).strides").toArray()).toEqual([1, 0]);
  });

  it("computes reductions and broadcasting worked out by hand", () => {
    expect(get("a.add(col)").toArray()).toEqual([[10, 11, 12, 13], [24, 25, 26, 27], [38, 39, 40, 41]]);
    expect(get("a.sum({ axis: 0 })").toArray()).toEqual([12, 15, 18, 21]);
    expect(get("a.mean({ axis: 1, keepDims: true })").toArray()).toEqual([[1.5], [5.5], [9.5]]);
    expect(get("a.argmax({ axis: 0 })").toArray()).toEqual([2, 2, 2, 2]);
    // Row i of a is 4i + (0..3): (a·aᵀ)[i][j] = Σ_k (4i+k)(4j+k) = 16ij·4 + 4·1.5·4(i+j) + 14
    const gram = [0, 1, 2].map((i) => [0, 1, 2].map((j) => 64 * i * j + 24 * (i + j) + 14));
    expect(get("matmul(a, a.T)").toArray()).toEqual(gram);
  });

  it("keeps softmax and logSumExp finite at ±1e4", () => {
    expect(get("softmax(logits, { axis: 0 })")).toAllClose([[1, 0], [0, 0], [0, 1]], { atol: 1e-30 });
    expect(get("logSumExp(logits, { axis: 0 })")).toAllClose([1e4, 1e4]);
  });

  it("draws the same numbers for the same seed", () => {
    const again = new Map(tour().map((s) => [s.title, s.value]));
    expect(again.get("W = randn([2, 3], { rng })")!.equals(get("W = randn([2, 3], { rng })"))).toBe(true);
    const otherSeed = tour(8).find((s) => s.title === "W = randn([2, 3], { rng })")!.value;
    expect(otherSeed.equals(get("W = randn([2, 3], { rng })"))).toBe(false);
  });
});
