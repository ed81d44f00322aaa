import type { DataArray } from "./dtype.js";
import type { Tensor } from "./tensor.js";
import { contiguousCopy } from "./copy.js";
import { noteValueRead } from "./record.js";
import { broadcastTensors } from "./views.js";

/**
 * Tolerances of {@link allClose}: `|a - b| <= atol + rtol·|b|`.
 *
 * @example
 * ```ts
 * import { tensor, type CloseOptions } from "@strata/tensor";
 * const loose: CloseOptions = { rtol: 1e-3, atol: 1e-6 };
 * console.log(tensor([1]).allClose(tensor([1.0001]), loose)); // true
 * ```
 */
export interface CloseOptions {
  /** Relative tolerance, default 1e-5. */
  rtol?: number;
  /** Absolute tolerance, default 1e-8. */
  atol?: number;
  /** Whether NaNs in the same places count as equal, default false. */
  equalNaN?: boolean;
}

/**
 * Whether `a` and `b` have the same shape and equal values at every index (dtypes and layouts
 * may differ; NaN ≠ NaN). Different shapes give false, not an error. Never throws. A read of
 * values in JavaScript: while `record()` is on, it refuses the recording.
 *
 * @example
 * ```ts
 * import { tensor, equals } from "@strata/tensor";
 * console.log(equals(tensor([1, 2]), tensor([1, 2], { dtype: "int32" }))); // true
 * ```
 */
export function equals(a: Tensor, b: Tensor): boolean {
  noteValueRead("equals()");
  if (a.ndim !== b.ndim || a.shape.some((n, i) => n !== b.shape[i])) return false;
  const x = values(a);
  const y = values(b);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/**
 * Whether `|a - b| <= atol + rtol·|b|` holds for every element after broadcasting the two
 * (as numpy's `allclose`); a number `b` is compared with every element of `a`. NaN is close
 * only to NaN, and only with `equalNaN`. A read of values in JavaScript: while `record()` is on,
 * it refuses the recording.
 *
 * @throws ShapeError when `b` is a tensor whose shape does not broadcast with that of `a`.
 *
 * @example
 * ```ts
 * import { tensor, allClose } from "@strata/tensor";
 * console.log(allClose(tensor([1, 2]), tensor([1, 2 + 1e-7]))); // true
 * ```
 */
export function allClose(a: Tensor, b: Tensor | number, options: CloseOptions = {}): boolean {
  noteValueRead("allClose()");
  const { rtol = 1e-5, atol = 1e-8, equalNaN = false } = options;
  if (typeof b === "number") return values(a).every((x) => close(x, b, rtol, atol, equalNaN));
  const [x, y] = broadcastTensors("allClose", a, b).map(values);
  for (let i = 0; i < x!.length; i++) if (!close(x![i]!, y![i]!, rtol, atol, equalNaN)) return false;
  return true;
}

// Row-major values without a second refusal: the caller has already noted the read.
function values(t: Tensor): DataArray {
  return contiguousCopy(t, t.dtype, "compare").data;
}

function close(x: number, y: number, rtol: number, atol: number, equalNaN: boolean): boolean {
  if (Number.isNaN(x) || Number.isNaN(y)) return equalNaN && Number.isNaN(x) && Number.isNaN(y);
  if (x === y) return true;
  return Math.abs(x - y) <= atol + rtol * Math.abs(y);
}
