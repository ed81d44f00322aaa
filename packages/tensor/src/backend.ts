// Which kernels run: the WebAssembly SIMD ones (default where this host can load them) or the
// TypeScript ones they replace, and on how many threads.
import { platform } from "#platform";
import { ValueError } from "./errors.js";
import { helperJobsRun, helpersReady, kernelThreads, setKernelThreads } from "./backends/wasm/pool.js";
import { wasmRuntime, wasmUnavailableReason } from "./backends/wasm/runtime.js";
import { heapBytes } from "./backends/wasm/heap.js";

/**
 * The kernel settings {@link setKernelOptions} changes (it takes any subset of them) and
 * {@link kernelOptions} reports.
 *
 * @example
 * ```ts
 * import { kernelOptions, setKernelOptions, type KernelOptions } from "@strata/tensor";
 * const saved: KernelOptions = kernelOptions();
 * setKernelOptions({ threads: 1 });
 * console.log(kernelOptions().threads); // 1
 * setKernelOptions({ threads: saved.threads });
 * ```
 */
export interface KernelOptions {
  /**
   * Whether the dispatcher may send work to the WebAssembly SIMD backend — float products, fused
   * Dense layers, maps, binary arithmetic and row reductions above its size thresholds (default:
   * true when the module loads; `STRATA_WASM=0` in Node's environment starts with false). The
   * TypeScript backend is the fallback and the reference.
   */
  wasm: boolean;
  /**
   * Threads the WebAssembly kernels may use, the calling one included (default in Node: the
   * machine's available parallelism, or `STRATA_THREADS`; in a browser: `navigator.hardwareConcurrency`
   * when the page is cross-origin isolated, else 1, since only such a page can share memory with
   * a Web Worker). Results do not depend on it: each output element is summed in the same order
   * whatever the split, and a page that cannot start helpers computes everything on one thread.
   */
  threads: number;
}

/**
 * What {@link kernelOptions} returns: the {@link KernelOptions} in force plus what this process
 * can do. `wasm` is true only when `wasmAvailable` is.
 *
 * @example
 * ```ts
 * import { kernelOptions, type KernelStatus } from "@strata/tensor";
 * const status: KernelStatus = kernelOptions();
 * console.log(status.wasmAvailable === (status.wasmUnavailableReason === ""), !status.wasm || status.wasmAvailable); // true true
 * console.log(status.helperJobs >= 0, status.residentBytesHeld >= status.residentBytesInUse); // true true
 * ```
 */
export interface KernelStatus extends KernelOptions {
  /** Whether the WebAssembly module compiled and instantiated here. */
  wasmAvailable: boolean;
  /** Why it did not ("" when it did). */
  wasmUnavailableReason: string;
  /**
   * How many kernel jobs helper threads have run since the package loaded: it grows only while
   * more than one thread is in use and helpers are up, so it shows whether threads did work.
   */
  helperJobs: number;
  /**
   * Bytes of the kernels' memory in blocks handed out now: resident arrays (a recorded step's
   * buffers, tensors moved there) and the kernels' scratch. A block comes back when its array is
   * garbage-collected, so this falls some time after the arrays are dropped, not at once.
   */
  residentBytesInUse: number;
  /**
   * Bytes of the kernels' memory the heap has taken, in use or free for reuse: it only grows (a
   * WebAssembly memory never shrinks) and stays near the largest working set seen.
   */
  residentBytesHeld: number;
}

let wasmWanted = platform.setting("STRATA_WASM") !== "0";
platform.keepFreedMemory();

/**
 * The current kernel settings and whether the WebAssembly kernels are available (a new object
 * each call; changing it changes nothing, use {@link setKernelOptions}). The first call may
 * compile the WebAssembly module; a failure to load is reported in `wasmUnavailableReason`,
 * not thrown. Never throws.
 *
 * @example
 * ```ts
 * import { kernelOptions } from "@strata/tensor";
 * const { wasm, threads, wasmAvailable } = kernelOptions();
 * console.log(wasm === wasmAvailable, threads >= 1); // true true
 * ```
 */
export function kernelOptions(): KernelStatus {
  const available = wasmRuntime() !== null;
  return {
    wasm: wasmWanted && available,
    threads: kernelThreads(),
    wasmAvailable: available,
    wasmUnavailableReason: wasmUnavailableReason(),
    helperJobs: helperJobsRun(),
    residentBytesInUse: heapBytes().inUse,
    residentBytesHeld: heapBytes().held,
  };
}

/**
 * Changes the kernel settings from now on; fields left out keep their values. Turning `wasm` off
 * sends every op to the TypeScript backend (which sums float32 products in doubles).
 *
 * @throws {@link ValueError} when `threads` is not an integer from 1 to 64, or when `wasm: true`
 * is asked for where the module cannot load (the message gives the reason).
 *
 * @example
 * ```ts
 * import { kernelOptions, matmul, setKernelOptions, tensor } from "@strata/tensor";
 * const a = tensor([[1, 2], [3, 4]]);
 * setKernelOptions({ threads: 1 });
 * const one = matmul(a, a);
 * setKernelOptions({ threads: 2 });
 * console.log(matmul(a, a).toArray(), one.toArray()); // [[7, 10], [15, 22]] [[7, 10], [15, 22]]
 * setKernelOptions({ threads: kernelOptions().threads });
 * ```
 */
export function setKernelOptions(options: Partial<KernelOptions>): void {
  const { wasm, threads } = options;
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1 && threads <= 64)) {
    throw new ValueError(`setKernelOptions: threads must be an integer from 1 to 64, got ${threads}`);
  }
  if (wasm === true && wasmRuntime() === null) {
    throw new ValueError(`setKernelOptions: the WebAssembly kernels cannot load here: ${wasmUnavailableReason()}`);
  }
  if (wasm !== undefined) wasmWanted = wasm;
  if (threads !== undefined) setKernelThreads(threads);
}

/** Whether products go to the WebAssembly kernels now. @internal */
export function wasmEnabled(): boolean {
  return wasmWanted && wasmRuntime() !== null;
}

/**
 * Resolves once the helper threads that {@link kernelOptions}`().threads` asks for have started
 * and loaded the WebAssembly kernels, starting them if needed. Kernel calls never wait for a
 * helper that is still starting (they do its share on the calling thread), so this is not needed
 * for correct results; await it before timing, or before the first heavy step. In a browser a
 * Web Worker only starts after the page returns to its event loop, so helpers are never ready
 * during the synchronous code that created them. Resolves at once where no helper is wanted (one
 * thread, the WebAssembly kernels unavailable, or a page that is not cross-origin isolated). A
 * helper that fails to start is left out: its share runs on the calling thread.
 * Never throws (the promise never rejects).
 *
 * @example
 * ```ts
 * import { kernelOptions, kernelsReady, matmul, setKernelOptions, tensor } from "@strata/tensor";
 * const saved = kernelOptions().threads;
 * setKernelOptions({ threads: 2 });
 * await kernelsReady(); // both threads are up from here on
 * const a = tensor([[1, 2], [3, 4]]);
 * console.log(matmul(a, a).toArray()); // [[7, 10], [15, 22]]
 * setKernelOptions({ threads: saved });
 * ```
 */
export async function kernelsReady(): Promise<void> {
  const rt = wasmRuntime();
  if (rt === null || kernelThreads() <= 1) return;
  await helpersReady(rt);
}
