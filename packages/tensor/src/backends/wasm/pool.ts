// Helper threads that run the WebAssembly kernels on the shared memory, driven synchronously.
//
// Each helper instantiates the same module over the same memory and sleeps in Atomics.wait on the
// pool's generation word. A call writes its jobs (a kernel name and its numeric arguments each)
// into shared slots, opens every job for the new generation and wakes the helpers; then every
// thread, the calling one included, claims open jobs one at a time with a compare-and-swap until
// none is left, and the caller waits until all claimed jobs are done. The public API stays
// synchronous and no event-loop turn is needed.
//
// Claiming instead of handing job i to helper i is what keeps threaded calls steady: a helper
// that has not started yet (a browser starts a Worker only after the page returns to its event
// loop), or that wakes late because the machine is busy, simply leaves its job to the caller, so
// a call never takes longer than the caller doing everything alone plus one job's overlap.
// Results do not depend on which thread runs a job: jobs write disjoint parts of the memory.
//
// A claim word holds 2·generation while its job is open and 2·generation + 1 once taken, so a
// helper that wakes late for an old generation can never take a job of the current one.
import { platform as hostPlatform } from "#platform";
import type { HelperThread, Platform } from "../../platform/types.js";
import type { KernelExports, WasmRuntime } from "./runtime.js";

/** A kernel call: the name of an export and its arguments (integers and addresses). */
export interface Job {
  kernel: keyof KernelExports;
  args: number[];
}

/** How many calls of each kernel have been started; tests check the routing with it. @internal */
export const kernelRuns: Partial<Record<keyof KernelExports, number>> = {};

/**
 * Milliseconds spent inside {@link runParallel} since load: the benchmarks separate the kernels'
 * own time from staging, copying and allocating around them with it. @internal
 */
export const kernelClock = { ms: 0 };

// KernelPool.call passes exactly this many arguments
const MAX_ARGS = 16;
/** Jobs one call may pass. */
const MAX_JOBS = 64;
const SLOT = 2 + MAX_ARGS;
// Int32 words of the control block.
const GEN = 0;
const DONE = 1;
const FAILED = 2;
const COUNT = 3;
const HELPER_JOBS = 4;
const CLAIM = 8;
const READY = CLAIM + MAX_JOBS;
const WORDS = READY + MAX_JOBS;
// generations wrap well before 2·generation + 1 leaves the int32 range
const GENERATIONS = 1 << 29;
/**
 * Milliseconds the caller spins on the done word before it sleeps, where it may sleep: enough to
 * cover the usual gap between the caller's last job and a helper's, so the common case pays no
 * futex wake-up (and, on a busy machine, no wait to be scheduled again), short enough that a late
 * helper does not keep a core busy for nothing.
 */
const SPIN_MS = 0.2;

// Atomics.pause (where the engine has it) tells the core it is in a spin loop, which frees
// resources for a sibling hyperthread that may be running a helper.
const pause = (Atomics as unknown as { pause?: () => void }).pause;

const KERNELS: (keyof KernelExports)[] = [
  "workspaceBytes", "gemmF32", "gemmF64", "denseF32", "denseF64", "unaryF32", "unaryF64",
  "activationGradF32", "activationGradF64", "reduceRowsF32", "reduceRowsF64", "binaryF32", "binaryF64",
  "convForwardF32", "convForwardF64", "convInputF32", "convInputF64", "convWeightF32", "convWeightF64",
  "maxPoolF32", "maxPoolF64", "planesF32", "planesF64", "avgPoolF32", "avgPoolF64",
  "gemmBatchedF32", "gemmBatchedF64", "sgdF32", "sgdF64", "adamF32", "adamF64", "rmspropF32", "rmspropF64", "fusedF32", "fusedF64",
];

// The helper's code, as a function expression the platform wraps into a thread of its kind.
// Its loop allocates nothing: every kernel is called with all MAX_ARGS slot values (a wasm export
// ignores arguments beyond its parameters), because a list built per job filled the helper's young
// generation and its scavenges, up to 4 ms on a 2-core machine, stalled jobs in the middle of calls.
const helperBody = `(data, ready) => {
  const { module, memory, control, slots, kernels, index } = data;
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const words = new Int32Array(control);
  const args = new Float64Array(slots);
  Atomics.store(words, ${READY} + index, 1);
  ready();
  let gen = Atomics.load(words, ${GEN});
  for (;;) {
    Atomics.wait(words, ${GEN}, gen);
    gen = Atomics.load(words, ${GEN});
    const open = 2 * gen;
    const count = Atomics.load(words, ${COUNT});
    for (let k = 0; k < count; k++) {
      const i = (index + 1 + k) % count;
      if (Atomics.compareExchange(words, ${CLAIM} + i, open, open + 1) !== open) continue;
      try {
        const a = i * ${SLOT} + 2;
        exports[kernels[args[a - 2]]](${Array.from({ length: MAX_ARGS }, (_, k) => `args[a + ${k}]`).join(", ")});
      } catch (error) {
        Atomics.store(words, ${FAILED}, 1);
      }
      Atomics.add(words, ${HELPER_JOBS}, 1);
      if (Atomics.add(words, ${DONE}, 1) + 1 === count) Atomics.notify(words, ${DONE});
    }
  }
}`;

