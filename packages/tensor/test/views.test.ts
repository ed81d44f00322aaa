// Views, copies and reads of Tensor, against values worked out by hand or by index arithmetic on
// the raw buffer (`at`), and the buffer-sharing contract: views share `data`, copies do not.
import { describe, expect, it } from "vitest";
import { tensor, arange, zeros, cast, equals, allClose, DTypeError, ShapeError, ValueError, Tensor, type DType, type SliceArg } from "@strata/tensor";
import { at, flatValues, indices, layouts, sample } from "./reference.js";

/** Python's slice rule for one axis, written out independently: the source indices it selects. */
function pySlice(n: number, start: number | null, stop: number | null, step: number | null): number[] {
  const st = step ?? 1;
  const fix = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + n : v, lo), hi);
  const out: number[] = [];
  if (st > 0) {
    const s = start === null ? 0 : fix(start, 0, n);
    const e = stop === null ? n : fix(stop, 0, n);
    for (let i = s; i < e; i += st) out.push(i);
  } else {
    const s = start === null ? n - 1 : fix(start, -1, n - 1);
    const e = stop === null ? -1 : fix(stop, -1, n - 1);
    for (let i = s; i > e; i += st) out.push(i);
  }
  return out;
}

/** Writes into the base buffer at the view's element `idx` and checks that the view sees it. */
function expectShares(view: Tensor, base: Tensor): void {
  expect(view.data).toBe(base.data);
  if (view.size === 0) return;
  const idx = view.shape.map((n) => n - 1);
  let p = view.offset;
  idx.forEach((i, ax) => (p += i * view.strides[ax]!));
  const old = base.data[p]!;
  base.data[p] = 42;
  expect(view.get(...idx)).toBe(42);
  base.data[p] = old;
}

describe("reshape and flatten", () => {
  it("keeps row-major order, infers -1, and is a view of contiguous data", () => {
    const x = arange(6, { dtype: "float32" });
    const r = x.reshape([2, 3]);
    expect(r.toArray()).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(x.reshape([3, -1]).toArray()).toEqual([[0, 1], [2, 3], [4, 5]]);
    expect(x.reshape([-1, 1, 2]).shape).toEqual([3, 1, 2]);
    expect(tensor([7]).reshape([]).toArray()).toBe(7);
    expect(tensor(7).reshape([1, 1]).toArray()).toEqual([[7]]);
    expect(zeros([0, 3]).reshape([-1]).shape).toEqual([0]);
    expectShares(r, x);
    expectShares(r.reshape([6]), x);
    expectShares(x.slice([2, 6]).reshape([2, 2]), x);
    expect(x.slice([2, 6]).reshape([2, 2]).toArray()).toEqual([[2, 3], [4, 5]]);
  });

  it("copies a non-contiguous tensor, in the logical row-major order", () => {
    for (const l of layouts(sample([3, 4], "float64"))) {
      const r = l.t.reshape([2, -1]);
      expect(r.shape).toEqual([2, 6]);
      expect(flatValues(r)).toEqual(flatValues(l.t));
      if (l.name !== "contiguous") expect(r.data).not.toBe(l.t.data);
    }
    const t = tensor([[1, 2], [3, 4]]).T;
    expect(t.reshape([4]).toArray()).toEqual([1, 3, 2, 4]);
    expect(t.flatten().toArray()).toEqual([1, 3, 2, 4]);
  });

  it("flatten is a view of contiguous data", () => {
    const x = sample([2, 3]);
    expect(x.flatten().shape).toEqual([6]);
    expectShares(x.flatten(), x);
  });

  it("reports errors", () => {
    const x = zeros([2, 3]);
    expect(() => x.reshape([-1, -1])).toThrow(ShapeError);
    expect(() => x.reshape([-1, -1])).toThrow(/reshape: only one length may be -1, got \[-1, -1\]/);
    expect(() => x.reshape([4])).toThrow(/reshape: cannot reshape \(2,3\) \(6 elements\) into \(4\) \(4 elements\)/);
    expect(() => x.reshape([4, -1])).toThrow(/reshape: cannot reshape \(2,3\) \(6 elements\) into \[4, -1\]/);
    expect(() => x.reshape([-2, -3])).toThrow(/reshape: shape \[-2, -3\] has -2/);
    expect(() => x.reshape([2.5, 2])).toThrow(ShapeError);
  });
});

