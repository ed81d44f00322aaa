// Blocked matrix product C = A·B in WebAssembly SIMD, float32 and float64.
//
// The loop structure is the one of packages/tensor/src/backends/js/gemm.ts (three cache loops around
// a packed micro-kernel); here the micro-kernel keeps a whole MR × NR tile of C in v128 registers:
//
//   for jc in columns, NC at a time
//     for pc in k, KC at a time
//       pack B[pc:pc+KC, jc:jc+NC] into NR-column strips (NR values per k step)
//       for ic in rows, MC at a time
//         pack A[ic:ic+MC, pc:pc+KC] into MR-row strips (MR values per k step)
//         for each NR strip, for each MR strip: the micro-kernel, over KC steps
//
// A and B are read through element strides (row, column), so both transposition cases of each
// operand are packing choices, never a materialised transpose. Packed strips are padded with
// zeros to whole tiles; an edge tile is computed whole into `tile` and only its valid corner is
// stored. The first k panel stores into C, later ones add to it, so C needs no zeroing and every
// element of C is summed in the same order however the caller splits rows or columns between
// threads: one thread and two give identical results.
//
// The caller hands a workspace of `workspaceBytes` bytes per thread; nothing here allocates.
//
// Tiles, measured at n = 512 on one thread (Zen 3 under KVM, Node 20, V8 11.3): f32 4 × 8 and
// 2 × 16 both reach 27–29 GFLOP/s (8 accumulators, two or four B vectors); 4 × 12, 6 × 8, 5 × 8,
// 3 × 12, 2 × 20 and 8 × 4 fall to 15–21 because TurboFan runs out of the 16 XMM registers and
// spills accumulators to the stack on every k step. Unrolling k by two was slower. Relaxed SIMD
// (behind --experimental-wasm-relaxed-simd in Node 20; V8 then runs f32x4.relaxed_madd as one
// fused vfmadd, checked by its single rounding) was measured again on the training shapes, by CPU
// time: the 4 × 8 tile with fused multiply-adds ran 2–4% slower on products of 128 and more (Zen 3
// issues a multiply and an add per cycle on separate pipes, as fast as one FMA, and the FMA's
// 4-cycle latency over 8 accumulators leaves no slack) and 5% faster only on k = 10; 5 × 8 and
// 6 × 8 tiles with FMA, which need 13 and 15 registers, fell to 19–23 GFLOP/s from 49–52. So one
// plain-SIMD build is shipped. f64 tiles are 4 × 4 in f64x2 lanes. MC must be a multiple of both
// MR values: packed A blocks fill exactly MC × KC.

import { epilogueByCode } from "./dispatch";

const MR32: i32 = 4;
const MR64: i32 = 4;
const NR32: i32 = 8;
const NR64: i32 = 4;
const KC: i32 = 256;
const MC: i32 = 64;
const NC: i32 = 2048;

/** Rows of the micro-kernel's tile for element size `size`: products pad m to a multiple of it. */
@inline
export function tileRows(size: i32): i32 {
  return size == 4 ? MR32 : MR64;
}

/** Columns of the micro-kernel's tile for element size `size`: products pad n to a multiple of it. */
@inline
export function tileCols(size: i32): i32 {
  return size == 4 ? NR32 : NR64;
}

/** Bytes of workspace one thread needs for element size `size` (4 or 8). */
export function workspaceBytes(size: i32): i32 {
  return (MC * KC + KC * NC + 8 * 8) * size;
}

