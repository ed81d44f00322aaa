// CONTRACT STUB: signatures fixed by the tensor-core author; bodies to be implemented.
import type { Tensor } from "./tensor.js";

export function matmul(a: Tensor, b: Tensor): Tensor {
  throw new Error("matmul: not implemented yet");
}