describe("transpose and T", () => {
  it("reverses the axes by default and follows a perm", () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(x.T.toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(x.transpose().toArray()).toEqual(x.T.toArray());
    expect(x.T.strides).toEqual([1, 3]);
    expectShares(x.T, x);
    expect(tensor(5).T.toArray()).toBe(5);
  });

  it("maps index (i0, i1, i2) of the result to index (i[perm^-1]) of the source", () => {
    const x = sample([2, 3, 4]);
    for (const perm of [[0, 1, 2], [2, 0, 1], [1, 2, 0], [2, 1, 0], [0, 2, 1], [-1, 0, -2]]) {
      const p = perm.map((a) => (a < 0 ? a + 3 : a));
      const t = x.transpose(perm);
      expect(t.shape).toEqual(p.map((a) => x.shape[a]));
      for (const idx of indices(t.shape)) {
        const src = new Array<number>(3);
        p.forEach((a, i) => (src[a] = idx[i]!));
        expect(at(t, idx)).toBe(at(x, src));
      }
      expectShares(t, x);
    }
  });

  it("reports errors", () => {
    const x = zeros([2, 3]);
    expect(() => x.transpose([0, 0])).toThrow(ValueError);
    expect(() => x.transpose([0, 0])).toThrow(/transpose: perm \[0, 0\] is not a permutation of the 2 axes of \(2,3\)/);
    expect(() => x.transpose([0])).toThrow(/transpose: perm \[0\] is not a permutation/);
    expect(() => x.transpose([0, 2])).toThrow(/transpose: axis 2 is out of range for a tensor with 2 dimensions/);
  });
});

describe("slice", () => {
  const x = arange(10);
  const cases: [SliceArg, number[]][] = [
    [[2, 8, 3], [2, 5]],
    [[null, null, -1], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]],
    [[8, 2, -2], [8, 6, 4]],
    [[-3], [7, 8, 9]],
    [[-100, 100], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]],
    [[100, null], []],
    [[5, 2], []],
    [[2, 5, -1], []],
    [[null, null, -3], [9, 6, 3, 0]],
    [[-1, -100, -1], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]],
    [[20, null, -4], [9, 5, 1]],
    [[-101, null, 3], [0, 3, 6, 9]],
    [[1, -1, 4], [1, 5]],
    [[], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]],
    [null, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]],
  ];
  for (const [arg, want] of cases) {
    it(`slices arange(10) with ${JSON.stringify(arg)} (worked out by hand)`, () => {
      const s = x.slice(arg);
      expect(s.toArray()).toEqual(want);
      expectShares(s, x);
    });
  }

  it("agrees with the Python rule on many bounds and steps", () => {
    const n = 7;
    const y = sample([n], "float64");
    const bounds = [null, -9, -7, -3, -1, 0, 1, 3, 6, 7, 9];
    for (const start of bounds) {
      for (const stop of bounds) {
        for (const step of [null, 1, 2, 3, -1, -2, -5]) {
          const want = pySlice(n, start, stop, step).map((i) => at(y, [i]));
          expect(flatValues(y.slice([start, stop, step]))).toEqual(want);
        }
      }
    }
  });

  it("picks with numbers (dropping the axis), keeps with null, and leaves trailing axes whole", () => {
    const m = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(m.slice(1).toArray()).toEqual([4, 5, 6]);
    expect(m.slice(-1, 0).toArray()).toBe(4);
    expect(m.slice(null, -1).toArray()).toEqual([3, 6]);
    expect(m.slice(null, [null, null, -2]).toArray()).toEqual([[3, 1], [6, 4]]);
    expect(m.slice([null, null, -1], 1).toArray()).toEqual([5, 2]);
    const c = sample([3, 4, 5]);
    const s = c.slice([1, 3], 2);
    expect(s.shape).toEqual([2, 5]);
    for (const idx of indices(s.shape)) expect(at(s, idx)).toBe(at(c, [idx[0]! + 1, 2, idx[1]!]));
    expectShares(s, c);
  });

  it("composes on strided views", () => {
    for (const l of layouts(sample([4, 6]))) {
      const s = l.t.slice([3, 0, -2], [1, null, 2]);
      expect(s.shape).toEqual([2, 3]);
      for (const idx of indices(s.shape)) expect(at(s, idx)).toBe(at(l.t, [3 - 2 * idx[0]!, 1 + 2 * idx[1]!]));
    }
  });

  it("reports errors", () => {
    const m = zeros([2, 3]);
    expect(() => m.slice(null, null, null)).toThrow(/slice: got 3 ranges for a tensor of shape \(2,3\) with 2 axes/);
    expect(() => m.slice([0, 2, 0])).toThrow(ValueError);
    expect(() => m.slice([0, 2, 0])).toThrow(/slice: axis 0: step must not be 0/);
    expect(() => m.slice(null, [1.5, 2])).toThrow(/slice: axis 1: expected integer bounds and step, got 1.5/);
    expect(() => m.slice(2)).toThrow(/slice: index 2 is out of range for axis 0 of length 2 in shape \(2,3\)/);
    expect(() => m.slice(null, -4)).toThrow(/slice: index -4 is out of range for axis 1 of length 3/);
  });
});

