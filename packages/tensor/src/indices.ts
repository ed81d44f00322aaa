// Checks shared by the integer-indexing ops (oneHot, gather, indexAdd), so that they reject bad
// indices with the same wording.
import type { DataArray } from "./dtype.js";
import { DTypeError, ValueError } from "./errors.js";
import { formatShape } from "./shape.js";
import type { Tensor } from "./tensor.js";

/** `k` as a row-major multi-index of `shape`, written like a shape: `(1,2)`. For messages. */
export function position(k: number, shape: readonly number[]): string {
  const idx = new Array<number>(shape.length);
  for (let ax = shape.length - 1; ax >= 0; ax--) {
    const n = shape[ax]!;
    idx[ax] = k % n;
    k = Math.floor(k / n);
  }
  return formatShape(idx);
}

export function requireInt32(op: string, what: string, t: Tensor): void {
  if (t.dtype !== "int32") {
    throw new DTypeError(`${op}: ${what} must be int32, got ${t.dtype}; convert them with .cast("int32") (floats truncate toward zero)`);
  }
}

/**
 * The elements of `indices` in row-major order, each checked to lie in `[-n, n)` for the length
 * `n` of axis `axis` (as the user wrote it) of `x`. Call it inside the op's work (see ./record.ts):
 * the check depends on the values, so a replay must make it again, and a read there is no value
 * read in JavaScript that would refuse a recording.
 */
export function readIndices(op: string, indices: Tensor, axis: number, x: Tensor, n: number): DataArray {
  const picks = indices.toTypedArray();
  for (let k = 0; k < picks.length; k++) {
    const v = picks[k]!;
    if (v < -n || v >= n) {
      throw new ValueError(
        `${op}: index ${v} at position ${position(k, indices.shape)} of indices ${formatShape(indices.shape)} is out of range for axis ${axis} of length ${n} in x ${formatShape(x.shape)}; expected ${-n} <= index < ${n}`,
      );
    }
  }
  return picks;
}
