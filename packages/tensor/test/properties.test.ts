// Property tests: broadcasting against an independent statement of numpy's rule, and random
// compositions of views against a plain model (a shape plus row-major values, transformed by
// index arithmetic of its own), with the buffer shared all along.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { arange, broadcastShapes, ShapeError, Tensor } from "@strata/tensor";
import { at, flatValues, indices, layouts } from "./reference.js";

const shapeArb = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 });

/** numpy's rule, stated independently: align at the right; per axis equal, or one of them is 1. */
function broadcastRule(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const pa = [...new Array<number>(n - a.length).fill(1), ...a];
  const pb = [...new Array<number>(n - b.length).fill(1), ...b];
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) out.push(x);
    else if (x === 1) out.push(y);
    else if (y === 1) out.push(x);
    else return null;
  }
  return out;
}

function tryBroadcast(...shapes: number[][]): number[] | "error" {
  try {
    return broadcastShapes("test", ...shapes);
  } catch (e) {
    expect(e).toBeInstanceOf(ShapeError);
    return "error";
  }
}

/** Pairs that often broadcast: b is a, with axes set to 1, changed, or the leading ones dropped. */
const pairArb = fc.oneof(
  fc.tuple(shapeArb, shapeArb),
  fc.tuple(shapeArb, fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 4 }), fc.nat(4)).map(([a, edits, drop]) => {
    const b = a.map((n, i) => (edits[i] === 0 ? 1 : edits[i] === 1 ? (n + 1) % 5 : n)).slice(Math.min(drop, a.length));
    return [a, b] as [number[], number[]];
  }),
);

describe("broadcastShapes", () => {
  it("agrees with the independent rule and is commutative", () => {
    fc.assert(
      fc.property(pairArb, ([a, b]) => {
        const want = broadcastRule(a, b);
        const ab = tryBroadcast(a, b);
        expect(ab).toEqual(want ?? "error");
        expect(tryBroadcast(b, a)).toEqual(ab);
      }),
      { numRuns: 500 },
    );
  });

  it("folds over three shapes", () => {
    fc.assert(
      fc.property(pairArb, shapeArb, ([a, b], c) => {
        const ab = broadcastRule(a, b);
        const want = ab && broadcastRule(ab, c);
        expect(tryBroadcast(a, b, c)).toEqual(want ?? "error");
      }),
      { numRuns: 300 },
    );
  });
});

describe("broadcastTo", () => {
  // A source shape and a target it broadcasts to: extra leading axes, and 1s stretched.
  const caseArb = fc
    .tuple(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }), fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 2 }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 3, maxLength: 3 }), fc.nat(2))
    .map(([src, lead, stretch, layout]) => ({ src, target: [...lead, ...src.map((n, i) => (n === 1 ? stretch[i]! : n))], layout }));

  it("reads element idx of the result at the source index with broadcast axes set to 0, stride 0 there", () => {
    fc.assert(
      fc.property(caseArb, ({ src, target, layout }) => {
        const size = src.reduce((p, n) => p * n, 1);
        const base = arange(size, { dtype: "float64" }).reshape(src);
        const x = src.length > 0 ? layouts(base)[layout]!.t : base;
        const y = x.broadcastTo(target);
        expect([...y.shape]).toEqual(target);
        expect(y.data).toBe(x.data);
        const lead = target.length - src.length;
        for (const idx of indices(target)) {
          const from = idx.slice(lead).map((i, k) => (src[k] === 1 ? 0 : i));
          expect(at(y, idx)).toBe(at(x, from));
        }
        target.forEach((n, i) => {
          if (i < lead || (src[i - lead] === 1 && n !== 1)) expect(y.strides[i]).toBe(0);
        });
      }),
      { numRuns: 300 },
    );
  });

  it("succeeds exactly when the rule says the source broadcasts to the target", () => {
    fc.assert(
      fc.property(pairArb, ([a, b]) => {
        const fits = JSON.stringify(broadcastRule(a, b)) === JSON.stringify(b);
        const x = arange(a.reduce((p, n) => p * n, 1)).reshape(a);
        if (fits) expect(x.broadcastTo(b).shape).toEqual(b);
        else expect(() => x.broadcastTo(b)).toThrow(ShapeError);
      }),
      { numRuns: 300 },
    );
  });
});

