// Elementwise kernels, a Dense layer's epilogue and its activation gradient, and row reductions,
// in WebAssembly SIMD for float32 (4 lanes) and float64 (2 lanes).
//
// Every loop walks whole vectors and finishes a row's last lanes one element at a time through
// the same vector code (the element splatted, lane 0 kept), so an element's result never depends
// on where it falls in a row or on how the caller splits the work between threads.
import { expF32x4, expF64x2, logF32x4, logF64x2, sigmoidF32x4, sigmoidF64x2, tanhF32x4, tanhF64x2 } from "./vmath";

// Operation codes, shared with src/wasm/pointwise.ts.
const IDENTITY: i32 = 0;
const RELU: i32 = 1;
const LEAKY_RELU: i32 = 2;
const SIGMOID: i32 = 3;
const TANH: i32 = 4;
const EXP: i32 = 5;
const LOG: i32 = 6;

// Reduction codes.
const SUM: i32 = 0;
const MAX: i32 = 1;
const MIN: i32 = 2;

@inline
function lanes<T>(): i32 {
  return 16 / <i32>sizeof<T>();
}

@inline
function splat<T>(x: T): v128 {
  return sizeof<T>() == 4 ? f32x4.splat(<f32>x) : f64x2.splat(<f64>x);
}

@inline
function loadOne<T>(at: usize): v128 {
  return sizeof<T>() == 4 ? v128.load32_splat(at) : v128.load64_splat(at);
}

@inline
function storeOne<T>(at: usize, v: v128): void {
  if (sizeof<T>() == 4) v128.store32_lane(at, v, 0);
  else v128.store64_lane(at, v, 0);
}

/** g(v) lane by lane; `alpha` is leakyRelu's slope, splatted. */
@inline
function act<T>(op: i32, v: v128, alpha: v128): v128 {
  if (sizeof<T>() == 4) {
    if (op == RELU) return f32x4.max(v, f32x4.splat(0)); // NaN stays NaN; −0 gives +0
    if (op == LEAKY_RELU) return v128.bitselect(v, f32x4.mul(v, alpha), f32x4.gt(v, f32x4.splat(0)));
    if (op == SIGMOID) return sigmoidF32x4(v);
    if (op == TANH) return tanhF32x4(v);
    if (op == EXP) return expF32x4(v);
    if (op == LOG) return logF32x4(v);
    return v;
  }
  if (op == RELU) return f64x2.max(v, f64x2.splat(0));
  if (op == LEAKY_RELU) return v128.bitselect(v, f64x2.mul(v, alpha), f64x2.gt(v, f64x2.splat(0)));
  if (op == SIGMOID) return sigmoidF64x2(v);
  if (op == TANH) return tanhF64x2(v);
  if (op == EXP) return expF64x2(v);
  if (op == LOG) return logF64x2(v);
  return v;
}

/** dA·g'(z) lane by lane, with g' written through the layer's output a where that is cheaper. */
@inline
function actGrad<T>(op: i32, dA: v128, z: v128, a: v128, alpha: v128): v128 {
  if (sizeof<T>() == 4) {
    const zero = f32x4.splat(0);
    const one = f32x4.splat(1);
    if (op == RELU) return v128.and(dA, f32x4.gt(z, zero));
    if (op == LEAKY_RELU) return v128.bitselect(dA, f32x4.mul(dA, alpha), f32x4.gt(z, zero));
    if (op == SIGMOID) return f32x4.mul(dA, f32x4.mul(a, f32x4.sub(one, a)));
    if (op == TANH) return f32x4.mul(dA, f32x4.sub(one, f32x4.mul(a, a)));
    return dA;
  }
  const zero = f64x2.splat(0);
  const one = f64x2.splat(1);
  if (op == RELU) return v128.and(dA, f64x2.gt(z, zero));
  if (op == LEAKY_RELU) return v128.bitselect(dA, f64x2.mul(dA, alpha), f64x2.gt(z, zero));
  if (op == SIGMOID) return f64x2.mul(dA, f64x2.mul(a, f64x2.sub(one, a)));
  if (op == TANH) return f64x2.mul(dA, f64x2.sub(one, f64x2.mul(a, a)));
  return dA;
}

