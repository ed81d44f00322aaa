// The one rule for storing a number in a dtype: which conversions lose a value, and what the value
// would become. cast, tensor(), full/zeros/ones, fill/assign and nn's loadStateDict all ask here.
import { type DType } from "./dtype.js";
import { DTypeError } from "./errors.js";
import { noteValueRead } from "./record.js";
import type { Tensor } from "./tensor.js";

const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * What storing `value` in `dtype` turns it into when that loses it, or `undefined` when it does
 * not. Lossy: a finite value that float32 rounds to ±Infinity (beyond ±3.4028234663852886e38, once
 * rounded); NaN or ±Infinity into int32 (stored as 0); a value whose integer part lies outside the
 * int32 range (it wraps as an Int32Array stores it). With `exact` a fractional value into int32 is
 * lossy too (tensor() and full() refuse it; cast truncates toward zero, as PyTorch does). Not
 * lossy: float64 → float32 rounding (0.1), NaN and ±Infinity between floats, anything into
 * float64, and anything into bool (`value != 0`, defined for every number).
 * @internal
 */
export function lossOf(value: number, dtype: DType, exact = false): number | undefined {
  if (dtype === "float32") return Number.isFinite(value) && Math.abs(value) > FLOAT32_MAX && !Number.isFinite(Math.fround(value)) ? Math.fround(value) : undefined;
  if (dtype !== "int32") return undefined;
  if (!Number.isFinite(value)) return 0;
  const whole = Math.trunc(value);
  if (whole < -2147483648 || whole > 2147483647) return whole | 0;
  return exact && whole !== value ? whole : undefined;
}

/** Whether converting `from` to `to` can lose a value at all (so the values need a look). */
function mayLose(from: DType, to: DType): boolean {
  return (to === "float32" && from === "float64") || (to === "int32" && (from === "float32" || from === "float64"));
}

/** The multi-index `(i, j, …)` of row-major position `k` in `shape`. */
function indexText(shape: readonly number[], k: number): string {
  const index = new Array<number>(shape.length);
  for (let ax = shape.length - 1; ax >= 0; ax--) {
    const n = shape[ax]!;
    index[ax] = k % n;
    k = Math.floor(k / n);
  }
  return `(${index.join(", ")})`;
}

/**
 * Checks that every element of `x` survives conversion to `dtype` (see what counts as lossy
 * below), so that nothing changes dtype silently. `op` and `name` open the message:
 * `cast: x holds 3000000000 at index (0), which int32 cannot hold (it would become -1294967296);
 * pass { unchecked: true } to convert anyway`. Lossy: a finite value that float32 would round to
 * ±Infinity (beyond ±3.4028234663852886e38; values that round to the largest float32 are fine);
 * NaN or ±Infinity into int32; a value whose integer part lies outside the int32 range into int32.
 * Not lossy: float64 → float32 rounding (0.1), NaN and ±Infinity between float dtypes, the
 * truncation of a fractional part toward zero into int32, anything into float64, and anything
 * into bool (`x != 0`). Only the first offending element (row-major) is reported.
 *
 * It reads the values: called while `record()` is on (and not inside an op's work, where cast
 * calls it), it refuses the recording as a read in JavaScript does.
 *
 * @throws DTypeError naming `op`, `name`, the value, its index and what it would become.
 *
 * @example
 * ```ts
 * import { checkLossless, tensor } from "@strata/tensor";
 * checkLossless("cast", "x", tensor([1.9, -2.5]), "int32"); // fine: truncation is not a loss
 * try { checkLossless("load", "W", tensor([[0, 1e300]], { dtype: "float64" }), "float32"); } catch (e) { console.log((e as Error).message); } // load: W holds 1e+300 at index (0, 1), which float32 cannot hold (it would become Infinity); pass { unchecked: true } to convert anyway
 * ```
 */
export function checkLossless(op: string, name: string, x: Tensor, dtype: DType): void {
  if (!mayLose(x.dtype, dtype) || x.size === 0) return;
  noteValueRead("checkLossless()");
  const c = x.isContiguous ? x : x.contiguous();
  const values = c.data.subarray(c.offset, c.offset + c.size);
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    const becomes = lossOf(v, dtype);
    if (becomes !== undefined) {
      throw new DTypeError(
        `${op}: ${name} holds ${v} at index ${indexText(x.shape, k)}, which ${dtype} cannot hold (it would become ${becomes}); pass { unchecked: true } to convert anyway`,
      );
    }
  }
}
