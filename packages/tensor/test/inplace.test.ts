// In-place ops against a reference that recomputes the whole raw buffer element by element: each
// target element's buffer position comes from its shape/strides/offset by hand, so the tests see
// both that the right cells change (the parent of a view sees the write) and that no other does.
import { describe, expect, it } from "vitest";
import {
  add, addInPlace, assign, bumpVersion, divInPlace, fill, mul, mulInPlace, sub, subInPlace, tensor, zeros,
  DTypeError, ShapeError, Tensor, ValueError, type DType,
} from "@strata/tensor";
import { at, indices, layouts, sample } from "./reference.js";

type Operand = Tensor | number;
type Ref = (t: number, s: number) => number;

const round: Record<DType, (v: number) => number> = {
  float32: Math.fround,
  float64: (v) => v,
  int32: (v) => v | 0,
  bool: (v) => v,
};

/** Where `idx` of `t` lives in its buffer. */
function bufferIndex(t: Tensor, idx: readonly number[]): number {
  let p = t.offset;
  idx.forEach((i, ax) => (p += i * t.strides[ax]!));
  return p;
}

/** The value of `operand` broadcast to a target index (aligned at the right, length 1 repeats). */
function operandAt(operand: Operand, idx: readonly number[]): number {
  if (typeof operand === "number") return operand;
  const lead = idx.length - operand.ndim;
  return at(operand, operand.shape.map((n, ax) => (n === 1 ? 0 : idx[lead + ax]!)));
}

/** The whole buffer of `target` after `target[i] = f(target[i], operand[i])`, read before any write. */
function expectedBuffer(target: Tensor, operand: Operand, f: Ref): number[] {
  const before = Array.from(target.data);
  const out = [...before];
  for (const idx of indices(target.shape)) {
    const p = bufferIndex(target, idx);
    out[p] = round[target.dtype](f(before[p]!, operandAt(operand, idx)));
  }
  return out;
}

/** Targets of `shape` in several layouts, each with the tensor that owns the buffer. */
function targets(shape: number[], dtype: DType, seed: number): { name: string; parent: Tensor; t: Tensor }[] {
  const contiguous = sample(shape, dtype, seed);
  const transposedParent = sample([...shape].reverse(), dtype, seed + 1);
  const big = sample(shape.map((n) => 2 * n + 1), dtype, seed + 2);
  // Every other element, the last axis walked backwards.
  const strided = big.slice(...shape.map((n, ax) => (ax === shape.length - 1 ? ([2 * n - 1, null, -2] as const) : ([1, null, 2] as const))));
  const bigT = sample([...shape].reverse().map((n) => 2 * n + 1), dtype, seed + 3);
  const stridedT = bigT.slice(...[...shape].reverse().map((n) => [2 * n, 0, -2] as const)).T;
  return [
    { name: "contiguous", parent: contiguous, t: contiguous },
    { name: "transposed", parent: transposedParent, t: transposedParent.T },
    { name: "negative-step slice", parent: big, t: strided },
    { name: "transposed negative-step slice", parent: bigT, t: stridedT },
  ];
}

interface Case {
  name: string;
  run: (t: Tensor, o: Operand) => Tensor;
  ref: (dtype: DType) => Ref;
  dtypes: DType[];
}

const cases: Case[] = [
  { name: "assign", run: assign, ref: () => (_t, s) => s, dtypes: ["float32", "float64", "int32"] },
  { name: "addInPlace", run: (t, o) => addInPlace(t, o), ref: () => (t, s) => t + s, dtypes: ["float32", "float64", "int32"] },
  { name: "addInPlace alpha", run: (t, o) => addInPlace(t, o, { alpha: -3 }), ref: () => (t, s) => t - 3 * s, dtypes: ["float32", "float64", "int32"] },
  { name: "subInPlace", run: (t, o) => t.subInPlace(o), ref: () => (t, s) => t - s, dtypes: ["float32", "float64", "int32"] },
  { name: "subInPlace alpha", run: (t, o) => subInPlace(t, o, { alpha: 2.5 }), ref: () => (t, s) => t - 2.5 * s, dtypes: ["float32", "float64"] },
  { name: "mulInPlace", run: mulInPlace, ref: () => (t, s) => t * s, dtypes: ["float32", "float64", "int32"] },
  { name: "divInPlace", run: (t, o) => t.divInPlace(o), ref: () => (t, s) => t / s, dtypes: ["float32", "float64"] },
];

