// A training step of a character-level LSTM, the target of issue 18: Embedding(65, 64) →
// LSTM(64, 256, numLayers 2, batch first) → Linear(256, 65), batch 32, sequence 64, cross-entropy
// over every position, SGD (forward + backward + update), float32, one thread. Timed with the LSTM
// cells fused (the default) and composed from primitives, on the default threads and on one.
// The comparison with PyTorch and the JavaScript peers, from the same weights, is the compare
// suite's LSTM row (`--only compare --rows lstm`). ms per step, medians.
// `--profile` runs a few fused steps alone, for `node --cpu-prof`; src/cpu-profile-summary.ts
// prints where their time went (see bench/README.md).
import { kernelOptions, setKernelOptions } from "@strata/tensor";
import { lstmLmSpec } from "./seq-specs.js";
import { strataSeqStep } from "./seq-strata.js";
import { useFusedCells } from "../../packages/autograd/src/cell-kernels.js";
import { printTable, quick, timingOf, type Timing } from "./harness.js";

/** Median and minimum ms per step for each path. */
export type RecurrentResults = Record<string, { median: number; min: number } | string>;

/** The compare suite's LSTM LM step (the same model, sizes and weights), as a function to time. */
function charLstmStep(): () => void {
  const step = strataSeqStep(lstmLmSpec(0));
  return () => void step.run();
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
  const results: RecurrentResults = {
    fused: { median: fused.medianMs, min: fused.minMs },
    composite: { median: composite.medianMs, min: composite.minMs },
    "fused, 1 thread": { median: oneThread.medianMs, min: oneThread.minMs },
  };
  printTable("char-LSTM training step (N 32, L 64, Embedding 65×64, LSTM 64→256 ×2, Linear 256→65), float32, ms per step: median (min)", [
    "composite cells", "fused cells", "speed-up", `fused, 1 thread (default ${threads})`,
  ], [[`${composite.medianMs.toFixed(0)} (${composite.minMs.toFixed(0)})`, `${fused.medianMs.toFixed(0)} (${fused.minMs.toFixed(0)})`, composite.medianMs / fused.medianMs,
    `${oneThread.medianMs.toFixed(0)} (${oneThread.minMs.toFixed(0)})`]]);
  return results;
}

if (process.argv.includes("--profile")) {
  const step = charLstmStep();
  for (let i = 0; i < 5; i++) step();
}