interface Helper {
  index: number;
  thread: HelperThread;
  /** Settles when the helper is ready or has failed to start. */
  started: Promise<void>;
}

/** How the calling thread waits for the helpers' jobs: "auto" sleeps where the host allows it. */
export type CallerWait = "auto" | "spin" | "sleep";

// A page that is not cross-origin isolated has no SharedArrayBuffer; it starts no helpers either,
// so its pool's words need not be shared.
const Shared: new (bytes: number) => ArrayBufferLike = typeof SharedArrayBuffer === "function" ? SharedArrayBuffer : ArrayBuffer;

/** The helpers serving one runtime, and the words and slots they share with the caller. @internal */
export class KernelPool {
  readonly words = new Int32Array(new Shared(4 * WORDS));
  readonly slots = new Float64Array(new Shared(8 * SLOT * MAX_JOBS));
  /** Helpers by index; threads − 1 of them once started. */
  readonly helpers: Helper[] = [];
  /** Jobs the calling thread has run. */
  callerJobs = 0;
  /** How the caller waits; tests force "spin" to take the path of a browser's main thread. */
  callerWait: CallerWait = "auto";
  /** Why the last helper that failed to start did, "" if none did. */
  lastFailure = "";
  private generation = 0;

  constructor(readonly host: Platform, readonly rt: WasmRuntime) {}

  /** Jobs helper threads have run. */
  get helperJobs(): number {
    return Atomics.load(this.words, HELPER_JOBS);
  }

  /** How many helpers have instantiated the kernels and wait for work. */
  readyHelpers(): number {
    let ready = 0;
    for (const helper of this.helpers) ready += Atomics.load(this.words, READY + helper.index);
    return ready;
  }

  /** Starts helpers until there are `threads − 1` (none where the host cannot share memory). */
  grow(threads: number): void {
    if (!this.host.threadsAvailable()) return;
    while (this.helpers.length < threads - 1) this.helpers.push(this.spawn(this.helpers.length));
  }

  /** Stops the helpers beyond `threads − 1`. Only called between calls, so none holds a job. */
  shrink(threads: number): void {
    for (const helper of this.helpers.splice(Math.max(0, threads - 1))) {
      Atomics.store(this.words, READY + helper.index, 0);
      helper.thread.terminate();
    }
  }

  /** Settles when every helper started so far is ready or has failed to start. */
  async ready(): Promise<void> {
    await Promise.all(this.helpers.map((h) => h.started));
  }

  private spawn(index: number): Helper {
    let settle = (): void => {};
    const started = new Promise<void>((resolve) => (settle = resolve));
    const data = {
      module: this.rt.module, memory: this.rt.memory, control: this.words.buffer as SharedArrayBuffer,
      slots: this.slots.buffer as SharedArrayBuffer, kernels: KERNELS as string[], index,
    };
    const thread = this.host.spawnHelper(helperBody, data, {
      ready: settle,
      failed: (reason) => {
        this.lastFailure = reason;
        settle();
      },
    });
    return { index, thread, started };
  }