@inline
function add<T>(a: v128, b: v128): v128 {
  return sizeof<T>() == 4 ? f32x4.add(a, b) : f64x2.add(a, b);
}

// ---- y = g(x) over n contiguous elements ------------------------------------------------------

@inline
function mapLoop<T>(op: i32, x: usize, y: usize, n: i32, alpha: T): void {
  const size = <usize>sizeof<T>();
  const al = splat<T>(alpha);
  const whole = n - n % lanes<T>();
  const end = x + <usize>n * size;
  const stop = x + <usize>whole * size;
  for (; x < stop; x += 16, y += 16) v128.store(y, act<T>(op, v128.load(x), al));
  for (; x < end; x += size, y += size) storeOne<T>(y, act<T>(op, loadOne<T>(x), al));
}

@inline
function map<T>(op: i32, x: usize, y: usize, n: i32, alpha: T): void {
  // one loop per operation, so each is compiled without the others' branches
  if (op == RELU) mapLoop<T>(RELU, x, y, n, alpha);
  else if (op == LEAKY_RELU) mapLoop<T>(LEAKY_RELU, x, y, n, alpha);
  else if (op == SIGMOID) mapLoop<T>(SIGMOID, x, y, n, alpha);
  else if (op == TANH) mapLoop<T>(TANH, x, y, n, alpha);
  else if (op == EXP) mapLoop<T>(EXP, x, y, n, alpha);
  else if (op == LOG) mapLoop<T>(LOG, x, y, n, alpha);
  else mapLoop<T>(IDENTITY, x, y, n, alpha);
}

/** y[i] = g(x[i]) for i < n, float32; x and y may be the same address. */
export function unaryF32(op: i32, x: usize, y: usize, n: i32, alpha: f32): void {
  map<f32>(op, x, y, n, alpha);
}

/** unaryF32 for float64. */
export function unaryF64(op: i32, x: usize, y: usize, n: i32, alpha: f64): void {
  map<f64>(op, x, y, n, alpha);
}

// ---- Dense epilogue: Z += b (one bias per row), A = g(Z) ---------------------------------------

@inline
function epilogueLoop<T>(op: i32, z: usize, a: usize, rows: i32, cols: i32, ld: i32, bias: usize, alpha: T): void {
  const size = <usize>sizeof<T>();
  const al = splat<T>(alpha);
  const whole = <usize>(cols - cols % lanes<T>()) * size;
  const width = <usize>cols * size;
  for (let i = 0; i < rows; i++) {
    const row = <usize>(i * ld) * size;
    const b = loadOne<T>(bias + <usize>i * size);
    let j: usize = 0;
    for (; j < whole; j += 16) {
      const v = add<T>(v128.load(z + row + j), b);
      v128.store(z + row + j, v);
      if (op != IDENTITY) v128.store(a + row + j, act<T>(op, v, al));
    }
    for (; j < width; j += size) {
      const v = add<T>(loadOne<T>(z + row + j), b);
      storeOne<T>(z + row + j, v);
      if (op != IDENTITY) storeOne<T>(a + row + j, act<T>(op, v, al));
    }
  }
}

/**
 * The epilogue of a Dense forward on a rows × cols block with row stride ld: z += bias[i] on
 * row i, then a = g(z) (a is not written for the identity). Called after the block's product.
 */
