// Every tensor allocation goes through `allocate`: a request beyond the engine's typed-array limit
// is a ValueError naming the op, the shape, the element count and the bytes, and an engine failure
// (out of memory) a StrataError saying the same, never a bare RangeError. Huge shapes come from
// broadcast views (stride 0), so no test allocates more than a few bytes.
import { afterEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { thrown } from "./reference.js";
import {
  MAX_ELEMENTS, StrataError, ValueError, add, allocate, arange, cast, concat, exp, eye, full, linspace, matmul, ones, onesLike,
  oneHot, rand, randint, randn, rng, stack, sum, zeros, zerosLike, type DType, type Tensor,
} from "@strata/tensor";

/** A tensor of `shape` that holds one element: every axis is a broadcast of it. */
const huge = (shape: number[], dtype: DType = "float32"): Tensor => zeros([1], { dtype }).reshape(shape.map(() => 1)).broadcastTo(shape);

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

describe("the limit is V8's typed-array length limit in Node 20", () => {
  it("is 2^32 elements for every array type Strata stores; one more is an engine RangeError", () => {
    expect(MAX_ELEMENTS).toBe(4294967296);
    // the engine's own answer, without allocating: one element over the limit is refused outright
    for (const C of [Float32Array, Float64Array, Int32Array, Uint8Array]) {
      expect(() => new C(MAX_ELEMENTS + 1)).toThrow(RangeError);
      expect(() => new C(MAX_ELEMENTS + 1)).toThrow(/Invalid typed array length/);
    }
  });
});

describe("allocate", () => {
  it("names the op, the shape, the element count and the bytes for shapes past the limit", () => {
    const e = thrown(() => zeros([1e6, 1e6]));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toBe("zeros: shape [1000000, 1000000] has 1e12 elements (4 TB of float32); a tensor holds at most 4294967296 elements");
    expect(thrown(() => zeros([2 ** 32 + 1], { dtype: "bool" })).message).toBe(
      "zeros: shape [4294967297] has 4294967297 elements (4.29 GB of bool); a tensor holds at most 4294967296 elements",
    );
    expect(thrown(() => allocate("float64", 2 ** 33)).message).toBe(
      "allocate: a tensor of 8589934592 elements (68.7 GB of float64); a tensor holds at most 4294967296 elements",
    );
    expect(thrown(() => zeros([1e200, 1e200])).message).toMatch(/^zeros: shape \[1e\+200, 1e\+200\] has more than 1e308 elements/);
  });

  it("keeps its argument checks, naming the op", () => {
    expect(() => allocate("float32", 1.5)).toThrow(/^allocate: size 1.5 is not a non-negative integer$/);
    expect(() => allocate("float32", [2, -1], "zeros")).toThrow(/^zeros: size \[2, -1\] is not a non-negative integer shape$/);
    expect(() => allocate("int64" as DType, 2, "ones")).toThrow(/^ones: unknown dtype int64/);
    expect(allocate("float64", [2, 3])).toEqual(new Float64Array(6));
    expect(allocate("bool", [])).toEqual(new Uint8Array(1));
  });

  it("is what every creator, random draw and op output goes through", () => {
    const cases: [string, () => unknown][] = [
      ["zeros", () => zeros([1e5, 1e5])],
      ["ones", () => ones([1e5, 1e5])],
      ["full", () => full([1e5, 1e5], 2)],
      ["zerosLike", () => zerosLike(huge([1e5, 1e5]))],
      ["onesLike", () => onesLike(huge([1e5, 1e5]))],
      ["eye", () => eye(1e5)],
      ["arange", () => arange(0, 1e10, 1, { dtype: "float64" })],
      ["linspace", () => linspace(0, 1, 2 ** 32 + 1)],
      ["randn", () => randn([1e5, 1e5], { rng: rng(0) })],
      ["rand", () => rand([1e5, 1e5], { rng: rng(0) })],
      ["randint", () => randint(0, 2, [1e5, 1e5], { rng: rng(0) })],
      ["add", () => add(ones([1e5, 1]), ones([1, 1e5]))],
      ["exp", () => exp(huge([1e5, 1e5]))],
      ["matmul", () => matmul(ones([1e5, 1]), ones([1, 1e5]))],
      ["cast", () => cast(huge([1e5, 1e5]), "float64")],
      ["contiguous", () => huge([1e5, 1e5]).contiguous()],
      ["clone", () => huge([1e5, 1e5]).clone()],
      ["reshape", () => huge([1e5, 1e5]).reshape([-1])],
      ["concat", () => concat([huge([5e4, 1e5]), huge([5e4, 1e5])])],
      ["stack", () => stack([huge([5e4, 1e5]), huge([5e4, 1e5])])],
      ["oneHot", () => oneHot(zeros([1e5], { dtype: "int32" }), 1e5)],
    ];
    for (const [op, fn] of cases) {
      const e = thrown(fn);
      expect(e, op).toBeInstanceOf(ValueError);
      expect(e.message, op).toMatch(new RegExp(`^${op}: shape \\[[\\d, ]+\\] has \\d+(e\\d+)? elements \\([\\d.]+ [kMGTPE]?B of \\w+\\); a tensor holds at most 4294967296 elements$`));
    }
  });

  describe("when the engine cannot back the bytes", () => {
    const saved = globalThis.Float64Array;
    afterEach(() => {
      globalThis.Float64Array = saved;
    });

    it("turns the engine's RangeError into a StrataError naming the op, the shape and the bytes", () => {
      // Whether 2^31 float64 elements (17.2 GB) fit depends on the machine: stand in for the engine.
      globalThis.Float64Array = class extends saved {
        constructor(n: number) {
          if (n > 1000) throw new RangeError("Array buffer allocation failed");
          super(n);
        }
      } as Float64ArrayConstructor;
      const e = thrown(() => zeros([2 ** 16, 2 ** 15], { dtype: "float64" }));
      expect(e).toBeInstanceOf(StrataError);
      expect(e).not.toBeInstanceOf(ValueError);
      expect(e.message).toBe(
        "zeros: out of memory allocating shape [65536, 32768] has 2147483648 elements (17.2 GB of float64) (the engine said: Array buffer allocation failed)",
      );
      // a kernel's float64 scratch names the public op
      expect(() => sum(ones([2000]))).not.toThrow();
      expect(thrown(() => sum(huge([1, 2000]), { axis: 0 })).message).toMatch(/^sum: out of memory allocating shape \[2000\]/);
    });

    it("lets errors that are not RangeErrors through unchanged", () => {
      globalThis.Float64Array = function () {
        throw new TypeError("boom");
      } as unknown as Float64ArrayConstructor;
      expect(() => zeros([2], { dtype: "float64" })).toThrow(TypeError);
    });
  });
});

describe("properties", () => {
  const creators: [string, (shape: number[], dtype: DType) => unknown][] = [
    ["zeros", (s, dtype) => zeros(s, { dtype })],
    ["ones", (s, dtype) => ones(s, { dtype })],
    ["full", (s, dtype) => full(s, 1, { dtype })],
    ["zerosLike", (s, dtype) => zerosLike(huge(s, dtype))],
    ["cast", (s, dtype) => cast(huge(s, "bool"), dtype)],
    ["contiguous", (s, dtype) => huge(s, dtype).contiguous()],
    ["add", (s, dtype) => add(huge(s, dtype), huge(s, dtype))],
  ];

  it("a shape with more than 2^32 elements is always a ValueError naming the op and the count, never a RangeError", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 2 ** 20 }), { minLength: 2, maxLength: 5 }).filter((s) => s.reduce((a, b) => a * b, 1) > MAX_ELEMENTS),
        fc.constantFrom<DType>("float32", "float64", "int32", "bool"),
        fc.nat(creators.length - 1),
        (shape, dtype, k) => {
          const [op, make] = creators[k]!;
          const e = thrown(() => make(shape, dtype));
          expect(e).toBeInstanceOf(ValueError);
          const n = shape.reduce((a, b) => a * b, 1);
          const out: DType = op === "add" && dtype === "bool" ? "int32" : dtype; // sums of bools are int32
          expect(e.message.startsWith(`${op}: shape [${shape.join(", ")}] has `)).toBe(true);
          expect(e.message).toContain(`of ${out}); a tensor holds at most 4294967296 elements`);
          // the count, exact or to three digits, and the bytes to three digits
          const [count] = /has (\S+) elements/.exec(e.message)!.slice(1);
          expect(Math.abs(Number(count!.replace(/e/, "e+")) - n) / n).toBeLessThan(5e-3);
          const [value, unit] = /\(([\d.]+) (\w+) of/.exec(e.message)!.slice(1);
          const scale = { bytes: 1, kB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, PB: 1e15, EB: 1e18 }[unit!]!;
          expect(Math.abs(Number(value) * scale - n * BYTES[out]) / (n * BYTES[out])).toBeLessThan(5e-3);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("small shapes allocate zeroed arrays of the right type and length", () => {
    const types = { float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array };
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 4 }), fc.constantFrom<DType>("float32", "float64", "int32", "bool"), (shape, dtype) => {
        const a = allocate(dtype, shape, "zeros");
        expect(a).toBeInstanceOf(types[dtype]);
        expect(a.length).toBe(shape.reduce((x, y) => x * y, 1));
        expect(Array.from(a).every((v) => v === 0)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
