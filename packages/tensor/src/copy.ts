import ndarray from "ndarray";
import ops from "ndarray-ops";
import { allocate, isDType, unknownDType, type DataArray, type DType } from "./dtype.js";
import { checkLossless } from "./convert.js";
import { DTypeError } from "./errors.js";
import { Tensor } from "./tensor.js";
import { compute } from "./record.js";

/** A new row-major tensor with the elements of `t` in `dtype` (default: its own). */
/** (`op` names the caller in allocation errors.) */
export function contiguousCopy(t: Tensor, dtype: DType = t.dtype, op = "contiguous"): Tensor {
  const out = allocate(dtype, t.shape, op);
  if (t.size > 0) compute(() => copyInto(out, t, dtype));
  return new Tensor(out, t.shape);
}

/** Writes `t`'s elements, row-major and converted to `dtype`, into `out`. */
function copyInto(out: DataArray, t: Tensor, dtype: DType): void {
  if (dtype === "bool" && t.dtype !== "bool") {
    // a Uint8Array would keep 2 as 2 and 0.5 as 0: a mask needs `x != 0`
    ops.neqs(ndarray(out, [...t.shape]), t.nd, 0);
  } else if (t.isContiguous && dtype === t.dtype) {
    out.set(t.data.subarray(t.offset, t.offset + t.size));
  } else {
    ops.assign(ndarray(out, [...t.shape]), t.nd);
  }
}

/**
 * Options of {@link cast}: `unchecked: true` converts values the target dtype cannot hold as the
 * typed arrays store them (int32 wraps modulo 2^32, NaN and ±Infinity become 0, float64 beyond
 * float32's range becomes ±Infinity) instead of refusing them.
 *
 * @example
 * ```ts
 * import { tensor, type CastOptions } from "@strata/tensor";
 * const lossy: CastOptions = { unchecked: true };
 * console.log(tensor([3e9, NaN]).cast("int32", lossy).toArray()); // [-1294967296, 0]
 * ```
 */
export interface CastOptions {
  /** Convert values the dtype cannot hold anyway, as the typed arrays store them (default false). */
  unchecked?: boolean;
}

/**
 * `x` converted to `dtype`, always a new contiguous tensor of the shape of `x`. Explicit, so it
 * may narrow where nothing is lost: floats to `int32` truncate toward zero (as PyTorch does);
 * `float64` to `float32` rounds to nearest; any dtype to `bool` is `x != 0` (NaN is true). A value
 * the dtype cannot hold is refused, unless `options.unchecked`: NaN or ±Infinity to int32, a value
 * whose integer part lies outside the int32 range, or a finite float64 that float32 would round
 * to ±Infinity. With `unchecked` those convert as the typed arrays store them: int32 wraps modulo
 * 2^32, NaN and ±Infinity become 0, float64 beyond float32's range becomes ±Infinity.
 *
 * @throws DTypeError when `dtype` is not one of {@link DTYPES} (possible from untyped JavaScript),
 * or (without `unchecked`) naming the first value that `dtype` cannot hold, its index and what
 * it would become: `cast: x holds 3000000000 at index (0), which int32 cannot hold (it would
 * become -1294967296); pass { unchecked: true } to convert anyway`.
 * @throws ValueError or StrataError when the result is too large to allocate (see {@link allocate}).
 *
 * @example
 * ```ts
 * import { tensor, cast } from "@strata/tensor";
 * console.log(cast(tensor([-1.7, 0, 2.5]), "int32").toArray()); // [-1, 0, 2]
 * try { cast(tensor([3e9, NaN]), "int32"); } catch (e) { console.log((e as Error).message); } // cast: x holds 3000000000 at index (0), which int32 cannot hold (it would become -1294967296); pass { unchecked: true } to convert anyway
 * console.log(cast(tensor([3e9, NaN]), "int32", { unchecked: true }).toArray()); // [-1294967296, 0]
 * ```
 */
export function cast(x: Tensor, dtype: DType, options: CastOptions = {}): Tensor {
  if (!isDType(dtype)) throw new DTypeError(unknownDType("cast", dtype));
  if (options.unchecked === true) return contiguousCopy(x, dtype, "cast");
  const out = allocate(dtype, x.shape, "cast");
  // the check reads the values, so it runs in the work: a replay checks the new ones
  if (x.size > 0) {
    compute(() => {
      checkLossless("cast", "x", x, dtype);
      copyInto(out, x, dtype);
    });
  }
  return new Tensor(out, x.shape);
}

/** `t`'s float values in row-major order from index 0: a view when `t` is contiguous, else a copy's. @internal */
export function floatValues(t: Tensor): Float32Array | Float64Array {
  const v = t.isContiguous ? t : t.contiguous();
  return (v.data as Float32Array | Float64Array).subarray(v.offset, v.offset + v.size);
}