@inline
export function denseEpilogue<T>(op: i32, z: usize, a: usize, rows: i32, cols: i32, ld: i32, bias: usize, alpha: T): void {
  if (op == RELU) epilogueLoop<T>(RELU, z, a, rows, cols, ld, bias, alpha);
  else if (op == LEAKY_RELU) epilogueLoop<T>(LEAKY_RELU, z, a, rows, cols, ld, bias, alpha);
  else if (op == SIGMOID) epilogueLoop<T>(SIGMOID, z, a, rows, cols, ld, bias, alpha);
  else if (op == TANH) epilogueLoop<T>(TANH, z, a, rows, cols, ld, bias, alpha);
  else epilogueLoop<T>(IDENTITY, z, a, rows, cols, ld, bias, alpha);
}

// ---- Dense backward's first step: dZ = dA·g'(Z), db = scale·Σ_columns dZ ------------------------

/** Adds the lanes of v (float32 lanes widened to float64) into the two float64 lanes of acc. */
@inline
function widenAdd<T>(acc: v128, v: v128): v128 {
  if (sizeof<T>() == 4) return f64x2.add(f64x2.add(acc, f64x2.promote_low_f32x4(v)), f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
  return f64x2.add(acc, v);
}

@inline
function gradLoop<T>(op: i32, dA: usize, z: usize, a: usize, dZ: usize, rows: i32, cols: i32, alpha: T, db: usize, scale: f64): void {
  const size = <usize>sizeof<T>();
  const al = splat<T>(alpha);
  const whole = <usize>(cols - cols % lanes<T>()) * size;
  const width = <usize>cols * size;
  for (let i = 0; i < rows; i++) {
    const row = <usize>i * width;
    let acc = f64x2.splat(0);
    let j: usize = 0;
    for (; j < whole; j += 16) {
      const d = actGrad<T>(op, v128.load(dA + row + j), v128.load(z + row + j), v128.load(a + row + j), al);
      v128.store(dZ + row + j, d);
      acc = widenAdd<T>(acc, d);
    }
    let tail: f64 = 0;
    for (; j < width; j += size) {
      const d = actGrad<T>(op, loadOne<T>(dA + row + j), loadOne<T>(z + row + j), loadOne<T>(a + row + j), al);
      storeOne<T>(dZ + row + j, d);
      tail += sizeof<T>() == 4 ? <f64>f32x4.extract_lane(d, 0) : f64x2.extract_lane(d, 0);
    }
    if (db != 0) {
      const total = (f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1) + tail) * scale;
      if (sizeof<T>() == 4) store<f32>(db + <usize>i * size, <f32>total);
      else store<f64>(db + <usize>i * size, total);
    }
  }
}

@inline
function activationGrad<T>(op: i32, dA: usize, z: usize, a: usize, dZ: usize, rows: i32, cols: i32, alpha: T, db: usize, scale: f64): void {
  if (op == RELU) gradLoop<T>(RELU, dA, z, a, dZ, rows, cols, alpha, db, scale);
  else if (op == LEAKY_RELU) gradLoop<T>(LEAKY_RELU, dA, z, a, dZ, rows, cols, alpha, db, scale);
  else if (op == SIGMOID) gradLoop<T>(SIGMOID, dA, z, a, dZ, rows, cols, alpha, db, scale);
  else if (op == TANH) gradLoop<T>(TANH, dA, z, a, dZ, rows, cols, alpha, db, scale);
  else gradLoop<T>(IDENTITY, dA, z, a, dZ, rows, cols, alpha, db, scale);
}

/**
 * On rows × cols contiguous float32 matrices: dZ = dA·g'(·) (relu and leakyRelu read z, sigmoid
 * and tanh read the output a), and, when db ≠ 0, db[i] = scale·Σ_j dZ[i, j] summed in float64.
 */
export function activationGradF32(op: i32, dA: usize, z: usize, a: usize, dZ: usize, rows: i32, cols: i32, alpha: f32, db: usize, scale: f64): void {
  activationGrad<f32>(op, dA, z, a, dZ, rows, cols, alpha, db, scale);
}

/** activationGradF32 for float64. */
export function activationGradF64(op: i32, dA: usize, z: usize, a: usize, dZ: usize, rows: i32, cols: i32, alpha: f64, db: usize, scale: f64): void {
  activationGrad<f64>(op, dA, z, a, dZ, rows, cols, alpha, db, scale);
}

