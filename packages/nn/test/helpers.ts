// Small helpers shared by the nn tests.
import type { Tensor } from "@strata/tensor";

/** The error `fn` throws; fails the test when it does not throw. */
export { thrown as errorOf } from "../../tensor/test/reference.js";

/** Bitwise equality of two tensors: same dtype, shape and every element (0 and -0 told apart, NaN = NaN). */
export function sameBits(a: Tensor, b: Tensor): boolean {
  if (a.dtype !== b.dtype || a.shape.join() !== b.shape.join()) return false;
  const x = a.toTypedArray();
  const y = b.toTypedArray();
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
  return true;
}
