// Elementwise ops against a naive float64 reference computed element by element from the raw
// buffers (`at`), on every memory layout the kernels treat differently: contiguous (one loop),
// long inner blocks (one loop per block: column broadcasts, row slices), short blocks (ndarray-ops
// or a gather first: transposed, negative strides, small broadcasts), stride-0 views, scalars.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import * as st from "@strata/tensor";
import { tensor, ones, zeros, Tensor, ShapeError, DTypeError, ValueError, type DType, type TensorLike } from "@strata/tensor";
import { at, flatValues, indices, layouts, pseudoRandom } from "./reference.js";

type Ref = (...xs: number[]) => number;
const FLOATS: DType[] = ["float32", "float64"];
const DTYPES: DType[] = ["bool", "int32", "float32", "float64"];
const tol = (d: DType) => (d === "float64" ? { rtol: 1e-12, atol: 1e-300 } : { rtol: 1e-6, atol: 1e-30 });

/** numpy's broadcast rule, written out independently of the library. */
function bshape(...shapes: (readonly number[])[]): number[] {
  const nd = Math.max(0, ...shapes.map((s) => s.length));
  return Array.from({ length: nd }, (_, ax) => {
    const lens = shapes.map((s) => s[ax - (nd - s.length)] ?? 1).filter((n) => n !== 1);
    if (new Set(lens).size > 1) throw new Error(`test: ${shapes} do not broadcast`);
    return lens[0] ?? 1;
  });
}

/** The element of `t` that broadcasting reads for output index `idx`. */
function pick(t: Tensor, idx: readonly number[]): number {
  const lead = idx.length - t.ndim;
  return at(t, t.shape.map((n, k) => (n === 1 ? 0 : idx[lead + k]!)));
}

/** The reference result: `f` applied in float64 at every index of the broadcast shape. */
function reference(f: Ref, ...args: TensorLike[]): Tensor {
  const shape = bshape(...args.map((a) => (typeof a === "number" ? [] : a.shape)));
  const vals = [...indices(shape)].map((idx) => f(...args.map((a) => (typeof a === "number" ? a : pick(a, idx)))));
  return tensor(Float64Array.from(vals), { dtype: "float64", shape });
}

/** Pseudo-random values on a grid of 0.5 (so comparisons meet ties); integers for int32, 0/1 for bool. */
function q(shape: readonly number[], dtype: DType = "float64", seed = 1, lo = -3, hi = 3): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const grid = dtype === "int32" ? 1 : 0.5;
  const vals = pseudoRandom(n, seed, lo, hi).map((v) => (dtype === "bool" ? +(v > 0) : Math.round(v / grid) * grid));
  return tensor(vals, { dtype, shape });
}

function expectMatches(got: Tensor, f: Ref, args: TensorLike[], dtype: DType): void {
  const want = reference(f, ...args);
  expect(got.dtype).toBe(dtype);
  expect(got.isContiguous).toBe(true);
  expect(got).toAllClose(want, tol(dtype));
}

/** A view whose rows are contiguous but not adjacent: inner blocks of 35 with an outer stride of 40. */
const rowSlice = (t: Tensor) => t.slice(null, [2, 37]);

const halfEven: Ref = (x) => {
  const f = Math.floor(x);
  const d = x - f;
  return d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
};

