// Drivers that run an elementwise kernel over strided, broadcast operands into a new row-major
// output. The strategy, in order:
//   0. Inputs contiguous with the output's shape, or a tensor and a scalar: one plain loop.
//   1. Split the axes into an outer part and the longest inner block over which every operand is
//      either row-major contiguous or constant (stride 0): strided.ts's planner, which the in-place
//      and softmax loops use too, merges the axes that every operand steps through as one. When that block is the whole tensor
//      (contiguous inputs, tensor-op-scalar) one plain loop runs; when it is long enough, one plain
//      loop runs per block, which covers bias-style broadcasts like (n,1)+(n,m) and (4,)+(2,3,4).
//   2. Otherwise (short blocks: transposed or finely strided inputs) ndarray-ops, whose generated
//      loops handle any strides, when it has the op with the same semantics. It reorders its loops
//      to follow memory, which wins for cheap ops (add on a transposed input: 1.5x a strided loop).
//   3. Otherwise, for unary ops and `where`, one loop per row of the innermost merged axis, each operand
//      read with its own step (for exp-like ops a gather pass would cost more than the op saves).
//   4. Otherwise copy the operands to row-major order, then one plain loop.
import ndarray from "ndarray";
import ops from "ndarray-ops";
import { dtypeOfArray, type DataArray } from "../../dtype.js";
import { contiguousStrides, type Shape } from "../../shape.js";
import { Tensor } from "../../tensor.js";
import { contiguousCopy } from "../../copy.js";
import { whereKernel, type BinaryKernel, type UnaryKernel } from "./elementwise.js";
import { forEachIndex, planLoop } from "./strided.js";
import { THRESHOLDS } from "../../dispatch/thresholds.js";

/** A tensor broadcastable to the output's shape, or a plain number. */
export type Operand = Tensor | number;

// Below MIN_BLOCK elements per inner block the per-block call overhead outweighs the plain loop's
// advantage and ndarray-ops (one call for the whole tensor) is faster. Measured on (n,m)+(n,1)
// float32, n·m = 1e6, one loop per block against ndarray-ops: m = 2: 0.23x, 8: 0.56x, 16: 0.8x,
// 32: 1.0x, 64: 1.15x, 250: 1.3x.
const MIN_BLOCK = THRESHOLDS.minBlock;

/**
 * The walk of the output's shape by the operands, from strided.ts's planner (the one the in-place
 * and softmax loops use): axes of length 1 dropped and neighbours that every operand (and the
 * row-major output) steps through as one merged, in the output's order. The last merged axis is
 * the inner block (or row); the others are walked in row-major order, so the k-th block starts
 * at output element k·block.
 */
interface Plan {
  outer: number[];
  /** Per operand: its strides along the outer axes. */
  outerStrides: number[][];
  /** Elements per inner block (row). */
  block: number;
  /** Per operand: its step along the block (0 for a constant operand). */
  steps: number[];
  /** Whether every operand is contiguous (step 1) or constant (step 0) along the block. */
  plain: boolean;
}

function plan(shape: Shape, ts: readonly Tensor[]): Plan {
  const loop = planLoop(shape, [contiguousStrides(shape), ...ts.map((t) => t.strides)], false);
  const last = loop.shape.length - 1;
  const strides = loop.strides.slice(1);
  const steps = strides.map((st) => st[last]!);
  return {
    outer: loop.shape.slice(0, last),
    outerStrides: strides.map((st) => st.slice(0, last)),
    block: loop.shape[last]!,
    steps,
    plain: steps.every((step) => step === 0 || step === 1),
  };
}

/** Calls `visit(o0, offsets)` for each inner block, in row-major order of the outer axes. */
function forEachBlock(p: Plan, ts: readonly Tensor[], visit: (o0: number, offsets: number[]) => void): void {
  forEachIndex(p.outer, p.outerStrides, ts.map((t) => t.offset), (k, offsets) => visit(k * p.block, offsets));
}

// Plain loops per block, when the blocks are long enough to repay a call each (or there is one).
const useBlocks = (p: Plan): boolean => p.plain && (p.outer.length === 0 || p.block >= MIN_BLOCK);

// Rows shorter than this are gathered to row-major order first instead (per-row call overhead).
const MIN_ROW = THRESHOLDS.minRow;

const wrap = (out: DataArray, shape: Shape) => ndarray(out, [...shape]);
const valueOf = (x: Operand): number | undefined => (typeof x === "number" ? x : x.size === 1 ? x.data[x.offset] : undefined);