describe("in-place ops against the buffer reference", () => {
  for (const c of cases) {
    for (const dtype of c.dtypes) {
      it(`${c.name} on ${dtype} targets in every layout, with operands in every layout, broadcast and scalar`, () => {
        const shape = [3, 4];
        for (const { name, parent, t } of targets(shape, dtype, 11)) {
          const operands: Operand[] = [
            ...layouts(sample(shape, dtype, 5, 1, 4)).map((l) => l.t),
            ...layouts(sample([4], dtype, 6, 1, 4)).map((l) => l.t),
            sample([3, 1], dtype, 7, 1, 4),
            tensor(dtype === "int32" ? 3 : 1.75, { dtype }),
            dtype === "int32" ? -2 : 0.3,
          ];
          for (const o of operands) {
            const want = expectedBuffer(t, o, c.ref(dtype));
            const version = t.version;
            expect(c.run(t, o), name).toBe(t);
            expect(Array.from(parent.data), `${c.name} ${dtype} ${name}`).toEqual(want);
            expect(t.version).toBe(version + 1);
          }
        }
      });
    }
  }

  it("writes through a 3-D permuted view", () => {
    const parent = sample([4, 2, 3], "float64", 3);
    const t = parent.transpose([2, 0, 1]).slice(null, [null, null, -1]);
    const o = sample([3, 4, 1], "float64", 4);
    const want = expectedBuffer(t, o, (a, b) => a + 0.5 * b);
    addInPlace(t, o, { alpha: 0.5 });
    expect(Array.from(parent.data)).toEqual(want);
  });

  it("lets the parent see writes into a slice and a transpose", () => {
    const x = zeros([3, 3]);
    assign(x.slice([null, null, -1], 0), tensor([1, 2, 3])); // column 0, bottom to top
    x.T.slice(2).fill(9); // row 2 of x.T is column 2 of x
    expect(x.toArray()).toEqual([[3, 0, 9], [2, 0, 9], [1, 0, 9]]);
    x.slice(1).addInPlace(tensor([10, 20, 30]));
    expect(x.toArray()).toEqual([[3, 0, 9], [12, 20, 39], [1, 0, 9]]);
  });

  it("accepts operands of narrower dtypes, converting exactly", () => {
    const i = tensor([1, 2, 3], { dtype: "int32" });
    expect(addInPlace(i, tensor([true, false, true])).toArray()).toEqual([2, 2, 4]);
    expect(assign(i, tensor([false, true, true])).toArray()).toEqual([0, 1, 1]);
    const f = tensor([0.5, 1, 2]);
    expect(mulInPlace(f, tensor([2, -1, 3], { dtype: "int32" })).toArray()).toEqual([1, -1, 6]);
    const d = tensor([1, 2, 3], { dtype: "float64" });
    expect(subInPlace(d, tensor([0.1, 0.1, 0.1])).toArray()).toEqual([1, 2, 3].map((v) => v - Math.fround(0.1)));
    expect(divInPlace(d.fill(1), tensor([2, 4, 8], { dtype: "int32" })).toArray()).toEqual([0.5, 0.25, 0.125]);
    const b = tensor([true, false]);
    expect(assign(b, tensor([false, true])).toArray()).toEqual([0, 1]);
    expect(fill(b, true).toArray()).toEqual([1, 1]);
    expect(fill(b, 0).dtype).toBe("bool");
  });

  it("matches the out-of-place ops bit for bit, float32 rounding and int32 wrapping included", () => {
    const pairs: [DType, number, number][] = [["float32", -100, 100], ["float64", -100, 100], ["int32", -4e4, 4e4]];
    for (const [dtype, lo, hi] of pairs) {
      const x0 = sample([50, 30], dtype, 1, lo, hi);
      for (const l of layouts(sample([50, 30], dtype, 2, lo, hi))) {
        expect(addInPlace(x0.clone(), l.t).toArray()).toEqual(add(x0, l.t).toArray());
        expect(subInPlace(x0.clone(), l.t).toArray()).toEqual(sub(x0, l.t).toArray());
        expect(mulInPlace(x0.clone(), l.t).toArray()).toEqual(mul(x0, l.t).toArray());
        const tx = x0.T.clone();
        expect(mulInPlace(tx.T, l.t).toArray()).toEqual(mul(x0, l.t).toArray());
      }
    }
    const big = tensor([2147483647, -2147483648, 123456789], { dtype: "int32" });
    expect(addInPlace(big.clone(), 1).toArray()).toEqual([-2147483648, -2147483647, 123456790]);
    expect(mulInPlace(big.clone(), 123456789).toArray()).toEqual(mul(big, 123456789).toArray());
  });

  it("handles empty and 0-d targets", () => {
    const e = zeros([0, 3]);
    expect(addInPlace(e, tensor([1, 2, 3])).shape).toEqual([0, 3]);
    expect(e.version).toBe(1);
    const s = tensor(2, { dtype: "float64" });
    expect(mulInPlace(s, 4).item()).toBe(8);
    expect(assign(s, tensor([[5]], { dtype: "float64" }).reshape([])).item()).toBe(5);
    const u = zeros([3]).unsqueeze(0); // a length-1 axis of stride 0 is no overlap
    expect(addInPlace(u, 1).toArray()).toEqual([[1, 1, 1]]);
  });
});

