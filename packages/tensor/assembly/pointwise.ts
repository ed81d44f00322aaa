// Elementwise kernels, a Dense layer's epilogue and its activation gradient, and row reductions,
// in WebAssembly SIMD for float32 (4 lanes) and float64 (2 lanes).
//
// Every loop walks whole vectors and finishes a row's last lanes one element at a time through
// the same vector code (the element splatted, lane 0 kept), so an element's result never depends
// on where it falls in a row or on how the caller splits the work between threads.
import { lanes, loadOne, splat, storeOne, tag } from "./simd";
import { expF32x4, expF64x2, logF32x4, logF64x2, sigmoidF32x4, sigmoidF64x2, tanhF32x4, tanhF64x2 } from "./vmath";

// Operation codes, shared with src/wasm/pointwise.ts (0 is the identity).
const RELU: i32 = 1;
const LEAKY_RELU: i32 = 2;
const SIGMOID: i32 = 3;
const TANH: i32 = 4;
const EXP: i32 = 5;
const LOG: i32 = 6;

// Reduction codes (0 is the sum).
const MAX: i32 = 1;
const MIN: i32 = 2;

@final
class Identity {
  @inline f32(v: v128, alpha: v128): v128 { return v; }
  @inline f64(v: v128, alpha: v128): v128 { return v; }
  @inline grad32(dA: v128, z: v128, a: v128, alpha: v128): v128 { return dA; }
  @inline grad64(dA: v128, z: v128, a: v128, alpha: v128): v128 { return dA; }
}

@final
class Relu {
  // max propagates NaN and gives +0 for −0, as the TypeScript kernel does
  @inline f32(v: v128, alpha: v128): v128 { return f32x4.max(v, f32x4.splat(0)); }
  @inline f64(v: v128, alpha: v128): v128 { return f64x2.max(v, f64x2.splat(0)); }
  @inline grad32(dA: v128, z: v128, a: v128, alpha: v128): v128 { return v128.and(dA, f32x4.gt(z, f32x4.splat(0))); }
  @inline grad64(dA: v128, z: v128, a: v128, alpha: v128): v128 { return v128.and(dA, f64x2.gt(z, f64x2.splat(0))); }
}

@final
class LeakyRelu {
  @inline f32(v: v128, alpha: v128): v128 { return v128.bitselect(v, f32x4.mul(v, alpha), f32x4.gt(v, f32x4.splat(0))); }
  @inline f64(v: v128, alpha: v128): v128 { return v128.bitselect(v, f64x2.mul(v, alpha), f64x2.gt(v, f64x2.splat(0))); }
  @inline grad32(dA: v128, z: v128, a: v128, alpha: v128): v128 { return v128.bitselect(dA, f32x4.mul(dA, alpha), f32x4.gt(z, f32x4.splat(0))); }
  @inline grad64(dA: v128, z: v128, a: v128, alpha: v128): v128 { return v128.bitselect(dA, f64x2.mul(dA, alpha), f64x2.gt(z, f64x2.splat(0))); }
}

@final
class Sigmoid {
  @inline f32(v: v128, alpha: v128): v128 { return sigmoidF32x4(v); }
  @inline f64(v: v128, alpha: v128): v128 { return sigmoidF64x2(v); }
  // σ' = a(1 − a), from the layer's output
  @inline grad32(dA: v128, z: v128, a: v128, alpha: v128): v128 { return f32x4.mul(dA, f32x4.mul(a, f32x4.sub(f32x4.splat(1), a))); }
  @inline grad64(dA: v128, z: v128, a: v128, alpha: v128): v128 { return f64x2.mul(dA, f64x2.mul(a, f64x2.sub(f64x2.splat(1), a))); }
}

@final
class Tanh {
  @inline f32(v: v128, alpha: v128): v128 { return tanhF32x4(v); }
  @inline f64(v: v128, alpha: v128): v128 { return tanhF64x2(v); }
  // tanh' = 1 − a², from the layer's output
  @inline grad32(dA: v128, z: v128, a: v128, alpha: v128): v128 { return f32x4.mul(dA, f32x4.sub(f32x4.splat(1), f32x4.mul(a, a))); }
  @inline grad64(dA: v128, z: v128, a: v128, alpha: v128): v128 { return f64x2.mul(dA, f64x2.sub(f64x2.splat(1), f64x2.mul(a, a))); }
}

@final
class Exp {
  @inline f32(v: v128, alpha: v128): v128 { return expF32x4(v); }
  @inline f64(v: v128, alpha: v128): v128 { return expF64x2(v); }
}

@final
class Log {
  @inline f32(v: v128, alpha: v128): v128 { return logF32x4(v); }
  @inline f64(v: v128, alpha: v128): v128 { return logF64x2(v); }
}

@inline
function add<T>(a: v128, b: v128): v128 {
  return sizeof<T>() == 4 ? f32x4.add(a, b) : f64x2.add(a, b);
}