  /** Runs `jobs` (at most 64, writing disjoint memory) and returns when all are done. */
  run(jobs: readonly Job[]): void {
    if (jobs.length > MAX_JOBS) throw new RangeError(`wasm kernels: ${jobs.length} jobs of ${jobs[0]!.kernel} in one call, at most ${MAX_JOBS}`);
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i]!;
      if (job.args.length > MAX_ARGS) throw new RangeError(`wasm kernels: ${job.kernel} takes at most ${MAX_ARGS} arguments, got ${job.args.length}`);
    }
    const ready = jobs.length > 1 ? this.readyHelpers() : 0;
    if (ready === 0) return this.runHere(jobs);
    const words = this.words;
    this.generation = (this.generation % GENERATIONS) + 1;
    const open = 2 * this.generation;
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i]!;
      this.slots[i * SLOT] = KERNELS.indexOf(job.kernel);
      this.slots[i * SLOT + 1] = job.args.length;
      this.slots.set(job.args, i * SLOT + 2);
    }
    Atomics.store(words, COUNT, jobs.length);
    Atomics.store(words, DONE, 0);
    Atomics.store(words, FAILED, 0);
    for (let i = 0; i < jobs.length; i++) Atomics.store(words, CLAIM + i, open);
    Atomics.store(words, GEN, this.generation);
    Atomics.notify(words, GEN, Math.min(ready, jobs.length - 1));
    let error: unknown;
    for (let i = 0; i < jobs.length; i++) {
      if (Atomics.compareExchange(words, CLAIM + i, open, open + 1) !== open) continue;
      // after a failure the remaining jobs are still claimed, so no helper starts one late
      if (error === undefined) {
        try {
          this.call(jobs[i]!);
        } catch (e) {
          error = e;
        }
      }
      Atomics.add(words, DONE, 1);
    }
    // the helpers' jobs are always waited for, so no job outlives the call that posted it
    this.awaitDone(jobs.length);
    if (error !== undefined) throw error;
    if (Atomics.load(words, FAILED) !== 0) throw new Error(`wasm kernels: ${jobs[0]!.kernel} failed in a helper thread`);
  }

  private runHere(jobs: readonly Job[]): void {
    for (let i = 0; i < jobs.length; i++) this.call(jobs[i]!);
  }

  // Like the helpers, the caller allocates nothing here: a garbage collection started inside a
  // call would hold up the helpers' jobs too. Arguments past a job's own are undefined and ignored.
  private call(job: Job): void {
    this.callerJobs += 1;
    const a = job.args;
    (this.rt.kernels[job.kernel] as (...args: unknown[]) => void)(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15]);
  }

  /** Returns once the done word reaches `count`: spinning, then sleeping where allowed. */
  private awaitDone(count: number): void {
    const words = this.words;
    const sleep = this.callerWait === "sleep" || (this.callerWait === "auto" && this.host.mayBlock());
    let done = Atomics.load(words, DONE);
    // a browser's main thread may not sleep (Atomics.wait throws there), so it spins to the end;
    // the jobs it waits for are already running on awake helpers
    const spinUntil = sleep ? performance.now() + SPIN_MS : Infinity;
    for (let i = 1; done !== count; i++) {
      if ((i & 255) === 0 && performance.now() > spinUntil) break;
      pause?.();
      done = Atomics.load(words, DONE);
    }
    while (done !== count) {
      Atomics.wait(words, DONE, done);
      done = Atomics.load(words, DONE);
    }
  }
}

// from STRATA_THREADS, else the host's parallelism (see backend.ts, which validates changes)
let threads = initialThreads();
// the runtime is created once per process, so one pool serves its one module and memory
let pool: KernelPool | undefined;

function initialThreads(): number {
  const fromEnv = Number(hostPlatform.setting("STRATA_THREADS"));
  return Number.isInteger(fromEnv) && fromEnv >= 1 && fromEnv <= 64 ? fromEnv : Math.min(Math.max(1, hostPlatform.defaultThreads()), 64);
}

/** The pool of `rt`, with its helpers started (they become ready in the background). @internal */
export function poolOf(rt: WasmRuntime): KernelPool {
  if (pool === undefined || pool.rt !== rt) pool = new KernelPool(hostPlatform, rt);
  pool.grow(threads);
  return pool;
}

/** How many threads (the calling one included) the kernels use. */
export function kernelThreads(): number {
  return threads;
}

/** Sets how many threads (the calling one included) the kernels use from now on. */
export function setKernelThreads(count: number): void {
  threads = count;
  pool?.shrink(count);
}

/**
 * Runs `jobs` at once, on this thread and on the helpers that are ready, and returns when all
 * are done. Jobs must write disjoint parts of the memory. Any number of jobs up to 64: those no
 * helper claims run here, so the result never waits for a helper still starting.
 */
export function runParallel(rt: WasmRuntime, jobs: readonly Job[]): void {
  const [first] = jobs;
  if (first === undefined) return;
  kernelRuns[first.kernel] = (kernelRuns[first.kernel] ?? 0) + 1;
  const start = performance.now();
  try {
    poolOf(rt).run(jobs);
  } finally {
    kernelClock.ms += performance.now() - start;
  }
}

/** Jobs helper threads have run since the package loaded (0 before any helper started). @internal */
export function helperJobsRun(): number {
  return pool?.helperJobs ?? 0;
}

/** Settles once the helpers `rt` wants are ready (or have failed to start). @internal */
export function helpersReady(rt: WasmRuntime): Promise<void> {
  return poolOf(rt).ready();
}
