// Starting TensorFlow.js's SIMD + threads wasm binary in Node 20. tfjs-backend-wasm 4.22 ships it
// but never uses it in Node, for three separate reasons, each worked around here only while the
// backend initialises:
//  1. its WASM_HAS_MULTITHREAD_SUPPORT flag answers false whenever IS_NODE (tfjs issue 3830);
//  2. forced on, Emscripten's pthread pool spawns its workers from a blob: URL, which Node's
//     worker_threads rejects (ERR_WORKER_PATH) and the process dies: we hand it the same worker
//     script written to a temporary file, and point the worker's own loading of the main script
//     at the package's file instead of a Blob;
//  3. the thread count is capped at logical CPUs / 2 (it assumes two hyperthreads per core), so
//     on a 2-vCPU machine setThreadsCount(2) silently gives 1: os.cpus() reports twice the
//     requested count during initialisation.
// Because a failure inside Emscripten's worker start-up cannot be caught (it throws from a
// callback and ends the process), the benchmark first tries the whole thing in a child process.
// Run directly (`node --import tsx tfjs-wasm-threads.ts 2`), this file is that probe.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { CpuInfo } from "node:os";
import { tmpdir } from "node:os";
import { dirname, join, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { getThreadsCount, setThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

const require = createRequire(import.meta.url);
const packageRoot = dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json"));
const wasmOut = join(packageRoot, "wasm-out");
/** The folder holding the .wasm binaries, for setWasmPaths (in Node a file path works). */
export const wasmBinaries = join(packageRoot, "dist") + sep;

/** The pthread worker script as a file Node can start, loading the package's main script, and
 * how to remove it (at release, or at exit; vitest's workers may end without an exit event). */
function writePthreadWorker(): { file: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "strata-tfjs-wasm-"));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  process.once("exit", remove);
  const file = join(dir, "pthread-worker.cjs");
  const { wasmWorkerContents } = require(join(wasmOut, "tfjs-backend-wasm-threaded-simd.worker.js")) as { wasmWorkerContents: string };
  const mainScript = join(wasmOut, "tfjs-backend-wasm-threaded-simd.js");
  // The worker turns the Blob it is sent into an object URL and evals the file at that "path";
  // in Node only a real path can be read. The source escapes "\n" as tfjs does for its own Blob.
  const redirect = `URL.createObjectURL = () => ${JSON.stringify(mainScript)};\nURL.revokeObjectURL = () => {};\n`;
  writeFileSync(file, redirect + wasmWorkerContents.replace(/\n/g, "\\n"));
  return { file, remove };
}

/** The threaded backend once started: the threads XNNPACK got, and `release` to call after
 * tf.removeBackend("wasm") has ended them (it also deletes the worker script). */
export interface ThreadedWasm {
  threads: number;
  release(): void;
}

/** Initialises the wasm backend with the threaded binary. */
export async function startThreadedWasm(threads: number): Promise<ThreadedWasm> {
  const { file: workerFile, remove } = writePthreadWorker();
  // Emscripten's Node glue sets globalThis.Worker = worker_threads.Worker and leaves it there;
  // libraries that take a global Worker for the browser's then break (jax-js would try to start
  // Web Workers from blob: URLs), so release() puts back what was there.
  const workerGlobal = Object.getOwnPropertyDescriptor(globalThis, "Worker");
  const release = (): void => {
    if (workerGlobal) Object.defineProperty(globalThis, "Worker", workerGlobal);
    else delete (globalThis as { Worker?: unknown }).Worker;
    remove();
  };
  const os = require("node:os") as { cpus: () => CpuInfo[] };
  const realCpus = os.cpus;
  const realCreateObjectURL = URL.createObjectURL;
  URL.createObjectURL = (blob: Blob) => (blob.type === "application/javascript" ? workerFile : realCreateObjectURL(blob));
  const cpus = realCpus();
  os.cpus = () => Array.from({ length: 2 * threads }, (_, i) => cpus[i % cpus.length]!);
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
  try {
    setWasmPaths(wasmBinaries);
    setThreadsCount(threads);
    if (!(await tf.setBackend("wasm"))) throw new Error("tf.setBackend('wasm') failed");
    return { threads: getThreadsCount(), release };
  } finally {
    os.cpus = realCpus;
    URL.createObjectURL = realCreateObjectURL;
  }
}

/** A 48x40 · 40x24 product on the active backend against a plain loop: catches a binary that
 * starts but computes garbage. */
function productIsRight(): boolean {
  const [n, k, p] = [48, 40, 24];
  const a = Float32Array.from({ length: n * k }, (_, i) => Math.sin(i));
  const b = Float32Array.from({ length: k * p }, (_, i) => Math.cos(i));
  const got = tf.tidy(() => tf.matMul(tf.tensor2d(a, [n, k]), tf.tensor2d(b, [k, p])).dataSync());
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let q = 0; q < k; q++) s += a[i * k + q]! * b[q * p + j]!;
      if (Math.abs(got[i * p + j]! - s) > 1e-4 * Math.max(1, Math.abs(s))) return false;
    }
  }
  return true;
}

/** What the probe found: the threads the threaded binary got, or why it could not start. */
export type ThreadsProbe = { ok: true; threads: number } | { ok: false; reason: string };

/** Starts the threaded binary in a child process and reports the outcome. The child runs this
 * TypeScript file through tsx, found from this folder up, whatever loader the parent runs under
 * (the bench's tsx, or vitest). */
export function probeThreadedWasm(threads: number): ThreadsProbe {
  const here = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, ["--import", "tsx", here, String(threads)], { cwd: dirname(here), encoding: "utf8", timeout: 180_000 });
  const lastLine = child.stdout?.trim().split("\n").at(-1) ?? "";
  if (child.status === 0 && lastLine.startsWith("{")) {
    const found = JSON.parse(lastLine) as { threads: number; correct: boolean };
    return found.correct ? { ok: true, threads: found.threads } : { ok: false, reason: "threaded binary gave a wrong product" };
  }
  const stderr = (child.stderr ?? "").split("\n").find((l) => /Error|error/.test(l)) ?? "";
  return { ok: false, reason: child.error ? child.error.message : stderr.trim() || `probe exited with ${child.status}` };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { threads } = await startThreadedWasm(Number(process.argv[2] ?? 2));
  console.log(JSON.stringify({ threads, correct: productIsRight() }));
  process.exit(0);
}
