// CONTRACT STUB: signatures fixed by the tensor-core author; bodies to be implemented.
import type { NdArray } from "ndarray";
import type { Tensor } from "./tensor.js";
export function fromNdarray(a: NdArray): Tensor { throw new Error("fromNdarray: not implemented yet"); }
export function toNdarray(t: Tensor): NdArray { throw new Error("toNdarray: not implemented yet"); }