describe("aliasing: a source sharing the target's buffer is read before anything is written", () => {
  it("addInPlace(x, x.T) equals x + x.T computed out of place", () => {
    for (const dtype of ["float32", "float64", "int32"] as const) {
      const x = sample([5, 5], dtype, 9);
      const want = add(x, x.T).toArray();
      addInPlace(x, x.T);
      expect(x.toArray()).toEqual(want);
    }
  });

  it("handles identical, transposed, shifted and broadcast self-operands", () => {
    const x = sample([4, 4], "float64", 2);
    const x0 = x.clone();
    expect(addInPlace(x, x).toArray()).toEqual(mul(x0, 2).toArray());
    const m = sample([3, 3], "float64", 3);
    const mT = m.T.clone();
    expect(assign(m, m.T).toArray()).toEqual(mT.toArray());
    const r = sample([3, 3], "float64", 4);
    const row0 = r.slice(0).clone();
    const want = mul(r, row0).toArray();
    expect(mulInPlace(r, r.slice(0)).toArray()).toEqual(want);
    const v = tensor([1, 2, 3, 4, 5], { dtype: "float64" });
    subInPlace(v.slice([1, null]), v.slice([0, -1])); // v[i] -= v[i-1], all from the old values
    expect(v.toArray()).toEqual([1, 1, 1, 1, 1]);
    const w = tensor([1, 2, 3, 4], { dtype: "float64" });
    assign(w, w.slice([null, null, -1]));
    expect(w.toArray()).toEqual([4, 3, 2, 1]);
  });

  it("detects a different typed array over the same ArrayBuffer", () => {
    const x = tensor([1, 2, 3, 4]);
    const prefix = new Tensor(new Float32Array(x.data.buffer, 0, 3), [3]); // x[:3], another array object
    assign(x.slice([1, null]), prefix); // a forward copy without the check would smear x[0]
    expect(x.toArray()).toEqual([1, 1, 2, 3]);
  });
});

describe("version counter", () => {
  it("starts at 0 for fresh tensors and op results", () => {
    const x = tensor([1, 2]);
    expect(x.version).toBe(0);
    expect(zeros([3]).version).toBe(0);
    expect(add(x, 1).version).toBe(0);
  });

  it("is bumped exactly once by each in-place op and by bumpVersion", () => {
    const x = zeros([2, 3]);
    const steps: (() => unknown)[] = [
      () => assign(x, 1),
      () => addInPlace(x, tensor([1, 2, 3]), { alpha: 2 }),
      () => subInPlace(x, 1),
      () => mulInPlace(x, x.T.T),
      () => divInPlace(x, 2),
      () => fill(x, 0),
      () => x.assign(tensor(1)),
      () => x.addInPlace(1),
      () => x.subInPlace(1),
      () => x.mulInPlace(1),
      () => x.divInPlace(1),
      () => x.fill(1),
      () => bumpVersion(x),
    ];
    steps.forEach((step, i) => {
      step();
      expect(x.version).toBe(i + 1);
    });
  });

  it("is shared by every view of one buffer", () => {
    const x = zeros([4, 4]);
    const views = [x.T, x.slice([1, 3]), x.reshape([16]), x.slice(null, [null, null, -1]), x.unsqueeze(0), x.broadcastTo([2, 4, 4])];
    x.slice(2).fill(1);
    for (const v of views) expect(v.version).toBe(1);
    addInPlace(views[0]!, 1);
    expect(x.version).toBe(2);
    expect(views[2]!.version).toBe(2);
  });

  it("gives a copy its own counter", () => {
    const x = zeros([2, 2]);
    fill(x, 3);
    const c = x.clone();
    const t = x.T.contiguous(); // strided, so a copy
    expect([c.version, t.version]).toEqual([0, 0]);
    addInPlace(c, 1);
    expect([x.version, c.version, t.version]).toEqual([1, 1, 0]);
    expect(x.toArray()).toEqual([[3, 3], [3, 3]]);
  });

  it("does not count raw writes to .data, nor failed calls", () => {
    const x = zeros([3]);
    x.data[0] = 5;
    expect(x.version).toBe(0);
    expect(() => addInPlace(x, zeros([3], { dtype: "float64" }))).toThrow(DTypeError);
    expect(() => addInPlace(x, zeros([4]))).toThrow(ShapeError);
    expect(x.version).toBe(0);
    expect(x.toArray()).toEqual([5, 0, 0]);
  });
});