// Reads 4 float32 vectors at `from`, `from + stride`, … (4 columns, 4 consecutive k each) and
// stores them transposed: vector q (the 4 columns at k step q) at `to + q·step`.
@inline
function transpose4(from: usize, stride: i32, to: usize, step: i32): void {
  const r0 = v128.load(from);
  const r1 = v128.load(from + <usize>stride);
  const r2 = v128.load(from + <usize>(2 * stride));
  const r3 = v128.load(from + <usize>(3 * stride));
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(to, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(to + <usize>step, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
  v128.store(to + <usize>(2 * step), v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
  v128.store(to + <usize>(3 * step), v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
}

// Packs rows [0, mc) × k [0, kc) of A (element (i, p) at a + (i·rs + p·cs)·size) into MR-row
// strips: strip s holds, for each p, the MR values A[s·MR + r, p].
@inline
function packA<T>(mc: i32, kc: i32, a: usize, rs: i32, cs: i32, dst: usize, mr: i32): void {
  const size = <i32>sizeof<T>();
  for (let s = 0; s < mc; s += mr) {
    const rows = min(mr, mc - s);
    let p = 0;
    if (rs == 1 && rows == mr) {
      // a column-major A (a transposed view): the strip's values at one k step are contiguous
      for (; p < kc; p++) {
        const from = a + <usize>((s + p * cs) * size);
        for (let v = 0; v < mr * size; v += 16) v128.store(dst + <usize>v, v128.load(from + <usize>v));
        dst += <usize>(mr * size);
      }
    }
    if (size == 4 && cs == 1 && rows == 4 && mr == 4) {
      // a row-major A: 4 k steps of the 4 rows are one 4 × 4 transpose
      for (; p + 4 <= kc; p += 4) {
        transpose4(a + <usize>((s * rs + p) * 4), rs * 4, dst, 16);
        dst += 64;
      }
    }
    for (; p < kc; p++) {
      const from = a + <usize>((s * rs + p * cs) * size);
      for (let r = 0; r < mr; r++) {
        store<T>(dst + <usize>(r * size), r < rows ? load<T>(from + <usize>(r * rs * size)) : <T>0);
      }
      dst += <usize>(mr * size);
    }
  }
}

// Packs k [0, kc) × columns [0, nc) of B into `nr`-column strips: for each p, the nr values
// B[p, s + c]. A row-major B (cs = 1) is copied a vector at a time.
@inline
function packB<T>(kc: i32, nc: i32, b: usize, rs: i32, cs: i32, dst: usize, nr: i32): void {
  const size = <i32>sizeof<T>();
  for (let s = 0; s < nc; s += nr) {
    const cols = min(nr, nc - s);
    if (cs == 1 && cols == nr) {
      for (let p = 0; p < kc; p++) {
        const from = b + <usize>((p * rs + s) * size);
        for (let v = 0; v < nr * size; v += 16) v128.store(dst + <usize>v, v128.load(from + <usize>v));
        dst += <usize>(nr * size);
      }
      continue;
    }
    let p = 0;
    if (size == 4 && rs == 1 && cols == nr) {
      // a column-major B (a transposed view): 4 k steps of 8 columns are two 4 × 4 transposes
      for (; p + 4 <= kc; p += 4) {
        const from = b + <usize>((p + s * cs) * 4);
        transpose4(from, cs * 4, dst, nr * 4);
        transpose4(from + <usize>(4 * cs * 4), cs * 4, dst + 16, nr * 4);
        dst += <usize>(4 * nr * 4);
      }
    }
    for (; p < kc; p++) {
      const from = b + <usize>((p * rs + s * cs) * size);
      for (let c = 0; c < nr; c++) {
        store<T>(dst + <usize>(c * size), c < cols ? load<T>(from + <usize>(c * cs * size)) : <T>0);
      }
      dst += <usize>(nr * size);
    }
  }
}

// Stores (or adds) the valid rows × cols corner of a whole tile computed into `tile` (row-major,
// nr wide) into C.
@inline
function storeCorner<T>(tile: usize, nr: i32, rows: i32, cols: i32, c: usize, ldc: i32, accumulate: bool): void {
  const size = <i32>sizeof<T>();
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) {
      const at = c + <usize>((r * ldc + j) * size);
      const v = load<T>(tile + <usize>((r * nr + j) * size));
      store<T>(at, accumulate ? load<T>(at) + v : v);
    }
  }
}

// One 4 × (8 / sizeof T · 4) tile: C[0:4, 0:nr] (+)= Σ_p Ap[p]ᵀ·Bp[p] over kc packed steps, in
// two v128 columns (4 × 8 for f32, 4 × 4 for f64). `c` is the tile's top-left in C with row
// stride `ldc` elements; B advances `bstep` bytes per k step (packed: one strip row; in place: one
// row of B). (A 6 × 8 float32 tile, 12 accumulators, ran at 17 GFLOP/s against 28 for this one:
// V8 spills its registers.)
@inline
function tile<T>(kc: i32, ap: usize, bp: usize, bstep: usize, c: usize, ldc: i32, accumulate: bool): void {
  const size = <usize>sizeof<T>();
  let c00 = v128.splat<T>(<T>0), c01 = c00, c10 = c00, c11 = c00;
  let c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load_splat<T>(ap);
    c00 = v128.add<T>(c00, v128.mul<T>(a, b0));
    c01 = v128.add<T>(c01, v128.mul<T>(a, b1));
    a = v128.load_splat<T>(ap + size);
    c10 = v128.add<T>(c10, v128.mul<T>(a, b0));
    c11 = v128.add<T>(c11, v128.mul<T>(a, b1));
    a = v128.load_splat<T>(ap + 2 * size);
    c20 = v128.add<T>(c20, v128.mul<T>(a, b0));
    c21 = v128.add<T>(c21, v128.mul<T>(a, b1));
    a = v128.load_splat<T>(ap + 3 * size);
    c30 = v128.add<T>(c30, v128.mul<T>(a, b0));
    c31 = v128.add<T>(c31, v128.mul<T>(a, b1));
    ap += 4 * size;
    bp += bstep;
  }
  const row = <usize>ldc * size;
  if (accumulate) {
    c00 = v128.add<T>(c00, v128.load(c)); c01 = v128.add<T>(c01, v128.load(c, 16));
    c10 = v128.add<T>(c10, v128.load(c + row)); c11 = v128.add<T>(c11, v128.load(c + row, 16));
    c20 = v128.add<T>(c20, v128.load(c + 2 * row)); c21 = v128.add<T>(c21, v128.load(c + 2 * row, 16));
    c30 = v128.add<T>(c30, v128.load(c + 3 * row)); c31 = v128.add<T>(c31, v128.load(c + 3 * row, 16));
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + row, c10); v128.store(c + row, c11, 16);
  v128.store(c + 2 * row, c20); v128.store(c + 2 * row, c21, 16);
  v128.store(c + 3 * row, c30); v128.store(c + 3 * row, c31, 16);
}

// The cache loops shared by both element types; `wide` selects the f64 tile. With `addToC` the
// product is added to C instead of stored (the convolutions' weight gradient sums over images).
@inline
export function blocked<T>(
  m: i32, n: i32, k: i32, a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32,
  c: usize, ldc: i32, ws: usize, addToC: bool = false,
): void {
  const size = <i32>sizeof<T>();
  const nr = size == 4 ? NR32 : NR64;
  const mr = size == 4 ? MR32 : MR64;
  const ap = ws;
  const bp = ws + <usize>(MC * KC * size);
  const edge = bp + <usize>(KC * NC * size);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const accumulate = addToC || pc > 0;
      const panel = b + <usize>((pc * brs + jc * bcs) * size);
      // With few rows of A, a row-major B is read in place (a k step is one row away) except for
      // a last, partial strip: packing costs a load and a store per element, which only m
      // multiply-adds repay (20 rows, 12288 × 208: 16 → 23 GFLOP/s). With many rows packing wins,
      // since strides like 2048 bytes make the rows of a strip collide in the cache (n = 512:
      // 21 GFLOP/s in place, 29 packed).
      const direct = bcs == 1 && m < MC;
      const fullCols = direct ? nc - nc % nr : 0;
      if (direct) {
        if (fullCols < nc) packB<T>(kc, nc - fullCols, panel + <usize>(fullCols * size), brs, bcs, bp, nr);
      } else {
        packB<T>(kc, nc, panel, brs, bcs, bp, nr);
      }
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA<T>(mc, kc, a + <usize>((ic * ars + pc * acs) * size), ars, acs, ap, mr);
        for (let jr = 0; jr < nc; jr += nr) {
          const cols = min(nr, nc - jr);
          const inPlace = jr < fullCols;
          const bStrip = inPlace ? panel + <usize>(jr * size) : bp + <usize>((jr - fullCols) * kc * size);
          const bstep = <usize>(inPlace ? brs * size : nr * size);
          for (let ir = 0; ir < mc; ir += mr) {
            const rows = min(mr, mc - ir);
            const aStrip = ap + <usize>(ir * kc * size);
            const at = c + <usize>(((ic + ir) * ldc + jc + jr) * size);
            if (rows == mr && cols == nr) {
              tile<T>(kc, aStrip, bStrip, bstep, at, ldc, accumulate);
            } else {
              tile<T>(kc, aStrip, bStrip, bstep, edge, nr, false);
              storeCorner<T>(edge, nr, rows, cols, at, ldc, accumulate);
            }
          }
        }
      }
    }
  }
}

