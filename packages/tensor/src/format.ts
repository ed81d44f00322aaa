// CONTRACT STUB: signatures fixed by the tensor-core author; bodies to be implemented.
import type { Tensor } from "./tensor.js";

export function formatTensor(t: Tensor): string {
  return `tensor(shape=(${t.shape.join(",")}), dtype=${t.dtype})`;
}
