// dropoutMask against the four-pass formula it replaced in dropout and Dropout: the same draws
// give the same masks, bit for bit, in both float dtypes and at the ends of p's range.
import { describe, expect, it } from "vitest";
import { DTypeError, ValueError, dropoutMask, lt, rand, rng, zeros } from "@strata/tensor";

describe("dropoutMask", () => {
  for (const dtype of ["float32", "float64"] as const) {
    for (const p of [0, 0.1, 0.5, 0.9, 1]) {
      it(`equals lt(rand, 1 − p).cast(${dtype}).mul(1 / (1 − p)), p = ${p}`, () => {
        const keep = 1 - p;
        const reference = keep === 0 ? zeros([7, 300], { dtype }) : lt(rand([7, 300], { rng: rng(5), dtype: "float64" }), keep).cast(dtype).mul(1 / keep);
        const mask = dropoutMask([7, 300], p, rng(5), dtype);
        expect(mask.dtype).toBe(dtype);
        expect(mask.equals(reference)).toBe(true);
      });
    }
  }
  it("keeps about 1 − p of the elements", () => {
    const kept = dropoutMask([100000], 0.3, rng(1)).gt(0).cast("float64").mean().item();
    expect(Math.abs(kept - 0.7)).toBeLessThan(0.01);
  });
  it("says what is wrong", () => {
    expect(() => dropoutMask([2], 1.5, rng(0))).toThrow(ValueError);
    expect(() => dropoutMask([2], 0.5, {} as never)).toThrow(ValueError);
    expect(() => dropoutMask([2], 0.5, rng(0), "int32" as never)).toThrow(DTypeError);
    expect(() => dropoutMask([-1], 0.5, rng(0))).toThrow(ValueError);
  });
});