@inline
function act<T, Op>(op: Op, v: v128, alpha: v128): v128 {
  return sizeof<T>() == 4 ? op.f32(v, alpha) : op.f64(v, alpha);
}

// ---- y = g(x) over n contiguous elements ------------------------------------------------------

@inline
function mapLoop<T, Op>(op: Op, x: usize, y: usize, n: i32, alpha: T): void {
  const size = <usize>sizeof<T>();
  const al = splat<T>(alpha);
  const whole = n - n % lanes<T>();
  const end = x + <usize>n * size;
  const stop = x + <usize>whole * size;
  for (; x < stop; x += 16, y += 16) v128.store(y, act<T, Op>(op, v128.load(x), al));
  for (; x < end; x += size, y += size) storeOne<T>(y, act<T, Op>(op, loadOne<T>(x), al));
}

@inline
function map<T>(code: i32, x: usize, y: usize, n: i32, alpha: T): void {
  if (code == RELU) mapLoop<T, Relu>(tag<Relu>(), x, y, n, alpha);
  else if (code == LEAKY_RELU) mapLoop<T, LeakyRelu>(tag<LeakyRelu>(), x, y, n, alpha);
  else if (code == SIGMOID) mapLoop<T, Sigmoid>(tag<Sigmoid>(), x, y, n, alpha);
  else if (code == TANH) mapLoop<T, Tanh>(tag<Tanh>(), x, y, n, alpha);
  else if (code == EXP) mapLoop<T, Exp>(tag<Exp>(), x, y, n, alpha);
  else if (code == LOG) mapLoop<T, Log>(tag<Log>(), x, y, n, alpha);
  else mapLoop<T, Identity>(tag<Identity>(), x, y, n, alpha);
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
function epilogueLoop<T, Op>(op: Op, z: usize, a: usize, rows: i32, cols: i32, ld: i32, bias: usize, alpha: T): void {
  const size = <usize>sizeof<T>();
  const al = splat<T>(alpha);
  const whole = <usize>(cols - cols % lanes<T>()) * size;
  const width = <usize>cols * size;
  const store = !(op instanceof Identity);
  for (let i = 0; i < rows; i++) {
    const row = <usize>(i * ld) * size;
    const b = loadOne<T>(bias + <usize>i * size);
    let j: usize = 0;
    for (; j < whole; j += 16) {
      const v = add<T>(v128.load(z + row + j), b);
      v128.store(z + row + j, v);
      if (store) v128.store(a + row + j, act<T, Op>(op, v, al));
    }
    for (; j < width; j += size) {
      const v = add<T>(loadOne<T>(z + row + j), b);
      storeOne<T>(z + row + j, v);
      if (store) storeOne<T>(a + row + j, act<T, Op>(op, v, al));
    }
  }
}

/**
 * The epilogue of a Dense forward on a rows × cols block with row stride ld: z += bias[i] on
 * row i, then a = g(z) (a is not written for the identity). Called after the block's product.
 */
@inline
export function denseEpilogue<T>(code: i32, z: usize, a: usize, rows: i32, cols: i32, ld: i32, bias: usize, alpha: T): void {
  if (code == RELU) epilogueLoop<T, Relu>(tag<Relu>(), z, a, rows, cols, ld, bias, alpha);
  else if (code == LEAKY_RELU) epilogueLoop<T, LeakyRelu>(tag<LeakyRelu>(), z, a, rows, cols, ld, bias, alpha);
  else if (code == SIGMOID) epilogueLoop<T, Sigmoid>(tag<Sigmoid>(), z, a, rows, cols, ld, bias, alpha);
  else if (code == TANH) epilogueLoop<T, Tanh>(tag<Tanh>(), z, a, rows, cols, ld, bias, alpha);
  else epilogueLoop<T, Identity>(tag<Identity>(), z, a, rows, cols, ld, bias, alpha);
}

// ---- Dense backward's first step: dZ = dA·g'(Z), db = scale·Σ_columns dZ ------------------------

/** Adds the lanes of v (float32 lanes widened to float64) into the two float64 lanes of acc. */
@inline
function widenAdd<T>(acc: v128, v: v128): v128 {
  if (sizeof<T>() == 4) return f64x2.add(f64x2.add(acc, f64x2.promote_low_f32x4(v)), f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
  return f64x2.add(acc, v);
}

@inline
function gradLoop<T, Op>(op: Op, dA: usize, z: usize, a: usize, dZ: usize, rows: i32, cols: i32, alpha: T, db: usize, scale: f64): void {
  const size = <usize>sizeof<T>();
  const al = splat<T>(alpha);
  const whole = <usize>(cols - cols % lanes<T>()) * size;
  const width = <usize>cols * size;
  for (let i = 0; i < rows; i++) {
    const row = <usize>i * width;
    let acc = f64x2.splat(0);
    let j: usize = 0;
    for (; j < whole; j += 16) {
      const d = actGrad<T, Op>(op, v128.load(dA + row + j), v128.load(z + row + j), v128.load(a + row + j), al);
      v128.store(dZ + row + j, d);
      acc = widenAdd<T>(acc, d);
    }
    let tail: f64 = 0;
    for (; j < width; j += size) {
      const d = actGrad<T, Op>(op, loadOne<T>(dA + row + j), loadOne<T>(z + row + j), loadOne<T>(a + row + j), al);
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
function actGrad<T, Op>(op: Op, dA: v128, z: v128, a: v128, alpha: v128): v128 {
  return sizeof<T>() == 4 ? op.grad32(dA, z, a, alpha) : op.grad64(dA, z, a, alpha);
}

@inline
function activationGrad<T>(code: i32, dA: usize, z: usize, a: usize, dZ: usize, rows: i32, cols: i32, alpha: T, db: usize, scale: f64): void {
  if (code == RELU) gradLoop<T, Relu>(tag<Relu>(), dA, z, a, dZ, rows, cols, alpha, db, scale);
  else if (code == LEAKY_RELU) gradLoop<T, LeakyRelu>(tag<LeakyRelu>(), dA, z, a, dZ, rows, cols, alpha, db, scale);
  else if (code == SIGMOID) gradLoop<T, Sigmoid>(tag<Sigmoid>(), dA, z, a, dZ, rows, cols, alpha, db, scale);
  else if (code == TANH) gradLoop<T, Tanh>(tag<Tanh>(), dA, z, a, dZ, rows, cols, alpha, db, scale);
  else gradLoop<T, Identity>(tag<Identity>(), dA, z, a, dZ, rows, cols, alpha, db, scale);
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

@final
class Sum {
  @inline start(): f64 { return 0; }
  @inline fold(acc: v128, v: v128): v128 { return f64x2.add(acc, v); }
}

@final
class Max {
  @inline start(): f64 { return -Infinity; }
  @inline fold(acc: v128, v: v128): v128 { return f64x2.max(acc, v); }
}

@final
class Min {
  @inline start(): f64 { return Infinity; }
  @inline fold(acc: v128, v: v128): v128 { return f64x2.min(acc, v); }
}

@inline
function reduceLoop<T, Op>(op: Op, x: usize, rows: i32, cols: i32, out: usize): void {
  const size = <usize>sizeof<T>();
  const start = op.start();
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
        a0 = op.fold(op.fold(a0, f64x2.promote_low_f32x4(v0)), f64x2.promote_low_f32x4(v128.shuffle<f32>(v0, v0, 2, 3, 0, 1)));
        a1 = op.fold(op.fold(a1, f64x2.promote_low_f32x4(v1)), f64x2.promote_low_f32x4(v128.shuffle<f32>(v1, v1, 2, 3, 0, 1)));
        a2 = op.fold(op.fold(a2, f64x2.promote_low_f32x4(v2)), f64x2.promote_low_f32x4(v128.shuffle<f32>(v2, v2, 2, 3, 0, 1)));
        a3 = op.fold(op.fold(a3, f64x2.promote_low_f32x4(v3)), f64x2.promote_low_f32x4(v128.shuffle<f32>(v3, v3, 2, 3, 0, 1)));
      } else {
        a0 = op.fold(a0, v0);
        a1 = op.fold(a1, v1);
        a2 = op.fold(a2, v2);
        a3 = op.fold(a3, v3);
      }
    }
    for (; j < width; j += size) {
      const v = sizeof<T>() == 4 ? f64x2.splat(<f64>load<f32>(row + j)) : f64x2.splat(load<f64>(row + j));
      a0 = op.fold(a0, f64x2.replace_lane(v, 1, start));
    }
    const s = op.fold(op.fold(a0, a1), op.fold(a2, a3));
    const pair = op.fold(s, v128.shuffle<f64>(s, s, 1, 0));
    store<f64>(out + <usize>(i * 8), f64x2.extract_lane(pair, 0));
  }
}

/**
 * out[i] = the sum (kind 0), maximum (1) or minimum (2) of row i of a rows × cols contiguous
 * float32 matrix, accumulated in float64; max and min propagate NaN. out holds float64.
 */
export function reduceRowsF32(kind: i32, x: usize, rows: i32, cols: i32, out: usize): void {
  if (kind == MAX) reduceLoop<f32, Max>(tag<Max>(), x, rows, cols, out);
  else if (kind == MIN) reduceLoop<f32, Min>(tag<Min>(), x, rows, cols, out);
  else reduceLoop<f32, Sum>(tag<Sum>(), x, rows, cols, out);
}

/** reduceRowsF32 for float64 input. */
export function reduceRowsF64(kind: i32, x: usize, rows: i32, cols: i32, out: usize): void {
  if (kind == MAX) reduceLoop<f64, Max>(tag<Max>(), x, rows, cols, out);
  else if (kind == MIN) reduceLoop<f64, Min>(tag<Min>(), x, rows, cols, out);
  else reduceLoop<f64, Sum>(tag<Sum>(), x, rows, cols, out);
}