interface UnaryCase { name: string; f: (x: TensorLike) => Tensor; ref: Ref; rule: "arith" | "float" | "bool"; lo?: number; hi?: number }
const unaryCases: UnaryCase[] = [
  { name: "logicalNot", f: st.logicalNot, ref: (x) => (x === 0 ? 1 : 0), rule: "bool" },
  { name: "neg", f: st.neg, ref: (x) => -x, rule: "arith" },
  { name: "abs", f: st.abs, ref: (x) => (x < 0 ? -x : x), rule: "arith" },
  { name: "sign", f: st.sign, ref: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0), rule: "arith" },
  { name: "exp", f: st.exp, ref: Math.exp, rule: "float" },
  { name: "log", f: st.log, ref: Math.log, rule: "float", lo: 0.1, hi: 5 },
  { name: "log1p", f: st.log1p, ref: Math.log1p, rule: "float", lo: -0.9, hi: 3 },
  { name: "sqrt", f: st.sqrt, ref: Math.sqrt, rule: "float", lo: 0, hi: 9 },
  { name: "square", f: st.square, ref: (x) => x * x, rule: "arith" },
  { name: "reciprocal", f: st.reciprocal, ref: (x) => 1 / x, rule: "float" },
  { name: "sin", f: st.sin, ref: Math.sin, rule: "float" },
  { name: "cos", f: st.cos, ref: Math.cos, rule: "float" },
  { name: "relu", f: st.relu, ref: (x) => (x > 0 ? x : 0), rule: "arith" },
  { name: "leakyRelu", f: (x) => st.leakyRelu(x), ref: (x) => (x > 0 ? x : 0.01 * x), rule: "float" },
  { name: "leakyRelu(0.2)", f: (x) => st.leakyRelu(x, 0.2), ref: (x) => (x > 0 ? x : 0.2 * x), rule: "float" },
  { name: "sigmoid", f: st.sigmoid, ref: (x) => 1 / (1 + Math.exp(-x)), rule: "float" },
  { name: "tanh", f: st.tanh, ref: (x) => (Math.exp(2 * x) - 1) / (Math.exp(2 * x) + 1), rule: "float" },
  { name: "softplus", f: st.softplus, ref: (x) => Math.log(1 + Math.exp(x)), rule: "float" },
  { name: "floor", f: st.floor, ref: Math.floor, rule: "arith" },
  { name: "ceil", f: st.ceil, ref: Math.ceil, rule: "arith" },
  { name: "round", f: st.round, ref: halfEven, rule: "arith" },
  { name: "clip(-1, 2)", f: (x) => st.clip(x, -1, 2), ref: (x) => (x < -1 ? -1 : x > 2 ? 2 : x), rule: "arith" },
];

/** The result dtype each rule promises for an input dtype (the spec, not the code). */
const RESULT: Record<UnaryCase["rule"], Record<DType, DType>> = {
  arith: { bool: "int32", int32: "int32", float32: "float32", float64: "float64" },
  float: { bool: "float32", int32: "float32", float32: "float32", float64: "float64" },
  bool: { bool: "bool", int32: "bool", float32: "bool", float64: "bool" },
};

describe.each(unaryCases)("$name", ({ f, ref, rule, lo = -3, hi = 3 }) => {
  it.each(FLOATS)("matches the reference on every layout, odd and edge shapes (%s)", (dtype) => {
    for (const shape of [[7, 5], [3, 40], [2, 3, 4], [5], [1], [], [0, 3]]) {
      const base = q(shape, dtype, 3, lo, hi);
      for (const { t } of layouts(base)) expectMatches(f(t), ref, [t], RESULT[rule][dtype]);
    }
    const wide = q([4, 40], dtype, 5, lo, hi);
    expectMatches(f(rowSlice(wide)), ref, [rowSlice(wide)], RESULT[rule][dtype]);
  });
  it("reads stride-0 broadcast views (long and short blocks)", () => {
    for (const [from, to] of [[[3, 1], [3, 40]], [[3, 1], [3, 4]], [[4], [3, 4]], [[], [2, 33]]] as const) {
      const v = q(from, "float32", 7, lo, hi).broadcastTo(to);
      expectMatches(f(v), ref, [v], RESULT[rule].float32);
    }
  });
  it.each(["int32", "bool"] as DType[])("lifts %s inputs by its dtype rule", (dtype) => {
    const x = q([3, 4], dtype, 9, lo, hi);
    expectMatches(f(x), ref, [x], RESULT[rule][dtype]);
    expectMatches(f(x.T), ref, [x.T], RESULT[rule][dtype]);
  });
  it("takes a plain number as a 0-d float32 tensor", () => {
    const y = f(0.75);
    expect(y.shape).toEqual([]);
    expect(y).toAllClose(ref(0.75), { rtol: 1e-6 });
    expect(y.dtype).toBe(RESULT[rule].float32);
  });
});

