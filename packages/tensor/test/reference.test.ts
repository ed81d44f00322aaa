import { describe, expect, it } from "vitest";
import { arange } from "@strata/tensor";
import { flatValues, layouts } from "./reference.js";

describe("test references", () => {
  it("layouts hold the same values in different memory orders", () => {
    const base = arange(24, { dtype: "float64" }).reshape([2, 3, 4]);
    const [c, t, s] = layouts(base);
    expect(t!.t.strides).toEqual([1, 2, 6]);
    expect(s!.t.strides.at(-1)).toBeLessThan(0);
    for (const l of [c!, t!, s!]) expect(flatValues(l.t)).toEqual(flatValues(base));
  });
});
