// The TypeScript products: a blocked kernel that packs its operands (./gemm.ts) and, for small
// products and single rows or columns, a plain loop. They are also the reference the WebAssembly
// kernels are tested against. Sums run in doubles; the store converts to the output's element
// type (rounding for Float32Array, wrapping for Int32Array).
import type { Product } from "../backend.js";
import type { DataArray } from "../../dtype.js";
import { blockedGemm, gemmWorkspace, type GemmWorkspace, type StridedMatrix } from "./gemm.js";

/**
 * A product kernel for m × n × k products, with its scratch allocated once: packing buffers for
 * the blocked kernel when `blocked` (the dispatcher's size choice) and the product has more than
 * one row and column, else one row for the plain loop.
 */
export function jsProduct(m: number, n: number, k: number, blocked: boolean): Product {
  const scratch = scratchFor(m, n, k, blocked);
  return (mm, nn, kk, a, b, o, at) => product(mm, nn, kk, a, b, o, at, scratch);
}

/** Scratch for one product: packing buffers for the blocked kernel, or one row for the plain loop. */
type Scratch = { blocked: GemmWorkspace } | { row: Float64Array };

function scratchFor(m: number, n: number, k: number, blocked: boolean): Scratch {
  // a single row or column would be padded to a whole tile: the plain loop does it with no waste
  return blocked && m > 1 && n > 1 ? { blocked: gemmWorkspace(m, n, k) } : { row: new Float64Array(n) };
}

function product(
  m: number, n: number, k: number, a: StridedMatrix, b: StridedMatrix,
  out: DataArray, outOffset: number, scratch: Scratch,
): void {
  if ("blocked" in scratch) blockedGemm(m, n, k, a, b, out, outOffset, scratch.blocked);
  else smallGemm(m, n, k, a, b, out, outOffset, scratch.row);
}

/**
 * The plain loop for small products and for single rows or columns: for each row of A, the row
 * of C is accumulated in doubles as Σ_p A[i,p]·B[p,:] (i-p-j order walks B along its rows).
 */
export function smallGemm(
  m: number, n: number, k: number, a: StridedMatrix, b: StridedMatrix,
  out: DataArray, outOffset: number, row: Float64Array = new Float64Array(n),
): void {
  const { data: ad, rowStride: ars, colStride: acs } = a;
  const { data: bd, rowStride: brs, colStride: bcs } = b;
  for (let i = 0; i < m; i++) {
    row.fill(0);
    let ai = a.offset + i * ars;
    let bp = b.offset;
    for (let p = 0; p < k; p++, ai += acs, bp += brs) {
      const x = ad[ai]!;
      for (let j = 0, bj = bp; j < n; j++, bj += bcs) row[j] = row[j]! + x * bd[bj]!;
    }
    const to = outOffset + i * n;
    for (let j = 0; j < n; j++) out[to + j] = row[j]!;
  }
}