// ---- row reductions into float64 ---------------------------------------------------------------

@inline
function fold(kind: i32, acc: v128, v: v128): v128 {
  if (kind == MAX) return f64x2.max(acc, v);
  if (kind == MIN) return f64x2.min(acc, v);
  return f64x2.add(acc, v);
}

@inline
function reduceLoop<T>(kind: i32, x: usize, rows: i32, cols: i32, out: usize): void {
  const size = <usize>sizeof<T>();
  const start: f64 = kind == MAX ? -Infinity : kind == MIN ? Infinity : 0;
  const width = <usize>cols * size;
  // 4 vectors per step: independent accumulators hide the add latency
  const whole = <usize>(cols - cols % (4 * lanes<T>())) * size;
  for (let i = 0; i < rows; i++) {
    const row = x + <usize>i * width;
    let a0 = f64x2.splat(start);
    let a1 = a0;
    let a2 = a0;
    let a3 = a0;
    let j: usize = 0;
    for (; j < whole; j += 64) {
      const v0 = v128.load(row + j);
      const v1 = v128.load(row + j + 16);
      const v2 = v128.load(row + j + 32);
      const v3 = v128.load(row + j + 48);
      if (sizeof<T>() == 4) {
        a0 = fold(kind, fold(kind, a0, f64x2.promote_low_f32x4(v0)), f64x2.promote_low_f32x4(v128.shuffle<f32>(v0, v0, 2, 3, 0, 1)));
        a1 = fold(kind, fold(kind, a1, f64x2.promote_low_f32x4(v1)), f64x2.promote_low_f32x4(v128.shuffle<f32>(v1, v1, 2, 3, 0, 1)));
        a2 = fold(kind, fold(kind, a2, f64x2.promote_low_f32x4(v2)), f64x2.promote_low_f32x4(v128.shuffle<f32>(v2, v2, 2, 3, 0, 1)));
        a3 = fold(kind, fold(kind, a3, f64x2.promote_low_f32x4(v3)), f64x2.promote_low_f32x4(v128.shuffle<f32>(v3, v3, 2, 3, 0, 1)));
      } else {
        a0 = fold(kind, a0, v0);
        a1 = fold(kind, a1, v1);
        a2 = fold(kind, a2, v2);
        a3 = fold(kind, a3, v3);
      }
    }
    for (; j < width; j += size) {
      const v = sizeof<T>() == 4 ? f64x2.splat(<f64>load<f32>(row + j)) : f64x2.splat(load<f64>(row + j));
      a0 = fold(kind, a0, f64x2.replace_lane(v, 1, start));
    }
    const s = fold(kind, fold(kind, a0, a1), fold(kind, a2, a3));
    const pair = fold(kind, s, v128.shuffle<f64>(s, s, 1, 0));
    store<f64>(out + <usize>(i * 8), f64x2.extract_lane(pair, 0));
  }
}

/**
 * out[i] = the sum (kind 0), maximum (1) or minimum (2) of row i of a rows × cols contiguous
 * float32 matrix, accumulated in float64; max and min propagate NaN. out holds float64.
 */
export function reduceRowsF32(kind: i32, x: usize, rows: i32, cols: i32, out: usize): void {
  if (kind == MAX) reduceLoop<f32>(MAX, x, rows, cols, out);
  else if (kind == MIN) reduceLoop<f32>(MIN, x, rows, cols, out);
  else reduceLoop<f32>(SUM, x, rows, cols, out);
}

/** reduceRowsF32 for float64 input. */
export function reduceRowsF64(kind: i32, x: usize, rows: i32, cols: i32, out: usize): void {
  if (kind == MAX) reduceLoop<f64>(MAX, x, rows, cols, out);
  else if (kind == MIN) reduceLoop<f64>(MIN, x, rows, cols, out);
  else reduceLoop<f64>(SUM, x, rows, cols, out);
}
