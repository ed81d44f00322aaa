// Loop planning for strided kernels: several operands walked over one shape, each with its own
// strides. Kernels iterate "rows" (the innermost axis, a tight loop) and step an odometer over
// the outer axes once per row, so the per-element cost is one load and one add on the pointer.
//
// Everything here works on plain numbers and typed arrays, not on Tensor, so that a
// WebAssembly kernel can take the same plan (shape, strides, offsets) unchanged.
import type { DataArray } from "../../dtype.js";
import { contiguousStrides } from "../../shape.js";

/** An iteration space after simplification: innermost axis last, at least one axis. */
export interface Loop {
  /** Lengths of the axes (none is 1 unless the loop is a single element). */
  shape: number[];
  /** `strides[k][axis]`: operand k's stride along each axis. */
  strides: number[][];
  /** Added to each operand's base pointer: flipped axes start at their far end. */
  offsets: number[];
}

/**
 * Simplifies the walk of `shape` by operands with `strides`:
 * - axes of length 1 are dropped (they never move a pointer);
 * - with `reorder`, axes whose first-operand stride is negative are walked backwards (so every
 *   stride becomes positive) and axes are sorted by decreasing first-operand stride, so that the
 *   innermost loop has the smallest stride and memory is read in address order. Only callers
 *   for which the visiting order does not matter (sums, max, per-output positions) ask for it;
 * - neighbouring axes that every operand steps through as one (outer stride = inner stride ×
 *   inner length) are merged, so a contiguous block becomes one long row.
 * An empty result becomes a single axis of length 1 so that kernels always have a row.
 */
export function planLoop(shape: readonly number[], strides: readonly (readonly number[])[], reorder: boolean): Loop {
  const ops = strides.length;
  const offsets = new Array<number>(ops).fill(0);
  let axes: { n: number; s: number[] }[] = [];
  shape.forEach((n, ax) => {
    if (n !== 1) axes.push({ n, s: strides.map((st) => st[ax]!) });
  });
  if (reorder) {
    for (const a of axes) {
      if (a.s[0]! < 0) {
        for (let k = 0; k < ops; k++) {
          offsets[k]! += (a.n - 1) * a.s[k]!;
          a.s[k] = -a.s[k]!;
        }
      }
    }
    // Stable sort: equal strides (broadcast axes, stride 0) keep their logical order.
    axes = axes.map((a, i) => ({ a, i })).sort((x, y) => y.a.s[0]! - x.a.s[0]! || x.i - y.i).map((x) => x.a);
  }
  const merged: { n: number; s: number[] }[] = [];
  for (const a of axes) {
    const prev = merged[merged.length - 1];
    if (prev && prev.s.every((s, k) => s === a.s[k]! * a.n)) {
      prev.n *= a.n;
      prev.s = a.s;
    } else {
      merged.push({ n: a.n, s: [...a.s] });
    }
  }
  if (merged.length === 0) merged.push({ n: 1, s: new Array<number>(ops).fill(0) });
  return {
    shape: merged.map((a) => a.n),
    strides: strides.map((_, k) => merged.map((a) => a.s[k]!)),
    offsets,
  };
}

/**
 * Walks the rows of a {@link Loop} for up to three operands. After `reset(b0, b1, b2)`, `p0..p2`
 * point at the start of the current row, `n` is the row length and `s0..s2` the operands'
 * strides within it; `next()` moves to the following row. A class with plain number fields keeps
 * the hot loops monomorphic and allocation-free (no closure per row).
 */
export class RowCursor {
  /** Number of rows: the product of every axis length but the innermost. */
  readonly rows: number;
  /** Length of each row (the innermost axis). */
  readonly n: number;
  readonly s0: number;
  readonly s1: number;
  readonly s2: number;
  p0 = 0;
  p1 = 0;
  p2 = 0;
  readonly #outer: number;
  readonly #shape: Int32Array;
  readonly #st0: Float64Array;
  readonly #st1: Float64Array;
  readonly #st2: Float64Array;
  readonly #idx: Int32Array;
  readonly #offsets: readonly number[];