describe("errors", () => {
  const ops: [string, (t: Tensor) => unknown][] = [
    ["assign", (t) => assign(t, 1)],
    ["addInPlace", (t) => addInPlace(t, 1)],
    ["subInPlace", (t) => subInPlace(t, 1)],
    ["mulInPlace", (t) => mulInPlace(t, 1)],
    ["divInPlace", (t) => divInPlace(t, 1)],
    ["fill", (t) => fill(t, 1)],
  ];

  it("refuses overlapping (stride-0) targets", () => {
    for (const [name, op] of ops) {
      const base = tensor([1, 2, 3, 4]);
      for (const t of [base.broadcastTo([3, 4]), base.slice([0, 1]).expand([2, 4])]) {
        const call = () => op(t);
        expect(call).toThrow(ValueError);
        const strides = `\\(${t.strides.join(",")}\\)`;
        expect(call).toThrow(new RegExp(`^${name}: target of shape \\(${t.shape.join(",")}\\) with strides ${strides} has overlapping elements.*call contiguous\\(\\) or clone\\(\\) first`));
      }
      expect(base.toArray()).toEqual([1, 2, 3, 4]);
      expect(base.version).toBe(0);
    }
  });

  it("refuses to narrow a tensor operand's dtype", () => {
    const f32 = zeros([3, 4]);
    const call = () => addInPlace(f32, zeros([3, 4], { dtype: "float64" }));
    expect(call).toThrow(DTypeError);
    expect(call).toThrow(/^addInPlace: cannot write a float64 result into a float32 tensor \(3,4\)/);
    const i32 = zeros([3], { dtype: "int32" });
    expect(() => assign(i32, tensor([1.5, 2, 3]))).toThrow(/^assign: cannot write a float32 result into an int32 tensor \(3\).*\.cast\("int32"\)/);
    expect(() => subInPlace(i32, tensor([1, 2, 3]))).toThrow(/^subInPlace: cannot write a float32 result into an int32 tensor \(3\).*sub\(/);
    expect(() => mulInPlace(f32, zeros([4], { dtype: "float64" }))).toThrow(/^mulInPlace: cannot write a float64 result into a float32 tensor \(3,4\)/);
    expect(() => assign(tensor([true]), tensor([1], { dtype: "int32" }))).toThrow(/^assign: cannot write an int32 result into a bool tensor \(1\)/);
  });

  it("refuses arithmetic on bool targets and division into int32 or bool targets", () => {
    const b = tensor([true, false]);
    expect(() => addInPlace(b, tensor([true, true]))).toThrow(DTypeError);
    expect(() => addInPlace(b, tensor([true, true]))).toThrow(/^addInPlace: cannot write an int32 result into a bool tensor \(2\) \(arithmetic on bool gives int32/);
    expect(() => mulInPlace(b, 1)).toThrow(/^mulInPlace: cannot write an int32 result into a bool tensor \(2\)/);
    const i = tensor([4, 6], { dtype: "int32" });
    expect(() => divInPlace(i, 2)).toThrow(DTypeError);
    expect(() => divInPlace(i, 2)).toThrow(/^divInPlace: cannot write a float32 result into an int32 tensor \(2\) \(divInPlace is true division\)/);
    expect(() => divInPlace(i, tensor([1, 2], { dtype: "int32" }))).toThrow(/^divInPlace: cannot write a float32 result/);
    expect(() => divInPlace(b, tensor([true, true]))).toThrow(/^divInPlace: cannot write a float32 result into a bool tensor/);
    expect(i.toArray()).toEqual([4, 6]);
  });

  it("refuses numbers the target cannot represent", () => {
    const i = zeros([2], { dtype: "int32" });
    expect(() => addInPlace(i, 0.5)).toThrow(DTypeError);
    expect(() => addInPlace(i, 0.5)).toThrow(/^addInPlace: other 0\.5 is not representable in an int32 tensor \(2\): expected an integer in \[-2147483648, 2147483647\]/);
    expect(() => assign(i, 2 ** 31)).toThrow(/^assign: source 2147483648 is not representable in an int32 tensor/);
    expect(() => fill(i, NaN)).toThrow(/^fill: value NaN is not representable in an int32 tensor/);
    expect(() => mulInPlace(i, Infinity)).toThrow(/^mulInPlace: other Infinity is not representable/);
    expect(() => fill(tensor([true]), 2)).toThrow(/^fill: value 2 is not representable in a bool tensor \(1\): expected 0 or 1/);
    expect(() => assign(tensor([false]), 0.5)).toThrow(DTypeError);
    // float32 rounds a number to nearest, but one that would become ±Infinity is refused
    expect(fill(zeros([1]), 0.1).toArray()).toEqual([Math.fround(0.1)]);
    expect(fill(zeros([1]), -3.4028234663852886e38).toArray()).toEqual([-3.4028234663852886e38]);
    expect(fill(zeros([1]), -Infinity).toArray()).toEqual([-Infinity]);
    expect(() => fill(zeros([1]), 1e40)).toThrow(/^fill: value 1e\+40 is not representable in a float32 tensor \(1\): expected a number within ±3\.4028234663852886e38/);
    expect(() => assign(zeros([1]), -1e40)).toThrow(DTypeError);
    expect(fill(zeros([1], { dtype: "float64" }), 1e40).toArray()).toEqual([1e40]);
  });

  it("checks alpha", () => {
    const i = zeros([2], { dtype: "int32" });
    expect(() => addInPlace(i, i.clone(), { alpha: 0.5 })).toThrow(DTypeError);
    expect(() => addInPlace(i, i.clone(), { alpha: 0.5 })).toThrow(/^addInPlace: alpha 0\.5 is not representable in an int32 tensor \(2\)/);
    expect(() => subInPlace(zeros([2]), 1, { alpha: NaN })).toThrow(ValueError);
    expect(() => subInPlace(zeros([2]), 1, { alpha: NaN })).toThrow(/^subInPlace: alpha must be a finite number, got NaN/);
    expect(() => addInPlace(zeros([2]), 1, { alpha: "2" as unknown as number })).toThrow(/alpha must be a finite number, got string "2"/);
  });

  it("refuses operands that do not broadcast to the target's shape", () => {
    const call = () => addInPlace(zeros([3]), zeros([3, 3]));
    expect(call).toThrow(ShapeError);
    expect(call).toThrow(/^addInPlace: other of shape \(3,3\) does not broadcast to the target's shape \(3\)/);
    expect(() => assign(zeros([2, 3]), zeros([2]))).toThrow(/^assign: source of shape \(2\) does not broadcast to the target's shape \(2,3\)/);
    expect(() => mulInPlace(zeros([1, 3]), zeros([2, 3]))).toThrow(/^mulInPlace: other of shape \(2,3\) does not broadcast to the target's shape \(1,3\)/);
    expect(() => divInPlace(zeros([0]), zeros([2]))).toThrow(ShapeError);
  });

  it("refuses arguments of the wrong kind", () => {
    expect(() => addInPlace(zeros([2]), [1, 2] as unknown as number)).toThrow(/^addInPlace: other must be a Tensor or a number, got Array; wrap arrays with tensor/);
    expect(() => assign([1] as unknown as Tensor, 1)).toThrow(/^assign: target must be a Tensor, got Array/);
    expect(() => fill(zeros([2]), "1" as unknown as number)).toThrow(/^fill: value must be a number or a boolean, got string "1"/);
  });
});