interface BinaryCase { name: string; f: (a: TensorLike, b: TensorLike) => Tensor; ref: Ref; rule: "arith" | "float" | "bool"; lo?: number; hi?: number; blo?: number; bhi?: number }
const binaryCases: BinaryCase[] = [
  { name: "add", f: st.add, ref: (a, b) => a + b, rule: "arith" },
  { name: "sub", f: st.sub, ref: (a, b) => a - b, rule: "arith" },
  { name: "mul", f: st.mul, ref: (a, b) => a * b, rule: "arith" },
  { name: "div", f: st.div, ref: (a, b) => a / b, rule: "float" },
  { name: "pow", f: st.pow, ref: Math.pow, rule: "float", lo: 0.5, hi: 3, blo: -2, bhi: 2 },
  { name: "maximum", f: st.maximum, ref: (a, b) => (a > b ? a : b), rule: "arith" },
  { name: "minimum", f: st.minimum, ref: (a, b) => (a < b ? a : b), rule: "arith" },
  { name: "eq", f: st.eq, ref: (a, b) => (a === b ? 1 : 0), rule: "bool" },
  { name: "ne", f: st.ne, ref: (a, b) => (a !== b ? 1 : 0), rule: "bool" },
  { name: "lt", f: st.lt, ref: (a, b) => (a < b ? 1 : 0), rule: "bool" },
  { name: "le", f: st.le, ref: (a, b) => (a <= b ? 1 : 0), rule: "bool" },
  { name: "gt", f: st.gt, ref: (a, b) => (a > b ? 1 : 0), rule: "bool" },
  { name: "ge", f: st.ge, ref: (a, b) => (a >= b ? 1 : 0), rule: "bool" },
  { name: "logicalAnd", f: st.logicalAnd, ref: (a, b) => (a !== 0 && b !== 0 ? 1 : 0), rule: "bool" },
  { name: "logicalOr", f: st.logicalOr, ref: (a, b) => (a !== 0 || b !== 0 ? 1 : 0), rule: "bool" },
];
const PAIRS: [number[], number[]][] = [
  [[7, 5], [7, 5]], [[3, 1], [1, 4]], [[4], [2, 3, 4]], [[2, 3, 4], [4]], [[5, 1], [5, 40]], [[40], [3, 40]],
  [[6, 1], [6, 3]], [[1], [7, 5]], [[], [7, 5]], [[1, 1], [1]], [[0, 3], [0, 3]], [[0, 3], [3]], [[1, 3], [0, 1]],
];
const COMBOS = [[0, 0], [1, 1], [2, 2], [0, 2], [2, 1]] as const; // contiguous, transposed, strided mixes

describe.each(binaryCases)("$name", ({ f, ref, rule, lo = -3, hi = 3, blo = lo, bhi = hi }) => {
  const out = (d: DType) => RESULT[rule][d];
  it.each(FLOATS)("matches the reference with broadcasting on every layout (%s)", (dtype) => {
    for (const [sa, sb] of PAIRS) {
      const la = layouts(q(sa, dtype, 11, lo, hi));
      const lb = layouts(q(sb, dtype, 12, blo, bhi));
      for (const [i, j] of COMBOS) {
        const [a, b] = [la[i]!.t, lb[j]!.t];
        expectMatches(f(a, b), ref, [a, b], out(dtype));
        if (sa.length === sb.length) expectMatches(f(b, a), ref, [b, a], out(dtype));
      }
    }
    const [a, b] = [q([4, 40], dtype, 13, lo, hi), q([4, 40], dtype, 14, blo, bhi)];
    expectMatches(f(rowSlice(a), rowSlice(b)), ref, [rowSlice(a), rowSlice(b)], out(dtype));
    expectMatches(f(rowSlice(a), b.slice(null, [0, 35]).T.contiguous().T), ref, [rowSlice(a), b.slice(null, [0, 35])], out(dtype));
  });
  it("reads stride-0 views from broadcastTo, including two constant operands", () => {
    const views: [Tensor, Tensor][] = [
      [q([3, 1], "float64", 15, lo, hi).broadcastTo([3, 40]), q([40], "float64", 16, blo, bhi).broadcastTo([3, 40])],
      [q([3, 1], "float64", 17, lo, hi).broadcastTo([3, 40]), q([3, 1], "float64", 18, blo, bhi).broadcastTo([3, 40])],
      [q([3, 1], "float64", 19, lo, hi).broadcastTo([3, 4]), q([4], "float64", 20, blo, bhi).broadcastTo([3, 4])],
      [q([], "float64", 21, lo, hi).broadcastTo([2, 5]), q([5, 2], "float64", 22, blo, bhi).T],
    ];
    for (const [a, b] of views) expectMatches(f(a, b), ref, [a, b], out("float64"));
  });
  it.each(FLOATS)("takes plain numbers on either side (%s)", (dtype) => {
    for (const s of [2, 0.5, 0, -1]) {
      for (const { t } of [...layouts(q([7, 5], dtype, 23, lo, hi)), { t: q([3, 40], dtype, 24, lo, hi).T }, { t: q([3, 1], dtype, 25, lo, hi).broadcastTo([3, 40]) }]) {
        expectMatches(f(t, s), ref, [t, s], out(dtype));
        expectMatches(f(s, t), ref, [s, t], out(dtype));
      }
    }
    const y = f(1.5, 2);
    expect(y.shape).toEqual([]);
    expect(y).toAllClose(ref(1.5, 2));
  });
  it("leaves its inputs untouched and returns a new buffer", () => {
    const a = layouts(q([3, 4], "float32", 26, lo, hi))[2]!.t;
    const b = q([4], "float32", 27, blo, bhi);
    const [before, bBefore] = [flatValues(a), flatValues(b)];
    const y = f(a, b);
    expect(flatValues(a)).toEqual(before);
    expect(flatValues(b)).toEqual(bBefore);
    expect(y.data).not.toBe(a.data);
    expect(f(b, 0).data).not.toBe(b.data);
  });
});

