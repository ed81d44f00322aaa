// The layer between the documented op functions (./elementwise.ts) and the kernels: argument
// checks, the result dtype, the broadcast shape, the output buffer, then the dispatcher.
//
// Result dtypes start from the promotion of the inputs (promoteTypes; plain numbers are weak, see
// resultTypeWithScalar; two plain numbers count as float32, the default dtype), then one rule:
//   arith  bool becomes int32, others stay     (add sub mul maximum minimum neg abs sign square …)
//   float  bool and int32 become float32       (div pow exp log sqrt sigmoid tanh …)
//   bool   always bool                         (comparisons, logical ops)
import { allocate, promoteTypes, resultTypeWithScalar, type DType } from "./dtype.js";
import { DTypeError, ValueError } from "./errors.js";
import { broadcastShapes, formatShape } from "./shape.js";
import { Tensor } from "./tensor.js";
import type { TensorLike } from "./elementwise.js";
import type { BinaryKernelName, UnaryKernelName } from "./backends/js/elementwise.js";
import { mapWhere } from "./backends/js/map.js";
import { binaryKernel, unaryKernel } from "./dispatch/dispatch.js";
import { compute } from "./record.js";

/** How an op's result dtype follows from the promotion of its inputs (see the file comment). */
export type Rule = "arith" | "float" | "bool";

/** The result dtype of an op of `rule` whose inputs promote to `dtype`. */
export function lift(rule: Rule, dtype: DType): DType {
  if (rule === "bool") return "bool";
  if (rule === "float") return dtype === "float64" ? "float64" : "float32";
  return dtype === "bool" ? "int32" : dtype;
}

/** A value as error messages show it. */
export function describe(x: unknown): string {
  if (x === null || x === undefined || typeof x === "number") return String(x);
  if (typeof x === "object") return x.constructor?.name ?? "object";
  return `${typeof x} ${JSON.stringify(x) ?? String(x)}`;
}

function check(op: string, name: string, x: unknown): asserts x is TensorLike {
  if (!(x instanceof Tensor) && typeof x !== "number") {
    const hint = Array.isArray(x) ? "; wrap arrays with tensor(…)" : "";
    throw new DTypeError(`${op}: ${name} must be a Tensor or a number, got ${describe(x)}${hint}`);
  }
}

const dtypeOf = (x: TensorLike): DType => (typeof x === "number" ? "float32" : x.dtype);
const shapeOf = (x: TensorLike): readonly number[] => (typeof x === "number" ? [] : x.shape);

function promote(a: TensorLike, b: TensorLike): DType {
  if (typeof a === "number") return typeof b === "number" ? "float32" : resultTypeWithScalar(b.dtype, a);
  return typeof b === "number" ? resultTypeWithScalar(a.dtype, b) : promoteTypes(a.dtype, b.dtype);
}

// A weak integer scalar takes an int32 tensor's dtype; one that int32 cannot hold would wrap
// silently, so it is refused (numpy does the same).
function checkIntScalar(op: string, dtype: DType, ...xs: TensorLike[]): void {
  if (dtype !== "int32") return;
  for (const x of xs) {
    if (typeof x === "number" && (x < -2147483648 || x > 2147483647)) {
      throw new DTypeError(`${op}: ${x} is outside the int32 range of an int32 result; cast the tensor to float64 first`);
    }
  }
}

/** A binary op: checks, dtype by `rule`, numpy broadcasting, then the kernel named `op`. */
export function binary(op: BinaryKernelName, a: TensorLike, b: TensorLike, rule: Rule): Tensor {
  check(op, "a", a);
  check(op, "b", b);
  const dtype = lift(rule, promote(a, b));
  if (rule === "arith") checkIntScalar(op, dtype, a, b);
  const shape = broadcastShapes(op, shapeOf(a), shapeOf(b));
  const out = allocate(dtype, shape, op);
  compute(() => binaryKernel(op, a, b, out, shape), { map: false, op, operands: [a, b], out, shape, alpha: 0 });
  return new Tensor(out, shape);
}

/** A unary op: checks, dtype by `rule` (or given), then the kernel named `op` with parameters. */
export function unary(op: UnaryKernelName, x: TensorLike, rule: Rule, dtype?: DType, p = 0, q = 0): Tensor {
  check(op, "x", x);
  const t = typeof x === "number" ? new Tensor(Float64Array.of(x), []) : x;
  const outType = dtype ?? lift(rule, dtypeOf(x));
  const out = allocate(outType, t.shape, op);
  compute(() => unaryKernel(op, t, out, p, q), { map: true, op, operands: [t], out, shape: t.shape, alpha: p });
  return new Tensor(out, t.shape);
}

/** `where`'s checks and dtype (see its documentation). */
export function select(cond: TensorLike | boolean, a: TensorLike, b: TensorLike): Tensor {
  const c = typeof cond === "boolean" ? new Tensor(Uint8Array.of(+cond), []) : cond;
  if (!(c instanceof Tensor) || c.dtype !== "bool") {
    const got = c instanceof Tensor ? `a ${c.dtype} tensor of shape ${formatShape(c.shape)}` : describe(c);
    throw new DTypeError(`where: cond must be a bool tensor, got ${got}; compare explicitly, e.g. where(x.ne(0), a, b)`);
  }
  check("where", "a", a);
  check("where", "b", b);
  const dtype = promote(a, b);
  checkIntScalar("where", dtype, a, b);
  const shape = broadcastShapes("where", c.shape, shapeOf(a), shapeOf(b));
  const out = allocate(dtype, shape, "where");
  compute(() => mapWhere(out, shape, c, a, b));
  return new Tensor(out, shape);
}

/** `clip`'s checks and dtype (see its documentation). */
export function clamp(x: TensorLike, min: number, max: number): Tensor {
  check("clip", "x", x);
  if (typeof min !== "number" || typeof max !== "number" || !(min <= max)) {
    throw new ValueError(`clip: expected numbers with min <= max, got min=${describe(min)} and max=${describe(max)}`);
  }
  // An infinite bound clips nothing, so it must not turn an int32 tensor into float32, nor be
  // refused by the int32 range check that finite bounds get.
  const bound = (d: DType, v: number): DType => (Number.isFinite(v) ? resultTypeWithScalar(d, v) : d);
  const dtype = lift("arith", bound(bound(dtypeOf(x), min), max));
  checkIntScalar("clip", dtype, ...[min, max].filter(Number.isFinite));
  return unary("clip", x, "arith", dtype, min, max);
}

/** `leakyRelu`'s checks and dtype (see its documentation). */
export function leaky(x: TensorLike, alpha: number): Tensor {
  if (typeof alpha !== "number" || !Number.isFinite(alpha)) {
    throw new ValueError(`leakyRelu: alpha must be a finite number, got ${describe(alpha)}`);
  }
  return unary("leakyRelu", x, "float", undefined, alpha);
}
