// How steady the threaded kernels are from one repetition to the next: a 512×512 float32 matmul
// and one SGD step of the MLP 784-256-128-10 (batch 128, softmax cross-entropy, the compare
// suite's Strata workload), on 1 thread and on 2, with median, min, max and max/min.
//
// The configurations take turns in rounds of ROUND calls (1 thread, 2 threads, 1 thread, …)
// instead of running one block each: this host is shared, and a burst of load from elsewhere then
// hits both alike rather than whichever block it happened to fall in. Going down to one thread
// stops the helper, so each round starts with untimed calls after the helpers are ready again.
import { kernelOptions, kernelsReady, setKernelOptions } from "@strata/tensor";
import { mlpWorkload, productWorkload } from "./compare-workloads.js";
import { printTable, quick } from "./harness.js";

/** One workload on one thread count: the rate per repetition summarised. */
export interface Steadiness {
  workload: string;
  threads: number;
  unit: string;
  median: number;
  min: number;
  max: number;
  /** max / min of the rate: 1 is perfectly steady. */
  spread: number;
  reps: number;
}

const THREADS = [1, 2];
const REPS = quick ? 30 : 60;
const ROUND = 10;
const WARMUP = 3;

interface Workload {
  name: string;
  unit: string;
  /** Converts milliseconds per call into the workload's rate. */
  rate: (ms: number) => number;
  run: () => unknown;
}

function summarise(workload: Workload, threads: number, ms: number[]): Steadiness {
  const rates = ms.map(workload.rate).sort((a, b) => a - b);
  const [min, max] = [rates[0]!, rates.at(-1)!];
  const mid = rates.length >> 1;
  const median = rates.length % 2 === 1 ? rates[mid]! : (rates[mid - 1]! + rates[mid]!) / 2;
  return { workload: workload.name, threads, unit: workload.unit, median, min, max, spread: max / min, reps: rates.length };
}

/** Times `workload` on each thread count, taking turns round by round. */
async function measure(workload: Workload): Promise<Steadiness[]> {
  const samples = THREADS.map(() => [] as number[]);
  for (let done = 0; done < REPS; done += ROUND) {
    for (const [i, threads] of THREADS.entries()) {
      setKernelOptions({ threads });
      await kernelsReady();
      for (let w = 0; w < WARMUP; w++) workload.run();
      for (let rep = done; rep < Math.min(REPS, done + ROUND); rep++) {
        const t0 = performance.now();
        workload.run();
        samples[i]!.push(performance.now() - t0);
      }
    }
  }
  return THREADS.map((threads, i) => summarise(workload, threads, samples[i]!));
}

/** Runs the suite, prints a table and returns one row per workload and thread count. */
export async function run(): Promise<Steadiness[]> {
  const initial = kernelOptions().threads;
  const n = 512;
  const workloads: Workload[] = [
    { name: `matmul ${n}×${n} f32`, unit: "GFLOP/s", rate: (ms) => (2 * n ** 3) / (ms * 1e6), run: productWorkload(n, n, n, 7).strata.run },
    { name: "MLP 784-256-128-10 SGD step, batch 128", unit: "steps/s", rate: (ms) => 1000 / ms, run: mlpWorkload([784, 256, 128, 10], 128, 11).strata.run },
  ];
  const rows: Steadiness[] = [];
  try {
    for (const workload of workloads) rows.push(...(await measure(workload)));
  } finally {
    setKernelOptions({ threads: initial });
  }
  printTable(
    `steadiness: ${REPS} repetitions per row, thread counts taking turns`,
    ["workload", "threads", "unit", "median", "min", "max", "max/min"],
    rows.map((r) => [r.workload, String(r.threads), r.unit, r.median, r.min, r.max, r.spread]),
  );
  return rows;
}
