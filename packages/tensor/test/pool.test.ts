// The kernels' thread pool (src/backends/wasm/pool.ts) on its own: a product C = A·B split into
// row blocks, one job each, run by pools whose helpers are ready, not yet started, failed, or
// fewer than the jobs, and with the caller spinning as a browser's main thread must. Every
// result is checked against a float64 product computed here and, bit for bit, against the same
// jobs run on the calling thread alone (which thread runs a job must not change what it writes).
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { KernelPool, type Job } from "../src/backends/wasm/pool.js";
import { memoryViews, resetArena, takeArena, wasmRuntime, type WasmRuntime } from "../src/backends/wasm/runtime.js";
import { platform as nodePlatform } from "../src/platform/node.js";
import type { Platform } from "../src/platform/types.js";
import { pseudoRandom } from "./reference.js";

const rt = wasmRuntime()!;
const pools: KernelPool[] = [];

/** A pool on `host`, remembered so that its helpers are stopped after the tests. */
function poolOn(host: Platform, threads: number): KernelPool {
  const pool = new KernelPool(host, rt);
  pools.push(pool);
  pool.grow(threads);
  return pool;
}
afterAll(() => {
  for (const pool of pools) pool.shrink(1);
});

/** A host whose helpers never report back: a browser's Workers before the page yields. */
const neverStarting: Platform = { ...nodePlatform, spawnHelper: () => ({ terminate: () => {} }) };
/** A host whose helpers fail to start. */
const failing: Platform = { ...nodePlatform, spawnHelper: (_body, _data, events) => {
  events.failed("Worker is not allowed here");
  return { terminate: () => {} };
} };

interface Product {
  m: number;
  n: number;
  k: number;
  jobs: Job[];
  /** C as the kernels left it, copied out of the memory. */
  read: () => Float32Array;
  /** C in float64, summed here. */
  reference: Float64Array;
}

/** C = A·B (m × k times k × n, float32) staged in the memory and split into `blocks` row blocks. */
function product(runtime: WasmRuntime, m: number, n: number, k: number, blocks: number, seed: number): Product {
  resetArena();
  const a = Float32Array.from(pseudoRandom(m * k, seed));
  const b = Float32Array.from(pseudoRandom(k * n, seed + 1));
  const [at, bt, ct] = [takeArena(runtime, 4 * m * k), takeArena(runtime, 4 * k * n), takeArena(runtime, 4 * m * n)];
  memoryViews(runtime).f32.set(a, at / 4);
  memoryViews(runtime).f32.set(b, bt / 4);
  memoryViews(runtime).f32.fill(NaN, ct / 4, ct / 4 + m * n);
  // row blocks of a multiple of 4 rows (the kernel's tile height), the last one shorter
  const step = Math.ceil(m / blocks / 4) * 4;
  const jobs: Job[] = [];
  for (let i0 = 0; i0 < m; i0 += step) {
    const rows = Math.min(step, m - i0);
    const ws = takeArena(runtime, runtime.kernels.workspaceBytes(4));
    jobs.push({ kernel: "gemmF32", args: [rows, n, k, at + 4 * i0 * k, k, 1, bt, n, 1, ct + 4 * i0 * n, n, ws] });
  }
  const key = `${m} ${n} ${k} ${seed}`;
  if (!references.has(key)) {
    const reference = new Float64Array(m * n);
    for (let i = 0; i < m; i++) {
      for (let p = 0; p < k; p++) {
        for (let j = 0; j < n; j++) reference[i * n + j]! += a[i * k + p]! * b[p * n + j]!;
      }
    }
    references.set(key, reference);
  }
  return { m, n, k, jobs, reference: references.get(key)!, read: () => memoryViews(runtime).f32.slice(ct / 4, ct / 4 + m * n) };
}
const references = new Map<string, Float64Array>();

/** The product's jobs run one after another on this thread, without any pool. */
function onCallerAlone(p: Product): Float32Array {
  for (const job of p.jobs) (rt.kernels[job.kernel] as (...args: number[]) => void)(...job.args);
  return p.read();
}

function expectProduct(got: Float32Array, p: Product, alone: Float32Array, label: string): void {
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - p.reference[i]!) / (1 + Math.abs(p.reference[i]!)));
  // float32 sums of k products of values in [-1, 1]
  expect(worst, label).toBeLessThan(1e-5 * p.k);
  expect(got.every((x, i) => Object.is(x, alone[i])), `${label}: bit for bit the caller-alone result`).toBe(true);
}

afterEach(() => vi.restoreAllMocks());

