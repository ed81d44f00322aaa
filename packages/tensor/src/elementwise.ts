// CONTRACT STUB: signatures fixed by the tensor-core author; bodies to be implemented.
import type { Tensor } from "./tensor.js";

/** A tensor or a plain number (a "weak" scalar: see resultTypeWithScalar). */
export type TensorLike = Tensor | number;

const todo = (op: string): never => {
  throw new Error(`${op}: not implemented yet`);
};

export function add(a: TensorLike, b: TensorLike): Tensor { return todo("add"); }
export function sub(a: TensorLike, b: TensorLike): Tensor { return todo("sub"); }
export function mul(a: TensorLike, b: TensorLike): Tensor { return todo("mul"); }
export function div(a: TensorLike, b: TensorLike): Tensor { return todo("div"); }
export function pow(a: TensorLike, b: TensorLike): Tensor { return todo("pow"); }
export function maximum(a: TensorLike, b: TensorLike): Tensor { return todo("maximum"); }
export function minimum(a: TensorLike, b: TensorLike): Tensor { return todo("minimum"); }
export function eq(a: TensorLike, b: TensorLike): Tensor { return todo("eq"); }
export function ne(a: TensorLike, b: TensorLike): Tensor { return todo("ne"); }
export function lt(a: TensorLike, b: TensorLike): Tensor { return todo("lt"); }
export function le(a: TensorLike, b: TensorLike): Tensor { return todo("le"); }
export function gt(a: TensorLike, b: TensorLike): Tensor { return todo("gt"); }
export function ge(a: TensorLike, b: TensorLike): Tensor { return todo("ge"); }
export function logicalAnd(a: TensorLike, b: TensorLike): Tensor { return todo("logicalAnd"); }
export function logicalOr(a: TensorLike, b: TensorLike): Tensor { return todo("logicalOr"); }
export function logicalNot(x: TensorLike): Tensor { return todo("logicalNot"); }
export function neg(x: TensorLike): Tensor { return todo("neg"); }
export function abs(x: TensorLike): Tensor { return todo("abs"); }
export function sign(x: TensorLike): Tensor { return todo("sign"); }
export function exp(x: TensorLike): Tensor { return todo("exp"); }
export function log(x: TensorLike): Tensor { return todo("log"); }
export function log1p(x: TensorLike): Tensor { return todo("log1p"); }
export function sqrt(x: TensorLike): Tensor { return todo("sqrt"); }
export function square(x: TensorLike): Tensor { return todo("square"); }
export function reciprocal(x: TensorLike): Tensor { return todo("reciprocal"); }
export function sin(x: TensorLike): Tensor { return todo("sin"); }
export function cos(x: TensorLike): Tensor { return todo("cos"); }
export function relu(x: TensorLike): Tensor { return todo("relu"); }
export function leakyRelu(x: TensorLike, alpha?: number): Tensor { return todo("leakyRelu"); }
export function sigmoid(x: TensorLike): Tensor { return todo("sigmoid"); }
export function tanh(x: TensorLike): Tensor { return todo("tanh"); }
export function softplus(x: TensorLike): Tensor { return todo("softplus"); }
export function floor(x: TensorLike): Tensor { return todo("floor"); }
export function ceil(x: TensorLike): Tensor { return todo("ceil"); }
export function round(x: TensorLike): Tensor { return todo("round"); }
export function where(cond: TensorLike, a: TensorLike, b: TensorLike): Tensor { return todo("where"); }
export function clip(x: TensorLike, min: number, max: number): Tensor { return todo("clip"); }