// ---- random compositions of views against a plain model -------------------------------------

interface Model {
  shape: number[];
  values: number[]; // row-major
}

function ravel(idx: readonly number[], shape: readonly number[]): number {
  let k = 0;
  for (let i = 0; i < shape.length; i++) k = k * shape[i]! + idx[i]!;
  return k;
}

/** Python's slice rule for one axis: the source indices `start:stop:step` selects from `n`. */
function sliceIndices(n: number, start: number | null, stop: number | null, step: number): number[] {
  const fix = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + n : v, lo), hi);
  const out: number[] = [];
  if (step > 0) {
    for (let i = start === null ? 0 : fix(start, 0, n); i < (stop === null ? n : fix(stop, 0, n)); i += step) out.push(i);
  } else {
    for (let i = start === null ? n - 1 : fix(start, -1, n - 1); i > (stop === null ? -1 : fix(stop, -1, n - 1)); i += step) out.push(i);
  }
  return out;
}

type RangeSpec = { mode: number; start: number | null; stop: number | null; step: number; pick: number };
type Op =
  | { kind: "transpose"; keys: number[]; negative: boolean; omit: boolean }
  | { kind: "slice"; ranges: RangeSpec[]; count: number }
  | { kind: "reshape"; r: number; minus: boolean }
  | { kind: "unsqueeze"; r: number; negative: boolean }
  | { kind: "squeeze"; r: number; all: boolean };

const bound = fc.option(fc.integer({ min: -7, max: 7 }), { nil: null, freq: 3 });
const rangeArb: fc.Arbitrary<RangeSpec> = fc.record({
  mode: fc.nat(3),
  start: bound,
  stop: bound,
  step: fc.constantFrom(1, 1, 2, 3, -1, -1, -2, -3),
  pick: fc.integer({ min: -8, max: 8 }),
});
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("transpose" as const), keys: fc.array(fc.nat(100), { minLength: 8, maxLength: 8 }), negative: fc.boolean(), omit: fc.boolean() }),
  fc.record({ kind: fc.constant("slice" as const), ranges: fc.array(rangeArb, { minLength: 8, maxLength: 8 }), count: fc.nat(8) }),
  fc.record({ kind: fc.constant("reshape" as const), r: fc.nat(1000), minus: fc.boolean() }),
  fc.record({ kind: fc.constant("unsqueeze" as const), r: fc.nat(1000), negative: fc.boolean() }),
  fc.record({ kind: fc.constant("squeeze" as const), r: fc.nat(1000), all: fc.boolean() }),
);

