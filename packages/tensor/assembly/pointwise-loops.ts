// The loops of the elementwise kernels, generic in the float type T and the operation class Op
// (unary-ops.ts, reduce-ops.ts); dispatch.ts instantiates them once per operation.
//
// Every loop walks whole vectors and finishes a row's last lanes one element at a time through
// the same vector code (the element splatted, lane 0 kept), so an element's result never depends
// on where it falls in a row or on how the caller splits the work between threads.
import { lanes, loadOne, splat, storeOne } from "./simd";
import { Identity } from "./unary-ops";

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
export function mapLoop<T, Op>(op: Op, x: usize, y: usize, n: i32, alpha: T): void {
  const size = <usize>sizeof<T>();
  const al = splat<T>(alpha);
  const whole = n - n % lanes<T>();
  const end = x + <usize>n * size;
  const stop = x + <usize>whole * size;
  for (; x < stop; x += 16, y += 16) v128.store(y, act<T, Op>(op, v128.load(x), al));
  for (; x < end; x += size, y += size) storeOne<T>(y, act<T, Op>(op, loadOne<T>(x), al));
}

// ---- Dense epilogue: Z += b (one bias per row), A = g(Z) ---------------------------------------

@inline
export function epilogueLoop<T, Op>(op: Op, z: usize, a: usize, rows: i32, cols: i32, ld: i32, bias: usize, alpha: T): void {
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

// ---- Dense backward's first step: dZ = dA·g'(Z), db = scale·Σ_columns dZ ------------------------

/** Adds the lanes of v (float32 lanes widened to float64) into the two float64 lanes of acc. */
@inline
function widenAdd<T>(acc: v128, v: v128): v128 {
  if (sizeof<T>() == 4) return f64x2.add(f64x2.add(acc, f64x2.promote_low_f32x4(v)), f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
  return f64x2.add(acc, v);
}

@inline
export function gradLoop<T, Op>(op: Op, dA: usize, z: usize, a: usize, dZ: usize, rows: i32, cols: i32, alpha: T, db: usize, scale: f64): void {
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

// ---- row reductions into float64 ------------------------------------------------------------

@inline
export function reduceLoop<T, Op>(op: Op, x: usize, rows: i32, cols: i32, out: usize): void {
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
