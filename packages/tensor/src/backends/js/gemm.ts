// Cache-blocked, register-blocked matrix product C = A·B for one pair of strided matrices.
//
// The structure is the usual one of GEMM libraries (three cache loops around a packed
// micro-kernel), written for what V8 compiles well:
//
//   for jc in columns, NC at a time        B panel (KC × NC) lives in L2/L3
//     for pc in k, KC at a time
//       pack B[pc:pc+KC, jc:jc+NC] into Bp: NR-column strips, one row of NR per k step
//       for ic in rows, MC at a time       A block (MC × KC) lives in L2
//         pack A[ic:ic+MC, pc:pc+KC] into Ap: MR-row strips, one column of MR per k step
//         for each NR strip of Bp          this strip (KC × NR) stays in L1
//           for each MR strip of Ap
//             micro-kernel: an MR × NR tile of C in 16 local doubles, summed over KC
//
// Packing is where strides are resolved: A and B are read through row and column strides of any
// sign (0 for broadcast), so a transposed or sliced view costs one strided pass per panel and
// the hot loop only ever walks two dense Float64Arrays. Packing into float64 also converts
// float32/int32 once instead of on every use, and every product is summed in doubles.
//
// Edges: the packed strips are padded with zeros to whole MR/NR tiles, and C is accumulated in a
// float64 scratch matrix whose dimensions are rounded up to whole tiles, so the micro-kernel has
// no edge cases; only the real m × n corner is copied to the output.
//
// What was measured (Zen 3 under KVM, Node 20, n = 512 and 1024, float32 operands, CPU time
// because the machine was shared; run-to-run noise about ±0.3 GFLOP/s):
// - micro-tiles: 4×4 gave 3.2–3.6 GFLOP/s. 2×4, 6×4, 3×8, 8×2, 4×8 and 2×6 landed within noise
//   of it or below (3.0–3.3); 4×3, 3×4, 2×8 were unstable (2.3–3.5); 1×8, 1×16, 2×2 clearly
//   slower (1.8–2.8). Loading one b at a time (column order) instead of all four, unrolling k by
//   2, or a loop on an end pointer changed nothing measurable.
// - blocks: KC ∈ {128, 256, 384, 512}, MC ∈ {32, 64, 96, 128}, NC ∈ {256, 1024} were all within
//   noise at these sizes, except KC = 512 with MC ≤ 64 and MC = 128 with NC = 1024, which were
//   slower at n = 1024. The micro-kernel is bound by V8's per-load checks (map, bounds, index
//   overflow) and register spills, not by memory, so blocking mostly guards larger sizes: at
//   n = 2048 it gave 3.1 GFLOP/s against 2.9 with one unblocked panel (KC = MC = NC = 4096).
// - what mattered, all about V8's code for the hot loop: stepping the packed indices by a literal
//   4 rather than the module constants MR/NR (2.7 → 3.2), and, measured interleaved in one
//   process, both packed panels in one array plus `| 0` index arithmetic (3.7 → 3.9).
import type { DataArray } from "../../dtype.js";

/** Micro-tile rows (the micro-kernel below is written out for exactly 4 × 4). */
export const MR = 4;
/** Micro-tile columns. */
export const NR = 4;
/** k per packed panel: a KC × NR strip of B (8 KiB) stays in L1 across a whole A block. */
export const KC = 256;
/** Rows per packed A block: MC × KC doubles (128 KiB) stay in L2. */
export const MC = 64;
/** Columns per packed B panel (KC × NC doubles, 2 MiB, in L2/L3). */
export const NC = 1024;

/** A matrix read through strides: element (i, j) is `data[offset + i·rowStride + j·colStride]`. */
export interface StridedMatrix {
  data: DataArray;
  offset: number;
  rowStride: number;
  colStride: number;
}

/** A stack of matrices on one batch axis: the first matrix, and the stride from one to the next (0 repeats it). */
export interface StridedBatch extends StridedMatrix {
  batchStride: number;
}

/**
 * Scratch buffers for one m × n × k product, sized once and reused for every batch element of a
 * call (the kernel is synchronous, so nothing else can touch them meanwhile).
 */
export interface GemmWorkspace {
  /**
   * Both packed operands in one array: the A block (MC × KC, rounded to tiles) from 0, the B panel
   * (KC × NC, rounded to tiles) from `bStart`. One array instead of two saves the micro-kernel one
   * type check and three header loads per k step (V8 repeats them every iteration).
   */
  panels: Float64Array;
  /** Where the packed B panel starts in `panels`. */
  bStart: number;
  /** The product in doubles, rows and columns rounded up to whole tiles. */
  c: Float64Array;
  /** Row length of `c` (n rounded up to NR). */
  ldc: number;
}

const roundUp = (x: number, to: number): number => Math.ceil(x / to) * to;

