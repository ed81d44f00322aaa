// Reductions against naive float64 references that read elements through `at` (raw buffer and
// strides), never through the kernels under test.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  argmax, argmin, logSoftmax, logSumExp, max, mean, min, softmax, sum, tensor, zeros,
  ValueError, type DType, type Tensor, type AxisOptions,
} from "@strata/tensor";
import { at, flatValues, indices, layouts, sample } from "./reference.js";

type Axis = number | number[] | undefined;
type Fold = (values: number[]) => number;

/** Axes as a sorted list of non-negative numbers, written independently of shape.ts. */
function axesOf(axis: Axis, ndim: number): number[] {
  const list = axis === undefined ? [...Array(ndim).keys()] : typeof axis === "number" ? [axis] : axis;
  return list.map((a) => (a < 0 ? a + ndim : a)).sort((a, b) => a - b);
}

/** The naive reduction: for each kept index, the reduced elements in row-major order, folded. */
function reference(x: Tensor, axis: Axis, keepDims: boolean, fold: Fold): Tensor {
  const red = axesOf(axis, x.ndim);
  const kept = [...Array(x.ndim).keys()].filter((a) => !red.includes(a));
  const out: number[] = [];
  for (const k of indices(kept.map((a) => x.shape[a]!))) {
    const values: number[] = [];
    for (const r of indices(red.map((a) => x.shape[a]!))) {
      const idx = new Array<number>(x.ndim);
      kept.forEach((a, i) => (idx[a] = k[i]!));
      red.forEach((a, i) => (idx[a] = r[i]!));
      values.push(at(x, idx));
    }
    out.push(fold(values));
  }
  const shape = keepDims ? x.shape.map((n, a) => (red.includes(a) ? 1 : n)) : kept.map((a) => x.shape[a]!);
  return tensor(out, { shape, dtype: "float64" });
}

/** The same shape as `x`; each element computed from its slice along `axis` and its position. */
function alongAxis(x: Tensor, axis: number, f: (slice: number[], i: number) => number): Tensor {
  const out = [...indices(x.shape)].map((idx) => {
    const slice = Array.from({ length: x.shape[axis]! }, (_, j) => at(x, idx.map((v, a) => (a === axis ? j : v))));
    return f(slice, idx[axis]!);
  });
  return tensor(out, { shape: x.shape, dtype: "float64" });
}

const naiveSum: Fold = (v) => v.reduce((a, b) => a + b, 0);
const extreme = (greater: boolean): Fold => (v) =>
  v.some(Number.isNaN) ? NaN : v.reduce((a, b) => ((greater ? b > a : b < a) ? b : a), greater ? -Infinity : Infinity);
const argExtreme = (greater: boolean): Fold => (v) => {
  const nan = v.findIndex(Number.isNaN);
  if (nan >= 0) return nan;
  let best = 0;
  v.forEach((b, i) => {
    if (greater ? b > v[best]! : b < v[best]!) best = i;
  });
  return best;
};
/** log Σ e^v without the kernel's formula: sort descending, then m + log1p(Σ_{i>0} e^{v_i - m})
 * with the smallest terms added first. */
const lseRef: Fold = (v) => {
  if (v.some(Number.isNaN)) return NaN;
  const s = [...v].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  const m = s[0] ?? -Infinity;
  if (!Number.isFinite(m)) return m;
  let t = 0;
  for (let i = s.length - 1; i >= 1; i--) t += Math.exp(s[i]! - m);
  return m + Math.log1p(t);
};
/** p_i = 1 / Σ_j e^{x_j - x_i}: no shift by the maximum; the j = i term keeps it ≤ 1 and an
 * overflowing denominator gives an exact 0. Non-finite slices are NaN (the documented policy). */
