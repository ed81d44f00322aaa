// In-place writes on the TypeScript backend: target = target ∘ source through the target's strides,
// the source broadcast to the target's shape or a number. The op layer (../../inplace.ts) has
// checked dtypes, shapes and aliasing.
import type { DataArray } from "../../dtype.js";
import type { Tensor } from "../../tensor.js";
import type { InPlaceOp } from "../backend.js";
import { planLoop, RowCursor } from "./strided.js";

/** `t[p] = f(t[p], s[q])` for `n` elements, each pointer moving by its own step (0 repeats one value). */
type Writer = (n: number, t: DataArray, p: number, ts: number, s: DataArray, q: number, ss: number, alpha: number) => void;

// One literal per op so that each loop keeps its own type feedback (see ./elementwise.ts).
// Values are computed as JavaScript numbers and rounded once when stored, so int32 wraps modulo
// 2^32 like the out-of-place ops; Math.imul keeps the low bits that a float64 product past 2^53 loses.
const writers = {
  assign: (n, t, p, ts, s, q, ss) => { for (let i = 0; i < n; i++, p += ts, q += ss) t[p] = s[q]!; },
  add: (n, t, p, ts, s, q, ss, alpha) => { for (let i = 0; i < n; i++, p += ts, q += ss) t[p] = t[p]! + alpha * s[q]!; },
  addInt: (n, t, p, ts, s, q, ss, alpha) => { for (let i = 0; i < n; i++, p += ts, q += ss) t[p] = t[p]! + Math.imul(alpha, s[q]!); },
  sub: (n, t, p, ts, s, q, ss, alpha) => { for (let i = 0; i < n; i++, p += ts, q += ss) t[p] = t[p]! - alpha * s[q]!; },
  subInt: (n, t, p, ts, s, q, ss, alpha) => { for (let i = 0; i < n; i++, p += ts, q += ss) t[p] = t[p]! - Math.imul(alpha, s[q]!); },
  mul: (n, t, p, ts, s, q, ss) => { for (let i = 0; i < n; i++, p += ts, q += ss) t[p] = t[p]! * s[q]!; },
  mulInt: (n, t, p, ts, s, q, ss) => { for (let i = 0; i < n; i++, p += ts, q += ss) t[p] = Math.imul(t[p]!, s[q]!); },
  div: (n, t, p, ts, s, q, ss) => { for (let i = 0; i < n; i++, p += ts, q += ss) t[p] = t[p]! / s[q]!; },
} satisfies Record<string, Writer>;

/** The loop of each op, for int32 targets where it differs. */
const WRITERS: Record<InPlaceOp, [Writer, Writer]> = {
  assign: [writers.assign, writers.assign],
  add: [writers.add, writers.addInt],
  sub: [writers.sub, writers.subInt],
  mul: [writers.mul, writers.mulInt],
  div: [writers.div, writers.div],
};

/** target = target ∘ source (assign: = source), alpha scaling the source of add and sub. */
export function inPlace(op: InPlaceOp, target: Tensor, source: Tensor | number, alpha: number): void {
  run(WRITERS[op][target.dtype === "int32" ? 1 : 0], target, source, alpha);
}

function run(write: Writer, target: Tensor, source: Tensor | number, alpha: number): void {
  const t = target.data;
  if (typeof source === "number") {
    if (!target.isContiguous) return walk(write, target, Float64Array.of(source), 0, target.shape.map(() => 0), alpha);
    if (write === writers.assign) t.fill(source, target.offset, target.offset + target.size);
    else write(target.size, t, target.offset, 1, Float64Array.of(source), 0, 0, alpha);
    return;
  }
  const sameShape = source.ndim === target.ndim && source.shape.every((n, i) => n === target.shape[i]);
  if (sameShape && target.isContiguous && source.isContiguous) {
    return write(target.size, t, target.offset, 1, source.data, source.offset, 1, alpha);
  }
  const s = source.broadcastTo(target.shape);
  walk(write, target, s.data, s.offset, s.strides, alpha);
}

/** Any layout: rows of the simplified loop, ordered by the target's memory (planLoop reorders). */
function walk(write: Writer, target: Tensor, s: DataArray, s0: number, strides: readonly number[], alpha: number): void {
  const c = new RowCursor(planLoop(target.shape, [target.strides, strides], true));
  c.reset(target.offset, s0);
  for (let r = 0; r < c.rows; r++, c.next()) write(c.n, target.data, c.p0, c.s0, s, c.p1, c.s1, alpha);
}