describe("the kernel pool", () => {
  it("runs every job on the calling thread while no helper has started", () => {
    const pool = poolOn(neverStarting, 4);
    expect([pool.helpers.length, pool.readyHelpers()]).toEqual([3, 0]);
    const alone = onCallerAlone(product(rt, 70, 33, 50, 5, 1));
    const p = product(rt, 70, 33, 50, 5, 1);
    pool.run(p.jobs);
    expect([pool.callerJobs, pool.helperJobs]).toEqual([p.jobs.length, 0]);
    expectProduct(p.read(), p, alone, "no helper started");
  });

  it("runs on the calling thread when helpers fail to start, and says why", async () => {
    const pool = poolOn(failing, 3);
    await pool.ready();
    expect(pool.lastFailure).toBe("Worker is not allowed here");
    expect(pool.readyHelpers()).toBe(0);
    const alone = onCallerAlone(product(rt, 40, 24, 36, 3, 2));
    const p = product(rt, 40, 24, 36, 3, 2);
    pool.run(p.jobs);
    expect(pool.callerJobs).toBe(3);
    expectProduct(p.read(), p, alone, "failed helpers");
  });

  it("shares more jobs than threads between ready helpers and the caller, bit for bit", async () => {
    const pool = poolOn(nodePlatform, 3);
    await pool.ready();
    expect(pool.readyHelpers()).toBe(2);
    const alone = onCallerAlone(product(rt, 203, 96, 128, 7, 3));
    let jobs = 0;
    for (let call = 0; call < 40; call++) {
      const p = product(rt, 203, 96, 128, 7, 3);
      pool.run(p.jobs);
      jobs += p.jobs.length;
      expectProduct(p.read(), p, alone, `call ${call}`);
    }
    expect(pool.callerJobs + pool.helperJobs).toBe(jobs);
    // 40 calls of 7 jobs of about 0.3 ms each: the helpers wake within that many times over
    expect(pool.helperJobs, "jobs run by helper threads").toBeGreaterThan(0);
    expect(pool.callerJobs, "jobs run by the caller").toBeGreaterThan(0);
  });

  it("spins instead of sleeping where the caller may not block (a browser's main thread)", async () => {
    const pool = poolOn({ ...nodePlatform, mayBlock: () => false }, 2);
    await pool.ready();
    expect(pool.readyHelpers()).toBe(1);
    const alone = onCallerAlone(product(rt, 160, 200, 256, 2, 4));
    // on this thread Atomics.wait now throws as it does on a page's main thread
    const wait = vi.spyOn(Atomics, "wait").mockImplementation(() => {
      throw new TypeError("Atomics.wait cannot be called in this context");
    });
    const before = pool.helperJobs;
    for (let call = 0; call < 30; call++) {
      const p = product(rt, 160, 200, 256, 2, 4);
      pool.run(p.jobs);
      expectProduct(p.read(), p, alone, `spinning call ${call}`);
    }
    expect(wait).not.toHaveBeenCalled();
    expect(pool.helperJobs - before, "jobs run by the helper").toBeGreaterThan(0);
  });

  it("forced to spin with callerWait, it never sleeps even where it could", async () => {
    const pool = poolOn(nodePlatform, 2);
    pool.callerWait = "spin";
    await pool.ready();
    const wait = vi.spyOn(Atomics, "wait");
    const alone = onCallerAlone(product(rt, 96, 64, 300, 2, 5));
    const p = product(rt, 96, 64, 300, 2, 5);
    pool.run(p.jobs);
    expectProduct(p.read(), p, alone, "callerWait spin");
    expect(wait).not.toHaveBeenCalled();
  });

  it("mixes a ready helper with one that never starts", async () => {
    let spawned = 0;
    const half: Platform = { ...nodePlatform, spawnHelper: (body, data, events) => (spawned++ === 0 ? nodePlatform.spawnHelper(body, data, events) : { terminate: () => {} }) };
    const pool = poolOn(half, 3);
    const first = pool.helpers[0]!;
    await first.started;
    expect(pool.readyHelpers()).toBe(1);
    const alone = onCallerAlone(product(rt, 120, 80, 90, 3, 6));
    const p = product(rt, 120, 80, 90, 3, 6);
    pool.run(p.jobs);
    expectProduct(p.read(), p, alone, "one of two helpers up");
  });

  it("stops helpers beyond a smaller thread count", async () => {
    const pool = poolOn(nodePlatform, 3);
    await pool.ready();
    expect(pool.readyHelpers()).toBe(2);
    pool.shrink(2);
    expect([pool.helpers.length, pool.readyHelpers()]).toEqual([1, 1]);
    pool.shrink(1);
    expect([pool.helpers.length, pool.readyHelpers()]).toEqual([0, 0]);
  });

  it("reports a job that traps in a helper or the caller, and the next call succeeds", async () => {
    const pool = poolOn(nodePlatform, 2);
    await pool.ready();
    // C far beyond the memory's end: every job traps, whichever thread runs it
    const bad = product(rt, 64, 64, 64, 2, 7);
    for (const job of bad.jobs) job.args[9] = 2 ** 32 - 64;
    expect(() => pool.run(bad.jobs)).toThrow(/out of bounds|gemmF32 failed in a helper thread/);
    const alone = onCallerAlone(product(rt, 64, 64, 64, 2, 8));
    const p = product(rt, 64, 64, 64, 2, 8);
    pool.run(p.jobs);
    expectProduct(p.read(), p, alone, "after a failure");
  });

  it("refuses more than 64 jobs or 16 arguments, naming the kernel", () => {
    const pool = poolOn(neverStarting, 1);
    const job: Job = { kernel: "gemmF32", args: [] };
    expect(() => pool.run(Array.from({ length: 65 }, () => job))).toThrow("wasm kernels: 65 jobs of gemmF32 in one call, at most 64");
    expect(() => pool.run([{ kernel: "unaryF32", args: new Array(17).fill(0) }])).toThrow("wasm kernels: unaryF32 takes at most 16 arguments, got 17");
  });
});
