// concat, stack, oneHot and gather against references built element by element with
// `indices`/`at` (raw buffer reads through shape/strides/offset), on every memory layout.
import { describe, expect, it } from "vitest";
import { concat, stack, oneHot, gather, tensor, zeros, DTypeError, ShapeError, ValueError, Tensor, type DType } from "@strata/tensor";
import { at, flatValues, indices, layouts, sample } from "./reference.js";

const norm = (axis: number, ndim: number): number => (axis < 0 ? axis + ndim : axis);

function refConcat(ts: Tensor[], axis: number): { shape: number[]; values: number[] } {
  const a = norm(axis, ts[0]!.ndim);
  const shape = [...ts[0]!.shape];
  shape[a] = ts.reduce((s, t) => s + t.shape[a]!, 0);
  const values: number[] = [];
  for (const idx of indices(shape)) {
    let j = 0;
    let i = idx[a]!;
    while (i >= ts[j]!.shape[a]!) i -= ts[j++]!.shape[a]!;
    const src = [...idx];
    src[a] = i;
    values.push(at(ts[j]!, src));
  }
  return { shape, values };
}

function refStack(ts: Tensor[], axis: number): { shape: number[]; values: number[] } {
  const a = norm(axis, ts[0]!.ndim + 1);
  const shape = [...ts[0]!.shape];
  shape.splice(a, 0, ts.length);
  const values: number[] = [];
  for (const idx of indices(shape)) {
    const src = [...idx];
    const [j] = src.splice(a, 1);
    values.push(at(ts[j!]!, src));
  }
  return { shape, values };
}

function refOneHot(labels: Tensor, depth: number, axis: number): { shape: number[]; values: number[] } {
  const a = norm(axis, labels.ndim + 1);
  const shape = [...labels.shape];
  shape.splice(a, 0, depth);
  const values: number[] = [];
  for (const idx of indices(shape)) {
    const src = [...idx];
    const [cls] = src.splice(a, 1);
    values.push(at(labels, src) === cls ? 1 : 0);
  }
  return { shape, values };
}

function refGather(x: Tensor, idxT: Tensor, axis: number): { shape: number[]; values: number[] } {
  const a = norm(axis, x.ndim);
  const n = x.shape[a]!;
  const shape = [...x.shape.slice(0, a), ...idxT.shape, ...x.shape.slice(a + 1)];
  const values: number[] = [];
  for (const idx of indices(shape)) {
    const mid = idx.slice(a, a + idxT.ndim);
    let v = at(idxT, mid);
    if (v < 0) v += n;
    values.push(at(x, [...idx.slice(0, a), v, ...idx.slice(a + idxT.ndim)]));
  }
  return { shape, values };
}

function expectMatches(result: Tensor, ref: { shape: number[]; values: number[] }, dtype?: DType): void {
  expect([...result.shape]).toEqual(ref.shape);
  expect(flatValues(result)).toEqual(ref.values);
  expect(result.isContiguous).toBe(true);
  if (dtype) expect(result.dtype).toBe(dtype);
}