/**
 * C = A·B in float32: A is m × k with element (i, p) at byte address a + 4(i·ars + p·acs), B is
 * k × n likewise, C is m × n at c with row stride ldc elements (overwritten). Strides are
 * non-negative. `ws` is this thread's workspace of workspaceBytes(4) bytes, 16-byte aligned.
 */
export function gemmF32(
  m: i32, n: i32, k: i32, a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32,
  c: usize, ldc: i32, ws: usize,
): void {
  blocked<f32>(m, n, k, a, ars, acs, b, brs, bcs, c, ldc, ws);
}

/** gemmF32 for float64 elements (8-byte addresses steps); workspace of workspaceBytes(8). */
export function gemmF64(
  m: i32, n: i32, k: i32, a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32,
  c: usize, ldc: i32, ws: usize,
): void {
  blocked<f64>(m, n, k, a, ars, acs, b, brs, bcs, c, ldc, ws);
}

// `count` products one after another on this thread: A[t] at `a + t·abs` elements, B[t] at
// `b + t·bbs` (a batch stride of 0 reuses one operand), C[t] the m × n row-major block at
// `c + t·m·n`.
@inline
function batched<T>(
  count: i32, m: i32, n: i32, k: i32, a: usize, abs: i32, ars: i32, acs: i32, b: usize, bbs: i32, brs: i32, bcs: i32,
  c: usize, ws: usize,
): void {
  const size = <usize>sizeof<T>();
  for (let t = 0; t < count; t++) {
    blocked<T>(m, n, k, a + <usize>(t * abs) * size, ars, acs, b + <usize>(t * bbs) * size, brs, bcs, c + <usize>(t * m * n) * size, n, ws);
  }
}

