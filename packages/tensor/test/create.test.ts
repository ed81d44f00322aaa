// The creators, against values worked out by hand.
import { describe, expect, it } from "vitest";
import { tensor, zeros, ones, full, zerosLike, onesLike, arange, linspace, eye, DTypeError, ShapeError, ValueError, type DType } from "@strata/tensor";

describe("tensor()", () => {
  it("reads nested arrays as float32 by default, row-major", () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(x.shape).toEqual([2, 3]);
    expect(x.dtype).toBe("float32");
    expect(x.data).toBeInstanceOf(Float32Array);
    expect(Array.from(x.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(x.strides).toEqual([3, 1]);
    expect(x.offset).toBe(0);
    expect(tensor([0.1]).get(0)).toBe(Math.fround(0.1));
    expect(tensor([[[1], [2]]]).shape).toEqual([1, 2, 1]);
  });

  it("takes a dtype", () => {
    expect(tensor([0.1], { dtype: "float64" }).get(0)).toBe(0.1);
    const i = tensor([[-2, 3]], { dtype: "int32" });
    expect(i.data).toBeInstanceOf(Int32Array);
    expect(i.toArray()).toEqual([[-2, 3]]);
    const b = tensor([0, 2, -1, 0.5], { dtype: "bool" });
    expect(b.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(b.data)).toEqual([0, 1, 1, 1]);
    expect(() => tensor([1], { dtype: "int64" as DType })).toThrow(/tensor: unknown dtype int64/);
  });

  it("reads booleans as bool and numbers as scalars", () => {
    const m = tensor([[true, false], [false, true]]);
    expect(m.dtype).toBe("bool");
    expect(Array.from(m.data)).toEqual([1, 0, 0, 1]);
    const s = tensor(2.5);
    expect(s.shape).toEqual([]);
    expect(s.ndim).toBe(0);
    expect(s.size).toBe(1);
    expect(s.item()).toBe(2.5);
    expect(tensor(true).dtype).toBe("bool");
    expect(tensor(true).item()).toBe(1);
    expect(tensor(3, { dtype: "int32" }).toArray()).toBe(3);
  });

  it("reshapes flat values with `shape`", () => {
    expect(tensor([1, 2, 3, 4, 5, 6], { shape: [3, 2] }).toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(tensor([[1, 2], [3, 4]], { shape: [4] }).toArray()).toEqual([1, 2, 3, 4]);
    expect(tensor(5, { shape: [1, 1] }).toArray()).toEqual([[5]]);
    expect(() => tensor([1, 2, 3], { shape: [2, 2] })).toThrow(ShapeError);
    expect(() => tensor([1, 2, 3], { shape: [2, 2] })).toThrow(/tensor: 3 values do not fill shape \(2,2\) \(4 elements\)/);
    expect(() => tensor([1, 2], { shape: [2, -1] })).toThrow(/tensor: shape \[2, -1\] has -1/);
  });

  it("copies typed arrays, keeping their dtype unless told", () => {
    const src = new Float64Array([1.5, -2, 3]);
    const x = tensor(src);
    expect(x.dtype).toBe("float64");
    expect(x.data).not.toBe(src);
    src[0] = 100;
    expect(x.get(0)).toBe(1.5);
    expect(tensor(new Int32Array([1, 2, 3, 4]), { shape: [2, 2] }).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(tensor(new Int32Array([1, 2])).dtype).toBe("int32");
    expect(tensor(new Float32Array([0.5, 2]), { dtype: "float64" }).toArray()).toEqual([0.5, 2]);
    expect(tensor(new Float64Array([4, -5]), { dtype: "int32" }).toArray()).toEqual([4, -5]);
    expect(tensor(new Float64Array([0, 3]), { dtype: "bool" }).toArray()).toEqual([0, 1]);
    expect(() => tensor(new Float64Array([1, 1.5]), { dtype: "int32" })).toThrow(DTypeError);
    expect(() => tensor(new Float32Array(3), { shape: [2, 2] })).toThrow(/tensor: 3 values do not fill shape \(2,2\)/);
    expect(tensor(new Float32Array(0), { shape: [0, 4] }).shape).toEqual([0, 4]);
  });

  it("reads a Uint8Array as bool holding only 0 and 1; other typed arrays as plain numbers", () => {
    const b = tensor(new Uint8Array([0, 3, 255, 1]));
    expect(b.dtype).toBe("bool");
    expect(Array.from(b.data)).toEqual([0, 1, 1, 1]);
    expect(tensor(new Uint8Array([0, 3]), { dtype: "float32" }).toArray()).toEqual([0, 3]);
    const s = tensor(new Int16Array([-4, 7]));
    expect(s.dtype).toBe("float32");
    expect(s.toArray()).toEqual([-4, 7]);
    expect(tensor(new Uint8ClampedArray([9, 8]), { dtype: "int32", shape: [2, 1] }).toArray()).toEqual([[9], [8]]);
  });

  it("handles empty nesting", () => {
    expect(tensor([]).shape).toEqual([0]);
    expect(tensor([]).dtype).toBe("float32");
    expect(tensor([[], []]).shape).toEqual([2, 0]);
    expect(tensor([[], []]).toArray()).toEqual([[], []]);
  });

  it("rejects ragged nesting with a ShapeError naming both parts", () => {
    expect(() => tensor([[1, 2], [3, 4, 5]])).toThrow(ShapeError);
    expect(() => tensor([[1, 2], [3, 4, 5]])).toThrow(/tensor: ragged nested array: values\[0\] has shape \(2\) but values\[1\] has shape \(3\)/);
    expect(() => tensor([[1, 2], 3])).toThrow(ShapeError);
    expect(() => tensor([1, [2]])).toThrow(/values\[0\] has shape \(\) but values\[1\] has shape \(1\)/);
    expect(() => tensor([[[1, 2]], [[1, 2, 3]]])).toThrow(/values\[0\] has shape \(1,2\) but values\[1\] has shape \(1,3\)/);
  });

  it("rejects values the dtype cannot hold with a DTypeError", () => {
    expect(() => tensor([1, 1.5], { dtype: "int32" })).toThrow(DTypeError);
    expect(() => tensor([1, 1.5], { dtype: "int32" })).toThrow(/tensor: element 1 is 1.5, which int32 cannot hold \(it would become 1\); cast explicitly/);
    expect(() => tensor([2 ** 31], { dtype: "int32" })).toThrow(/element 0 is 2147483648/);
    expect(() => tensor([NaN], { dtype: "int32" })).toThrow(DTypeError);
    expect(tensor([-(2 ** 31), 2 ** 31 - 1], { dtype: "int32" }).toArray()).toEqual([-(2 ** 31), 2 ** 31 - 1]);
    expect(() => tensor([1, "2" as unknown as number])).toThrow(/tensor: element 1 is string 2; expected a number or boolean/);
  });
});

describe("zeros, ones, full and the *Like forms", () => {
  it("fill the shape with one value", () => {
    const z = zeros([2, 3]);
    expect(z.dtype).toBe("float32");
    expect(z.toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(ones([2], { dtype: "int32" }).toArray()).toEqual([1, 1]);
    expect(ones([2], { dtype: "int32" }).data).toBeInstanceOf(Int32Array);
    expect(zeros([]).toArray()).toBe(0);
    expect(zeros([3, 0]).size).toBe(0);
    expect(full([2, 2], 7.5, { dtype: "float64" }).toArray()).toEqual([[7.5, 7.5], [7.5, 7.5]]);
    expect(full([1], NaN).item()).toBeNaN();
    expect(full([1], -Infinity).item()).toBe(-Infinity);
    expect(full([2], true).dtype).toBe("bool");
    expect(Array.from(full([2], 5, { dtype: "bool" }).data)).toEqual([1, 1]);
    expect(Array.from(full([1], false, { dtype: "int32" }).data)).toEqual([0]);
  });

  it("reject bad shapes and values", () => {
    expect(() => zeros([2, -1])).toThrow(ShapeError);
    expect(() => zeros([2, -1])).toThrow(/shape \[2, -1\] has -1; expected non-negative integers/);
    expect(() => zeros([1.5])).toThrow(ShapeError);
    expect(() => full([1], 1.5, { dtype: "int32" })).toThrow(/full: value 1.5 is not an int32/);
    expect(() => full([1], 2 ** 40, { dtype: "int32" })).toThrow(DTypeError);
    expect(() => full([1], NaN, { dtype: "int32" })).toThrow(DTypeError);
    expect(() => ones([1], { dtype: "uint8" as DType })).toThrow(/unknown dtype uint8/);
  });

  it("zerosLike and onesLike take shape and dtype from a tensor, views included", () => {
    const x = tensor([[1, 2, 3]], { dtype: "int32" }).T;
    const z = zerosLike(x);
    expect(z.shape).toEqual([3, 1]);
    expect(z.dtype).toBe("int32");
    expect(z.toArray()).toEqual([[0], [0], [0]]);
    expect(z.data).not.toBe(x.data);
    expect(onesLike(x, { dtype: "float64" }).dtype).toBe("float64");
    expect(onesLike(x).toArray()).toEqual([[1], [1], [1]]);
  });

  it("name themselves, not full, in their errors", () => {
    expect(() => zeros([2, -1])).toThrow(/^zeros: shape \[2, -1\] has -1/);
    expect(() => ones([0.5])).toThrow(ShapeError);
    expect(() => ones([0.5])).toThrow(/^ones: shape \[0.5\] has 0.5/);
    expect(() => zeros([1], { dtype: "uint8" as DType })).toThrow(/^zeros: unknown dtype uint8; expected float32, float64, int32 or bool/);
    const x = tensor([1, 2]);
    expect(() => zerosLike(x, { dtype: "int64" as DType })).toThrow(DTypeError);
    expect(() => zerosLike(x, { dtype: "int64" as DType })).toThrow(/^zerosLike: unknown dtype int64/);
    expect(() => onesLike(x, { dtype: "int64" as DType })).toThrow(/^onesLike: unknown dtype int64/);
    expect(() => full([-1], 0)).toThrow(/^full: shape \[-1\] has -1/);
    expect(zerosLike(x, { dtype: "int32" }).toArray()).toEqual([0, 0]);
    expect(onesLike(x, { dtype: "bool" }).toArray()).toEqual([1, 1]);
  });
});

describe("arange", () => {
  it("counts from 0 to stop, as int32 for integer arguments", () => {
    const a = arange(5);
    expect(a.dtype).toBe("int32");
    expect(a.toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(arange(5, { dtype: "float64" }).dtype).toBe("float64");
    expect(arange(0).toArray()).toEqual([]);
    expect(arange(-2).toArray()).toEqual([]);
  });

  it("takes start, stop and step, negative and fractional", () => {
    expect(arange(2, 5).toArray()).toEqual([2, 3, 4]);
    expect(arange(1, 10, 4).toArray()).toEqual([1, 5, 9]);
    expect(arange(5, 2, -1).toArray()).toEqual([5, 4, 3]);
    expect(arange(5, -6, -5).toArray()).toEqual([5, 0, -5]);
    expect(arange(3, 3).toArray()).toEqual([]);
    expect(arange(3, 0).toArray()).toEqual([]);
    const f = arange(0, 1, 0.25);
    expect(f.dtype).toBe("float32");
    expect(f.toArray()).toEqual([0, 0.25, 0.5, 0.75]);
    expect(arange(1, 0, -0.25).toArray()).toEqual([1, 0.75, 0.5, 0.25]);
    expect(arange(0, 1.2, 0.5, { dtype: "float64" }).toArray()).toEqual([0, 0.5, 1]);
    expect(arange(0, 2.5, 1, { dtype: "int32" }).toArray()).toEqual([0, 1, 2]);
    expect(arange(0.5, 3).toArray()).toEqual([0.5, 1.5, 2.5]);
  });

  it("holds only 0 and 1 in bool, and refuses fractional int32", () => {
    expect(Array.from(arange(-1, 3, 1, { dtype: "bool" }).data)).toEqual([1, 0, 1, 1]);
    expect(() => arange(0, 1, 0.5, { dtype: "int32" })).toThrow(DTypeError);
    expect(() => arange(0.5, 3, 1, { dtype: "int32" })).toThrow(/arange: start 0.5 and step 1 give fractional values/);
  });

  it("rejects a zero step and non-finite arguments", () => {
    expect(() => arange(0, 5, 0)).toThrow(ValueError);
    expect(() => arange(0, 5, 0)).toThrow(/arange: step must not be 0/);
    expect(() => arange(Infinity)).toThrow(/arange: start, stop and step must be finite/);
    expect(() => arange(0, NaN)).toThrow(ValueError);
  });

  it("refuses an int32 result whose start or last value is outside the int32 range, instead of wrapping", () => {
    expect(() => arange(3e9, 3e9 + 2)).toThrow(DTypeError);
    expect(() => arange(3e9, 3e9 + 2)).toThrow('arange: start 3000000000 is outside the int32 range of an int32 result; pass { dtype: "float64" }');
    expect(() => arange(2 ** 31 - 2, 2 ** 31 + 1)).toThrow(/^arange: last value 2147483648 is outside the int32 range/);
    expect(() => arange(-(2 ** 31) + 1, -(2 ** 31) - 2, -1)).toThrow(/^arange: last value -2147483649 is outside/);
    expect(() => arange(0, 6e9, 3e9, { dtype: "int32" })).toThrow(DTypeError);
    // The neighbours: values at the edges of int32, an empty range, a float dtype, a big step.
    expect(arange(2 ** 31 - 3, 2 ** 31).toArray()).toEqual([2147483645, 2147483646, 2147483647]);
    expect(arange(-(2 ** 31), -(2 ** 31) + 2).toArray()).toEqual([-2147483648, -2147483647]);
    expect(arange(3e9, 3e9).toArray()).toEqual([]);
    expect(arange(3e9, 3e9 + 2, 1, { dtype: "float64" }).toArray()).toEqual([3e9, 3e9 + 1]);
    expect(arange(0, 3e9, 2e9).toArray()).toEqual([0, 2e9]);
  });
});

describe("linspace", () => {
  it("spaces num values from start to stop, both included", () => {
    const l = linspace(0, 1, 5);
    expect(l.dtype).toBe("float32");
    expect(l.toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(linspace(1, 0, 3).toArray()).toEqual([1, 0.5, 0]);
    expect(linspace(-1, 1, 2, { dtype: "float64" }).toArray()).toEqual([-1, 1]);
    const d = linspace(0, 0.3, 4, { dtype: "float64" });
    expect(d.get(3)).toBe(0.3);
    expect(d.get(1)).toBeCloseTo(0.1, 15);
    expect(linspace(2, 5, 1).toArray()).toEqual([2]);
    expect(linspace(2, 5, 0).toArray()).toEqual([]);
  });

  it("rejects a bad num and integer dtypes", () => {
    expect(() => linspace(0, 1, -1)).toThrow(/linspace: num must be a non-negative integer, got -1/);
    expect(() => linspace(0, 1, 2.5)).toThrow(ValueError);
    expect(() => linspace(0, 1, 3, { dtype: "int32" })).toThrow(DTypeError);
  });

  it("rejects a non-finite start or stop instead of giving NaN", () => {
    expect(() => linspace(-Infinity, Infinity, 3)).toThrow(ValueError);
    expect(() => linspace(-Infinity, Infinity, 3)).toThrow("linspace: start and stop must be finite, got -Infinity, Infinity");
    expect(() => linspace(0, NaN, 2)).toThrow(/linspace: start and stop must be finite, got 0, NaN/);
    expect(() => linspace(Infinity, 1, 1)).toThrow(ValueError);
    expect(linspace(-1e30, 1e30, 3, { dtype: "float64" }).toArray()).toEqual([-1e30, 0, 1e30]);
  });
});

describe("eye", () => {
  it("puts ones on the main diagonal", () => {
    expect(eye(3).toArray()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expect(eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(eye(3, 2).toArray()).toEqual([[1, 0], [0, 1], [0, 0]]);
    expect(eye(2, 2, { dtype: "int32" }).dtype).toBe("int32");
    expect(eye(2, undefined, { dtype: "bool" }).toArray()).toEqual([[1, 0], [0, 1]]);
    expect(eye(0).shape).toEqual([0, 0]);
    expect(eye(1).dtype).toBe("float32");
  });

  it("rejects a negative or fractional size with a ShapeError naming eye and the argument", () => {
    expect(() => eye(-1)).toThrow(ShapeError);
    expect(() => eye(-1)).toThrow("eye: n is -1; expected a non-negative integer");
    expect(() => eye(2, 1.5)).toThrow(/^eye: m is 1.5; expected a non-negative integer/);
    expect(() => eye(NaN)).toThrow(/^eye: n is NaN/);
    expect(() => eye(2, 2, { dtype: "int64" as DType })).toThrow(/^eye: unknown dtype int64/);
    expect(eye(1, 0).shape).toEqual([1, 0]);
  });
});
