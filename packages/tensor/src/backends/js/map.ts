// Drivers that run an elementwise kernel over strided, broadcast operands into a new row-major
// output. The strategy, in order:
//   0. Inputs contiguous with the output's shape, or a tensor and a scalar: one plain loop.
//   1. Split the axes into an outer part and the longest inner block over which every operand is
//      either row-major contiguous or constant (stride 0). When that block is the whole tensor
//      (contiguous inputs, tensor-op-scalar) one plain loop runs; when it is long enough, one plain
//      loop runs per block, which covers bias-style broadcasts like (n,1)+(n,m) and (4,)+(2,3,4).
//   2. Otherwise (short blocks: transposed or finely strided inputs) ndarray-ops, whose generated
//      loops handle any strides, when it has the op with the same semantics. It reorders its loops
//      to follow memory, which wins for cheap ops (add on a transposed input: 1.5x a strided loop).
//   3. Otherwise, for unary ops and `where`, one loop per row of the innermost axis, each operand
//      read with its own step (for exp-like ops a gather pass would cost more than the op saves).
//   4. Otherwise copy the operands to row-major order, then one plain loop.
import ndarray from "ndarray";
import ops from "ndarray-ops";
import { dtypeOfArray, type DataArray } from "../../dtype.js";
import { shapeSize, type Shape } from "../../shape.js";
import { Tensor } from "../../tensor.js";
import { contiguousCopy } from "../../copy.js";
import { whereKernel, type BinaryKernel, type UnaryKernel } from "./elementwise.js";
import { forEachIndex } from "./strided.js";
import { THRESHOLDS } from "../../dispatch/thresholds.js";

/** A tensor broadcastable to the output's shape, or a plain number. */
export type Operand = Tensor | number;

// Below MIN_BLOCK elements per inner block the per-block call overhead outweighs the plain loop's
// advantage and ndarray-ops (one call for the whole tensor) is faster. Measured on (n,m)+(n,1)
// float32, n·m = 1e6, one loop per block against ndarray-ops: m = 2: 0.23x, 8: 0.56x, 16: 0.8x,
// 32: 1.0x, 64: 1.15x, 250: 1.3x.
const MIN_BLOCK = THRESHOLDS.minBlock;

interface Plan {
  /** Axes `[split, ndim)` form the inner block. */
  split: number;
  /** Elements per inner block. */
  block: number;
  /** Per operand: whether it repeats one element across the block. */
  constant: boolean[];
}

function plan(shape: Shape, ts: readonly Tensor[]): Plan {
  const kind = ts.map(() => 0); // 0 undecided, 1 contiguous, 2 constant
  const expected = ts.map(() => 1);
  let split = shape.length;
  let block = 1;
  for (let ax = shape.length - 1; ax >= 0; ax--) {
    const len = shape[ax]!;
    if (len !== 1) {
      const fit = ts.map((t, j) => (t.strides[ax] === 0 ? 2 : t.strides[ax] === expected[j] ? 1 : 3));
      if (fit.some((k, j) => k === 3 || (kind[j] !== 0 && kind[j] !== k))) break;
      fit.forEach((k, j) => {
        kind[j] = k;
        expected[j]! *= len;
      });
      block *= len;
    }
    split = ax;
  }
  return { split, block, constant: kind.map((k) => k === 2) };
}

/** Calls `visit(o0, offsets)` for each inner block, in row-major order of the outer axes. */
function forEachBlock(shape: Shape, p: Plan, ts: readonly Tensor[], visit: (o0: number, offsets: number[]) => void): void {
  const strides = ts.map((t) => t.strides);
  forEachIndex(shape.slice(0, p.split), strides, ts.map((t) => t.offset), (k, offsets) => visit(k * p.block, offsets));
}

const useBlocks = (p: Plan): boolean => p.split === 0 || p.block >= MIN_BLOCK;

// Rows shorter than this are gathered to row-major order first instead (per-row call overhead).
const MIN_ROW = THRESHOLDS.minRow;

/** The innermost axis of length > 1 as the block, whatever the strides (step 3 above). */
function rows(shape: Shape): Plan & { axis: number } {
  let axis = shape.length - 1;
  while (axis > 0 && shape[axis] === 1) axis--;
  return { split: Math.max(axis, 0), block: shape[axis] ?? 1, constant: [], axis };
}
const wrap = (out: DataArray, shape: Shape) => ndarray(out, [...shape]);
const valueOf = (x: Operand): number | undefined => (typeof x === "number" ? x : x.size === 1 ? x.data[x.offset] : undefined);

/** `out = f(x; p, q)` elementwise; `x` has the output's shape. */
export function mapUnary(k: UnaryKernel, out: DataArray, shape: Shape, x: Tensor, p = 0, q = 0): void {
  if (out.length === 0) return;
  if (x.isContiguous) return k.run(out.length, out, 0, x.data, x.offset, 1, p, q);
  const pl = plan(shape, [x]);
  const rp = rows(shape);
  if (useBlocks(pl)) {
    forEachBlock(shape, pl, [x], (o0, [x0]) => {
      if (!pl.constant[0]) return k.run(pl.block, out, o0, x.data, x0!, 1, p, q);
      k.run(1, out, o0, x.data, x0!, 1, p, q);
      out.fill(out[o0]!, o0 + 1, o0 + pl.block);
    });
  } else if (k.nd) {
    k.nd(wrap(out, shape), x.nd, p, q);
  } else if (rp.block >= MIN_ROW) {
    const step = x.strides[rp.axis]!;
    forEachBlock(shape, rp, [x], (o0, [x0]) => k.run(rp.block, out, o0, x.data, x0!, step, p, q));
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
    forEachBlock(shape, pl, [t], (o0, [t0]) => {
      if (!pl.constant[0]) return loop(pl.block, o0, t.data, t0!);
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
    const [ca, cb] = pl.constant;
    forEachBlock(shape, pl, [A, B], (o0, [a0, b0]) => {
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
  const r = rows(shape);
  if (!useBlocks(plan(shape, ts)) && r.block < MIN_ROW) ts = ts.map((t) => t.contiguous());
  const pl = plan(shape, ts);
  const blocks = useBlocks(pl);
  const [C, A, B] = ts as [Tensor, Tensor, Tensor];
  const [cs, as, bs] = blocks ? pl.constant.map((k) => (k ? 0 : 1)) : ts.map((t) => t.strides[r.axis]!);
  forEachBlock(shape, blocks ? pl : r, ts, (o0, [c0, a0, b0]) =>
    whereKernel(blocks ? pl.block : r.block, out, o0, C.data, c0!, cs!, A.data, a0!, as!, B.data, b0!, bs!),
  );
}
