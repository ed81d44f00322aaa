// Entry points of binary arithmetic on a rows × cols operand and a paired or spread one; the
// loops and their layouts are in arith-loops.ts, the operations in binary-ops.ts.
import { binaryByCode } from "./dispatch";

/**
 * y[r, c] = a[r, c] ∘ b' for r < rows, c < cols, float32, rows of a and y contiguous; y may be a.
 * Layout 0: b' = b[r·bRow + c]. Layout 1: b' = b[r·bRow] (float32). Layout 2: b' = b[r·bRow]
 * held as float64, the arithmetic in float64.
 */
export function binaryF32(op: i32, layout: i32, a: usize, b: usize, y: usize, rows: i32, cols: i32, bRow: i32): void {
  binaryByCode<f32>(op, layout, a, b, y, rows, cols, bRow);
}

/** binaryF32 for float64 (layouts 1 and 2 are the same). */
export function binaryF64(op: i32, layout: i32, a: usize, b: usize, y: usize, rows: i32, cols: i32, bRow: i32): void {
  binaryByCode<f64>(op, layout, a, b, y, rows, cols, bRow);
}