  constructor(loop: Loop) {
    const nd = loop.shape.length;
    const stride = (k: number, ax: number): number => loop.strides[k]?.[ax] ?? 0;
    this.n = loop.shape[nd - 1]!;
    this.s0 = stride(0, nd - 1);
    this.s1 = stride(1, nd - 1);
    this.s2 = stride(2, nd - 1);
    this.#outer = nd - 1;
    this.#shape = Int32Array.from(loop.shape.slice(0, nd - 1));
    this.#st0 = Float64Array.from(this.#shape, (_, ax) => stride(0, ax));
    this.#st1 = Float64Array.from(this.#shape, (_, ax) => stride(1, ax));
    this.#st2 = Float64Array.from(this.#shape, (_, ax) => stride(2, ax));
    this.#idx = new Int32Array(nd - 1);
    this.#offsets = loop.offsets;
    let rows = 1;
    for (const n of this.#shape) rows *= n;
    this.rows = rows;
  }

  /** Starts over at the first row, with operand k's base pointer `bk`. */
  reset(b0: number, b1 = 0, b2 = 0): void {
    this.p0 = b0 + (this.#offsets[0] ?? 0);
    this.p1 = b1 + (this.#offsets[1] ?? 0);
    this.p2 = b2 + (this.#offsets[2] ?? 0);
    this.#idx.fill(0);
  }

  /** Advances to the next row (an odometer over the outer axes, last axis fastest). */
  next(): void {
    const idx = this.#idx;
    for (let ax = this.#outer - 1; ax >= 0; ax--) {
      const n = this.#shape[ax]!;
      if (++idx[ax]! < n) {
        this.p0 += this.#st0[ax]!;
        this.p1 += this.#st1[ax]!;
        this.p2 += this.#st2[ax]!;
        return;
      }
      idx[ax] = 0;
      this.p0 -= this.#st0[ax]! * (n - 1);
      this.p1 -= this.#st1[ax]! * (n - 1);
      this.p2 -= this.#st2[ax]! * (n - 1);
    }
  }
}

/**
 * Kernels fold long rows in chunks of CHUNK elements, one call per chunk. Why: V8 optimises a
 * function that is called once with a huge loop only through on-stack replacement, and such
 * code deopts (and is re-entered in the interpreter) on every call whenever a path it has not
 * seen runs: measured 0.3-1 GB/s instead of ~4 GB/s for one 1e7-element sum. Many short calls
 * get the function optimised normally. Summing per chunk also shortens rounding chains.
 */
/**
 * Calls `visit(k, offsets)` for every index of `shape` in row-major order, `k` counting from 0,
 * with `offsets[j] = base[j] + Σ_ax index[ax]·strides[j][ax]` kept up to date by an odometer
 * (one add per operand per step, no multiplication). `strides[j]` may be longer than `shape`;
 * only its first `shape.length` entries are read. `offsets` is reused between calls.
 */
export function forEachIndex(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  base: readonly number[],
  visit: (k: number, offsets: number[]) => void,
): void {
  const offsets = [...base];
  const index = new Array<number>(shape.length).fill(0);
  let count = 1;
  for (const n of shape) count *= n;
  for (let k = 0; k < count; k++) {
    visit(k, offsets);
    for (let ax = shape.length - 1; ax >= 0; ax--) {
      const len = shape[ax]!;
      for (let j = 0; j < offsets.length; j++) offsets[j]! += strides[j]![ax]!;
      if (++index[ax]! < len) break;
      for (let j = 0; j < offsets.length; j++) offsets[j]! -= strides[j]![ax]! * len;
      index[ax] = 0;
    }
  }
}

export const CHUNK = 4096;
/** A strided input split into kept axes (one output each) and reduced axes. */
export interface ReduceSource {
  data: DataArray;
  offset: number;
  keptShape: readonly number[];
  keptStrides: readonly number[];
  reducedShape: readonly number[];
  reducedStrides: readonly number[];
}

/**
 * Which of the two reduction strategies suits the memory layout: "accumulate" (for each reduced
 * position, update a row of outputs) when the innermost kept axis is closer together in memory
 * than the innermost reduced one, so the inner loop reads consecutive addresses; otherwise
 * "block" (fold each output's reduced block in turn).
 */
export function preferAccumulate(kept: Loop, red: Loop): boolean {
  const keptInner = Math.abs(kept.strides[0]!.at(-1)!);
  const keptTrivial = kept.shape.length === 1 && kept.shape[0] === 1;
  const redTrivial = red.shape.length === 1 && red.shape[0] === 1;
  const redInner = redTrivial ? Infinity : Math.abs(red.strides[0]!.at(-1)!);
  return !keptTrivial && keptInner < redInner;
}

/** Loops over the kept axes (operands: input and row-major output) and the reduced axes. The
 * reduced axes may be reordered only when the visiting order cannot change the result. */
export function plans(src: ReduceSource, reorderReduced: boolean): { kept: Loop; red: Loop } {
  return {
    kept: planLoop(src.keptShape, [src.keptStrides, contiguousStrides(src.keptShape)], true),
    red: planLoop(src.reducedShape, [src.reducedStrides], reorderReduced),
  };
}

