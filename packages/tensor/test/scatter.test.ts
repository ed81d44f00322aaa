// indexAdd against a reference that walks every element of `updates` and adds it at the position
// its index names (raw buffer reads through shape/strides/offset), and against gather through the
// adjoint identity <gather(x, i), u> = <x, indexAdd(0, i, u)>.
import { describe, expect, it } from "vitest";
import { gather, indexAdd, mul, tensor, zeros, DTypeError, ShapeError, ValueError, Tensor } from "@strata/tensor";
import { at, flatValues, indices, layouts, pseudoRandom, sample } from "./reference.js";

const norm = (axis: number, ndim: number): number => (axis < 0 ? axis + ndim : axis);
const int32 = (v: number[] | number[][] | number): Tensor => tensor(v, { dtype: "int32" });

/** `x` with every `updates[idx]` added at `x[idx[:a], indices[idx[a:a+k]], idx[a+k:]]`, in float64. */
function refIndexAdd(x: Tensor, idxT: Tensor, updates: Tensor, axis: number): { shape: number[]; values: number[] } {
  const a = norm(axis, x.ndim);
  const n = x.shape[a]!;
  const shape = [...x.shape];
  const values = flatValues(x);
  const rowMajor = (idx: number[]): number => idx.reduce((p, i, ax) => p * shape[ax]! + i, 0);
  for (const idx of indices(updates.shape)) {
    let v = at(idxT, idx.slice(a, a + idxT.ndim));
    if (v < 0) v += n;
    values[rowMajor([...idx.slice(0, a), v, ...idx.slice(a + idxT.ndim)])]! += at(updates, idx);
  }
  return { shape, values };
}

function updatesShape(x: Tensor, idx: Tensor, axis: number): number[] {
  const a = norm(axis, x.ndim);
  return [...x.shape.slice(0, a), ...idx.shape, ...x.shape.slice(a + 1)];
}

