// CONTRACT STUB: signatures fixed by the tensor-core author; bodies to be implemented.
import type { DType } from "./dtype.js";
import type { Tensor } from "./tensor.js";

const todo = (op: string): never => {
  throw new Error(`${op}: not implemented yet`);
};

export function concat(tensors: readonly Tensor[], options?: { axis?: number }): Tensor { return todo("concat"); }
export function stack(tensors: readonly Tensor[], options?: { axis?: number }): Tensor { return todo("stack"); }
export function oneHot(indices: Tensor, depth: number, options?: { axis?: number; dtype?: DType }): Tensor { return todo("oneHot"); }
export function gather(x: Tensor, indices: Tensor, options?: { axis?: number }): Tensor { return todo("gather"); }