describe("squeeze and unsqueeze", () => {
  it("squeezes all length-1 axes or the named ones", () => {
    const x = sample([1, 3, 1, 2]);
    expect(x.squeeze().shape).toEqual([3, 2]);
    expect(x.squeeze(0).shape).toEqual([3, 1, 2]);
    expect(x.squeeze(-2).shape).toEqual([1, 3, 2]);
    expect(x.squeeze([0, 2]).shape).toEqual([3, 2]);
    expect(flatValues(x.squeeze())).toEqual(flatValues(x));
    expect(tensor([[5]]).squeeze().toArray()).toBe(5);
    expectShares(x.squeeze(), x);
  });

  it("unsqueezes at any position in [-ndim-1, ndim]", () => {
    const x = sample([2, 3]);
    const want: Record<number, number[]> = { 0: [1, 2, 3], 1: [2, 1, 3], 2: [2, 3, 1], [-1]: [2, 3, 1], [-2]: [2, 1, 3], [-3]: [1, 2, 3] };
    for (const [axis, shape] of Object.entries(want)) {
      const u = x.unsqueeze(Number(axis));
      expect(u.shape).toEqual(shape);
      expect(flatValues(u)).toEqual(flatValues(x));
      expect(u.isContiguous).toBe(true);
      expectShares(u, x);
    }
    expect(tensor(3).unsqueeze(0).toArray()).toEqual([3]);
  });

  it("reports errors", () => {
    const x = zeros([2, 1]);
    expect(() => x.squeeze(0)).toThrow(ShapeError);
    expect(() => x.squeeze(0)).toThrow(/squeeze: axis 0 of \(2,1\) has length 2, expected 1/);
    expect(() => x.squeeze([1, -1])).toThrow(/squeeze: axis 1 is repeated/);
    expect(() => x.squeeze(2)).toThrow(/squeeze: axis 2 is out of range/);
    expect(() => x.unsqueeze(3)).toThrow(ValueError);
    expect(() => x.unsqueeze(-4)).toThrow(/unsqueeze: axis -4 is out of range for a tensor with 3 dimensions/);
  });
});

describe("broadcastTo and expand", () => {
  it("repeats with stride 0 and follows the broadcast index mapping", () => {
    const col = tensor([[1], [2]]);
    const b = col.broadcastTo([3, 2, 4]);
    expect(b.strides).toEqual([0, 1, 0]);
    expect(b.toArray()).toEqual([0, 0, 0].map(() => [[1, 1, 1, 1], [2, 2, 2, 2]]));
    expectShares(b, col);
    expect(b.isContiguous).toBe(false);
    const x = sample([1, 3]);
    const y = x.broadcastTo([2, 0, 3]);
    expect(y.shape).toEqual([2, 0, 3]);
    expect(tensor(4).broadcastTo([2]).toArray()).toEqual([4, 4]);
  });

  it("expand keeps -1 axes", () => {
    const x = tensor([[1], [2]]);
    expect(x.expand([-1, 3]).toArray()).toEqual([[1, 1, 1], [2, 2, 2]]);
    expect(x.expand([2, -1, -1]).toArray()).toEqual([[[1], [2]], [[1], [2]]]);
    expectShares(x.expand([-1, 3]), x);
  });

  it("reports errors", () => {
    const x = zeros([2, 3]);
    expect(() => x.broadcastTo([3, 3])).toThrow(ShapeError);
    expect(() => x.broadcastTo([3, 3])).toThrow(/broadcastTo: cannot broadcast \(2,3\) to \(3,3\)/);
    expect(() => x.broadcastTo([3])).toThrow(/broadcastTo: cannot broadcast \(2,3\) to \(3\)/);
    expect(() => x.expand([-1, 2, 3])).toThrow(/expand: cannot expand \(2,3\) to \[-1, 2, 3\]/);
    expect(() => x.expand([4, 3])).toThrow(/broadcastTo: cannot broadcast \(2,3\) to \(4,3\)/);
  });
});

