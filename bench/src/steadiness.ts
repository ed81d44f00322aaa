// How steady the threaded kernels are from one repetition to the next: a 512×512 float32 matmul
// and one SGD step of the MLP 784-256-128-10 (batch 128, softmax cross-entropy, the compare
// suite's Strata workload), on 1 thread and on 2, with median, min, max and max/min of the rate.
//
// Each repetition is also split into the time spent inside the kernels' thread pool (runParallel:
// the threaded part) and the rest (staging operands, copying results out, allocating outputs,
// the TypeScript ops, garbage collection), and its minor page faults are counted: on this
// benchmark's VM a first touch of a fresh 4 KiB page costs about 15 µs, so a 1 MiB output
// allocated from memory that malloc had returned to the kernel takes 3–4 ms to fill, and that, not
// the threads, is where much of the spread came from (see bench/README.md, "Steadiness"). The
// main thread's garbage-collection pauses inside each repetition are measured too, and a control
// row (a plain loop, no kernels, no allocation) shows how much the host itself moves.
//
// The configurations take turns in rounds of ROUND calls (1 thread, 2 threads, 1 thread, …)
// instead of running one block each: this host is shared, and a burst of load from elsewhere then
// hits both alike rather than whichever block it happened to fall in. Going down to one thread
// stops the helper, so each round starts with untimed calls after the helpers are ready again.
import { PerformanceObserver } from "node:perf_hooks";
import { kernelOptions, kernelsReady, setKernelOptions } from "@strata/tensor";
import { kernelClock } from "../../packages/tensor/src/backends/wasm/pool.js";
import { mlpWorkload, productWorkload } from "./compare-workloads.js";
import { printTable, quick } from "./harness.js";

/** A sample's median, extremes and max/min. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  /** max / min: 1 is perfectly steady. */
  ratio: number;
}

/** One workload on one thread count. */
export interface Steadiness {
  workload: string;
  threads: number;
  unit: string;
  /** The workload's rate per repetition (GFLOP/s or steps/s). */
  rate: Spread;
  /** Milliseconds per repetition inside the kernels' thread pool. */
  kernelMs: Spread;
  /** The rate with the main thread's garbage-collection pauses taken out of each repetition. */
  rateWithoutGc: Spread;
  /** Milliseconds of garbage-collection pause per repetition. */
  gcMs: Spread;
  /** Minor page faults per repetition, median. */
  faults: number;
  reps: number;
}

const THREADS = [1, 2];
const REPS = quick ? 30 : 60;
const ROUND = 10;
const WARMUP = 20;
const INITIAL = 200;

interface Workload {
  name: string;
  unit: string;
  /** Converts milliseconds per call into the workload's rate. */
  rate: (ms: number) => number;
  run: () => unknown;
}

function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const [min, max] = [sorted[0]!, sorted.at(-1)!];
  return { median, min, max, ratio: max / min };
}

interface Samples {
  /** Each repetition's start and end (performance.now()). */
  spans: [number, number][];
  ms: number[];
  kernelMs: number[];
  faults: number[];
}

/** Times `workload` on each thread count, taking turns round by round. */
async function measure(workload: Workload): Promise<Steadiness[]> {
  const samples: Samples[] = THREADS.map(() => ({ spans: [], ms: [], kernelMs: [], faults: [] }));
  // steady state first: the first few hundred calls grow V8's young generation and malloc's heap
  // to their working sizes, page-faulting as they go, which a long training run pays once
  for (let w = 0; w < INITIAL; w++) workload.run();
  const pauses: [number, number][] = [];
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) pauses.push([e.startTime, e.startTime + e.duration]);
  });
  gc.observe({ entryTypes: ["gc"] });
  for (let done = 0; done < REPS; done += ROUND) {
    for (const [i, threads] of THREADS.entries()) {
      setKernelOptions({ threads });
      await kernelsReady();
      for (let w = 0; w < WARMUP; w++) workload.run();
      for (let rep = done; rep < Math.min(REPS, done + ROUND); rep++) {
        const [faults0, kernel0] = [process.resourceUsage().minorPageFault, kernelClock.ms];
        const t0 = performance.now();
        workload.run();
        const t1 = performance.now();
        samples[i]!.spans.push([t0, t1]);
        samples[i]!.ms.push(t1 - t0);
        samples[i]!.kernelMs.push(kernelClock.ms - kernel0);
        samples[i]!.faults.push(process.resourceUsage().minorPageFault - faults0);
      }
    }
  }
  // gc entries are delivered after the event loop turns
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc.disconnect();
  return THREADS.map((threads, i) => {
    const { spans, ms, kernelMs, faults } = samples[i]!;
    const gcMs = spans.map(([t0, t1]) => pauses.reduce((sum, [g0, g1]) => sum + Math.max(0, Math.min(t1, g1) - Math.max(t0, g0)), 0));
    return {
      workload: workload.name, threads, unit: workload.unit, rate: spread(ms.map(workload.rate)),
      rateWithoutGc: spread(ms.map((m, r) => workload.rate(m - gcMs[r]!))), gcMs: spread(gcMs),
      kernelMs: spread(kernelMs), faults: spread(faults).median, reps: ms.length,
    };
  });
}

const CONTROL_OPS = 4_000_000;
const controlData = Float64Array.from({ length: 4096 }, (_, i) => i % 7);
let controlSink = 0;

// About as long as the product on one thread, with nothing but arithmetic in it.
function controlLoop(): number {
  let sum = 0;
  for (let i = 0; i < CONTROL_OPS; i++) sum += controlData[i & 4095]! * 0.5;
  controlSink += sum;
  return controlSink;
}

/** Runs the suite, prints a table and returns one row per workload and thread count. */
export async function run(): Promise<Steadiness[]> {
  const initial = kernelOptions().threads;
  const n = 512;
  const workloads: Workload[] = [
    // the control: one thread, no kernels, no allocation; its spread is the host's own
    { name: "control: JS loop, no allocation", unit: "Gop/s", rate: (ms) => CONTROL_OPS / (ms * 1e6), run: controlLoop },
    { name: `matmul ${n}×${n} f32`, unit: "GFLOP/s", rate: (ms) => (2 * n ** 3) / (ms * 1e6), run: productWorkload(n, n, n, 7).strata.run },
    { name: "MLP 784-256-128-10 SGD step, batch 128", unit: "steps/s", rate: (ms) => 1000 / ms, run: mlpWorkload([784, 256, 128, 10], 128, 11).strata.run },
    { name: "the same MLP step, compiled", unit: "steps/s", rate: (ms) => 1000 / ms, run: mlpWorkload([784, 256, 128, 10], 128, 11, "compiled").strata.run },
  ];
  const rows: Steadiness[] = [];
  try {
    for (const workload of workloads) rows.push(...(await measure(workload)));
  } finally {
    setKernelOptions({ threads: initial });
  }
  printTable(
    `steadiness: ${REPS} repetitions per row, thread counts taking turns; kernel ms = inside the thread pool`,
    ["workload", "threads", "unit", "median", "min", "max", "max/min", "max/min without GC", "GC ms max", "kernel ms median", "kernel max/min", "page faults"],
    rows.map((r) => [r.workload, String(r.threads), r.unit, r.rate.median, r.rate.min, r.rate.max, r.rate.ratio, r.rateWithoutGc.ratio, r.gcMs.max, r.kernelMs.median, r.kernelMs.ratio, r.faults]),
  );
  return rows;
}
