// The argument checks of the fused recurrent cell ops: each names the op, the argument, its shape
// and the shape expected.
import { DTypeError, ShapeError, formatShape, isFloatDType } from "@strata/tensor";
import type { Variable } from "./variable.js";

/** The batch and hidden sizes of `gates` (N, k·H), checked to be float. @internal */
export function checkGates(op: string, name: string, gates: Variable, k: number): { n: number; h: number } {
  if (gates.ndim !== 2 || gates.shape[1]! % k !== 0) {
    throw new ShapeError(`${op}: ${name} has shape ${formatShape(gates.shape)}; expected (N, ${k}·hiddenSize)`);
  }
  if (!isFloatDType(gates.dtype)) throw new DTypeError(`${op}: ${name} is ${gates.dtype}; expected float32 or float64`);
  return { n: gates.shape[0]!, h: gates.shape[1]! / k };
}

/** Checks that `t` is (n, width) of `dtype`. @internal */
export function checkState(op: string, name: string, t: Variable, n: number, width: number, dtype: string): void {
  if (t.ndim !== 2 || t.shape[0] !== n || t.shape[1] !== width) {
    throw new ShapeError(`${op}: ${name} has shape ${formatShape(t.shape)}; expected ${formatShape([n, width])} to match the gates`);
  }
  if (t.dtype !== dtype) throw new DTypeError(`${op}: ${name} is ${t.dtype} but the gates are ${dtype}; expected the same float dtype`);
}
