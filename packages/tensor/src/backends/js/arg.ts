// argmax / argmin kernels over strided buffers, with the same two memory strategies as
// ./reduce.ts. Unlike sums, the visiting order of the reduced axes matters here ("first"
// occurrence), so those axes are never reordered or flipped: only merged where memory allows.
import { allocate, type DataArray } from "../../dtype.js";
import { shapeSize } from "../../shape.js";
import { CHUNK, plans, preferAccumulate, RowCursor, type ReduceSource } from "./strided.js";

/** Reductions returning the (first) position of the extreme value. */
export type ArgKind = "argmax" | "argmin";

/** The best value seen by the last {@link argChunk} call (a module slot avoids returning pairs). */
let chunkBest = 0;

/**
 * Scans one chunk for an element strictly beyond `best` (greater for argmax, smaller for argmin):
 * returns the position in the chunk of the last improvement, or -1, and leaves the best value in
 * `chunkBest`. A NaN ends the scan at once (the first NaN wins), leaving `chunkBest` NaN.
 */
function argChunk(isMax: boolean, d: DataArray, p: number, n: number, s: number, best: number): number {
  let at = -1;
  for (let i = 0, q = p; i < n; i++, q += s) {
    const v = d[q]!;
    if (isMax ? v > best : v < best) {
      best = v;
      at = i;
    } else if (v !== v) {
      chunkBest = NaN;
      return i;
    }
  }
  chunkBest = best;
  return at;
}

/** Position of the first extreme of a block in its logical order; the first NaN wins. */
function argBlock(isMax: boolean, d: DataArray, base: number, rc: RowCursor): number {
  rc.reset(base);
  let best = isMax ? -Infinity : Infinity;
  let at = 0;
  let k = 0;
  for (let r = 0; r < rc.rows; r++, rc.next()) {
    const { n, s0 } = rc;
    for (let i = 0; i < n; i += CHUNK) {
      const j = argChunk(isMax, d, rc.p0 + i * s0, Math.min(CHUNK, n - i), s0, best);
      if (j >= 0) at = k + i + j;
      best = chunkBest;
      if (best !== best) return at;
    }
    k += n;
  }
  return at;
}

/**
 * The index (in the reduced block's row-major order) of the first maximum or minimum of each
 * block, row-major over the kept axes. Reduced axes are never reordered here, so "first" is
 * logical. The op layer rejects empty blocks.
 */
export function argReduceStrided(kind: ArgKind, src: ReduceSource): Int32Array {
  const out = allocate("int32", src.keptShape, kind) as Int32Array;
  if (out.length === 0 || shapeSize(src.reducedShape) === 0) return out;
  const isMax = kind === "argmax";
  const { data: d, offset } = src;
  const { kept, red } = plans(src, false);
  const kc = new RowCursor(kept);
  const rc = new RowCursor(red);
  if (preferAccumulate(kept, red)) {
    // Reduced positions arrive in logical order, so strict comparisons keep the first of ties.
    const best = (allocate("float64", out.length, kind) as Float64Array).fill(isMax ? -Infinity : Infinity);
    rc.reset(offset);
    let k = 0;
    for (let rr = 0; rr < rc.rows; rr++, rc.next()) {
      for (let j = 0; j < rc.n; j++, k++) {
        kc.reset(rc.p0 + j * rc.s0, 0);
        for (let kr = 0; kr < kc.rows; kr++, kc.next()) {
          for (let i = 0, p = kc.p0, o = kc.p1; i < kc.n; i++, p += kc.s0, o += kc.s1) {
            const v = d[p]!;
            const b = best[o]!;
            if ((isMax ? v > b : v < b) || (v !== v && b === b)) {
              best[o] = v;
              out[o] = k;
            }
          }
        }
      }
    }
    return out;
  }
  kc.reset(offset, 0);
  for (let kr = 0; kr < kc.rows; kr++, kc.next()) {
    for (let i = 0; i < kc.n; i++) out[kc.p1 + i * kc.s1] = argBlock(isMax, d, kc.p0 + i * kc.s0, rc);
  }
  return out;
}

/** The contiguous fast path of {@link argReduceStrided}: `rows` consecutive blocks of `n`. */
export function argReduceRows(kind: ArgKind, d: DataArray, offset: number, rows: number, n: number): Int32Array {
  const out = allocate("int32", rows, kind) as Int32Array;
  if (n === 0) return out;
  const rc = new RowCursor({ shape: [n], strides: [[1]], offsets: [0] });
  for (let r = 0; r < rows; r++) out[r] = argBlock(kind === "argmax", d, offset + r * n, rc);
  return out;
}
