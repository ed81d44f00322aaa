// CONTRACT STUB: signatures fixed by the tensor-core author; bodies to be implemented.
import type { Tensor } from "./tensor.js";

/** Axes to reduce (one, several, or all when omitted) and whether to keep them with length 1. */
export interface AxisOptions {
  axis?: number | readonly number[];
  keepDims?: boolean;
}
/** The axis of argmax/argmin (all elements, flattened, when omitted) and keepDims. */
export interface ArgOptions {
  axis?: number;
  keepDims?: boolean;
}

const todo = (op: string): never => {
  throw new Error(`${op}: not implemented yet`);
};

export function sum(x: Tensor, options?: AxisOptions): Tensor { return todo("sum"); }
export function mean(x: Tensor, options?: AxisOptions): Tensor { return todo("mean"); }
export function max(x: Tensor, options?: AxisOptions): Tensor { return todo("max"); }
export function min(x: Tensor, options?: AxisOptions): Tensor { return todo("min"); }
export function argmax(x: Tensor, options?: ArgOptions): Tensor { return todo("argmax"); }
export function argmin(x: Tensor, options?: ArgOptions): Tensor { return todo("argmin"); }
export function logSumExp(x: Tensor, options?: AxisOptions): Tensor { return todo("logSumExp"); }
export function softmax(x: Tensor, options: { axis: number }): Tensor { return todo("softmax"); }
export function logSoftmax(x: Tensor, options: { axis: number }): Tensor { return todo("logSoftmax"); }