describe("concat", () => {
  const shapes = { 0: [[2, 3, 5], [1, 3, 5], [3, 3, 5]], 1: [[2, 1, 5], [2, 4, 5], [2, 3, 5]], 2: [[2, 3, 1], [2, 3, 3], [2, 3, 2]] } as const;
  for (const axis of [0, 1, 2, -1, -2, -3]) {
    it(`joins three tensors along axis ${axis} in every layout`, () => {
      const a = norm(axis, 3) as 0 | 1 | 2;
      const bases = shapes[a].map((s, i) => sample(s, "float64", 10 + i));
      const ls = bases.map((b) => layouts(b));
      for (const l0 of ls[0]!) {
        for (const l1 of ls[1]!) {
          for (const l2 of ls[2]!) {
            const inputs = [l0.t, l1.t, l2.t];
            expectMatches(concat(inputs, { axis }), refConcat(inputs, axis), "float64");
          }
        }
      }
    });
  }

  it("defaults to axis 0 and handles a single tensor (as a copy)", () => {
    const x = sample([3, 2]);
    const r = concat([x]);
    expectMatches(r, refConcat([x], 0));
    expect(r.data).not.toBe(x.data);
  });

  it("joins 1-D tensors by hand", () => {
    expect(concat([tensor([1, 2]), tensor([3]), tensor([4, 5, 6])]).toArray()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(concat([tensor([[1], [2]]), tensor([[3, 4], [5, 6]])], { axis: 1 }).toArray()).toEqual([[1, 3, 4], [2, 5, 6]]);
  });

  it("reads broadcast (stride-0) inputs", () => {
    const b = tensor([[7], [8]]).broadcastTo([2, 3]);
    const c = sample([2, 2], "float32");
    expectMatches(concat([b, c], { axis: 1 }), refConcat([b, c], 1));
  });

  it("promotes dtypes and never narrows", () => {
    const cases: [DType, DType, DType][] = [
      ["bool", "bool", "bool"],
      ["bool", "int32", "int32"],
      ["int32", "float32", "float32"],
      ["float32", "float64", "float64"],
      ["bool", "float64", "float64"],
    ];
    for (const [d1, d2, want] of cases) {
      const x = sample([2, 3], d1, 3);
      const y = sample([1, 3], d2, 4);
      expectMatches(concat([x, y]), refConcat([x, y], 0), want);
      expectMatches(concat([y, x]), refConcat([y, x], 0), want);
    }
    const mixed = concat([tensor([true, false]), tensor([2], { dtype: "int32" }), tensor([0.5], { dtype: "float64" })]);
    expect(mixed.dtype).toBe("float64");
    expect(mixed.toArray()).toEqual([1, 0, 2, 0.5]);
  });

  it("handles empty tensors", () => {
    const e = zeros([2, 0]);
    const x = sample([2, 3], "float32");
    expectMatches(concat([e, x, e], { axis: 1 }), refConcat([e, x, e], 1));
    expect(concat([e, e], { axis: 1 }).shape).toEqual([2, 0]);
    expect(concat([zeros([0, 3]), zeros([0, 4])], { axis: 1 }).shape).toEqual([0, 7]);
    expect(concat([zeros([0, 3]), x]).toArray()).toEqual(x.toArray());
  });

  it("does not change or share its inputs", () => {
    const x = sample([2, 2]);
    const before = flatValues(x);
    const r = concat([x, x]);
    r.data[0] = 99;
    expect(flatValues(x)).toEqual(before);
  });

  it("reports errors with the op, the tensor's index, both shapes and the axis", () => {
    expect(() => concat([])).toThrow(ValueError);
    expect(() => concat([])).toThrow(/concat: expected at least one tensor, got an empty list/);
    const bad = () => concat([zeros([3, 4]), zeros([1, 4]), zeros([2, 5])], { axis: 0 });
    expect(bad).toThrow(ShapeError);
    expect(bad).toThrow(/concat: tensor 2 has shape \(2,5\) but tensor 0 has shape \(3,4\).*axis 0/);
    expect(() => concat([zeros([3, 4]), zeros([3, 4, 1])], { axis: -1 })).toThrow(/concat: tensor 1 has shape \(3,4,1\) but tensor 0 has shape \(3,4\).*axis -1/);
    expect(() => concat([zeros([3, 4]), zeros([2, 4])], { axis: 1 })).toThrow(/tensor 1 .*\(2,4\).*\(3,4\).*axis 1/);
    expect(() => concat([zeros([3, 4])], { axis: 2 })).toThrow(ValueError);
    expect(() => concat([zeros([3, 4])], { axis: -3 })).toThrow(/concat: axis -3 is out of range/);
    expect(() => concat([tensor(1), tensor(2)])).toThrow(ShapeError);
    expect(() => concat([tensor(1), tensor(2)])).toThrow(/concat: .*0-d/);
  });
});

describe("stack", () => {
  for (const axis of [0, 1, 2, 3, -1, -2, -3, -4]) {
    it(`stacks along new axis ${axis} in every layout`, () => {
      const bases = [0, 1].map((i) => sample([3, 2, 5], "float32", 20 + i));
      for (const l0 of layouts(bases[0]!)) {
        for (const l1 of layouts(bases[1]!)) {
          expectMatches(stack([l0.t, l1.t, l0.t], { axis }), refStack([l0.t, l1.t, l0.t], axis), "float32");
        }
      }
    });
  }

  it("stacks by hand, scalars included", () => {
    expect(stack([tensor([1, 2]), tensor([3, 4])], { axis: 1 }).toArray()).toEqual([[1, 3], [2, 4]]);
    expect(stack([tensor(1), tensor(2), tensor(3)]).toArray()).toEqual([1, 2, 3]);
    expect(stack([tensor(1)], { axis: -1 }).shape).toEqual([1]);
  });

  it("slicing the result at i along the axis gives back input i", () => {
    const ts = [0, 1, 2, 3].map((i) => sample([2, 3], "float64", 30 + i));
    const s = stack(ts, { axis: 1 });
    ts.forEach((t, i) => expect(flatValues(s.slice(null, i))).toEqual(flatValues(t)));
  });

  it("promotes dtypes and handles empty tensors", () => {
    const r = stack([tensor([1, 0], { dtype: "int32" }), tensor([true, true])]);
    expect(r.dtype).toBe("int32");
    expect(r.toArray()).toEqual([[1, 0], [1, 1]]);
    expect(stack([zeros([0]), zeros([0])]).shape).toEqual([2, 0]);
    expect(stack([zeros([2, 0]), zeros([2, 0])], { axis: -1 }).shape).toEqual([2, 0, 2]);
  });

  it("reports errors", () => {
    expect(() => stack([])).toThrow(/stack: expected at least one tensor, got an empty list/);
    expect(() => stack([zeros([2]), zeros([2]), zeros([3])])).toThrow(ShapeError);
    expect(() => stack([zeros([2]), zeros([2]), zeros([3])])).toThrow(/stack: tensor 2 has shape \(3\) but tensor 0 has shape \(2\)/);
    expect(() => stack([zeros([2]), zeros([2, 1])])).toThrow(/stack: tensor 1 has shape \(2,1\)/);
    expect(() => stack([zeros([2])], { axis: 2 })).toThrow(ValueError);
    expect(() => stack([zeros([2])], { axis: -3 })).toThrow(/stack: axis -3 is out of range/);
  });
});

describe("oneHot", () => {
  it("puts classes on axis 0 by default: labels (m,) give (depth, m), one column per example", () => {
    const y = oneHot(tensor([2, 0, 1, 2, 3], { dtype: "int32" }), 4);
    expect(y.shape).toEqual([4, 5]);
    expect(y.dtype).toBe("float32");
    expect(y.toArray()).toEqual([
      [0, 1, 0, 0, 0],
      [0, 0, 1, 0, 0],
      [1, 0, 0, 1, 0],
      [0, 0, 0, 0, 1],
    ]);
  });

  it("takes axis -1 for rows and a dtype", () => {
    const y = oneHot(tensor([1, 0], { dtype: "int32" }), 3, { axis: -1, dtype: "int32" });
    expect(y.dtype).toBe("int32");
    expect(y.toArray()).toEqual([[0, 1, 0], [1, 0, 0]]);
    const b = oneHot(tensor([1], { dtype: "int32" }), 2, { dtype: "bool" });
    expect(b.dtype).toBe("bool");
    expect(b.toArray()).toEqual([[0], [1]]);
  });

  for (const axis of [0, 1, 2, -1, -2, -3]) {
    it(`matches the reference for 2-D labels, class axis ${axis}, every layout`, () => {
      const labels = sample([3, 5], "float64", 7, 0, 4).cast("int32"); // values 0..3
      for (const l of layouts(labels)) {
        expectMatches(oneHot(l.t, 4, { axis, dtype: "float64" }), refOneHot(l.t, 4, axis), "float64");
      }
    });
  }

  it("handles 0-d and empty labels", () => {
    expect(oneHot(tensor(2, { dtype: "int32" }), 3).toArray()).toEqual([0, 0, 1]);
    expect(oneHot(zeros([0], { dtype: "int32" }), 3).shape).toEqual([3, 0]);
    expect(oneHot(zeros([0], { dtype: "int32" }), 0).shape).toEqual([0, 0]);
  });

  it("reports errors", () => {
    expect(() => oneHot(tensor([1, 0]), 2)).toThrow(DTypeError);
    expect(() => oneHot(tensor([1, 0]), 2)).toThrow(/oneHot: .*int32, got float32.*cast\("int32"\)/);
    const out = () => oneHot(tensor([[0, 1], [3, 2]], { dtype: "int32" }), 3);
    expect(out).toThrow(ValueError);
    expect(out).toThrow(/oneHot: label 3 at position \(1,0\).*depth = 3/);
    expect(() => oneHot(tensor([0, -1], { dtype: "int32" }), 3)).toThrow(/oneHot: label -1 at position \(1\)/);
    expect(() => oneHot(tensor([0], { dtype: "int32" }), 2.5)).toThrow(/oneHot: depth must be a non-negative integer, got 2.5/);
    expect(() => oneHot(tensor([0], { dtype: "int32" }), 2, { axis: 2 })).toThrow(/oneHot: axis 2 is out of range/);
    expect(() => oneHot(tensor([0], { dtype: "int32" }), 2, { dtype: "int8" as DType })).toThrow(/oneHot: unknown dtype int8/);
  });
});

describe("gather", () => {
  it("picks rows and columns by hand, negative indices from the end", () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    const i = (v: number[] | number[][]) => tensor(v, { dtype: "int32" });
    expect(gather(x, i([1, 0, 1])).toArray()).toEqual([[4, 5, 6], [1, 2, 3], [4, 5, 6]]);
    expect(gather(x, i([2, -3]), { axis: 1 }).toArray()).toEqual([[3, 1], [6, 4]]);
    expect(gather(x, i([[0], [-1]]), { axis: -1 }).toArray()).toEqual([[[1], [3]], [[4], [6]]]);
    expect(gather(x, tensor(-1, { dtype: "int32" })).toArray()).toEqual([4, 5, 6]);
    expect(gather(tensor([5, 6, 7]), i([2, 2, 0])).toArray()).toEqual([7, 7, 5]);
    expect(gather(tensor([true, false]), i([1, 0])).dtype).toBe("bool");
  });

  for (const axis of [0, 1, 2, -1, -2, -3]) {
    it(`matches the reference along axis ${axis} with 2-D indices, every layout of x and indices`, () => {
      const x = sample([3, 5, 4], "float32", 3);
      const n = x.shape[norm(axis, 3)]!;
      const idx = sample([2, 3], "float64", 9, -n, n - 1).cast("int32");
      for (const lx of layouts(x)) {
        for (const li of layouts(idx)) {
          expectMatches(gather(lx.t, li.t, { axis }), refGather(lx.t, li.t, axis), "float32");
        }
      }
    });
  }

  it("gathers from 1-D strided and broadcast inputs", () => {
    const idx = tensor([4, 0, -1, 2], { dtype: "int32" });
    for (const l of layouts(sample([5], "int32"))) expectMatches(gather(l.t, idx), refGather(l.t, idx, 0), "int32");
    const b = tensor([[1], [2]]).broadcastTo([2, 3]);
    expectMatches(gather(b, idx.slice([1, 3]), { axis: 1 }), refGather(b, idx.slice([1, 3]), 1));
  });

  it("handles empty indices and empty axes", () => {
    expect(gather(sample([3, 2]), zeros([0], { dtype: "int32" })).shape).toEqual([0, 2]);
    expect(gather(sample([3, 2]), zeros([2, 0], { dtype: "int32" }), { axis: 1 }).shape).toEqual([3, 2, 0]);
    expect(gather(zeros([0, 3]), tensor([1], { dtype: "int32" }), { axis: 1 }).shape).toEqual([0, 1]);
  });

  it("reports errors", () => {
    const x = zeros([2, 3]);
    expect(() => gather(x, tensor([0]))).toThrow(DTypeError);
    expect(() => gather(x, tensor([0]))).toThrow(/gather: indices must be int32, got float32/);
    const far = () => gather(x, tensor([0, 3], { dtype: "int32" }), { axis: 1 });
    expect(far).toThrow(ValueError);
    expect(far).toThrow(/gather: index 3 at position \(1\).*axis 1 of length 3.*-3 <= index < 3/);
    expect(() => gather(x, tensor([[0], [-3]], { dtype: "int32" }))).toThrow(/gather: index -3 at position \(1,0\).*length 2/);
    expect(() => gather(x, tensor([0], { dtype: "int32" }), { axis: 2 })).toThrow(/gather: axis 2 is out of range/);
    expect(() => gather(tensor(1), tensor([0], { dtype: "int32" }))).toThrow(/gather: .*0-d/);
  });
});
