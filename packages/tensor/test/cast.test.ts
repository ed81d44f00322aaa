// Conversions between dtypes: a value the target cannot hold is refused, naming the op, the value
// and its index, unless { unchecked: true } asks for the typed arrays' own conversion. The
// references are the typed arrays themselves (Math.fround, Int32Array's wrap, Math.trunc).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  DTypeError, arange, assign, cast, checkLossless, fill, fromMat2, fromVec2, full, linspace, tensor, toVec2, zeros, type DType,
} from "@strata/tensor";

const F32_MAX = 3.4028234663852886e38;
/** The smallest float64 that rounds to Infinity in float32: F32_MAX plus half an ulp (2^103). */
const F32_OVERFLOW = F32_MAX + 2 ** 103;

/** What an Int32Array stores for `v` (the unchecked conversion, stated by the engine). */
const int32Store = (v: number): number => Int32Array.of(v)[0]!;

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DTypeError);
    return (e as Error).message;
  }
  throw new Error("expected a DTypeError");
}

describe("cast", () => {
  it("refuses values int32 cannot hold, naming the value, its index and what it would become", () => {
    expect(message(() => tensor([3e9, NaN]).cast("int32"))).toBe(
      "cast: x holds 3000000000 at index (0), which int32 cannot hold (it would become -1294967296); pass { unchecked: true } to convert anyway",
    );
    expect(message(() => cast(tensor([1, NaN]), "int32"))).toBe(
      "cast: x holds NaN at index (1), which int32 cannot hold (it would become 0); pass { unchecked: true } to convert anyway",
    );
    expect(message(() => cast(tensor([[1, 2], [3, -Infinity]], { dtype: "float64" }), "int32"))).toMatch(/holds -Infinity at index \(1, 1\)/);
    expect(message(() => cast(tensor([-2147483649], { dtype: "float64" }), "int32"))).toMatch(/holds -2147483649 at index \(0\).*would become 2147483647/);
  });

  it("reports the logical index of strided views", () => {
    const x = tensor([[0, 1, 2], [3, 4, 1e300]], { dtype: "float64" });
    expect(message(() => x.T.cast("float32"))).toMatch(/^cast: x holds 1e\+300 at index \(2, 1\), which float32 cannot hold \(it would become Infinity\)/);
    expect(message(() => x.slice(null, [2, 3]).cast("float32"))).toMatch(/at index \(1, 0\)/);
  });

  it("keeps truncation toward zero (as PyTorch's .to(torch.int32)) and the int32 range ends", () => {
    const x = tensor([-1.7, -0.5, 0.5, 2.9, -2147483648.5, 2147483647.5], { dtype: "float64" });
    expect(x.cast("int32").toArray()).toEqual([-1, -0, 0, 2, -2147483648, 2147483647].map((v) => v + 0));
  });

  it("does not refuse rounding, NaN or ±Infinity between floats, or anything into float64 and bool", () => {
    expect(tensor([0.1, NaN, -Infinity, F32_MAX, F32_OVERFLOW - 2 ** 75], { dtype: "float64" }).cast("float32").toArray()).toEqual([
      Math.fround(0.1), NaN, -Infinity, F32_MAX, F32_MAX,
    ]);
    expect(tensor([16777217], { dtype: "int32" }).cast("float32").toArray()).toEqual([16777216]); // rounding, as PyTorch
    expect(tensor([NaN, 0, 1e300], { dtype: "float64" }).cast("bool").toArray()).toEqual([1, 0, 1]);
    expect(tensor([2147483647], { dtype: "int32" }).cast("float64").toArray()).toEqual([2147483647]);
  });

  it("refuses float64 → float32 from F32_MAX + half an ulp on, in both signs", () => {
    expect(() => tensor([F32_OVERFLOW], { dtype: "float64" }).cast("float32")).toThrow(/would become Infinity/);
    expect(() => tensor([-F32_OVERFLOW], { dtype: "float64" }).cast("float32")).toThrow(/would become -Infinity/);
    expect(Math.fround(F32_OVERFLOW)).toBe(Infinity); // the reference agrees on the boundary
    expect(Math.fround(F32_OVERFLOW - 2 ** 75)).toBe(F32_MAX); // one float64 ulp below
    expect(tensor([F32_OVERFLOW - 2 ** 75], { dtype: "float64" }).cast("float32").toArray()).toEqual([F32_MAX]);
  });

  it("converts anyway with { unchecked: true }, as the typed arrays store the values", () => {
    expect(tensor([3e9, NaN]).cast("int32", { unchecked: true }).toArray()).toEqual([-1294967296, 0]);
    expect(cast(tensor([1e300, -1e300], { dtype: "float64" }), "float32", { unchecked: true }).toArray()).toEqual([Infinity, -Infinity]);
  });
});