describe("contiguous, clone and cast", () => {
  it("contiguous returns the tensor itself when already contiguous, else a row-major copy", () => {
    const x = sample([2, 3]);
    expect(x.contiguous()).toBe(x);
    for (const l of layouts(x)) {
      const c = l.t.contiguous();
      expect(c.isContiguous).toBe(true);
      expect(c.strides).toEqual([3, 1]);
      expect(flatValues(c)).toEqual(flatValues(x));
      if (l.name !== "contiguous") expect(c.data).not.toBe(l.t.data);
    }
  });

  it("clone always copies", () => {
    const x = sample([2, 3]);
    const c = x.clone();
    expect(c.data).not.toBe(x.data);
    x.data[0] = 100;
    expect(c.get(0, 0)).not.toBe(100);
    expect(flatValues(x.T.clone())).toEqual(flatValues(x.T));
  });

  it("casts floats to int32 by truncation toward zero and anything to bool as x != 0", () => {
    const f = tensor([-1.7, -0.5, 0.5, 2.9, 3], { dtype: "float64" });
    const i = f.cast("int32");
    expect(i.dtype).toBe("int32");
    expect(Array.from(i.data)).toEqual([-1, 0, 0, 2, 3]);
    const b = cast(tensor([0, -0, 2, 0.5, NaN, -3]), "bool");
    expect(b.dtype).toBe("bool");
    expect(Array.from(b.data)).toEqual([0, 0, 1, 1, 1, 1]);
    expect(Array.from(cast(tensor([0, 5, -2], { dtype: "int32" }), "bool").data)).toEqual([0, 1, 1]);
    expect(tensor([true, false]).cast("float32").toArray()).toEqual([1, 0]);
    expect(tensor(2.7).cast("int32").toArray()).toBe(2);
    const v = tensor([[1.5, 2.5], [-3.5, 4.5]]).T.cast("int32");
    expect(v.toArray()).toEqual([[1, -3], [2, 4]]);
    const same = f.cast("float64");
    expect(same.data).not.toBe(f.data);
    expect(f.cast("float32").get(0)).toBe(Math.fround(-1.7));
  });

  it("cast refuses an unknown dtype with a DTypeError listing the dtypes", () => {
    const x = tensor([1, 2]);
    expect(() => cast(x, "int64" as DType)).toThrow(DTypeError);
    expect(() => cast(x, "int64" as DType)).toThrow("cast: unknown dtype int64; expected float32, float64, int32 or bool");
    expect(() => x.cast(undefined as unknown as DType)).toThrow(/^cast: unknown dtype undefined/);
    expect(cast(x, "int32").toArray()).toEqual([1, 2]);
  });
});

