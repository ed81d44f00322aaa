import ndarray from "ndarray";
import ops from "ndarray-ops";
import { allocate, isDType, unknownDType, type DType } from "./dtype.js";
import { DTypeError } from "./errors.js";
import { Tensor } from "./tensor.js";

/** A new row-major tensor with the elements of `t` in `dtype` (default: its own). */
export function contiguousCopy(t: Tensor, dtype: DType = t.dtype): Tensor {
  const out = allocate(dtype, t.size);
  if (t.size === 0) return new Tensor(out, t.shape);
  if (dtype === "bool" && t.dtype !== "bool") {
    // a Uint8Array would keep 2 as 2 and 0.5 as 0: a mask needs `x != 0`
    ops.neqs(ndarray(out, [...t.shape]), t.nd, 0);
  } else if (t.isContiguous && dtype === t.dtype) {
    out.set(t.data.subarray(t.offset, t.offset + t.size));
  } else {
    ops.assign(ndarray(out, [...t.shape]), t.nd);
  }
  return new Tensor(out, t.shape);
}

/**
 * `x` converted to `dtype`, always a new contiguous tensor of the shape of `x`. Explicit, so it
 * may narrow: floats to `int32` truncate toward zero, then wrap modulo 2^32 beyond the int32 range
 * (NaN and ±Infinity become 0); any dtype to `bool` is `x != 0` (NaN is true); `float64` to
 * `float32` rounds to nearest.
 *
 * @throws DTypeError when `dtype` is not one of {@link DTYPES} (possible from untyped JavaScript).
 *
 * @example
 * ```ts
 * import { tensor, cast } from "@strata/tensor";
 * console.log(cast(tensor([-1.7, 0, 2.5]), "int32").toArray()); // [-1, 0, 2]
 * ```
 */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (!isDType(dtype)) throw new DTypeError(unknownDType("cast", dtype));
  return contiguousCopy(x, dtype);
}
