// Entry points of the elementwise kernels, a Dense layer's activation gradient and row
// reductions, for float32 (4 lanes) and float64 (2 lanes). The loops are in pointwise-loops.ts,
// the operations in unary-ops.ts and reduce-ops.ts, the code → operation switches in dispatch.ts.
import { gradByCode, mapByCode, reduceByCode } from "./dispatch";

/** y[i] = g(x[i]) for i < n, float32; x and y may be the same address. */
export function unaryF32(op: i32, x: usize, y: usize, n: i32, alpha: f32): void {
  mapByCode<f32>(op, x, y, n, alpha);
}

/** unaryF32 for float64. */
export function unaryF64(op: i32, x: usize, y: usize, n: i32, alpha: f64): void {
  mapByCode<f64>(op, x, y, n, alpha);
}

/**
 * On rows × cols contiguous float32 matrices: dZ = dA·g'(·) (relu and leakyRelu read z, sigmoid
 * and tanh read the output a), and, when db ≠ 0, db[i] = scale·Σ_j dZ[i, j] summed in float64.
 */
export function activationGradF32(op: i32, dA: usize, z: usize, a: usize, dZ: usize, rows: i32, cols: i32, alpha: f32, db: usize, scale: f64): void {
  gradByCode<f32>(op, dA, z, a, dZ, rows, cols, alpha, db, scale);
}

/** activationGradF32 for float64. */
export function activationGradF64(op: i32, dA: usize, z: usize, a: usize, dZ: usize, rows: i32, cols: i32, alpha: f64, db: usize, scale: f64): void {
  gradByCode<f64>(op, dA, z, a, dZ, rows, cols, alpha, db, scale);
}

/**
 * out[i] = the reduction (opcodes.json's code: sum, maximum or minimum) of row i of a rows × cols
 * contiguous float32 matrix, accumulated in float64; max and min propagate NaN. out holds float64.
 */
export function reduceRowsF32(kind: i32, x: usize, rows: i32, cols: i32, out: usize): void {
  reduceByCode<f32>(kind, x, rows, cols, out);
}

/** reduceRowsF32 for float64 input. */
export function reduceRowsF64(kind: i32, x: usize, rows: i32, cols: i32, out: usize): void {
  reduceByCode<f64>(kind, x, rows, cols, out);
}
