// Binary arithmetic on the WebAssembly kernels (assembly/arith.ts): stage the operands with one
// memcpy each, compute in place over the first one, copy the result out; resident operands are
// read in place and a resident output written in place. One thread: these ops are bound by
// memory, which a second thread only contends for.
import { runParallel } from "./pool.js";
import { copyOut, loadedRuntime, outputAt, residentAt, viewOf } from "./gemm.js";
import { BINARY_CODES, SWAPPED_CODES, type WasmBinaryOp } from "./opcodes.js";
import { resetArena, takeArena } from "./runtime.js";

type FloatArray = Float32Array | Float64Array;

/**
 * How the other operand lines up with a rows × cols contiguous one: `values[offset + r·rowStep + c]`
 * (paired), or `values[offset + r·rowStep]` for the whole of row r (spread). A number is spread.
 */
export interface OtherOperand {
  values: FloatArray | number;
  offset: number;
  rowStep: number;
  spread: boolean;
}

const LAYOUT = { paired: 0, spread: 1, spreadWide: 2 } as const;

/** The number of elements of `other` a rows × cols operation reads. */
function extent(other: OtherOperand, rows: number, cols: number): number {
  if (typeof other.values === "number") return 1;
  return (rows - 1) * other.rowStep + (other.spread ? 1 : cols);
}

/**
 * out[r·cols + c] = x[xOffset + r·cols + c] ∘ other (or other ∘ x when `swapped`) for r < rows,
 * c < cols, in out's element type; x and a tensor `other` have that type too. A number float32
 * cannot hold is applied in float64 and rounded once, as the TypeScript kernels do.
 */
export function wasmBinary(
  op: WasmBinaryOp, swapped: boolean, x: FloatArray, xOffset: number, other: OtherOperand, out: FloatArray, rows: number, cols: number,
): void {
  const wide = out instanceof Float64Array;
  const size = wide ? 8 : 4;
  const n = rows * cols;
  const rt = loadedRuntime(op);
  resetArena();
  let at = residentAt(x, xOffset, wide);
  // a staged x is computed over in place, unless the output is resident
  const y = residentAt(out, 0, wide) >= 0 || at >= 0 ? outputAt(rt, out, 0, n) : -1;
  if (at < 0) {
    at = takeArena(rt, n * size);
    viewOf(rt, wide).set(x.subarray(xOffset, xOffset + n), at / size);
  }
  let layout: number = other.spread ? LAYOUT.spread : LAYOUT.paired;
  let b: number;
  if (typeof other.values === "number") {
    const s = other.values;
    layout = !wide && Math.fround(s) !== s && !Number.isNaN(s) ? LAYOUT.spreadWide : LAYOUT.spread;
    const bytes = layout === LAYOUT.spreadWide ? 8 : size;
    b = takeArena(rt, bytes);
    viewOf(rt, bytes === 8)[b / bytes] = s;
  } else {
    b = residentAt(other.values, other.offset, wide);
    if (b < 0) {
      const count = extent(other, rows, cols);
      b = takeArena(rt, count * size);
      viewOf(rt, wide).set(other.values.subarray(other.offset, other.offset + count), b / size);
    }
  }
  const code = swapped ? SWAPPED_CODES[op] : BINARY_CODES[op];
  const to = y >= 0 ? y : at;
  runParallel(rt, [{ kernel: wide ? "binaryF64" : "binaryF32", args: [code, layout, at, b, to, rows, cols, other.rowStep] }]);
  copyOut(rt, to, n, out, 0);
}