describe("indexAdd", () => {
  it("adds rows and columns by hand, repeated indices accumulating, negative ones from the end", () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(indexAdd(x, int32([1, 1, 0]), tensor([[1, 1, 1], [2, 2, 2], [10, 20, 30]])).toArray()).toEqual([[11, 22, 33], [7, 8, 9]]);
    expect(indexAdd(x, int32([2, -3]), tensor([[10, 20], [30, 40]]), { axis: 1 }).toArray()).toEqual([[21, 2, 13], [44, 5, 36]]);
    expect(indexAdd(zeros([3]), int32([1, 1, 1, -2]), tensor([1, 2, 3, 4])).toArray()).toEqual([0, 10, 0]);
    expect(indexAdd(zeros([2, 2]), int32(-1), tensor([5, 6])).toArray()).toEqual([[0, 0], [5, 6]]);
    expect(x.indexAdd(int32([[0], [0]]), tensor([[[1], [2]], [[3], [4]]]), { axis: -1 }).toArray()).toEqual([[4, 2, 3], [11, 5, 6]]);
  });

  for (const axis of [0, 1, 2, -1, -2, -3]) {
    it(`matches the reference along axis ${axis} with repeating 2-D indices, every layout of x, indices and updates`, () => {
      const x = sample([3, 4, 5], "float64", 3);
      const n = x.shape[norm(axis, 3)]!;
      // 6 indices into an axis of at most 5: some repeat, some are negative.
      const idx = sample([2, 3], "float64", 9, -n, n - 1).cast("int32");
      const u = sample(updatesShape(x, idx, axis), "float64", 4);
      for (const lx of layouts(x)) {
        for (const li of layouts(idx)) {
          for (const lu of layouts(u)) {
            const r = indexAdd(lx.t, li.t, lu.t, { axis });
            const ref = refIndexAdd(lx.t, li.t, lu.t, axis);
            expect(r.shape).toEqual(ref.shape);
            expect(r.dtype).toBe("float64");
            expect(r.isContiguous).toBe(true);
            expect(flatValues(r)).toEqual(ref.values);
          }
        }
      }
    });
  }

  it("accumulates in x's dtype: float32 rounds, int32 is exact, narrower updates promote", () => {
    const x = sample([4, 3], "float32", 1);
    const idx = int32([3, 0, 3, 3, 1]);
    const u = sample([5, 3], "float32", 2);
    const r = indexAdd(x, idx, u);
    expect(r.dtype).toBe("float32");
    expect(flatValues(r)).toAllClose(refIndexAdd(x, idx, u, 0).values);
    const xi = sample([2, 4], "int32", 3);
    const ui = sample([2, 6], "int32", 4);
    const ii = int32([0, 3, 3, -1, 2, 0]);
    const ri = indexAdd(xi, ii, ui, { axis: 1 });
    expect(ri.dtype).toBe("int32");
    expect(flatValues(ri)).toEqual(refIndexAdd(xi, ii, ui, 1).values);
    expect(indexAdd(zeros([3], { dtype: "int32" }), int32([2, 2]), tensor([true, true])).toArray()).toEqual([0, 0, 2]);
    const xd = zeros([2], { dtype: "float64" });
    expect(indexAdd(xd, int32([0]), tensor([0.1])).toArray()).toEqual([Math.fround(0.1), 0]);
    expect(indexAdd(zeros([2]), int32([1]), int32([7])).dtype).toBe("float32");
  });

  it("returns a new tensor and leaves x, its buffer and its version alone", () => {
    const x = sample([3, 2], "float64", 5);
    const before = flatValues(x);
    const r = indexAdd(x.T, int32([0, 0]), tensor([[1, 1], [1, 1]], { dtype: "float64" }), { axis: 1 });
    expect(flatValues(x)).toEqual(before);
    expect(x.version).toBe(0);
    expect(r.data.buffer).not.toBe(x.data.buffer);
    expect(r.version).toBe(0);
    expect(flatValues(r.T)).toEqual(before.map((v, k) => (k < 2 ? v + 2 : v)));
  });

  it("reads contiguous updates that start inside a larger buffer", () => {
    const u = sample([3, 2, 3], "float64", 6).slice(2); // elements 12..17 of its buffer
    expect(u.isContiguous && u.offset === 12).toBe(true);
    const x = sample([4, 3], "float64", 7);
    const idx = int32([3, -4]);
    expect(flatValues(indexAdd(x, idx, u))).toEqual(refIndexAdd(x, idx, u, 0).values);
  });

  it("handles 0-d, empty and 1-D cases", () => {
    expect(indexAdd(zeros([3, 2]), zeros([0], { dtype: "int32" }), zeros([0, 2])).toArray()).toEqual([[0, 0], [0, 0], [0, 0]]);
    expect(indexAdd(zeros([0, 3]), int32([1]), zeros([0, 1]), { axis: 1 }).shape).toEqual([0, 3]);
    expect(indexAdd(tensor([1, 2, 3]), int32(2), tensor(5)).toArray()).toEqual([1, 2, 8]);
    for (const l of layouts(sample([5], "int32", 8))) {
      const idx = int32([4, 0, -1, 2, 4]);
      const u = int32([1, 2, 3, 4, 5]);
      expect(flatValues(indexAdd(l.t, idx, u))).toEqual(refIndexAdd(l.t, idx, u, 0).values);
    }
  });

  it("is the adjoint of gather: sum(gather(x, i)·u) = sum(x·indexAdd(0, i, u))", () => {
    const cases: [number[], number, number[]][] = [
      [[6, 4], 0, [5]],
      [[6, 4], 1, [2, 3]],
      [[3, 5, 4], 1, []],
      [[3, 5, 4], -1, [4, 1]],
      [[3, 5, 4], 0, [7]],
      [[2, 3, 2, 5], 2, [3, 2, 2]],
    ];
    cases.forEach(([shape, axis, idxShape], c) => {
      const x = sample(shape, "float64", 20 + c);
      const n = shape[norm(axis, shape.length)]!;
      const count = idxShape.reduce((p, m) => p * m, 1);
      const idx = tensor(pseudoRandom(count, 40 + c, -n, n - 1e-9).map(Math.floor), { dtype: "int32", shape: idxShape });
      const u = sample(updatesShape(x, idx, axis), "float64", 60 + c);
      const lhs = mul(gather(x, idx, { axis }), u).sum().item();
      const rhs = mul(x, indexAdd(zeros(shape, { dtype: "float64" }), idx, u, { axis })).sum().item();
      expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(lhs)));
    });
  });

  it("undoes gather with a permutation", () => {
    const x = sample([4, 3], "float32", 2);
    const perm = int32([2, 0, 3, 1]);
    expect(indexAdd(zeros([4, 3]), perm, gather(x, perm))).toAllClose(x, { rtol: 0, atol: 0 });
  });

  it("reports errors", () => {
    const x = zeros([2, 3]);
    const u = zeros([2, 2]);
    expect(() => indexAdd(x, tensor([0, 1]), u, { axis: 1 })).toThrow(DTypeError);
    expect(() => indexAdd(x, tensor([0, 1]), u, { axis: 1 })).toThrow(/^indexAdd: indices must be int32, got float32; convert them with \.cast\("int32"\)/);
    const shape = () => indexAdd(x, int32([0, 1, 2]), u, { axis: 1 });
    expect(shape).toThrow(ShapeError);
    expect(shape).toThrow(/^indexAdd: updates has shape \(2,2\) but expected \(2,3\) = x\.shape\[:axis\] \+ indices\.shape \+ x\.shape\[axis\+1:\] for x \(2,3\), indices \(3\) and axis 1/);
    expect(() => indexAdd(x, int32([[0, 1]]), zeros([2, 3]))).toThrow(/^indexAdd: updates has shape \(2,3\) but expected \(1,2,3\)/);
    const far = () => indexAdd(x, int32([0, 3]), u, { axis: 1 });
    expect(far).toThrow(ValueError);
    expect(far).toThrow(/^indexAdd: index 3 at position \(1\) of indices \(2\) is out of range for axis 1 of length 3 in x \(2,3\); expected -3 <= index < 3/);
    expect(() => indexAdd(x, int32([[0], [-3]]), zeros([2, 1, 3]))).toThrow(/^indexAdd: index -3 at position \(1,0\).*length 2/);
    expect(() => indexAdd(x, int32([0]), u, { axis: 2 })).toThrow(/^indexAdd: axis 2 is out of range/);
    expect(() => indexAdd(tensor(1), int32([0]), zeros([1]))).toThrow(/^indexAdd: x has shape \(\) .*0-d/);
    const wide = () => indexAdd(x, int32([0, 1]), zeros([2, 2], { dtype: "float64" }), { axis: 1 });
    expect(wide).toThrow(DTypeError);
    expect(wide).toThrow(/^indexAdd: cannot add float64 updates into a float32 result \(x \(2,3\)\)/);
    expect(() => indexAdd(zeros([2], { dtype: "int32" }), int32([0]), tensor([1.5]))).toThrow(/^indexAdd: cannot add float32 updates into an int32 result/);
    expect(() => indexAdd(tensor([true, false]), int32([0]), tensor([true]))).toThrow(/^indexAdd: x is bool \(2\), and sums of bools are int32/);
    expect(() => indexAdd(x, int32([0]), [[1, 2, 3]] as unknown as Tensor)).toThrow(/^indexAdd: updates must be a Tensor, got Array/);
  });
});