describe("one rule for every silent conversion", () => {
  it("tensor() and full() refuse a finite number float32 would turn into ±Infinity", () => {
    expect(message(() => tensor([1, 1e300]))).toBe('tensor: element 1 is 1e+300, which float32 cannot hold (it would become Infinity); pass { dtype: "float64" }');
    expect(message(() => tensor(Float64Array.of(-1e39), { dtype: "float32" }))).toMatch(/element 0 is -1e\+39.*would become -Infinity/);
    expect(tensor([1e300], { dtype: "float64" }).toArray()).toEqual([1e300]);
    expect(tensor([Infinity, NaN]).toArray()).toEqual([Infinity, NaN]);
    expect(message(() => full([2], 1e39))).toMatch(/^full: value 1e\+39 is not a float32 .*it would become Infinity/);
    expect(message(() => full([2], 2 ** 31, { dtype: "int32" }))).toMatch(/^full: value 2147483648 is not an int32/);
  });

  it("fill and assign refuse a number a float32 target would turn into ±Infinity", () => {
    expect(message(() => fill(zeros([2]), 1e39))).toMatch(/^fill: value 1e\+39 is not representable in a float32 tensor/);
    expect(message(() => assign(zeros([2]), -1e39))).toMatch(/^assign: source -1e\+39 is not representable/);
  });

  it("arange and linspace refuse float32 values beyond its range", () => {
    expect(message(() => arange(0, 1e39, 5e38, { dtype: "float32" }))).toMatch(/^arange: last value 5e\+38 is beyond float32's range/);
    expect(message(() => linspace(0, 1e39, 3))).toMatch(/^linspace: stop 1e\+39 is beyond float32's range/);
    expect(linspace(0, 1e39, 3, { dtype: "float64" }).toArray()).toEqual([0, 5e38, 1e39]);
  });

  it("gl-matrix interop refuses values a Float32Array cannot hold", () => {
    expect(message(() => fromVec2([1, 1e39]))).toBe("fromVec2: element 1 is 1e+39, which float32 cannot hold (it would become Infinity)");
    expect(message(() => fromMat2([1, 2, 3, -1e39]))).toMatch(/^fromMat2: element 3 is -1e\+39/);
    expect(message(() => toVec2(tensor([1e300, 0], { dtype: "float64" })))).toMatch(/^toVec2: element 0 is 1e\+300/);
    expect(toVec2(tensor([1e300, 0], { dtype: "float64" }), [0, 0])).toEqual([1e300, 0]); // an Array holds it
  });

  it("checkLossless checks only conversions that can lose values", () => {
    expect(() => checkLossless("op", "v", tensor([1e300], { dtype: "float64" }), "float64")).not.toThrow();
    expect(() => checkLossless("op", "v", tensor([2147483647], { dtype: "int32" }), "float32")).not.toThrow();
    expect(() => checkLossless("op", "v", tensor([1.5]), "int32")).not.toThrow();
    expect(() => checkLossless("op", "W", zeros([0], { dtype: "float64" }), "float32")).not.toThrow();
  });
});

describe("properties", () => {
  const beyondFloat32 = fc.double({ min: F32_OVERFLOW, max: Number.MAX_VALUE, noNaN: true }).chain((v) => fc.constantFrom(v, -v));
  const withinFloat32 = fc.double({ min: -F32_MAX, max: F32_MAX, noNaN: true });

  it("float64 values beyond float32's range are refused, and with unchecked equal Math.fround (±Infinity)", () => {
    fc.assert(
      fc.property(fc.array(withinFloat32, { maxLength: 5 }), beyondFloat32, fc.nat(), (rest, bad, at) => {
        const values = [...rest];
        const k = at % (values.length + 1);
        values.splice(k, 0, bad);
        const x = tensor(values, { dtype: "float64" });
        expect(message(() => x.cast("float32"))).toBe(
          `cast: x holds ${bad} at index (${k}), which float32 cannot hold (it would become ${bad > 0 ? "Infinity" : "-Infinity"}); pass { unchecked: true } to convert anyway`,
        );
        expect(x.cast("float32", { unchecked: true }).toArray()).toEqual(values.map(Math.fround));
      }),
      { numRuns: 300 },
    );
  });

  it("float64 values within float32's range cast to Math.fround of them", () => {
    fc.assert(
      fc.property(fc.array(withinFloat32, { maxLength: 8 }), (values) => {
        expect(tensor(values, { dtype: "float64" }).cast("float32").toArray()).toEqual(values.map(Math.fround));
      }),
      { numRuns: 300 },
    );
  });

  it("int32-range values cast to int32 exactly (from float64; from float32 where it holds them)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -2147483648, max: 2147483647 }), { maxLength: 8 }), (values) => {
        expect(tensor(values, { dtype: "float64" }).cast("int32").toArray()).toEqual(values);
        const f32 = values.map(Math.fround).filter((v) => v <= 2147483647);
        expect(tensor(f32).cast("int32").toArray()).toEqual(f32);
      }),
      { numRuns: 300 },
    );
  });

  it("fractions truncate toward zero; integer parts outside int32 are refused and wrap with unchecked", () => {
    fc.assert(
      fc.property(fc.double({ min: -1e12, max: 1e12, noNaN: true }), (v) => {
        const x = tensor([v], { dtype: "float64" });
        const whole = Math.trunc(v);
        if (whole >= -2147483648 && whole <= 2147483647) {
          expect(x.cast("int32").toArray()).toEqual([whole + 0]);
        } else {
          expect(message(() => x.cast("int32"))).toContain(`holds ${v} at index (0), which int32 cannot hold (it would become ${int32Store(v)})`);
        }
        expect(x.cast("int32", { unchecked: true }).toArray()).toEqual([int32Store(v)]);
      }),
      { numRuns: 500 },
    );
  });

  it("every dtype pair: checked cast either refuses or equals the unchecked one", () => {
    const dtypes: DType[] = ["bool", "int32", "float32", "float64"];
    const anyNumber = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(NaN, Infinity, -Infinity, 3e9, 1e300, -0));
    fc.assert(
      fc.property(fc.array(anyNumber, { minLength: 1, maxLength: 5 }), fc.constantFrom(...dtypes), (values, to) => {
        const x = tensor(Float64Array.from(values));
        const unchecked = x.cast(to, { unchecked: true });
        try {
          expect(x.cast(to).toArray()).toEqual(unchecked.toArray());
        } catch (e) {
          expect(e).toBeInstanceOf(DTypeError);
          expect(to === "int32" || to === "float32").toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