/**
 * `count` products C[t] = A[t]·B[t] in float32 (see batched): one call runs a batch's share, so a
 * batch of small products costs one kernel call per thread rather than one per product.
 * Workspace as gemmF32.
 */
export function gemmBatchedF32(
  count: i32, m: i32, n: i32, k: i32, a: usize, abs: i32, ars: i32, acs: i32, b: usize, bbs: i32, brs: i32, bcs: i32,
  c: usize, ws: usize,
): void {
  batched<f32>(count, m, n, k, a, abs, ars, acs, b, bbs, brs, bcs, c, ws);
}

/** gemmBatchedF32 for float64 elements. */
export function gemmBatchedF64(
  count: i32, m: i32, n: i32, k: i32, a: usize, abs: i32, ars: i32, acs: i32, b: usize, bbs: i32, brs: i32, bcs: i32,
  c: usize, ws: usize,
): void {
  batched<f64>(count, m, n, k, a, abs, ars, acs, b, bbs, brs, bcs, c, ws);
}

/**
 * A Dense layer's forward on one block in float32: Z = A·B as gemmF32 writes it into c, then
 * Z += bias[i] on row i and aOut = g(Z) (op and alpha as in unary-ops.ts; aOut unused for the
 * identity). bias holds m float32 values, one per row of this block.
 */
export function denseF32(
  m: i32, n: i32, k: i32, a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32,
  c: usize, ldc: i32, ws: usize, bias: usize, op: i32, alpha: f64, aOut: usize,
): void {
  blocked<f32>(m, n, k, a, ars, acs, b, brs, bcs, c, ldc, ws);
  epilogueByCode<f32>(op, c, aOut, m, n, ldc, bias, <f32>alpha);
}

/** denseF32 for float64. */
export function denseF64(
  m: i32, n: i32, k: i32, a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32,
  c: usize, ldc: i32, ws: usize, bias: usize, op: i32, alpha: f64, aOut: usize,
): void {
  blocked<f64>(m, n, k, a, ars, acs, b, brs, bcs, c, ldc, ws);
  epilogueByCode<f64>(op, c, aOut, m, n, ldc, bias, alpha);
}