describe("dtype promotion", () => {
  const ADD: Record<DType, Record<DType, DType>> = {
    bool: { bool: "int32", int32: "int32", float32: "float32", float64: "float64" },
    int32: { bool: "int32", int32: "int32", float32: "float32", float64: "float64" },
    float32: { bool: "float32", int32: "float32", float32: "float32", float64: "float64" },
    float64: { bool: "float64", int32: "float64", float32: "float64", float64: "float64" },
  };
  it.each(DTYPES.flatMap((a) => DTYPES.map((b) => [a, b] as const)))("add(%s, %s)", (da, db) => {
    const [a, b] = [q([2, 3], da, 31), q([3], db, 32)];
    expectMatches(st.add(a, b), (x, y) => x + y, [a, b], ADD[da][db]);
    expect(st.eq(a, b).dtype).toBe("bool");
    expect(st.div(a, b).dtype).toBe(ADD[da][db] === "float64" ? "float64" : "float32");
  });
  it("treats plain numbers as weak scalars", () => {
    const cases: [DType, number, DType][] = [
      ["int32", 2, "int32"], ["int32", 0.5, "float32"], ["bool", 1, "int32"], ["bool", 0.5, "float32"],
      ["float32", 0.1, "float32"], ["float64", 2, "float64"],
    ];
    for (const [d, s, want] of cases) {
      const t = q([4], d, 33);
      expectMatches(st.add(t, s), (x, y) => x + y, [t, s], want);
      expectMatches(st.mul(s, t), (x, y) => x * y, [s, t], want);
    }
    expect(st.add(2, 3).dtype).toBe("float32");
  });
  it("divides int32 truly, into float32", () => {
    const y = st.div(tensor([7, -7, 1, 0], { dtype: "int32" }), tensor([2, 2, 0, 0], { dtype: "int32" }));
    expect(y.dtype).toBe("float32");
    expect(y).toAllClose([3.5, -3.5, Infinity, NaN]);
  });
  it("keeps int32 arithmetic in int32 and wraps on overflow like numpy's int32", () => {
    const a = tensor([65536, 46341, -2147483648, 123456789], { dtype: "int32" });
    const wrap = (x: bigint) => Number(BigInt.asIntN(32, x));
    const vals = flatValues(a);
    expect(flatValues(st.mul(a, a))).toEqual(vals.map((v) => wrap(BigInt(v) * BigInt(v))));
    expect(flatValues(st.square(a))).toEqual(vals.map((v) => wrap(BigInt(v) * BigInt(v))));
    expect(flatValues(st.add(a, a))).toEqual(vals.map((v) => wrap(BigInt(v) * 2n)));
    expect(st.pow(a, 2).dtype).toBe("float32");
  });
  it("lifts bool arithmetic to int32 and keeps float64 everywhere", () => {
    const m = tensor([true, false]);
    expect(st.sub(m, m).dtype).toBe("int32");
    expect(flatValues(st.neg(m))).toEqual([-1, 0]);
    expect(st.maximum(m, m).dtype).toBe("int32");
    const x = q([3], "float64", 34);
    for (const f of [st.exp, st.sigmoid, st.round, st.relu, st.sqrt]) expect(f(x).dtype).toBe("float64");
    expect(st.leakyRelu(tensor([1, 2], { dtype: "int32" })).dtype).toBe("float32");
  });
});

