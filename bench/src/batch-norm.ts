// batchNorm at the sizes of examples/mnist-cnn (batch 128, float32): BatchNorm2d(16) on
// (128, 16, 24, 24) and BatchNorm2d(32) on (128, 32, 8, 8), training mode, forward + backward to
// the input, weight and bias, as one training step does; the composite (the formula from
// elementwise primitives, what batchNorm ran before its kernels) against batchNorm's fast path;
// and the evaluation forward. ms per call, medians.
import { batchNorm, mul, sum, variable, type Variable } from "@strata/autograd";
import { ones, randn, rng, zeros, type Tensor } from "@strata/tensor";
import { batchNormComposite } from "../../packages/autograd/src/batch-norm-composite.js";
import { printTable, quick, time } from "./harness.js";

/** Median and minimum milliseconds per workload and path. */
export type BatchNormResults = Record<string, Record<string, { median: number; min: number }>>;

const LAYERS: [string, number[]][] = [
  ["BatchNorm2d(16) on (128,16,24,24)", [128, 16, 24, 24]],
  ["BatchNorm2d(32) on (128,32,8,8)", [128, 32, 8, 8]],
];

function step(forward: (x: Variable, w: Variable, b: Variable) => Variable, xt: Tensor, wt: Tensor, bt: Tensor, gy: Tensor): () => void {
  return () => {
    const [x, w, b] = [variable(xt, { requiresGrad: true }), variable(wt, { requiresGrad: true }), variable(bt, { requiresGrad: true })];
    sum(mul(forward(x, w, b), gy)).backward();
  };
}

export async function run(): Promise<BatchNormResults> {
  const results: BatchNormResults = {};
  const rows: (string | number)[][] = [];
  const options = { reps: quick ? 10 : 30, budgetMs: quick ? 1000 : 4000 };
  for (const [label, shape] of LAYERS) {
    const r = rng(1);
    const c = shape[1]!;
    const [xt, gy] = [randn(shape, { rng: r, mean: 0.5 }), randn(shape, { rng: r })];
    const [wt, bt] = [randn([c], { rng: r, mean: 1 }), randn([c], { rng: r })];
    const [rm, rv] = [zeros([c]), ones([c])];
    // the product with gy costs the same in both; timed alone so that it can be told apart
    const seedOnly = time(`${label} Σ y·g alone`, step((x) => x, xt, wt, bt, gy), options);
    const composite = time(`${label} composite`, step((x, w, b) => batchNormComposite(x, w, b, null, 1e-5), xt, wt, bt, gy), options);
    const fast = time(`${label} fast`, step((x, w, b) => batchNorm(x, rm, rv, w, b, { training: true }), xt, wt, bt, gy), options);
    const evalComposite = time(`${label} eval composite`, () => batchNormComposite(variable(xt), wt, bt, { mean: rm, variance: rv }, 1e-5), options);
    const evalFast = time(`${label} eval fast`, () => batchNorm(variable(xt), rm, rv, wt, bt), options);
    results[label] = {
      "Σ y·g alone": { median: seedOnly.medianMs, min: seedOnly.minMs },
      composite: { median: composite.medianMs, min: composite.minMs },
      fast: { median: fast.medianMs, min: fast.minMs },
      "eval composite": { median: evalComposite.medianMs, min: evalComposite.minMs },
      "eval fast": { median: evalFast.medianMs, min: evalFast.minMs },
    };
    rows.push([label, composite.medianMs, fast.medianMs, composite.medianMs / fast.medianMs, seedOnly.medianMs, evalComposite.medianMs, evalFast.medianMs]);
  }
  printTable("batchNorm, float32, ms per call (medians)", [
    "layer", "train fwd+bwd composite", "fast", "speed-up", "of which Σ y·g", "eval fwd composite", "eval fast",
  ], rows);
  return results;
}
