// The replay check itself: its "swapped" mode must catch work that took an input's array at setup
// (a replay after makeResident or a bound compile argument would read the old array), which the
// "in place" mode cannot see; and swapArray moves every view of a tensor to the new array.
import { describe, expect, it } from "vitest";
import { compute, kernelOptions, swapArray, tensor, zeros, isResidentTensor, type Tensor } from "@strata/tensor";
import { expectReplayMatchesEager, fillInPlace, inRefillMode } from "./replay.js";

/** Doubles `x`; `stale` takes x's array at setup, as no op may. */
function double(x: Tensor, stale: boolean): Tensor {
  const out = zeros(x.shape, { dtype: x.dtype });
  const captured = x.data;
  compute(() => {
    const d = stale ? captured : x.data;
    for (let i = 0; i < x.size; i++) out.data[i] = 2 * d[i]!;
  });
  return out;
}

describe("the replay check's two refill modes", () => {
  it("work reading x.data when it runs passes both", () => {
    const x = tensor([1, 2, 3], { dtype: "float64" });
    const out = expectReplayMatchesEager(() => double(x, false), (round) => fillInPlace(x, (k) => 10 * round + k));
    expect(out.toArray()).toEqual([40, 42, 44]);
  });

  it("work holding the array taken at setup passes in place and fails swapped", () => {
    const x = tensor([1, 2, 3], { dtype: "float64" });
    const refill = (round: number): void => fillInPlace(x, (k) => 10 * round + k);
    expect(() => expectReplayMatchesEager(() => double(x, true), refill, { modes: ["in place"] })).not.toThrow();
    expect(() => expectReplayMatchesEager(() => double(x, true), refill, { modes: ["swapped"] })).toThrow(/refilled swapped: output 0, round 1: element 0 is/);
  });

  it("swapped mode gives the inputs fresh arrays, resident where the kernels are on", () => {
    const x = tensor([1, 2, 3], { dtype: "float32" });
    const before = x.data;
    inRefillMode("swapped", () => fillInPlace(x, (k) => k));
    expect(x.data).not.toBe(before);
    expect(Array.from(before)).toEqual([1, 2, 3]);
    expect(x.toArray()).toEqual([0, 1, 2]);
    expect(isResidentTensor(x)).toBe(kernelOptions().wasm);
  });
});

describe("swapArray", () => {
  it("moves a tensor and its views to the new array and returns the old one", () => {
    const t = tensor([[1, 2], [3, 4]], { dtype: "float64" });
    const col = t.T.slice(1);
    const old = swapArray(t, new Float64Array([5, 6, 7, 8]));
    expect(Array.from(old)).toEqual([1, 2, 3, 4]);
    expect(col.toArray()).toEqual([6, 8]);
  });

  it("refuses an array of another type or length, naming both", () => {
    const t = tensor([1, 2], { dtype: "float64" });
    expect(() => swapArray(t, new Float32Array(2))).toThrow("swapArray: expected a Float64Array of 2 elements, got a Float32Array of 2");
    expect(() => swapArray(t, new Float64Array(3))).toThrow("swapArray: expected a Float64Array of 2 elements, got a Float64Array of 3");
  });
});
