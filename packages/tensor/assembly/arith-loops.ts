// Binary arithmetic (add, sub, mul, div, maximum, minimum) in WebAssembly SIMD on an a operand of
// rows × cols contiguous elements and a b operand that is either as long (read from b + r·bRow
// on row r: same shape when bRow = cols, a row repeated when bRow = 0) or one value per row (a
// scalar, or a per-row bias such as (n,1) against (n,m)).
//
// Results equal the TypeScript kernels' bit for bit: they compute in float64 and round once to
// float32, which for +, −, ·, / of two float32 values gives the correctly rounded float32 result,
// as f32x4 does. A scalar that float32 cannot hold (0.1) is kept as float64 and the float32 lanes
// are widened, combined and rounded once, exactly as the TypeScript loop does.
import { lanes, loadOne, storeOne } from "./simd";

// Layouts of b.
const PAIRED: i32 = 0;
const SPREAD: i32 = 1;
const SPREAD_WIDE: i32 = 2;

@inline
function apply<T, Op>(op: Op, a: v128, b: v128): v128 {
  return sizeof<T>() == 4 ? op.f32(a, b) : op.f64(a, b);
}

@inline
function pairedLoop<T, Op>(op: Op, a: usize, b: usize, y: usize, rows: i32, cols: i32, bRow: i32): void {
  const size = <usize>sizeof<T>();
  const width = <usize>cols * size;
  const whole = <usize>(cols - cols % lanes<T>()) * size;
  for (let r = 0; r < rows; r++) {
    const ar = a + <usize>r * width;
    const yr = y + <usize>r * width;
    const br = b + <usize>(r * bRow) * size;
    let j: usize = 0;
    for (; j < whole; j += 16) v128.store(yr + j, apply<T, Op>(op, v128.load(ar + j), v128.load(br + j)));
    for (; j < width; j += size) storeOne<T>(yr + j, apply<T, Op>(op, loadOne<T>(ar + j), loadOne<T>(br + j)));
  }
}

@inline
function spreadLoop<T, Op>(op: Op, a: usize, b: usize, y: usize, rows: i32, cols: i32, bRow: i32): void {
  const size = <usize>sizeof<T>();
  const width = <usize>cols * size;
  const whole = <usize>(cols - cols % lanes<T>()) * size;
  for (let r = 0; r < rows; r++) {
    const ar = a + <usize>r * width;
    const yr = y + <usize>r * width;
    const s = loadOne<T>(b + <usize>(r * bRow) * size);
    let j: usize = 0;
    for (; j < whole; j += 16) v128.store(yr + j, apply<T, Op>(op, v128.load(ar + j), s));
    for (; j < width; j += size) storeOne<T>(yr + j, apply<T, Op>(op, loadOne<T>(ar + j), s));
  }
}

// float32 a against float64 values: four lanes widen to two pairs, combine, and round once
@inline
function spreadWideLoop<Op>(op: Op, a: usize, b: usize, y: usize, rows: i32, cols: i32, bRow: i32): void {
  const width = <usize>cols * 4;
  const whole = <usize>(cols - cols % 4) * 4;
  for (let r = 0; r < rows; r++) {
    const ar = a + <usize>r * width;
    const yr = y + <usize>r * width;
    const s = f64x2.splat(load<f64>(b + <usize>(r * bRow) * 8));
    let j: usize = 0;
    for (; j < whole; j += 16) {
      const v = v128.load(ar + j);
      const lo = f32x4.demote_f64x2_zero(op.f64(f64x2.promote_low_f32x4(v), s));
      const hi = f32x4.demote_f64x2_zero(op.f64(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)), s));
      v128.store(yr + j, v128.shuffle<f32>(lo, hi, 0, 1, 4, 5));
    }
    for (; j < width; j += 4) {
      const v = op.f64(f64x2.splat(<f64>load<f32>(ar + j)), s);
      store<f32>(yr + j, <f32>f64x2.extract_lane(v, 0));
    }
  }
}

@inline
export function byLayout<T, Op>(op: Op, layout: i32, a: usize, b: usize, y: usize, rows: i32, cols: i32, bRow: i32): void {
  if (layout == PAIRED) pairedLoop<T, Op>(op, a, b, y, rows, cols, bRow);
  else if (sizeof<T>() == 4 && layout == SPREAD_WIDE) spreadWideLoop<Op>(op, a, b, y, rows, cols, bRow);
  else spreadLoop<T, Op>(op, a, b, y, rows, cols, bRow);
}
