// A training step of a character-level LSTM, the target of issue 18: Embedding(65, 64) →
// LSTM(64, 256, numLayers 2, batch first) → Linear(256, 65), batch 32, sequence 64, cross-entropy
// over every position, SGD (forward + backward + update), float32, one thread. Timed with the LSTM
// cells fused (the default) and composed from primitives, and against PyTorch 1.13 on one thread
// when `python3 -c "import torch"` works (bench/python/lstm_step.py). The embedding is a gather
// of a (65, 64) weight, which is what an Embedding layer computes. ms per step, medians.
// `--profile` runs a few fused steps alone, for `node --cpu-prof`; src/cpu-profile-summary.ts
// prints where their time went (see bench/README.md).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { crossEntropy, gather, reshape, variable } from "@strata/autograd";
import { LSTM, Linear } from "@strata/nn";
import { SGD } from "@strata/optim";
import { kernelOptions, randint, randn, rng, setKernelOptions, type Tensor } from "@strata/tensor";
import { useFusedCells } from "../../packages/autograd/src/cell-kernels.js";
import { printTable, quick, timingOf, timingPlan, type Timing } from "./harness.js";

/** Median and minimum ms per step for each path. */
export type RecurrentResults = Record<string, { median: number; min: number } | string>;

const [N, L, V, E, H] = [32, 64, 65, 64, 256];

function charLstmStep(): () => void {
  const r = rng(0);
  const embedding = variable(randn([V, E], { rng: r }), { requiresGrad: true });
  const lstm = new LSTM(E, H, { numLayers: 2, batchFirst: true, rng: r });
  const head = new Linear(H, V, { rng: r });
  const ids: Tensor = randint(0, V, [N, L], { rng: r });
  const targets: Tensor = randint(0, V, [N * L], { rng: r });
  const opt = new SGD([embedding, ...lstm.parameters(), ...head.parameters()], { lr: 0.1 });
  return () => {
    opt.zeroGrad();
    const [out] = lstm.forward(gather(embedding, ids));
    const loss = crossEntropy(head.forward(reshape(out, [N * L, H])), targets);
    loss.backward();
    opt.step();
  };
}

function pytorchStep(): { median: number; min: number } | string {
  const plan = timingPlan();
  const script = fileURLToPath(new URL("../python/lstm_step.py", import.meta.url));
  for (const python of ["python3", "/usr/bin/python3"]) {
    const run = spawnSync(python, [script, String(plan.warmup), String(plan.reps), String(plan.budgetMs)], { encoding: "utf8" });
    if (run.status !== 0) continue;
    const t = timingOf("pytorch", (JSON.parse(run.stdout) as { samplesMs: number[] }).samplesMs);
    return { median: t.medianMs, min: t.minMs };
  }
  return "not measured: no python3 that imports torch";
}

/** One sample of `fn` under the given cell kind and thread count, restoring both after. */
function sample(fn: () => void, fused: boolean, threads: number): number {
  const [wasFused, wasThreads] = [useFusedCells(fused), kernelOptions().threads];
  setKernelOptions({ threads });
  try {
    const t0 = performance.now();
    fn();
    return performance.now() - t0;
  } finally {
    useFusedCells(wasFused);
    setKernelOptions({ threads: wasThreads });
  }
}

export async function run(): Promise<RecurrentResults> {
  const reps = quick ? 3 : 10;
  const threads = kernelOptions().threads;
  // the three paths take turns, one step each, so that a busy moment of a shared machine falls
  // on all of them alike; each has its own model (built under its own choice of cells)
  const paths = [
    { name: "fused", fused: true, threads, step: charLstmStep(), samples: [] as number[] },
    { name: "composite", fused: false, threads, step: charLstmStep(), samples: [] as number[] },
    { name: "fused, 1 thread", fused: true, threads: 1, step: charLstmStep(), samples: [] as number[] },
  ];
  for (const p of paths) sample(p.step, p.fused, p.threads); // warm-up
  for (let i = 0; i < reps; i++) for (const p of paths) p.samples.push(sample(p.step, p.fused, p.threads));
  const [fused, composite, oneThread] = paths.map((p) => timingOf(p.name, p.samples)) as [Timing, Timing, Timing];
  const torch = pytorchStep();
  const results: RecurrentResults = {
    fused: { median: fused.medianMs, min: fused.minMs },
    composite: { median: composite.medianMs, min: composite.minMs },
    "fused, 1 thread": { median: oneThread.medianMs, min: oneThread.minMs },
    pytorch: torch,
  };
  const torchMs = typeof torch === "string" ? NaN : torch.median;
  printTable("char-LSTM training step (N 32, L 64, Embedding 65×64, LSTM 64→256 ×2, Linear 256→65), float32, ms per step: median (min)", [
    "composite cells", "fused cells", "speed-up", `fused, 1 thread (default ${threads})`, "PyTorch 1.13 (1 thread)", "fused 1 thread / PyTorch",
  ], [[`${composite.medianMs.toFixed(0)} (${composite.minMs.toFixed(0)})`, `${fused.medianMs.toFixed(0)} (${fused.minMs.toFixed(0)})`, composite.medianMs / fused.medianMs,
    `${oneThread.medianMs.toFixed(0)} (${oneThread.minMs.toFixed(0)})`, typeof torch === "string" ? torch : `${torch.median.toFixed(0)} (${torch.min.toFixed(0)})`, oneThread.medianMs / torchMs]]);
  return results;
}

if (process.argv.includes("--profile")) {
  const step = charLstmStep();
  for (let i = 0; i < 5; i++) step();
}
