// How the operands of a binary op line up for the WebAssembly kernels (./arith.ts): one operand
// contiguous with the output's shape, the other the same, a number, one value per row of the
// output (a bias (n,1) against (n,m)) or one row repeated ((m,) against (n,m)).
import { shapeSize, type Shape } from "../../shape.js";
import { Tensor } from "../../tensor.js";
import type { TensorLike } from "../../elementwise.js";
import { wasmBinary, type OtherOperand } from "./arith.js";
import { BINARY_CODES, type WasmBinaryOp } from "./opcodes.js";
import { dtypeOfArray, type DataArray } from "../../dtype.js";

const isFull = (x: TensorLike, shape: Shape, out: DataArray): x is Tensor =>
  x instanceof Tensor && x.isContiguous && x.dtype === dtypeOfArray(out) && x.shape.length === shape.length && x.shape.every((d, i) => d === shape[i]);

/** Whether axes [from, to) of t are row-major contiguous (axes of length 1 ignored). */
function rowMajor(t: Tensor, shape: Shape, from: number, to: number): boolean {
  let expected = 1;
  for (let ax = to - 1; ax >= from; ax--) {
    if (shape[ax] === 1) continue;
    if (t.strides[ax] !== expected) return false;
    expected *= shape[ax]!;
  }
  return true;
}

/** Whether t repeats along every axis of [from, to). */
const constant = (t: Tensor, shape: Shape, from: number, to: number): boolean =>
  t.strides.slice(from, to).every((s, i) => s === 0 || shape[from + i] === 1);

/** How `x`, broadcast to `shape`, lines up with a rows × cols block of the output; null if it does not. */
function layoutOf(x: TensorLike, shape: Shape, out: DataArray): (OtherOperand & { rows: number; cols: number }) | null {
  const n = out.length;
  if (typeof x === "number" || x.size === 1) {
    const value = typeof x === "number" ? x : x.data[x.offset]!;
    return { values: value, offset: 0, rowStep: 0, spread: true, rows: 1, cols: n };
  }
  if (x.dtype !== dtypeOfArray(out)) return null;
  const t = x.broadcastTo(shape);
  const values = t.data as Float32Array | Float64Array;
  if (t.isContiguous) return { values, offset: t.offset, rowStep: n, spread: false, rows: 1, cols: n };
  for (let k = 1; k < shape.length; k++) {
    const rows = shapeSize(shape.slice(0, k));
    const cols = n / rows;
    if (constant(t, shape, k, shape.length) && rowMajor(t, shape, 0, k)) return { values, offset: t.offset, rowStep: 1, spread: true, rows, cols };
    if (constant(t, shape, 0, k) && rowMajor(t, shape, k, shape.length)) return { values, offset: t.offset, rowStep: 0, spread: false, rows, cols };
  }
  return null;
}

/**
 * Runs `out = a ∘ b` on the kernels and returns true when the op, the dtypes and the operands'
 * layout allow it; returns false, having done nothing, otherwise.
 */
export function binaryOnWasm(op: string, a: TensorLike, b: TensorLike, out: DataArray, shape: Shape): boolean {
  if (!(op in BINARY_CODES) || !(out instanceof Float32Array || out instanceof Float64Array)) return false;
  const kernel = op as WasmBinaryOp;
  for (const swapped of [false, true]) {
    const [x, y] = swapped ? [b, a] : [a, b];
    if (!isFull(x, shape, out)) continue;
    const other = layoutOf(y, shape, out);
    if (other === null) continue;
    wasmBinary(kernel, swapped, x.data as Float32Array | Float64Array, x.offset, other, out, other.rows, other.cols);
    return true;
  }
  return false;
}
