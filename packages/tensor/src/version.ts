// Version counters let autograd notice that a tensor it saved for the backward pass was changed
// in place afterwards. They are keyed by the ArrayBuffer rather than by the Tensor object because
// a write through any view (a slice, a transpose, a reshape) changes what every other view of the
// same memory reads. A WeakMap keeps buffers collectable; a buffer never written in place has no
// entry and reads as version 0. Resident arrays (views on the kernels' memory, one buffer for
// all of them) are keyed by their heap block instead, so that they do not share one counter.
import type { DataArray } from "./dtype.js";
import type { Tensor } from "./tensor.js";
import { blockOf } from "./backends/wasm/heap.js";

const versions = new WeakMap<object, number>();

const keyOf = (data: DataArray): object => blockOf(data) ?? data.buffer;

/**
 * How many in-place writes have been counted on the buffer behind `data` (0 if none).
 *
 * @internal
 */
export function bufferVersion(data: DataArray): number {
  return versions.get(keyOf(data)) ?? 0;
}

/**
 * Counts one in-place write to the buffer of `t`, so that `t.version` and the version of every
 * other view of the same buffer go up by 1. Strata's in-place functions ({@link assign},
 * {@link addInPlace}, {@link fill}, …) call it once per call; code outside `@strata/tensor` that
 * writes into `t.data` directly (an optimiser's update step, say) must call it after writing,
 * or autograd cannot tell that a tensor it saved has changed.
 *
 * Tensors over disjoint parts of one ArrayBuffer share a counter too, so a write to one of them
 * may be reported as a change to the other; it never goes unreported. Never throws.
 *
 * @example
 * ```ts
 * import { bumpVersion, zeros } from "@strata/tensor";
 * const w = zeros([3]);
 * w.data[0] = 1.5; // a raw write is not counted by itself...
 * bumpVersion(w); // ...so the writer reports it
 * console.log(w.version, w.reshape([1, 3]).version); // 1 1
 * ```
 */
export function bumpVersion(t: Tensor): void {
  versions.set(keyOf(t.data), bufferVersion(t.data) + 1);
}

/** Gives `to`, which replaces `from` behind a tensor (makeResident), the version of `from`. @internal */
export function carryVersion(from: DataArray, to: DataArray): void {
  versions.set(keyOf(to), bufferVersion(from));
}