const softmaxRef = (slice: number[], i: number): number => {
  if (!Number.isFinite(lseRef(slice))) return NaN;
  const xi = slice[i]!;
  if (xi === -Infinity) return 0;
  return 1 / slice.reduce((acc, xj) => acc + Math.exp(xj - xi), 0);
};
/** log p_i = -log Σ_j e^{d_j} with d_j = x_j - x_i: log1p of the other terms while they cannot
 * overflow (accurate near the maximum, where p_i ≈ 1), else factored by the largest d_j. */
const logSoftmaxRef = (slice: number[], i: number): number => {
  if (!Number.isFinite(lseRef(slice))) return NaN;
  const xi = slice[i]!;
  if (xi === -Infinity) return -Infinity;
  const d = slice.map((xj) => xj - xi);
  const dmax = d.reduce((a, b) => Math.max(a, b), -Infinity);
  if (dmax < 700) return -Math.log1p(d.reduce((acc, dj, j) => (j === i ? acc : acc + Math.exp(dj)), 0));
  return -(dmax + Math.log(d.reduce((acc, dj) => acc + Math.exp(dj - dmax), 0)));
};

const OPS = { sum, mean, max, min, logSumExp } as const;
const FOLDS: Record<keyof typeof OPS, Fold> = {
  sum: naiveSum,
  mean: (v) => naiveSum(v) / v.length,
  max: extreme(true),
  min: extreme(false),
  logSumExp: lseRef,
};
const floatOut = (d: DType): DType => (d === "float64" ? "float64" : "float32");
const RESULT_DTYPE: Record<keyof typeof OPS, (d: DType) => DType> = {
  sum: (d) => (d === "bool" ? "int32" : d),
  mean: floatOut,
  max: (d) => d,
  min: (d) => d,
  logSumExp: floatOut,
};
const tol = (d: DType) =>
  d === "float64" ? { rtol: 1e-12, atol: 1e-12 } : d === "float32" ? { rtol: 1e-6, atol: 1e-7 } : { rtol: 0, atol: 0 };
const AXES_3D: Axis[] = [undefined, 0, 1, 2, -1, -3, [0, 1], [0, 2], [1, 2], [2, 0], [-1, -2], [0, 1, 2], []];
const label = (op: string, name: string, axis: Axis, keepDims: boolean) =>
  `${op} on ${name} with axis ${JSON.stringify(axis)}, keepDims ${keepDims}`;

describe.each(["float32", "float64", "int32"] as const)("reductions of a 3×5×7 %s tensor", (dtype) => {
  const base = sample([3, 5, 7], dtype, 11);
  it.each(Object.keys(OPS) as (keyof typeof OPS)[])("%s matches the reference on every layout and axis set", (op) => {
    for (const { name, t } of layouts(base)) {
      for (const axis of AXES_3D) {
        for (const keepDims of [false, true]) {
          const got = OPS[op](t, { axis, keepDims });
          const outDtype = RESULT_DTYPE[op](dtype);
          expect(got.dtype).toBe(outDtype);
          expect(got, label(op, name, axis, keepDims)).toAllClose(reference(t, axis, keepDims, FOLDS[op]), tol(outDtype));
        }
      }
    }
  });

  it.each(["argmax", "argmin"] as const)("%s finds the first extreme on every layout (with ties)", (op) => {
    const tied = sample([3, 5, 7], dtype, 5, -2, 2); // few distinct values: many ties
    const fn = op === "argmax" ? argmax : argmin;
    for (const { name, t } of layouts(tied)) {
      for (const axis of [undefined, 0, 1, 2, -1, -2]) {
        for (const keepDims of [false, true]) {
          const got = fn(t, { axis, keepDims });
          expect(got.dtype).toBe("int32");
          expect(got, label(op, name, axis, keepDims)).toAllClose(reference(t, axis, keepDims, argExtreme(op === "argmax")), { rtol: 0, atol: 0 });
        }
      }
    }
  });
});

