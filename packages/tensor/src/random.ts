// CONTRACT STUB: signatures fixed by the tensor-core author; bodies to be implemented.
import type { DType } from "./dtype.js";
import type { Shape } from "./shape.js";
import type { Tensor } from "./tensor.js";

const todo = (op: string): never => {
  throw new Error(`${op}: not implemented yet`);
};

export class Rng {
  constructor(seed: number) { todo("Rng"); }
}
export function rng(seed: number): Rng { return todo("rng"); }
export function rand(shape: Shape, options?: { rng?: Rng; dtype?: DType }): Tensor { return todo("rand"); }
export function randn(shape: Shape, options?: { rng?: Rng; dtype?: DType }): Tensor { return todo("randn"); }