describe("reads", () => {
  const m = tensor([[1, 2, 3], [4, 5, 6]], { dtype: "int32" });

  it("get reads one element, negative indices from the end", () => {
    expect(m.get(0, 2)).toBe(3);
    expect(m.get(-1, -3)).toBe(4);
    expect(m.T.get(2, 1)).toBe(6);
    expect(() => m.get(0)).toThrow(/get: expected 2 indices for shape \(2,3\), got 1/);
    expect(() => m.get(0, 3)).toThrow(ValueError);
    expect(() => m.get(0, 3)).toThrow(/get: index 3 is out of range for axis 1 of length 3 in shape \(2,3\)/);
    expect(() => m.get(-3, 0)).toThrow(/get: index -3 is out of range for axis 0/);
    expect(() => m.get(0.5, 0)).toThrow(ValueError);
  });

  it("item reads the single element", () => {
    expect(tensor(3.5).item()).toBe(3.5);
    expect(tensor([[[7]]]).item()).toBe(7);
    expect(() => tensor([1, 2]).item()).toThrow(/item: expected a tensor with one element, got shape \(2\) \(2 elements\)/);
  });

  it("toArray nests by shape; toTypedArray gives a new row-major array of the dtype", () => {
    expect(m.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(m.T.toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(zeros([2, 0]).toArray()).toEqual([[], []]);
    expect(tensor([true, false]).toArray()).toEqual([1, 0]);
    const ta = m.T.toTypedArray();
    expect(ta).toBeInstanceOf(Int32Array);
    expect(Array.from(ta)).toEqual([1, 4, 2, 5, 3, 6]);
    const own = m.toTypedArray();
    expect(own).not.toBe(m.data);
    own[0] = 9;
    expect(m.get(0, 0)).toBe(1);
    expect(tensor([1], { dtype: "float64" }).toTypedArray()).toBeInstanceOf(Float64Array);
    expect(tensor([true]).toTypedArray()).toBeInstanceOf(Uint8Array);
  });

  it("equals compares shapes and values across dtypes", () => {
    expect(m.equals(tensor([[1, 2, 3], [4, 5, 6]]))).toBe(true);
    expect(equals(m.T, tensor([[1, 4], [2, 5], [3, 6]]))).toBe(true);
    expect(m.equals(tensor([1, 2, 3, 4, 5, 6]))).toBe(false);
    expect(m.equals(tensor([[1, 2, 3], [4, 5, 7]]))).toBe(false);
    expect(tensor([NaN]).equals(tensor([NaN]))).toBe(false);
    expect(tensor(1).equals(tensor([1]))).toBe(false);
  });

  it("allClose uses atol + rtol·|b|, broadcasts, and compares with numbers", () => {
    expect(tensor([1, 100]).allClose(tensor([1 + 1e-9, 100.0009]))).toBe(true);
    expect(tensor([1, 100]).allClose(tensor([1, 100.002]))).toBe(false);
    expect(tensor([1]).allClose(tensor([1.05]), { rtol: 0, atol: 0.051 })).toBe(true);
    expect(tensor([1]).allClose(tensor([1.05]), { rtol: 0, atol: 0.049 })).toBe(false);
    expect(tensor([0]).allClose(tensor([1e-7]), { rtol: 1, atol: 0 })).toBe(true);
    expect(tensor([1e-7]).allClose(tensor([0]), { rtol: 1, atol: 0 })).toBe(false);
    expect(tensor([[2, 2], [2, 2]]).allClose(tensor([2]))).toBe(true);
    expect(allClose(tensor([2, 2.0001]), 2, { atol: 1e-3 })).toBe(true);
    expect(allClose(tensor([2, 2.1]), 2, { atol: 1e-3 })).toBe(false);
    expect(tensor([NaN]).allClose(tensor([NaN]))).toBe(false);
    expect(tensor([NaN, 1]).allClose(tensor([NaN, 1]), { equalNaN: true })).toBe(true);
    expect(tensor([Infinity]).allClose(tensor([Infinity]))).toBe(true);
    expect(() => tensor([1, 2]).allClose(tensor([1, 2, 3]))).toThrow(/allClose: shapes \(2\) and \(3\) do not broadcast/);
  });

  it("isContiguous tells row-major views from the rest", () => {
    const x = sample([3, 4]);
    expect(x.isContiguous).toBe(true);
    expect(x.T.isContiguous).toBe(false);
    expect(x.slice([1, 3]).isContiguous).toBe(true);
    expect(x.slice(null, [0, 2]).isContiguous).toBe(false);
    expect(x.slice(null, [null, null, -1]).isContiguous).toBe(false);
    expect(x.slice(1).isContiguous).toBe(true);
    expect(x.slice(null, 1).isContiguous).toBe(false);
    expect(x.slice([0, 1]).T.isContiguous).toBe(true);
    expect(x.broadcastTo([2, 3, 4]).isContiguous).toBe(false);
    // (2,1) with strides (1,2): the length-1 axis's stride does not matter, elements are in order
    expect(tensor([[1, 2]]).T.isContiguous).toBe(true);
    expect(zeros([0, 3]).T.isContiguous).toBe(true);
  });
});
