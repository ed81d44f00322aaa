// The constant a stable softmax or log-sum-exp subtracts before exp: shared by the composites and
// the one-op softmax, so that both shift by exactly the same values.
import * as T from "@strata/tensor";

/**
 * The maximum over `axes` (already checked) with the axes kept; non-finite maxima, and those of
 * empty slices, become 0. A constant: no gradient flows through it, and none is needed.
 *
 * @internal
 */
export function maxShift(x: T.Tensor, axes: readonly number[]): T.Tensor {
  if (axes.some((k) => x.shape[k] === 0)) return T.zeros(x.shape.map((n, k) => (axes.includes(k) ? 1 : n)), { dtype: x.dtype });
  const m = T.max(x, { axis: [...axes], keepDims: true });
  return T.where(T.eq(T.abs(m), Infinity), 0, m);
}
