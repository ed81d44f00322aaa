// batchNorm's kernels (forward, and the closed-form first-order backward) against the same formula
// composed from primitives, the path it took before it had kernels and the one a backward
// recorded with createGraph still takes: values, gradients and running statistics agree to 1e-6
// of the largest value in float32 and 1e-12 in float64, over sizes where the fast path matters.
// That the kernels ran is checked by their results being bitwise those of the tensor kernels.
import { describe, expect, it } from "vitest";
import { batchNorm, gradients, mul, sum, variable, type Variable } from "@strata/autograd";
import { batchNormBackward, batchNormForward, ones, randn, rng, type DType, type Tensor } from "@strata/tensor";
import { batchNormComposite } from "../src/batch-norm-composite.js";

/** max |a − b| / max |b|: the error relative to the reference's scale. */
function relError(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  const [x, y] = [a.toTypedArray(), b.toTypedArray()];
  let [worst, scale] = [0, 0];
  for (let i = 0; i < x.length; i++) {
    worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
    scale = Math.max(scale, Math.abs(y[i]!));
  }
  return worst / scale;
}

/** An (N, C, …) input, contiguous or a transposed (non-contiguous) view of the same values. */
function input(shape: number[], dtype: DType, contiguous: boolean, seed: number): Tensor {
  const r = rng(seed);
  // channel-dependent offsets and scales, so that centring and scaling matter
  const base = randn(shape, { rng: r, dtype, mean: 0, std: 1 });
  const c = shape[1]!;
  const perChannel = shape.map((n, k) => (k === 1 ? n : 1));
  const offset = randn([c], { rng: r, dtype, mean: 3, std: 2 }).reshape(perChannel);
  const scale = randn([c], { rng: r, dtype, mean: 2, std: 0.5 }).abs().reshape(perChannel);
  const x = base.mul(scale).add(offset);
  if (contiguous) return x;
  // the same values laid out with axes 0 and 1 swapped in memory
  const perm = shape.map((_, k) => (k === 0 ? 1 : k === 1 ? 0 : k));
  const v = x.transpose(perm).contiguous().transpose(perm);
  expect(v.isContiguous).toBe(false);
  return v;
}

const SHAPES: number[][] = [[512, 24], [64, 12, 40], [32, 16, 12, 12]];
const TOL: Record<string, number> = { float32: 1e-6, float64: 1e-12 };

describe("batchNorm's fast path equals the composite", () => {
  for (const shape of SHAPES) {
    for (const dtype of ["float32", "float64"] as DType[]) {
      for (const training of [true, false]) {
        for (const affine of [true, false]) {
          for (const contiguous of [true, false]) {
            const name = `${JSON.stringify(shape)} ${dtype} ${training ? "training" : "eval"} ${affine ? "with" : "without"} weight/bias, ${contiguous ? "contiguous" : "strided"}`;
            it(name, () => {
              const c = shape[1]!;
              const xt = input(shape, dtype, contiguous, shape.length * 7 + c);
              const r = rng(99);
              const wt = affine ? randn([c], { rng: r, dtype, mean: 1, std: 0.5 }) : null;
              const bt = affine ? randn([c], { rng: r, dtype }) : null;
              const gy = randn(shape, { rng: r, dtype });
              const rm0 = randn([c], { rng: r, dtype, mean: 3 });
              const rv0 = randn([c], { rng: r, dtype, mean: 4 }).abs();
              const eps = 1e-5;

              // the fast path: forward and first-order backward
              const x = variable(xt, { requiresGrad: true });
              const w = wt && variable(wt, { requiresGrad: true });
              const b = bt && variable(bt, { requiresGrad: true });
              const [rm, rv] = [rm0.clone(), rv0.clone()];
              const y = batchNorm(x, rm, rv, w, b, { training, momentum: 0.3, eps });
              expect(y.gradFn?.name).toBe("batchNorm");
              sum(mul(y, gy)).backward();

              // the composite, called directly
              const xc = variable(xt, { requiresGrad: true });
              const wc = wt && variable(wt, { requiresGrad: true });
              const bc = bt && variable(bt, { requiresGrad: true });
              const yc = batchNormComposite(xc, wc, bc, training ? null : { mean: rm0, variance: rv0 }, eps);
              sum(mul(yc, gy)).backward();

              const tol = TOL[dtype]!;
              expect(y.dtype).toBe(dtype);
              expect(relError(y.data, yc.data)).toBeLessThan(tol);
              expect(relError(x.grad!, xc.grad!)).toBeLessThan(tol);
              if (affine) {
                expect(relError(w!.grad!, wc!.grad!)).toBeLessThan(tol);
                expect(relError(b!.grad!, bc!.grad!)).toBeLessThan(tol);
              }

              // the running statistics: the composite's batch mean and unbiased variance folded in
              if (training) {
                const axes = shape.map((_, k) => k).filter((k) => k !== 1);
                const m = xt.size / c;
                const mu = xt.mean({ axis: axes });
                const unbiased = xt.sub(mu.reshape(shape.map((n, k) => (k === 1 ? n : 1)))).square().mean({ axis: axes }).mul(m / (m - 1));
                expect(relError(rm, mu.mul(0.3).add(rm0.mul(0.7)))).toBeLessThan(tol);
                expect(relError(rv, unbiased.mul(0.3).add(rv0.mul(0.7)))).toBeLessThan(tol);
              } else {
                expect(rm.equals(rm0) && rv.equals(rv0)).toBe(true);
              }

              // the kernels really ran: bitwise their results
              const stats = training ? null : { mean: rm0, variance: rv0 };
              const f = batchNormForward(xt, wt, bt, stats, eps);
              expect(y.data.equals(f.output)).toBe(true);
              const bw = batchNormBackward(gy, xt, f.mean, f.invStd, wt, training);
              expect(x.grad!.equals(bw.input!)).toBe(true);
              if (affine) expect(w!.grad!.equals(bw.weight) && b!.grad!.equals(bw.bias)).toBe(true);
            });
          }
        }
      }
    }
  }
});

describe("batchNorm's recorded backward (createGraph) is the composite's", () => {
  for (const training of [true, false]) {
    it(`${training ? "training" : "eval"}: the same gradients, and second derivatives that flow to x and the weight`, () => {
      const shape = [16, 6, 5, 5];
      const xt = input(shape, "float64", true, 5);
      const r = rng(3);
      const wt = randn([6], { rng: r, dtype: "float64", mean: 1 });
      const gy = randn(shape, { rng: r, dtype: "float64" });
      const stats = { mean: randn([6], { rng: r, dtype: "float64", mean: 3 }), variance: ones([6], { dtype: "float64" }).mul(2) };
      const run = (f: (x: Variable, w: Variable) => Variable): Tensor[] => {
        const x = variable(xt, { requiresGrad: true });
        const w = variable(wt, { requiresGrad: true });
        const [gx, gw] = gradients([sum(mul(f(x, w), gy))], [x, w], { createGraph: true });
        expect(gx!.requiresGrad).toBe(true);
        // a second derivative: d/d(x, w) of Σ gx²
        const [hx, hw] = gradients([sum(mul(gx!, gx!))], [x, w]);
        return [gx!.data, gw!.data, hx!.data, hw!.data];
      };
      const fast = run((x, w) => batchNorm(x, stats.mean.clone(), stats.variance.clone(), w, null, { training }));
      const composite = run((x, w) => batchNormComposite(x, w, null, training ? null : stats, 1e-5));
      // the same ops on the same values: the first and second derivatives are bitwise equal
      fast.forEach((t, k) => expect(t.equals(composite[k]!)).toBe(true));
    });
  }
});
