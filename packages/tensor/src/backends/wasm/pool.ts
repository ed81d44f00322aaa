// Worker threads that run the WebAssembly kernels on the shared memory, driven synchronously.
//
// Each worker instantiates the same module over the same memory and sleeps in Atomics.wait on its
// own job counter. The main thread writes a job (a kernel name and its numeric arguments) into
// the worker's slots, bumps the counter, runs its own share of the work and then waits for every
// worker's done counter: the public API stays synchronous and no event-loop turn is needed.
// Spinning on the counters for a few microseconds before sleeping was tried (4,000 and 20,000
// checks): training steps were no faster, so helpers go straight to sleep.
// The worker's code is a string evaluated by Node, so it runs the same from TypeScript sources
// (vitest, tsx) and from compiled JavaScript.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { KernelExports, WasmRuntime } from "./runtime.js";

/** A kernel call: the name of an export and its arguments (integers and addresses). */
export interface Job {
  kernel: keyof KernelExports;
  args: number[];
}

/** How many calls of each kernel have been started; tests check the routing with it. @internal */
export const kernelRuns: Partial<Record<keyof KernelExports, number>> = {};

const MAX_ARGS = 16;
// Int32 control words per worker: job counter, done counter, failure flag.
const JOB = 0;
const DONE = 1;
const FAILED = 2;
const KERNELS: (keyof KernelExports)[] = [
  "workspaceBytes", "gemmF32", "gemmF64", "denseF32", "denseF64", "unaryF32", "unaryF64",
  "activationGradF32", "activationGradF64", "reduceRowsF32", "reduceRowsF64", "binaryF32", "binaryF64",
];

const workerSource = `
const { workerData } = require("node:worker_threads");
const { module, memory, control, slots, kernels } = workerData;
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
const words = new Int32Array(control);
const args = new Float64Array(slots);
let seen = 0;
for (;;) {
  Atomics.wait(words, ${JOB}, seen);
  seen = Atomics.load(words, ${JOB});
  try {
    const count = args[1];
    const list = [];
    for (let i = 0; i < count; i++) list.push(args[2 + i]);
    exports[kernels[args[0]]](...list);
  } catch (error) {
    Atomics.store(words, ${FAILED}, 1);
  }
  Atomics.store(words, ${DONE}, seen);
  Atomics.notify(words, ${DONE});
}
`;

interface Helper {
  worker: Worker;
  words: Int32Array;
  args: Float64Array;
  job: number;
}

// the runtime is created once per process, so the helpers serve the one module and memory
let helpers: Helper[] = [];
// from STRATA_THREADS, else the machine's parallelism (see backend.ts, which validates changes)
let threads = initialThreads();

function initialThreads(): number {
  const fromEnv = Number(process.env["STRATA_THREADS"]);
  return Number.isInteger(fromEnv) && fromEnv >= 1 && fromEnv <= 64 ? fromEnv : Math.min(availableParallelism(), 64);
}

/** How many threads (the main one included) the kernels use. */
export function kernelThreads(): number {
  return threads;
}

/** Sets how many threads (the main one included) the kernels use from now on. */
export function setKernelThreads(count: number): void {
  threads = count;
  if (helpers.length > count - 1) {
    for (const helper of helpers.splice(count - 1)) void helper.worker.terminate();
  }
}

function spawn(rt: WasmRuntime): Helper {
  const control = new SharedArrayBuffer(4 * 4);
  const slots = new SharedArrayBuffer(8 * (2 + MAX_ARGS));
  const worker = new Worker(workerSource, {
    eval: true,
    workerData: { module: rt.module, memory: rt.memory, control, slots, kernels: KERNELS },
  });
  // a sleeping helper must not keep the process alive
  worker.unref();
  return { worker, words: new Int32Array(control), args: new Float64Array(slots), job: 0 };
}

/** The helper threads (threads − 1 of them), started on first use. */
function helpersOf(rt: WasmRuntime): Helper[] {
  while (helpers.length < threads - 1) helpers.push(spawn(rt));
  return helpers;
}

function post(helper: Helper, job: Job): void {
  if (job.args.length > MAX_ARGS) throw new RangeError(`wasm kernels: ${job.kernel} takes at most ${MAX_ARGS} arguments`);
  helper.args[0] = KERNELS.indexOf(job.kernel);
  helper.args[1] = job.args.length;
  helper.args.set(job.args, 2);
  helper.job += 1;
  Atomics.store(helper.words, JOB, helper.job);
  Atomics.notify(helper.words, JOB);
}

/** Waits for `helper`'s current job; whether it failed. */
function awaitDone(helper: Helper): boolean {
  while (Atomics.load(helper.words, DONE) !== helper.job) Atomics.wait(helper.words, DONE, helper.job - 1);
  return Atomics.exchange(helper.words, FAILED, 0) !== 0;
}

/**
 * Runs `jobs` at once: the first on this thread, each other on a helper thread, and returns when
 * all are done. Jobs must write disjoint parts of the memory. At most `kernelThreads()` jobs.
 */
export function runParallel(rt: WasmRuntime, jobs: readonly Job[]): void {
  const pool = jobs.length > 1 ? helpersOf(rt) : [];
  if (jobs.length > pool.length + 1) throw new RangeError(`wasm kernels: ${jobs.length} jobs for ${pool.length + 1} threads`);
  for (let i = 1; i < jobs.length; i++) post(pool[i - 1]!, jobs[i]!);
  const [own] = jobs;
  if (own) kernelRuns[own.kernel] = (kernelRuns[own.kernel] ?? 0) + 1;
  let error: unknown;
  try {
    if (own) (rt.kernels[own.kernel] as (...args: number[]) => void)(...own.args);
  } catch (e) {
    error = e;
  }
  // the helpers are always waited for, so no job outlives the call that posted it
  const failed = jobs.filter((job, i) => i > 0 && awaitDone(pool[i - 1]!));
  if (error !== undefined) throw error;
  if (failed.length > 0) throw new Error(`wasm kernels: ${failed[0]!.kernel} failed in a worker thread`);
}
