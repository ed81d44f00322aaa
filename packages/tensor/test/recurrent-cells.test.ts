// The fused LSTM and GRU cell kernels against the formulas written out per element here (a second
// implementation, in plain numbers), forward and backward, on strided rows; and their errors.
import { describe, expect, it } from "vitest";
import { DTypeError, ShapeError, gruCellBackward, gruCellForward, lstmCellBackward, lstmCellForward, randn, rng, type Tensor } from "@strata/tensor";

const sig = (x: number) => 1 / (1 + Math.exp(-x));
const f64 = { dtype: "float64" as const };
/** Row r of a 2-D tensor as numbers. */
const row = (t: Tensor, r: number): number[] => (t.toArray() as number[][])[r]!;

describe("lstmCellForward and lstmCellBackward", () => {
  it("follow the formulas element by element, on row-strided views", () => {
    const [n, h] = [3, 2];
    const gates = randn([n, 4 * h + 2], { rng: rng(1), ...f64 }).slice(null, [1, 4 * h + 1]);
    const c = randn([n, h + 1], { rng: rng(2), ...f64 }).slice(null, [0, h]);
    const grad = randn([n, 2 * h], { rng: rng(3), ...f64 });
    const { state, activations } = lstmCellForward(gates, c);
    const back = lstmCellBackward(grad, activations, c, state);
    for (let r = 0; r < n; r++) {
      const [a, cr, g] = [row(gates, r), row(c, r), row(grad, r)];
      for (let j = 0; j < h; j++) {
        const [i, f, gg, o] = [sig(a[j]!), sig(a[h + j]!), Math.tanh(a[2 * h + j]!), sig(a[3 * h + j]!)];
        const c2 = f * cr[j]! + i * gg;
        expect(row(state, r)[h + j]).toBeCloseTo(c2, 14);
        expect(row(state, r)[j]).toBeCloseTo(o * Math.tanh(c2), 14);
        const dc2 = g[h + j]! + g[j]! * o * (1 - Math.tanh(c2) ** 2);
        const want = [dc2 * gg * i * (1 - i), dc2 * cr[j]! * f * (1 - f), dc2 * i * (1 - gg * gg), g[j]! * Math.tanh(c2) * o * (1 - o)];
        want.forEach((v, k) => expect(row(back.gates, r)[k * h + j]).toBeCloseTo(v, 14));
        expect(row(back.c, r)[j]).toBeCloseTo(dc2 * f, 14);
      }
    }
  });

  it("refuse mismatched shapes and dtypes, naming the kernel", () => {
    expect(() => lstmCellForward(randn([2, 7]), randn([2, 1]))).toThrow(new ShapeError("lstmCellForward: gates have shape (2,7); expected (N, 4·hiddenSize)"));
    expect(() => lstmCellForward(randn([2, 8]), randn([3, 2]))).toThrow(new ShapeError("lstmCellForward: c has shape (3,2); expected (2, 2)"));
    expect(() => lstmCellForward(randn([2, 8]), randn([2, 2], f64))).toThrow(DTypeError);
  });
});

describe("gruCellForward and gruCellBackward", () => {
  it("follow PyTorch's formula (b_hn inside the product with r) element by element", () => {
    const [n, h] = [2, 3];
    const gi = randn([n, 3 * h], { rng: rng(4), ...f64 });
    const gh = randn([n, 3 * h + 3], { rng: rng(5), ...f64 }).slice(null, [3, 3 * h + 3]);
    const hp = randn([n, h], { rng: rng(6), ...f64 });
    const grad = randn([n, h], { rng: rng(7), ...f64 });
    const { h: out, saved } = gruCellForward(gi, gh, hp);
    const back = gruCellBackward(grad, saved, hp);
    for (let r = 0; r < n; r++) {
      const [a, b, p, g] = [row(gi, r), row(gh, r), row(hp, r), row(grad, r)];
      for (let j = 0; j < h; j++) {
        const rr = sig(a[j]! + b[j]!);
        const z = sig(a[h + j]! + b[h + j]!);
        const nn = Math.tanh(a[2 * h + j]! + rr * b[2 * h + j]!);
        expect(row(out, r)[j]).toBeCloseTo((1 - z) * nn + z * p[j]!, 14);
        const daN = g[j]! * (1 - z) * (1 - nn * nn);
        const daZ = g[j]! * (p[j]! - nn) * z * (1 - z);
        const daR = daN * b[2 * h + j]! * rr * (1 - rr);
        [daR, daZ, daN].forEach((v, k) => expect(row(back.gi, r)[k * h + j]).toBeCloseTo(v, 14));
        [daR, daZ, daN * rr].forEach((v, k) => expect(row(back.gh, r)[k * h + j]).toBeCloseTo(v, 14));
        expect(row(back.h, r)[j]).toBeCloseTo(g[j]! * z, 14);
      }
    }
  });

  it("refuse mismatched shapes, naming the kernel", () => {
    expect(() => gruCellForward(randn([2, 6]), randn([2, 3]), randn([2, 2]))).toThrow(new ShapeError("gruCellForward: gh has shape (2,3); expected (2, 6)"));
    expect(() => gruCellBackward(randn([2, 3]), randn([2, 8]), randn([2, 2]))).toThrow(ShapeError);
  });
});