describe("small, degenerate and unusual inputs", () => {
  const shapes = [[11], [], [1], [1, 1, 1], [1, 4, 1], [2, 1, 3]];
  it.each(shapes.map((s) => [JSON.stringify(s), s] as const))("every op on shape %s, every axis", (_, shape) => {
    for (const { name, t } of layouts(sample(shape, "float64", 3))) {
      const axes: Axis[] = [undefined, ...shape.flatMap((_, a) => [a, a - shape.length])];
      for (const axis of axes) {
        for (const keepDims of [false, true]) {
          for (const op of Object.keys(OPS) as (keyof typeof OPS)[]) {
            expect(OPS[op](t, { axis, keepDims }), label(op, name, axis, keepDims)).toAllClose(reference(t, axis, keepDims, FOLDS[op]), tol("float64"));
          }
          if (typeof axis !== "object") {
            expect(argmax(t, { axis, keepDims })).toAllClose(reference(t, axis, keepDims, argExtreme(true)), { rtol: 0, atol: 0 });
          }
        }
      }
    }
  });

  it("0-d inputs reduce to themselves and reject any axis", () => {
    const x = tensor(2.5, { dtype: "float64" });
    expect(sum(x).shape).toEqual([]);
    expect(sum(x, { keepDims: true }).item()).toBe(2.5);
    expect(argmax(x).item()).toBe(0);
    expect(() => sum(x, { axis: 0 })).toThrow(/^sum: axis 0 is out of range for a tensor with 0 dimensions.*\(input shape \(\)\)/);
    expect(() => softmax(x, { axis: 0 })).toThrow(ValueError);
  });

  it("empty inputs: sum is 0, logSumExp is -Infinity, the others refuse", () => {
    const x = zeros([3, 0]);
    expect(sum(x, { axis: 1 }).toArray()).toEqual([0, 0, 0]);
    expect(sum(x).item()).toBe(0);
    expect(sum(x, { axis: 0 }).shape).toEqual([0]);
    expect(logSumExp(x, { axis: 1 }).toArray()).toEqual([-Infinity, -Infinity, -Infinity]);
    expect(max(zeros([0, 3]), { axis: 1 }).shape).toEqual([0]); // nothing to reduce per output
    expect(softmax(x, { axis: 1 }).shape).toEqual([3, 0]);
    for (const [name, fn] of [["mean", mean], ["max", max], ["min", min], ["argmax", argmax], ["argmin", argmin]] as const) {
      expect(() => fn(x, { axis: 1 })).toThrow(ValueError);
      expect(() => fn(x, { axis: 1 })).toThrow(new RegExp(`^${name}: cannot reduce over axis 1 of length 0 in \\(3,0\\); expected a non-empty axis`));
      expect(() => fn(x)).toThrow(new RegExp(`^${name}: cannot reduce over axis 1 of length 0 in \\(3,0\\)`));
      expect(() => fn(zeros([0, 4]), { axis: 0 })).toThrow(new RegExp(`^${name}: cannot reduce over axis 0 of length 0 in \\(0,4\\)`));
    }
  });

  it("broadcast views (stride 0) are read correctly", () => {
    const b = sample([3, 1, 5], "float64", 9).broadcastTo([3, 4, 5]);
    for (const axis of AXES_3D) {
      for (const op of Object.keys(OPS) as (keyof typeof OPS)[]) {
        expect(OPS[op](b, { axis }), `${op} ${JSON.stringify(axis)}`).toAllClose(reference(b, axis, false, FOLDS[op]), tol("float64"));
      }
    }
  });

  it("rows longer than the kernels' chunk (4096) on every layout", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const x = sample([3, 5001], dtype, 4);
      for (const { name, t } of layouts(x)) {
        for (const axis of [undefined, 0, 1]) {
          for (const op of Object.keys(OPS) as (keyof typeof OPS)[]) {
            expect(OPS[op](t, { axis }), label(op, name, axis, false)).toAllClose(reference(t, axis, false, FOLDS[op]), tol(dtype));
          }
          expect(argmin(t, { axis })).toAllClose(reference(t, axis, false, argExtreme(false)), { rtol: 0, atol: 0 });
        }
      }
    }
    const spikes = new Float64Array(10007);
    spikes[4097] = 5;
    spikes[8000] = 5;
    expect(argmax(tensor(spikes)).item()).toBe(4097);
    spikes[9000] = NaN;
    spikes[9500] = NaN;
    expect(argmax(tensor(spikes)).item()).toBe(9000);
    expect(max(tensor(spikes)).item()).toBeNaN();
  });
});

