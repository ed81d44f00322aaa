// Timing harness shared by every benchmark: warm-up, repetitions, median/min/max.

/** Timing of one workload, in milliseconds per call. */
export interface Timing {
  name: string;
  medianMs: number;
  minMs: number;
  maxMs: number;
  reps: number;
}

/** Whether `--quick` was passed: fewer repetitions, for a run under a minute. */
export const quick = process.argv.includes("--quick");

/**
 * Collects the garbage that earlier workloads left (where `node --expose-gc` allows it, as
 * `pnpm bench` runs), so that their collection does not fall inside the next workload's timing:
 * an eager op's garbage of 4 MB arrays, collected while a compiled call was timed, made that
 * call's median 3.6x its fastest.
 */
function settle(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * Times `fn` after `warmup` untimed calls; repeats until `reps` calls or `budgetMs` elapsed
 * (at least 3 calls).
 */
export function time(name: string, fn: () => unknown, options: { warmup?: number; reps?: number; budgetMs?: number; warmupMs?: number } = {}): Timing {
  const { warmup, reps, budgetMs, warmupMs } = { ...timingPlan(), ...options };
  settle();
  const warmStart = performance.now();
  for (let i = 0; i < warmup || (warmup > 0 && performance.now() - warmStart < warmupMs); i++) fn();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < reps && (samples.length < 3 || performance.now() - start < budgetMs)) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return timingOf(name, samples);
}

/** time() for a workload that can only be awaited: the same plan, timed around the await. */
export async function timeAsync(name: string, fn: () => Promise<unknown>): Promise<Timing> {
  const { warmup, reps, budgetMs, warmupMs } = timingPlan();
  settle();
  const warmStart = performance.now();
  for (let i = 0; i < warmup || (warmup > 0 && performance.now() - warmStart < warmupMs); i++) await fn();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < reps && (samples.length < 3 || performance.now() - start < budgetMs)) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return timingOf(name, samples);
}

/**
 * The harness's defaults (fewer with `--quick`): warm-up calls, continued until `warmupMs` have
 * passed, then repetitions within a time budget. A framework that times itself in a process of
 * its own is given the same. The warm-up is timed because this host speeds up over the first
 * fraction of a second of a kernel's use: a fused a·b + c on 1e6 resident floats took 950 µs
 * after 5 calls, 280 after 300 ms of calls and 245 after 3 s.
 */
export function timingPlan(): { warmup: number; reps: number; budgetMs: number; warmupMs: number } {
  return quick ? { warmup: 1, reps: 5, budgetMs: 500, warmupMs: 100 } : { warmup: 3, reps: 15, budgetMs: 3000, warmupMs: 500 };
}

/** Median, extremes and count of per-call times in milliseconds. */
export function timingOf(name: string, samplesMs: readonly number[]): Timing {
  const samples = [...samplesMs].sort((a, b) => a - b);
  return { name, medianMs: samples[Math.floor(samples.length / 2)]!, minMs: samples[0]!, maxMs: samples.at(-1)!, reps: samples.length };
}

/** Prints rows as an aligned table. */
export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === "number" ? format(c) : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? "").length)));
  console.log(`\n${title}`);
  for (const [k, r] of cells.entries()) {
    console.log(r.map((c, i) => String(c).padStart(widths[i]!)).join("  "));
    if (k === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
  }
}

function format(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2);
}