/** Scratch sized for m × n × k, no larger than the problem needs. */
export function gemmWorkspace(m: number, n: number, k: number): GemmWorkspace {
  const mp = roundUp(m, MR);
  const np = roundUp(n, NR);
  const kc = Math.min(KC, k);
  const bStart = Math.min(MC, mp) * kc;
  return {
    panels: new Float64Array(bStart + kc * Math.min(NC, np)),
    bStart,
    c: new Float64Array(mp * np),
    ldc: np,
  };
}

/**
 * Packs rows [r0, r0+rows) × k [p0, p0+kc) of `x` into `dst` from `q`, as 4-row strips, k-major
 * (one column of 4 per k step). A's row strips are packed as they are; B's column strips are the
 * row strips of Bᵀ, which is B read with its two strides swapped (MR = NR = 4 makes one packer
 * serve both).
 */
function packStrips(x: StridedMatrix, r0: number, rows: number, p0: number, kc: number, dst: Float64Array, q: number): void {
  const { data, rowStride: rs, colStride: cs } = x;
  for (let ir = 0; ir < rows; ir += MR) {
    const live = Math.min(MR, rows - ir);
    let at = x.offset + (r0 + ir) * rs + p0 * cs;
    if (live === MR) {
      for (let p = 0; p < kc; p++, at += cs) {
        dst[q] = data[at]!;
        dst[q + 1] = data[at + rs]!;
        dst[q + 2] = data[at + 2 * rs]!;
        dst[q + 3] = data[at + 3 * rs]!;
        q += MR;
      }
    } else {
      // the last strip of a block: missing rows are zeros so the micro-kernel needs no edge case
      for (let p = 0; p < kc; p++, at += cs) {
        for (let r = 0; r < MR; r++) dst[q++] = r < live ? data[at + r * rs]! : 0;
      }
    }
  }
}

/**
 * The 4×4 tile of C at `pc` += (A strip at `pa`) · (B strip at `pb`) over kc steps, both strips in
 * `panels`. The sixteen sums are locals so that V8 keeps most of them in registers; each k step
 * loads 4 + 4 doubles for 16 multiply-adds. Indices step by a literal 4 (V8 reloads module
 * constants such as MR inside loops) and use `| 0` arithmetic, which lets V8 drop the overflow
 * check on each index (they stay far below 2^31).
 */
function micro4x4(kc: number, panels: Float64Array, pa: number, pb: number, c: Float64Array, pc: number, ldc: number): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < kc; p++) {
    const a0 = panels[pa]!, a1 = panels[(pa + 1) | 0]!, a2 = panels[(pa + 2) | 0]!, a3 = panels[(pa + 3) | 0]!;
    const b0 = panels[pb]!, b1 = panels[(pb + 1) | 0]!, b2 = panels[(pb + 2) | 0]!, b3 = panels[(pb + 3) | 0]!;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    pa = (pa + 4) | 0;
    pb = (pb + 4) | 0;
  }
  c[pc] = c[pc]! + c00; c[pc + 1] = c[pc + 1]! + c01; c[pc + 2] = c[pc + 2]! + c02; c[pc + 3] = c[pc + 3]! + c03;
  pc += ldc;
  c[pc] = c[pc]! + c10; c[pc + 1] = c[pc + 1]! + c11; c[pc + 2] = c[pc + 2]! + c12; c[pc + 3] = c[pc + 3]! + c13;
  pc += ldc;
  c[pc] = c[pc]! + c20; c[pc + 1] = c[pc + 1]! + c21; c[pc + 2] = c[pc + 2]! + c22; c[pc + 3] = c[pc + 3]! + c23;
  pc += ldc;
  c[pc] = c[pc]! + c30; c[pc + 1] = c[pc + 1]! + c31; c[pc + 2] = c[pc + 2]! + c32; c[pc + 3] = c[pc + 3]! + c33;
}

/**
 * out[outOffset + i·n + j] = Σ_p A[i,p]·B[p,j] for an m × n result (row-major, overwritten),
 * with k ≥ 1. The sum runs in doubles; the store converts to the output's element type.
 */
export function blockedGemm(
  m: number, n: number, k: number,
  a: StridedMatrix, b: StridedMatrix,
  out: DataArray, outOffset: number,
  ws: GemmWorkspace,
): void {
  const { panels, bStart, c, ldc } = ws;
  const bT: StridedMatrix = { data: b.data, offset: b.offset, rowStride: b.colStride, colStride: b.rowStride };
  c.fill(0, 0, roundUp(m, MR) * ldc);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packStrips(bT, jc, nc, pc, kc, panels, bStart);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packStrips(a, ic, mc, pc, kc, panels, 0);
        // NR strips outside, MR strips inside: one B strip is reused from L1 by every A strip
        for (let jr = 0; jr < nc; jr += NR) {
          const pb = bStart + jr * kc;
          for (let ir = 0; ir < mc; ir += MR) {
            micro4x4(kc, panels, ir * kc, pb, c, (ic + ir) * ldc + jc + jr, ldc);
          }
        }
      }
    }
  }
  for (let i = 0; i < m; i++) {
    const from = i * ldc;
    const to = outOffset + i * n;
    for (let j = 0; j < n; j++) out[to + j] = c[from + j]!;
  }
}