describe("NaN, infinities, dtypes and accumulation", () => {
  it("max/min propagate NaN and argmax/argmin return the first NaN, per slice, on every layout", () => {
    const values = flatValues(sample([3, 5, 7], "float64", 2));
    [17, 40, 41, 90].forEach((i) => (values[i] = NaN));
    [3, 60].forEach((i) => (values[i] = Infinity));
    [4, 61].forEach((i) => (values[i] = -Infinity));
    for (const { name, t } of layouts(tensor(values, { shape: [3, 5, 7], dtype: "float64" }))) {
      for (const axis of [undefined, 0, 1, 2]) {
        expect(max(t, { axis }), `max ${name} ${axis}`).toAllClose(reference(t, axis, false, extreme(true)), { rtol: 0, atol: 0 });
        expect(min(t, { axis }), `min ${name} ${axis}`).toAllClose(reference(t, axis, false, extreme(false)), { rtol: 0, atol: 0 });
        expect(argmax(t, { axis }), `argmax ${name} ${axis}`).toAllClose(reference(t, axis, false, argExtreme(true)), { rtol: 0, atol: 0 });
        expect(argmin(t, { axis }), `argmin ${name} ${axis}`).toAllClose(reference(t, axis, false, argExtreme(false)), { rtol: 0, atol: 0 });
      }
    }
    expect(max(tensor([1, NaN, 3])).item()).toBeNaN();
    expect(argmin(tensor([2, 1, NaN, NaN])).item()).toBe(2);
  });

  it("a NaN or an extreme at any position of a row is found (every unrolled lane, across chunks)", () => {
    for (const n of [9, 4103]) {
      const positions = n < 10 ? [...Array(n).keys()] : [0, 1, 2, 3, 4094, 4095, 4096, 4097, 4101, 4102];
      for (const k of positions) {
        for (const dtype of ["float32", "float64"] as const) {
          const v = new Array<number>(n).fill(1);
          v[k] = 7;
          const rows = tensor([...v, ...v.map((x) => -x)], { shape: [2, n], dtype });
          expect(max(rows, { axis: 1 }).toArray(), `max at ${k} of ${n}`).toEqual([7, -1]);
          expect(min(rows, { axis: 1 }).toArray(), `min at ${k} of ${n}`).toEqual([1, -7]);
          const firstOther = k === 0 ? 1 : 0; // the first of the tied ±1s
          expect(argmax(rows, { axis: 1 }).toArray()).toEqual([k, firstOther]);
          expect(argmin(rows, { axis: 1 }).toArray()).toEqual([firstOther, k]);
          v[k] = NaN;
          const nan = tensor(v, { dtype });
          for (const fn of [max, min]) expect(fn(nan).item(), `${fn.name} NaN at ${k} of ${n}`).toBeNaN();
          for (const fn of [argmax, argmin]) expect(fn(nan).item()).toBe(k);
          expect(logSumExp(nan).item()).toBeNaN();
        }
      }
    }
  });

  it("result dtypes follow the documented rules", () => {
    const expected: Record<string, Record<DType, DType>> = {
      sum: { bool: "int32", int32: "int32", float32: "float32", float64: "float64" },
      mean: { bool: "float32", int32: "float32", float32: "float32", float64: "float64" },
      max: { bool: "bool", int32: "int32", float32: "float32", float64: "float64" },
      argmax: { bool: "int32", int32: "int32", float32: "int32", float64: "int32" },
      logSumExp: { bool: "float32", int32: "float32", float32: "float32", float64: "float64" },
      softmax: { bool: "float32", int32: "float32", float32: "float32", float64: "float64" },
      logSoftmax: { bool: "float32", int32: "float32", float32: "float32", float64: "float64" },
    };
    const run: Record<string, (x: Tensor) => Tensor> = {
      sum, mean, max, argmax, logSumExp, softmax: (x) => softmax(x, { axis: 0 }), logSoftmax: (x) => logSoftmax(x, { axis: 0 }),
    };
    for (const [op, table] of Object.entries(expected)) {
      for (const [inDtype, outDtype] of Object.entries(table)) {
        expect(run[op]!(sample([4, 3], inDtype as DType, 1)).dtype, `${op} of ${inDtype}`).toBe(outDtype);
      }
    }
    const mask = tensor([[true, false, true], [false, false, true]]);
    expect(sum(mask, { axis: 1 }).toArray()).toEqual([2, 1]);
    expect(max(mask, { axis: 1 }).toArray()).toEqual([1, 1]);
    expect(min(mask, { axis: 0 }).toArray()).toEqual([0, 0, 1]);
    expect(mean(mask).item()).toBeCloseTo(0.5, 7);
  });

  it("float32 is accumulated in float64; int32 sums wrap like int32 arithmetic", () => {
    const x = tensor([1e8, 1, -1e8]); // in float32 arithmetic 1e8 + 1 rounds back to 1e8
    expect(sum(x).item()).toBe(1);
    expect(mean(x).item()).toBe(Math.fround(1 / 3));
    expect(sum(tensor([2147483647, 1], { dtype: "int32" })).item()).toBe(-2147483648);
    expect(mean(tensor([2147483647, 2147483647], { dtype: "int32" })).item()).toBe(Math.fround(2147483647));
  });

  it("methods on Tensor give the same results as the functions", () => {
    const x = sample([3, 4], "float64", 8);
    expect(x.sum({ axis: 0 })).toAllClose(sum(x, { axis: 0 }), { rtol: 0, atol: 0 });
    expect(x.argmin({ axis: 1 })).toAllClose(argmin(x, { axis: 1 }), { rtol: 0, atol: 0 });
    expect(x.softmax({ axis: 0 })).toAllClose(softmax(x, { axis: 0 }), { rtol: 0, atol: 0 });
  });
});

