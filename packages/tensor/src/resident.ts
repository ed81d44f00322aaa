// Tensors whose values live in the WebAssembly kernels' memory (resident arrays, ./backends/wasm/heap.ts),
// where a kernel uses them in place instead of staging a copy. A compiled step's buffers are made
// resident while it is recorded (allocate() asks here), and its parameters and optimiser state
// are moved there with makeResident; everything else stays in plain JavaScript arrays.
import type { DataArray, DType } from "./dtype.js";
import { isRecording } from "./record.js";
import { wasmEnabled } from "./backend.js";
import { THRESHOLDS } from "./dispatch/thresholds.js";
import { isResident, residentArray } from "./backends/wasm/heap.js";
import { HostStorage } from "./storage.js";
import { carryVersion } from "./version.js";
import { ValueError } from "./errors.js";
import type { Tensor } from "./tensor.js";

/**
 * A zero-filled resident array of `count` elements of a float `dtype` (uninitialised when asked:
 * a reused block holds old values), or null where that cannot be: an int32 or bool dtype, the
 * kernels off or not loaded, the heap's budget reached, or the memory unable to grow. The caller
 * then uses a plain array. Never throws.
 *
 * @example
 * ```ts
 * import { allocateResident, kernelOptions } from "@strata/tensor";
 * const a = allocateResident("float32", 4);
 * console.log(a === null ? !kernelOptions().wasm : a.every((v) => v === 0)); // true
 * ```
 *
 * @internal
 */
export function allocateResident(dtype: DType, count: number, uninitialised = false): Float32Array | Float64Array | null {
  if ((dtype !== "float32" && dtype !== "float64") || !wasmEnabled()) return null;
  return residentArray(dtype === "float64", count, uninitialised);
}

/** allocate()'s question: a resident array for this request, or null for a plain one. @internal */
export function residentForAllocate(dtype: DType, count: number): DataArray | null {
  if (count < THRESHOLDS.residentMin || !isRecording()) return null;
  return allocateResident(dtype, count);
}

/**
 * Moves `t`'s values into a resident array, in place: the storage `t` shares with its views
 * swaps its array for a resident copy (the whole array, so every view's offset still holds), and
 * the version counter carries over. Returns whether the values are resident now (true at once
 * when they already were; false, having changed nothing, for int32 and bool tensors, without the
 * kernels, or past the heap's budget). A subarray of the old array taken before the move keeps
 * the old values and no longer sees writes: take views of `t.data` after it. Never throws.
 *
 * @example
 * ```ts
 * import { isResidentTensor, kernelOptions, makeResident, tensor } from "@strata/tensor";
 * const w = tensor([[1, 2], [3, 4]]);
 * const row = w.slice(1);
 * console.log(makeResident(w) === kernelOptions().wasm, isResidentTensor(row) === kernelOptions().wasm); // true true
 * console.log(w.toArray(), row.toArray()); // [[1, 2], [3, 4]] [3, 4]
 * ```
 *
 * @internal
 */
export function makeResident(t: Tensor): boolean {
  const storage = t.storage;
  if (!(storage instanceof HostStorage)) return false;
  const old = storage.array;
  if (isResident(old)) return true;
  const fresh = allocateResident(t.dtype, old.length, true);
  if (fresh === null) return false;
  fresh.set(old as Float32Array | Float64Array);
  carryVersion(old, fresh);
  storage.replace(fresh);
  return true;
}

/**
 * Whether `t`'s values live in the kernels' memory (a resident array or a part of one). Never throws.
 *
 * @example
 * ```ts
 * import { isResidentTensor, zeros } from "@strata/tensor";
 * console.log(isResidentTensor(zeros([3]))); // false
 * ```
 *
 * @internal
 */
export function isResidentTensor(t: Tensor): boolean {
  return isResident(t.data);
}

/**
 * Puts `array` behind `t`'s storage in place of the array there, and returns the one it replaced:
 * `t` and every view sharing its storage read and write `array` from then on. `array` must be of
 * `t`'s array type and length (the whole buffer, not only `t`'s view of it). This is how a compiled
 * step reads a resident argument where it lies instead of copying it (and swaps its own array
 * back after the replay); work that reads `t.data` when it runs follows the swap.
 *
 * @throws ValueError when `t`'s values are not in a host typed array, or `array` is of another
 *   type or length than the one it replaces.
 *
 * @example
 * ```ts
 * import { swapArray, tensor } from "@strata/tensor";
 * const t = tensor([1, 2, 3], { dtype: "float64" });
 * const row = t.reshape([1, 3]);
 * const old = swapArray(t, new Float64Array([7, 8, 9]));
 * console.log(Array.from(old), row.toArray()); // [1, 2, 3] [[7, 8, 9]]
 * ```
 *
 * @internal
 */
export function swapArray(t: Tensor, array: DataArray): DataArray {
  const storage = t.storage;
  if (!(storage instanceof HostStorage)) throw new ValueError(`swapArray: the tensor's values are on ${storage.device}, not in a host typed array`);
  const old = storage.array;
  if (array.constructor !== old.constructor || array.length !== old.length) {
    throw new ValueError(`swapArray: expected a ${old.constructor.name} of ${old.length} elements, got a ${array.constructor.name} of ${array.length}`);
  }
  storage.replace(array);
  return old;
}