/** Applies `op` to both the tensor and the model; returns null when it does not apply here. */
function apply(t: Tensor, m: Model, op: Op): [Tensor, Model] | null {
  const nd = m.shape.length;
  switch (op.kind) {
    case "transpose": {
      if (op.omit) {
        const shape = [...m.shape].reverse();
        const values = [...indices(shape)].map((idx) => m.values[ravel([...idx].reverse(), m.shape)]!);
        return [t.T, { shape, values }];
      }
      // A random permutation: the axes ordered by random keys (ties by position).
      const perm = m.shape.map((_, i) => i).sort((a, b) => op.keys[a]! - op.keys[b]! || a - b);
      const shape = perm.map((p) => m.shape[p]!);
      const values = [...indices(shape)].map((idx) => {
        const src = new Array<number>(nd);
        perm.forEach((p, i) => (src[p] = idx[i]!));
        return m.values[ravel(src, m.shape)]!;
      });
      return [t.transpose(op.negative ? perm.map((p) => p - nd) : perm), { shape, values }];
    }
    case "slice": {
      const count = Math.min(op.count, nd);
      const args: (number | null | [number | null, number | null, number])[] = [];
      const lists: { picked: boolean; idx: number[] }[] = [];
      for (let ax = 0; ax < nd; ax++) {
        const n = m.shape[ax]!;
        const r = op.ranges[ax]!;
        if (ax >= count || r.mode === 0) {
          if (ax < count) args.push(null);
          lists.push({ picked: false, idx: sliceIndices(n, null, null, 1) });
        } else if (r.mode === 1 && n > 0) {
          const k = ((r.pick % n) + n) % n;
          const pick = r.pick < 0 ? k - n : k; // exercise negative picks too
          args.push(pick);
          lists.push({ picked: true, idx: [k] });
        } else {
          args.push([r.start, r.stop, r.step]);
          lists.push({ picked: false, idx: sliceIndices(n, r.start, r.stop, r.step) });
        }
      }
      const shape = lists.filter((l) => !l.picked).map((l) => l.idx.length);
      const values = [...indices(shape)].map((idx) => {
        let k = 0;
        const src = lists.map((l) => (l.picked ? l.idx[0]! : l.idx[idx[k++]!]!));
        return m.values[ravel(src, m.shape)]!;
      });
      return [t.slice(...args), { shape, values }];
    }
    case "reshape": {
      if (!t.isContiguous) return null; // only views are composed here
      const size = m.values.length;
      const divisors = Array.from({ length: size }, (_, i) => i + 1).filter((d) => size % d === 0);
      if (size === 0) return [t.reshape([0]), { shape: [0], values: [] }];
      const d = divisors[op.r % divisors.length]!;
      const shape = [d, size / d];
      return [t.reshape(op.minus ? [d, -1] : shape), { shape, values: [...m.values] }];
    }
    case "unsqueeze": {
      if (nd >= 6) return null;
      const axis = op.r % (nd + 1);
      const shape = [...m.shape];
      shape.splice(axis, 0, 1);
      return [t.unsqueeze(op.negative ? axis - nd - 1 : axis), { shape, values: [...m.values] }];
    }
    case "squeeze": {
      const ones = m.shape.flatMap((n, i) => (n === 1 ? [i] : []));
      if (op.all || ones.length === 0) return [t.squeeze(), { shape: m.shape.filter((n) => n !== 1), values: [...m.values] }];
      const axis = ones[op.r % ones.length]!;
      return [t.squeeze(axis), { shape: m.shape.filter((_, i) => i !== axis), values: [...m.values] }];
    }
  }
}

function nest(m: Model): unknown {
  const build = (ax: number, start: number): unknown => {
    if (ax === m.shape.length) return m.values[start];
    const inner = m.shape.slice(ax + 1).reduce((p, n) => p * n, 1);
    return Array.from({ length: m.shape[ax]! }, (_, i) => build(ax + 1, start + i * inner));
  };
  return build(0, 0);
}

describe("random compositions of views", () => {
  it("give the model's values and keep sharing the original buffer", () => {
    const startArb = fc.tuple(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }), fc.nat(2));
    fc.assert(
      fc.property(startArb, fc.array(opArb, { maxLength: 7 }), ([shape, layout], ops) => {
        const size = shape.reduce((p, n) => p * n, 1);
        const start = layouts(arange(size, { dtype: "float64" }).reshape(shape))[layout]!.t;
        let t = start;
        let m: Model = { shape: [...shape], values: Array.from({ length: size }, (_, i) => i) };
        for (const op of ops) {
          const next = apply(t, m, op);
          if (!next) continue;
          [t, m] = next;
          expect([...t.shape]).toEqual(m.shape);
          expect(flatValues(t)).toEqual(m.values);
          expect(t.data).toBe(start.data);
        }
        expect(t.toArray()).toEqual(nest(m));
        // Writing through the base buffer is seen through the final view.
        if (t.size > 0) {
          const idx = t.shape.map((n) => n - 1);
          let p = t.offset;
          idx.forEach((i, ax) => (p += i * t.strides[ax]!));
          start.data[p] = -1;
          expect(t.get(...idx)).toBe(-1);
        }
      }),
      { numRuns: 400 },
    );
  });
});
