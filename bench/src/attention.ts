// The transformer workload of issue 18: one training step (forward, Σ y·g backward, SGD) of a
// 2-layer TransformerEncoder, d 128, 4 heads, feed-forward 512, sequence 64, batch 32, float32
// (attention-step.ts), with dropout 0.1 (PyTorch's default) and 0; Strata on its default threads
// and on one (the comparison with PyTorch and the JavaScript peers, from the same weights, is the
// compare suite's transformer row: `--only compare --rows transformer`). Then layerNorm as one op against its composite at the
// workload's shape (32·64 rows of 128), forward + backward to x, weight and bias. ms, medians.
import { gradients, layerNorm, mul, sum, variable, type Variable } from "@strata/autograd";
import { kernelOptions, randn, rng, setKernelOptions, type Tensor } from "@strata/tensor";
import { layerNormComposite } from "../../packages/autograd/src/layer-norm-composite.js";
import { WORKLOAD, transformerStep } from "./attention-step.js";
import { printTable, quick, time } from "./harness.js";

/** Median and minimum milliseconds per workload and path. */
export type AttentionResults = Record<string, { median: number; min: number } | string>;

function layerNormStep(composite: boolean, xt: Tensor, wt: Tensor, bt: Tensor, gy: Tensor): () => void {
  return () => {
    const [x, w, b] = [xt, wt, bt].map((t) => variable(t, { requiresGrad: true })) as [Variable, Variable, Variable];
    const y = composite ? layerNormComposite(x, 1, w, b, 1e-5) : layerNorm(x, [xt.shape.at(-1)!], w, b);
    gradients([sum(mul(y, gy))], [x, w, b]);
  };
}

export async function run(): Promise<AttentionResults> {
  const results: AttentionResults = {};
  const options = { reps: quick ? 3 : 10, budgetMs: quick ? 3000 : 15000 };
  const threads = kernelOptions().threads;
  const rows: (string | number)[][] = [];
  for (const dropout of [0.1, 0]) {
    const row: (string | number)[] = [`dropout ${dropout}`];
    for (const t of [threads, 1]) {
      setKernelOptions({ threads: t });
      const { step } = transformerStep({ dropout });
      const timing = time(`transformer step, dropout ${dropout}, ${t} threads`, step, { ...options, warmup: 2 });
      results[`step dropout ${dropout}, Strata ${t} threads`] = { median: timing.medianMs, min: timing.minMs };
      row.push(timing.medianMs);
    }
    setKernelOptions({ threads });
    rows.push(row);
  }
  printTable(`2-layer TransformerEncoder training step (d ${WORKLOAD.dModel}, ${WORKLOAD.nhead} heads, ff ${WORKLOAD.dimFeedforward}, seq ${WORKLOAD.seq}, batch ${WORKLOAD.batch}), float32, ms per step (medians)`, [
    "workload", `Strata ${threads} threads`, "Strata 1 thread",
  ], rows);

  const r = rng(2);
  const shape = [WORKLOAD.batch, WORKLOAD.seq, WORKLOAD.dModel];
  const [xt, gy, wt, bt] = [randn(shape, { rng: r, mean: 1 }), randn(shape, { rng: r }), randn([WORKLOAD.dModel], { rng: r, mean: 1 }), randn([WORKLOAD.dModel], { rng: r })];
  const lnOptions = { reps: quick ? 10 : 30, budgetMs: quick ? 1000 : 4000 };
  const composite = time("layerNorm composite", layerNormStep(true, xt!, wt!, bt!, gy!), lnOptions);
  const op = time("layerNorm one op", layerNormStep(false, xt!, wt!, bt!, gy!), lnOptions);
  results["layerNorm composite"] = { median: composite.medianMs, min: composite.minMs };
  results["layerNorm one op"] = { median: op.medianMs, min: op.minMs };
  printTable("layerNorm over the last axis of (32, 64, 128), float32, forward + backward to x, weight, bias, ms (medians)", [
    "composite", "one op", "speed-up",
  ], [[composite.medianMs, op.medianMs, composite.medianMs / op.medianMs]]);
  return results;
}
