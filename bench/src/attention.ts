// The transformer workload of issue 18: one training step (forward, Σ y·g backward, SGD) of a
// 2-layer TransformerEncoder, d 128, 4 heads, feed-forward 512, sequence 64, batch 32, float32
// (attention-step.ts), with dropout 0.1 (PyTorch's default) and 0; Strata on its default threads
// and on one, and PyTorch on one thread in a Python process of its own when python3 imports torch
// (bench/python/transformer_step.py). Then layerNorm as one op against its composite at the
// workload's shape (32·64 rows of 128), forward + backward to x, weight and bias. ms, medians.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gradients, layerNorm, mul, sum, variable, type Variable } from "@strata/autograd";
import { kernelOptions, randn, rng, setKernelOptions, type Tensor } from "@strata/tensor";
import { layerNormComposite } from "../../packages/autograd/src/layer-norm-composite.js";
import { WORKLOAD, transformerStep } from "./attention-step.js";
import { printTable, quick, time, timingOf, timingPlan } from "./harness.js";

/** Median and minimum milliseconds per workload and path. */
export type AttentionResults = Record<string, { median: number; min: number } | string>;

/** PyTorch's step times on one thread, or why there are none. */
function pytorchStep(dropout: number): { median: number; min: number } | string {
  const script = fileURLToPath(new URL("../python/transformer_step.py", import.meta.url));
  const python = process.env.STRATA_PYTHON ?? "/usr/bin/python3";
  const dir = mkdtempSync(join(tmpdir(), "strata-transformer-"));
  try {
    const file = join(dir, "spec.json");
    writeFileSync(file, JSON.stringify({ ...timingPlan(), ...WORKLOAD, dropout }));
    const out = spawnSync(python, [script, file], { encoding: "utf8", env: { ...process.env, OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" }, timeout: 600_000 });
    if (out.status !== 0) return `not measured: ${(out.stderr || out.error?.message || "").trim().split("\n").at(-1)}`;
    const result = JSON.parse(out.stdout) as { samples: number[]; threads: number };
    const t = timingOf("pytorch", result.samples);
    return { median: t.medianMs, min: t.minMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

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
    const torch = pytorchStep(dropout);
    results[`step dropout ${dropout}, PyTorch 1 thread`] = torch;
    row.push(typeof torch === "string" ? torch : torch.median);
    if (typeof torch !== "string") row.push(torch.median / (row[2] as number));
    rows.push(row);
  }
  printTable(`2-layer TransformerEncoder training step (d ${WORKLOAD.dModel}, ${WORKLOAD.nhead} heads, ff ${WORKLOAD.dimFeedforward}, seq ${WORKLOAD.seq}, batch ${WORKLOAD.batch}), float32, ms per step (medians)`, [
    "workload", `Strata ${threads} threads`, "Strata 1 thread", "PyTorch 1 thread", "PyTorch / Strata (1 thread)",
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
