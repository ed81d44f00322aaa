// Second pass of softmax / logSoftmax: every element shifted by the log-sum-exp of its slice.
// The first pass (the log-sum-exp itself) is the reduction kernel.
import type { DataArray } from "../../dtype.js";
import { contiguousStrides, shapeSize } from "../../shape.js";
import type { LogSumExpParts } from "./reduce.js";
import { planLoop, RowCursor } from "./strided.js";

/** Which normalisation: `exp(x - lse)` or `x - lse`. */
export type NormalizeKind = "softmax" | "logSoftmax";

/**
 * Writes `exp((x - m) - l)` (softmax) or `(x - m) - l` (logSoftmax) into `out`, row-major over
 * `shape`, where m and l are the {@link LogSumExpParts} of each slice (`lse = m + l`). `x` is read
 * at `offset` with `strides`; the parts are read with `partStrides` (0 along the normalised axis,
 * so they broadcast over the slice).
 *
 * Subtracting m first keeps `x - m` exact near the maximum and `≤ 0` everywhere, so `exp` never
 * overflows, the largest probability is at most 1, very negative logits underflow to exact zeros
 * (never NaN), and logSoftmax at the maximum is exactly `-l`. A slice whose maximum is not finite
 * (all -∞, some +∞, or NaN) has no meaningful distribution and comes out NaN throughout; `parts`
 * is modified in place to mark those slices.
 */
export function normalizeByLogSumExp(
  kind: NormalizeKind,
  data: DataArray,
  offset: number,
  shape: readonly number[],
  strides: readonly number[],
  parts: LogSumExpParts,
  partStrides: readonly number[],
  out: DataArray,
): void {
  if (shapeSize(shape) === 0) return;
  const { max, logRest } = parts;
  // (x - m) - NaN is NaN: marking the slice once avoids a test per element.
  for (let i = 0; i < max.length; i++) if (!Number.isFinite(max[i]!)) logRest[i] = NaN;
  const c = new RowCursor(planLoop(shape, [strides, contiguousStrides(shape), partStrides], true));
  c.reset(offset, 0, 0);
  const { n, s0, s1, s2 } = c;
  for (let r = 0; r < c.rows; r++, c.next()) {
    let p = c.p0;
    let o = c.p1;
    let l = c.p2;
    if (kind === "softmax") {
      for (let i = 0; i < n; i++, p += s0, o += s1, l += s2) out[o] = Math.exp(data[p]! - max[l]! - logRest[l]!);
    } else {
      for (let i = 0; i < n; i++, p += s0, o += s1, l += s2) out[o] = data[p]! - max[l]! - logRest[l]!;
    }
  }
}