describe("where", () => {
  const pickRef: Ref = (c, a, b) => (c !== 0 ? a : b);
  it("selects with broadcasting on every layout", () => {
    const shapes: [number[], number[], number[]][] = [
      [[7, 5], [7, 5], [7, 5]], [[3, 1], [1, 4], [3, 4]], [[4], [2, 3, 4], [1]], [[5, 40], [5, 1], [40]],
      [[2, 1, 40], [3, 1], [1, 40]], [[0, 3], [3], [1]], [[], [2, 2], []],
    ];
    for (const [sc, sa, sb] of shapes) {
      const [lc, la, lb] = [layouts(q(sc, "bool", 41)), layouts(q(sa, "float32", 42)), layouts(q(sb, "float32", 43))];
      for (const [i, j] of COMBOS) {
        const [c, a, b] = [lc[i]!.t, la[j]!.t, lb[(i + j) % 3]!.t];
        expectMatches(st.where(c, a, b), pickRef, [c, a, b], "float32");
      }
    }
    const c = q([3, 1], "bool", 44).broadcastTo([3, 40]);
    const a = q([40], "float64", 45).broadcastTo([3, 40]);
    expectMatches(st.where(c, a, -1), pickRef, [c, a, -1], "float64");
  });
  it("promotes a and b, numbers weakly", () => {
    const c = q([2, 3], "bool", 46);
    const i = q([2, 3], "int32", 47);
    expectMatches(st.where(c, i, 0), pickRef, [c, i, 0], "int32");
    expectMatches(st.where(c, i, 0.5), pickRef, [c, i, 0.5], "float32");
    expectMatches(st.where(c, i, q([3], "float64", 48)), pickRef, [c, i, q([3], "float64", 48)], "float64");
    expect(st.where(c, c, c).dtype).toBe("bool");
    expectMatches(st.where(c, 1, 2), pickRef, [c, 1, 2], "float32");
    expectMatches(st.where(true, i, 9), pickRef, [1, i, 9], "int32");
  });
  it("requires a bool condition and says how to get one", () => {
    expect(() => st.where(ones([2]), 1, 0)).toThrow(DTypeError);
    expect(() => st.where(ones([2, 3]), 1, 0)).toThrow(/where: cond must be a bool tensor, got a float32 tensor of shape \(2,3\).*ne\(0\)/);
    expect(() => st.where(1, 1, 0)).toThrow(/where: cond must be a bool tensor, got 1/);
    expect(() => st.where(q([3], "bool"), ones([2]), 0)).toThrow(/where: shapes \(3\) and \(2\) and \(\) do not broadcast/);
  });
});