describe("logSumExp, softmax and logSoftmax are stable", () => {
  const stol = (d: DType) => (d === "float64" ? { rtol: 1e-9, atol: 1e-300 } : { rtol: 2e-6, atol: 1e-40 });
  const inputs = (dtype: "float32" | "float64") => {
    const wide = sample([3, 5, 7], dtype, 21, -1e4, 1e4);
    // close logits far from 0: only the shift by the maximum keeps these finite and non-trivial
    const close = tensor(flatValues(sample([3, 5, 7], dtype, 22)).map((v) => v + 1e4), { shape: [3, 5, 7], dtype });
    const negClose = tensor(flatValues(close).map((v) => -v), { shape: [3, 5, 7], dtype });
    const holes = flatValues(sample([3, 5, 7], dtype, 23, -30, 30));
    holes.forEach((_, i) => i % 4 === 1 && (holes[i] = -Infinity));
    for (let k = 0; k < 7; k++) holes[1 * 35 + 2 * 7 + k] = -Infinity; // one whole slice along axis 2
    return { wide, close, negClose, holes: tensor(holes, { shape: [3, 5, 7], dtype }) };
  };

  it.each(["float32", "float64"] as const)("%s at ±1e4 and with -Infinity entries, every layout and axis", (dtype) => {
    for (const [what, x] of Object.entries(inputs(dtype))) {
      for (const { name, t } of layouts(x)) {
        for (const axis of AXES_3D) {
          for (const keepDims of [false, true]) {
            expect(logSumExp(t, { axis, keepDims }), `${what}: ${label("logSumExp", name, axis, keepDims)}`).toAllClose(reference(t, axis, keepDims, lseRef), stol(dtype));
          }
        }
        for (const axis of [0, 1, 2, -1]) {
          const p = softmax(t, { axis });
          expect(p, `${what}: softmax ${name} axis ${axis}`).toAllClose(alongAxis(t, (axis + 3) % 3, softmaxRef), stol(dtype));
          expect(logSoftmax(t, { axis }), `${what}: logSoftmax ${name} axis ${axis}`).toAllClose(alongAxis(t, (axis + 3) % 3, logSoftmaxRef), stol(dtype));
          if (what !== "holes" || axis === 0 || axis === 1) expect(flatValues(p).every(Number.isFinite), `${what} finite`).toBe(true);
        }
      }
    }
  });

  it("all -Infinity gives -Infinity, +Infinity gives +Infinity, NaN stays NaN", () => {
    const x = tensor([[-Infinity, -Infinity], [-Infinity, Infinity], [NaN, 1], [1e4, -1e4]], { dtype: "float64" });
    expect(logSumExp(x, { axis: 1 }).toArray()).toEqual([-Infinity, Infinity, NaN, 1e4]);
    expect(logSumExp(x, { axis: 1, keepDims: true }).shape).toEqual([4, 1]);
    // a slice with no finite log-sum-exp has no distribution: NaN, as PyTorch gives
    expect(softmax(x, { axis: 1 }).toArray()).toEqual([[NaN, NaN], [NaN, NaN], [NaN, NaN], [1, 0]]);
    expect(logSoftmax(x, { axis: 1 }).toArray()).toEqual([[NaN, NaN], [NaN, NaN], [NaN, NaN], [0, -2e4]]);
  });

  it("softmax requires an axis and names the shape", () => {
    const x = zeros([2, 3]);
    expect(() => softmax(x, {} as { axis: number })).toThrow(/^softmax: axis is required for shape \(2,3\)/);
    expect(() => logSoftmax(x, undefined as unknown as { axis: number })).toThrow(/^logSoftmax: axis is required for shape \(2,3\)/);
    expect(() => softmax(x, { axis: 2 })).toThrow(/^softmax: axis 2 is out of range for a tensor with 2 dimensions; expected an integer in \[-2, 1\] \(input shape \(2,3\)\)/);
  });
});