/** `out = f(x; p, q)` elementwise; `x` has the output's shape. */
export function mapUnary(k: UnaryKernel, out: DataArray, shape: Shape, x: Tensor, p = 0, q = 0): void {
  if (out.length === 0) return;
  if (x.isContiguous) return k.run(out.length, out, 0, x.data, x.offset, 1, p, q);
  const pl = plan(shape, [x]);
  if (useBlocks(pl)) {
    forEachBlock(pl, [x], (o0, [x0]) => {
      if (pl.steps[0] !== 0) return k.run(pl.block, out, o0, x.data, x0!, 1, p, q);
      k.run(1, out, o0, x.data, x0!, 1, p, q);
      out.fill(out[o0]!, o0 + 1, o0 + pl.block);
    });
  } else if (k.nd) {
    k.nd(wrap(out, shape), x.nd, p, q);
  } else if (pl.block >= MIN_ROW) {
    const step = pl.steps[0]!;
    forEachBlock(pl, [x], (o0, [x0]) => k.run(pl.block, out, o0, x.data, x0!, step, p, q));
  } else if (dtypeOfArray(out) !== "bool") {
    // Gather into the output itself (it holds x's values: results never narrow), then work in place.
    ops.assign(wrap(out, shape), x.nd);
    k.run(out.length, out, 0, out, 0, 1, p, q);
  } else {
    const c = contiguousCopy(x);
    k.run(out.length, out, 0, c.data, c.offset, 1, p, q);
  }
}

function mapScalar(k: BinaryKernel, out: DataArray, shape: Shape, t: Tensor, s: number, scalarFirst: boolean): void {
  const loop = (n: number, o0: number, data: DataArray, t0: number): void =>
    scalarFirst ? k.sv(n, out, o0, s, data, t0) : k.vs(n, out, o0, data, t0, s);
  if (t.isContiguous) return loop(out.length, 0, t.data, t.offset);
  const pl = plan(shape, [t]);
  if (useBlocks(pl)) {
    forEachBlock(pl, [t], (o0, [t0]) => {
      if (pl.steps[0] !== 0) return loop(pl.block, o0, t.data, t0!);
      loop(1, o0, t.data, t0!);
      out.fill(out[o0]!, o0 + 1, o0 + pl.block);
    });
  } else if (scalarFirst && k.ndsr) {
    k.ndsr(wrap(out, shape), s, t.nd);
  } else if (!scalarFirst && k.nds) {
    k.nds(wrap(out, shape), t.nd, s);
  } else {
    const c = contiguousCopy(t);
    loop(out.length, 0, c.data, c.offset);
  }
}

/** `out = f(a, b)` elementwise with broadcasting to `shape` (the broadcast of both shapes). */
export function mapBinary(k: BinaryKernel, out: DataArray, shape: Shape, a: Operand, b: Operand): void {
  if (out.length === 0) return;
  const sa = valueOf(a);
  const sb = valueOf(b);
  if (sa !== undefined && sb !== undefined) {
    k.vs(1, out, 0, Float64Array.of(sa), 0, sb);
    if (out.length > 1) out.fill(out[0]!);
    return;
  }
  if (sb !== undefined) return mapScalar(k, out, shape, (a as Tensor).broadcastTo(shape), sb, false);
  if (sa !== undefined) return mapScalar(k, out, shape, (b as Tensor).broadcastTo(shape), sa, true);
  const A = (a as Tensor).broadcastTo(shape);
  const B = (b as Tensor).broadcastTo(shape);
  if (A.isContiguous && B.isContiguous) return k.vv(out.length, out, 0, A.data, A.offset, B.data, B.offset);
  const pl = plan(shape, [A, B]);
  if (useBlocks(pl)) {
    const [ca, cb] = pl.steps.map((step) => step === 0);
    forEachBlock(pl, [A, B], (o0, [a0, b0]) => {
      if (!ca && !cb) k.vv(pl.block, out, o0, A.data, a0!, B.data, b0!);
      else if (!ca) k.vs(pl.block, out, o0, A.data, a0!, B.data[b0!]!);
      else if (!cb) k.sv(pl.block, out, o0, A.data[a0!]!, B.data, b0!);
      else {
        k.vs(1, out, o0, A.data, a0!, B.data[b0!]!);
        out.fill(out[o0]!, o0 + 1, o0 + pl.block);
      }
    });
  } else if (k.nd) {
    k.nd(wrap(out, shape), A.nd, B.nd);
  } else {
    const ra = A.contiguous();
    const rb = B.contiguous();
    k.vv(out.length, out, 0, ra.data, ra.offset, rb.data, rb.offset);
  }
}

/** `out = c ? a : b` elementwise with broadcasting; `c` holds 0/1. */
export function mapWhere(out: DataArray, shape: Shape, c: Tensor, a: Operand, b: Operand): void {
  if (out.length === 0) return;
  // Numbers become one-element arrays read with step 0, like any constant operand.
  const asTensor = (x: Operand): Tensor => (typeof x === "number" ? new Tensor(Float64Array.of(x), []) : x);
  let ts = [c, asTensor(a), asTensor(b)].map((t) => t.broadcastTo(shape));
  let pl = plan(shape, ts);
  if (!useBlocks(pl) && pl.block < MIN_ROW) {
    ts = ts.map((t) => t.contiguous());
    pl = plan(shape, ts);
  }
  const [C, A, B] = ts as [Tensor, Tensor, Tensor];
  const [cs, as, bs] = pl.steps;
  forEachBlock(pl, ts, (o0, [c0, a0, b0]) => whereKernel(pl.block, out, o0, C.data, c0!, cs!, A.data, a0!, as!, B.data, b0!, bs!));
}