describe("clip", () => {
  it("keeps the dtype, and goes to float32 for int32 with fractional bounds", () => {
    const i = tensor([-5, 0, 2, 9], { dtype: "int32" });
    expectMatches(st.clip(i, 0, 3), (x) => Math.min(Math.max(x, 0), 3), [i], "int32");
    expectMatches(st.clip(i, -0.5, 2.5), (x) => Math.min(Math.max(x, -0.5), 2.5), [i], "float32");
    expectMatches(st.clip(i, 0, Infinity), (x) => Math.max(x, 0), [i], "int32");
    expect(st.clip(tensor([true, false]), 0, 1).dtype).toBe("int32");
    expect(st.clip(tensor([NaN, 5], { dtype: "float64" }), 0, 1)).toAllClose([NaN, 1]);
  });
  it("rejects min > max, naming both", () => {
    expect(() => st.clip(ones([2]), 2, 1)).toThrow(ValueError);
    expect(() => st.clip(ones([2]), 2, 1)).toThrow(/clip: expected numbers with min <= max, got min=2 and max=1/);
    expect(() => st.clip(ones([2]), NaN, 1)).toThrow(/min=NaN/);
  });
  it("refuses a finite bound outside the int32 range for an int32 result, but keeps infinite bounds", () => {
    const i = tensor([-5, 0, 2, 9], { dtype: "int32" });
    expect(() => st.clip(i, 3e9, 4e9)).toThrow(DTypeError);
    expect(() => st.clip(i, 3e9, 4e9)).toThrow("clip: 3000000000 is outside the int32 range of an int32 result; cast the tensor to float64 first");
    expect(() => st.clip(i, -(2 ** 31) - 1, 0)).toThrow(/^clip: -2147483649 is outside the int32 range/);
    expect(() => st.clip(tensor([true]), 0, 2 ** 31)).toThrow(/^clip: 2147483648 is outside/);
    expect(st.clip(i, -Infinity, Infinity).toArray()).toEqual([-5, 0, 2, 9]);
    expect(st.clip(i, -Infinity, 1).dtype).toBe("int32");
    expect(st.clip(i, -(2 ** 31), 2 ** 31 - 1).toArray()).toEqual([-5, 0, 2, 9]);
    expect(st.clip(i.cast("float64"), 3e9, 4e9).toArray()).toEqual([3e9, 3e9, 3e9, 3e9]);
    expect(st.clip(i, 0.5, 3e9).toArray()).toEqual([0.5, 0.5, 2, 9]);
  });
});

