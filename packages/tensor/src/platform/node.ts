// The platform under Node: settings from process.env, helpers on worker_threads. This file is
// only loaded under the "node" condition of package.json's "#platform" import, so it may import
// node: modules.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { HelperData, HelperEvents, HelperThread, Platform, SettingName } from "./types.js";

/** Node's services (see types.ts). @internal */
export const platform: Platform = {
  name: "node",
  setting: (name: SettingName) => process.env[name],
  defaultThreads: () => availableParallelism(),
  threadsAvailable: () => true,
  spawnHelper,
  // Node lets every thread, the main one included, sleep in Atomics.wait
  mayBlock: () => true,
  keepFreedMemory,
};

// Every op returns a fresh typed array. On Linux, glibc's malloc serves a block above its mmap
// threshold (128 KiB at start) with fresh pages from the kernel and unmaps it when freed, so each
// 4 KiB page of such an output costs a page fault on its first write: 12–15 µs each on this
// project's VMs, 3–4 ms for the 1 MiB result of a 512 × 512 product that the kernels compute in
// 3–5 ms. glibc raises the threshold (documented in mallopt(3), M_MMAP_THRESHOLD) to the size of
// any mmapped block freed below 32 MiB, and its trim threshold to twice that; one block of 31 MiB
// allocated and dropped here therefore lets later blocks up to 31 MiB come from the heap and be
// reused, and keeps up to 62 MiB of freed heap in the process. Measured (bench --only
// steadiness): the 512 product from 29–32 to 46–50 GFLOP/s on one thread and from 40–44 to 80–82
// on two, its median page faults from 256 to 0. Elsewhere (musl, macOS) this is one short-lived
// allocation and nothing more. STRATA_KEEP_FREED_MEMORY=0 skips it.
const PRIMING_BYTES = 31 << 20;

function keepFreedMemory(): void {
  if (process.env["STRATA_KEEP_FREED_MEMORY"] === "0") return;
  // dropped at once: malloc adjusts its thresholds when the garbage collector frees the block
  void new ArrayBuffer(PRIMING_BYTES);
}

function spawnHelper(body: string, data: HelperData, events: HelperEvents): HelperThread {
  // an evaluated CommonJS script, so it runs the same from TypeScript sources and from dist
  const source = `const { workerData, parentPort } = require("node:worker_threads");\n(${body})(workerData, () => parentPort.postMessage("ready"));\n`;
  let settled = false;
  const settle = (then: () => void): void => {
    if (settled) return;
    settled = true;
    // referenced until then, so that `await kernelsReady()` keeps the process alive; a sleeping
    // helper must not
    worker.unref();
    then();
  };
  let worker: Worker;
  try {
    worker = new Worker(source, { eval: true, workerData: data });
  } catch (error) {
    events.failed(error instanceof Error ? error.message : String(error));
    return { terminate: () => {} };
  }
  worker.once("message", () => settle(events.ready));
  worker.once("error", (error: Error) => settle(() => events.failed(error.message)));
  worker.once("exit", (code: number) => settle(() => events.failed(`the helper thread exited with code ${code} before it was ready`)));
  return { terminate: () => void worker.terminate() };
}