describe("argument errors name the op, the shape and what was expected", () => {
  const x = zeros([3, 5, 7]);
  it.each([
    [() => sum(x, { axis: 3 }), /^sum: axis 3 is out of range for a tensor with 3 dimensions; expected an integer in \[-3, 2\] \(input shape \(3,5,7\)\)$/],
    [() => mean(x, { axis: -4 }), /^mean: axis -4 is out of range .*\(input shape \(3,5,7\)\)$/],
    [() => max(x, { axis: [1, -2] }), /^max: axis 1 is repeated in \[1, -2\] \(input shape \(3,5,7\)\)$/],
    [() => min(x, { axis: 0.5 }), /^min: axis 0\.5 is out of range/],
    [() => logSumExp(x, { axis: "1" } as unknown as AxisOptions), /^logSumExp: axis must be a number, a list of numbers, or omitted \(all axes\) for shape \(3,5,7\); got 1$/],
    [() => sum(x, { keepDims: "yes" } as unknown as AxisOptions), /^sum: keepDims must be true or false, got yes$/],
    [() => argmax(x, { axis: [0, 1] } as unknown as { axis: number }), /^argmax: axis must be one number, or omitted for the flattened tensor, for shape \(3,5,7\); got 0,1$/],
    [() => argmin(x, { axis: 3 }), /^argmin: axis 3 is out of range .*\(input shape \(3,5,7\)\)$/],
  ])("case %#", (call, message) => {
    expect(call).toThrow(ValueError);
    expect(call).toThrow(message);
  });
});