describe("numerics", () => {
  const extremes = [-1e4, -1e3, -100, -30, 0, 30, 100, 1e3, 1e4];
  it.each(FLOATS)("sigmoid, softplus and tanh stay finite and correct at ±1e4 (%s)", (dtype) => {
    const x = tensor(extremes, { dtype });
    const sig = (v: number) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));
    // log(1 + e^v) by its alternating series where 1 + e^v would round away the tail.
    const series = (e: number) => Array.from({ length: 60 }, (_, k) => ((k % 2 ? -1 : 1) * e ** (k + 1)) / (k + 1)).reduceRight((a, b) => a + b, 0);
    const spNeg = (v: number) => (v < -1 ? series(Math.exp(v)) : Math.log(1 + Math.exp(v)));
    const sp = (v: number) => (v > 0 ? v + spNeg(-v) : spNeg(v));
    const th = (v: number) => (v > 20 ? 1 : v < -20 ? -1 : Math.tanh(v));
    for (const [f, ref] of [[st.sigmoid, sig], [st.softplus, sp], [st.tanh, th]] as const) {
      const y = f(x);
      expect(flatValues(y).every(Number.isFinite)).toBe(true);
      expect(y).toAllClose(reference(ref, x), tol(dtype));
    }
    expect(flatValues(st.sigmoid(x))).toContain(1);
    expect(st.softplus(tensor([1e4], { dtype })).item()).toBe(1e4);
  });
  it("softplus keeps the tail for very negative inputs and infinities behave", () => {
    expect(st.softplus(tensor([-50], { dtype: "float64" })).item()).toBeCloseTo(Math.exp(-50), 30);
    expect(st.softplus(tensor([-50], { dtype: "float64" }))).toAllClose([Math.exp(-50)], { rtol: 1e-12 });
    const inf = tensor([-Infinity, Infinity, NaN], { dtype: "float64" });
    expect(st.sigmoid(inf)).toAllClose([0, 1, NaN]);
    expect(st.softplus(inf)).toAllClose([0, Infinity, NaN]);
    expect(st.relu(inf)).toAllClose([0, Infinity, NaN]);
    expect(Object.is(st.relu(tensor([-3])).item(), 0)).toBe(true);
  });
  it.each(FLOATS)("round goes half to even (%s)", (dtype) => {
    const x = tensor([-3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 0.49999997, 2.4, 2.6, -2.6, 4503599627370495.5], { dtype });
    expect(st.round(x)).toAllClose(reference(halfEven, x), { rtol: 0, atol: 0 });
    expect(flatValues(st.round(tensor([0.5, 1.5, 2.5], { dtype })))).toEqual([0, 2, 2]);
  });
  it("maximum and minimum propagate NaN; logical ops count NaN as true", () => {
    const a = tensor([NaN, 1], { dtype: "float64" });
    expect(st.maximum(a, 0)).toAllClose([NaN, 1]);
    expect(st.minimum(0, a)).toAllClose([NaN, 0]);
    expect(flatValues(st.logicalAnd(a, 1))).toEqual([1, 1]);
    expect(flatValues(st.logicalNot(a))).toEqual([0, 0]);
    expect(flatValues(st.logicalNot(a.T.broadcastTo([3, 2]).slice(null, [null, null, -1])))).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe("errors", () => {
  it("names the op and the shapes when they do not broadcast", () => {
    expect(() => st.add(ones([3, 4]), ones([5]))).toThrow(ShapeError);
    expect(() => st.add(ones([3, 4]), ones([5]))).toThrow(/add: shapes \(3,4\) and \(5\) do not broadcast/);
    expect(() => st.lt(zeros([0, 3]), ones([2, 3]))).toThrow(/lt: shapes \(0,3\) and \(2,3\)/);
  });
  it("rejects arguments that are neither tensors nor numbers", () => {
    expect(() => st.add(ones([2]), "3" as unknown as number)).toThrow(/add: b must be a Tensor or a number, got string "3"/);
    expect(() => st.mul([1, 2] as unknown as number, 2)).toThrow(/mul: a must be a Tensor or a number, got Array; wrap arrays with tensor/);
    expect(() => st.exp(undefined as unknown as number)).toThrow(DTypeError);
  });
  it("rejects int32 scalars that int32 cannot hold, and bad leakyRelu slopes", () => {
    const i = tensor([1], { dtype: "int32" });
    expect(() => st.add(i, 2 ** 40)).toThrow(DTypeError);
    expect(() => st.add(i, 2 ** 40)).toThrow(/add: 1099511627776 is outside the int32 range/);
    expect(flatValues(st.lt(i, 2 ** 40))).toEqual([1]);
    expect(() => st.leakyRelu(ones([2]), NaN)).toThrow(ValueError);
    expect(() => st.leakyRelu(ones([2]), Infinity)).toThrow(/leakyRelu: alpha must be a finite number, got Infinity/);
  });
});

describe("broadcasting properties (fast-check)", () => {
  const caseArb = fc.record({
    out: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }),
    keep: fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 })),
    ones: fc.tuple(fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 })),
    layout: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
    dtype: fc.tuple(fc.constantFrom(...DTYPES), fc.constantFrom(...DTYPES)),
    seed: fc.integer({ min: 1, max: 1_000_000 }),
  });
  // Two inputs whose shapes are suffixes of `out` with some lengths replaced by 1.
  type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;
  const inputs = (c: Case): [Tensor, Tensor] =>
    [0, 1].map((k) => {
      const shape = c.out.slice(c.out.length - Math.min(c.keep[k]!, c.out.length)).map((n, ax) => (c.ones[k]![ax] ? 1 : n));
      return layouts(q(shape, c.dtype[k]!, c.seed + k))[c.layout[k]!]!.t;
    }) as [Tensor, Tensor];

  it("add(a, b) equals the reference at every index of the broadcast shape", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const [a, b] = inputs(c);
        const y = st.add(a, b);
        expect(y.shape).toEqual(bshape(a.shape, b.shape));
        expect(y).toAllClose(reference((x, z) => x + z, a, b), tol(y.dtype));
      }),
      { numRuns: 300 },
    );
  });
  it("every binary op agrees with its reference, also through stride-0 views", () => {
    fc.assert(
      fc.property(caseArb, fc.constantFrom(...binaryCases), fc.boolean(), (c, op, viaView) => {
        let [a, b] = inputs(c);
        if (viaView) b = b.broadcastTo(bshape(a.shape, b.shape));
        const y = op.f(a, b);
        expect(y).toAllClose(reference(op.ref, a, b), tol(y.dtype));
      }),
      { numRuns: 300 },
    );
  });
  it("where(c, a, b) picks from the broadcast operands", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const [a, b] = inputs(c);
        const cond = st.gt(a, 0);
        const y = st.where(cond, b, a);
        expect(y).toAllClose(reference((p, x, z) => (p ? x : z), cond, b, a), tol(y.dtype));
      }),
      { numRuns: 200 },
    );
  });
});