describe("properties", () => {
  /** A random float64 tensor of 1–4 axes of length 1–4 in a random layout; values from `value`. */
  const arbTensor = (value: fc.Arbitrary<number>) =>
    fc
      .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 })
      .chain((shape) =>
        fc.tuple(fc.array(value, { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) }), fc.integer({ min: 0, max: 2 })).map(
          ([vals, layout]) => layouts(tensor(vals, { shape, dtype: "float64" }))[layout]!.t,
        ),
      );
  const withAxis = (value: fc.Arbitrary<number>) =>
    arbTensor(value).chain((x) => fc.tuple(fc.constant(x), fc.integer({ min: 0, max: x.ndim - 1 })));

  it("sum over [a, b] equals sum over a, then over b (renumbered)", () => {
    const ints = fc.integer({ min: -1000, max: 1000 }); // exact sums: the comparison can be exact
    const arb = arbTensor(ints)
      .filter((x) => x.ndim >= 2)
      .chain((x) => fc.tuple(fc.constant(x), fc.uniqueArray(fc.integer({ min: 0, max: x.ndim - 1 }), { minLength: 2, maxLength: 2 })));
    fc.assert(
      fc.property(arb, ([x, [a, b]]) => {
        const [lo, hi] = [Math.min(a!, b!), Math.max(a!, b!)];
        const twoStep = sum(sum(x, { axis: hi }), { axis: lo });
        const otherOrder = sum(sum(x, { axis: lo }), { axis: hi - 1 });
        expect(sum(x, { axis: [a!, b!] }).toArray()).toEqual(twoStep.toArray());
        expect(otherOrder.toArray()).toEqual(twoStep.toArray());
      }),
    );
  });

  it("sum of everything equals the sum of flatValues", () => {
    fc.assert(
      fc.property(arbTensor(fc.double({ min: -1e6, max: 1e6, noNaN: true })), (x) => {
        const v = flatValues(x);
        const bound = 1e-12 * v.reduce((a, b) => a + Math.abs(b), 0);
        expect(Math.abs(sum(x).item() - naiveSum(v))).toBeLessThanOrEqual(bound);
      }),
    );
  });

  it("softmax sums to 1 along its axis and ignores an added constant", () => {
    const arb = withAxis(fc.double({ min: -1e4, max: 1e4, noNaN: true })).chain((xa) => fc.tuple(fc.constant(xa), fc.double({ min: -1e3, max: 1e3, noNaN: true })));
    fc.assert(
      fc.property(arb, ([[x, axis], c]) => {
        const p = softmax(x, { axis });
        expect(sum(p, { axis })).toAllClose(reference(x, axis, false, () => 1), { rtol: 0, atol: 1e-12 });
        const shifted = tensor(flatValues(x).map((v) => v + c), { shape: x.shape, dtype: "float64" });
        expect(softmax(shifted, { axis })).toAllClose(p, { rtol: 1e-8, atol: 1e-300 });
      }),
    );
  });

  it("argmax points at the first element equal to max", () => {
    const small = fc.integer({ min: -3, max: 3 }).map((v) => v / 2); // ties are common
    fc.assert(
      fc.property(withAxis(small), ([x, axis]) => {
        const idx = argmax(x, { axis }).toTypedArray();
        const best = max(x, { axis }).toTypedArray();
        const kept = x.shape.filter((_, a) => a !== axis);
        [...indices(kept)].forEach((k, i) => {
          const full = (j: number) => [...k.slice(0, axis), j, ...k.slice(axis)];
          expect(at(x, full(idx[i]!))).toBe(best[i]);
          for (let j = 0; j < idx[i]!; j++) expect(at(x, full(j))).toBeLessThan(best[i]!);
        });
      }),
    );
  });
});
