// The derivative table: one row per primitive, its forward kernel and the vector-Jacobian product
// of each input, written with differentiable ops so that gradients of gradients work.
// Vocabulary: g = dL/dy (shaped like y, the output), x = the inputs the row saves, y = the output.
// A row's gradient may keep y's broadcast shape: the engine sums it down to the input's shape.
// null: that input has no gradient (indices, masks). A missing row does not compile.
import * as T from "@strata/tensor";
import type { DType, Shape, SliceArg, Tensor } from "@strata/tensor";
import type { Variable } from "./variable.js";
import {
  add, broadcastTo, cos, div, gather, indexAdd, log, matmul, mul, neg, pow, reshape, sigmoid,
  sin, slice, sliceScatter, square, sub, transpose, where,
} from "./ops.js";
// Values of saved inputs, for masks that are locally constant (so not differentiated).
import { valueOf } from "./record.js";

type NoAttrs = Record<string, never>;
interface ReduceAttrs { readonly axis: readonly number[]; readonly keepDims: boolean }

/**
 * Each primitive's name and the attributes (the non-tensor arguments) its row of the derivative
 * table receives, as the op functions record them: reduction axes made non-negative and sorted,
 * shapes and permutations copied, a single axis made non-negative.
 *
 * @example
 * ```ts
 * import { transpose, variable, type PrimitiveAttrs } from "@strata/autograd";
 * const attrs: PrimitiveAttrs["transpose"] = { perm: [1, 0, 2] };
 * console.log(transpose(variable([[[1, 2, 3]], [[4, 5, 6]]]), attrs.perm).shape); // [1, 2, 3]
 * ```
 */
export interface PrimitiveAttrs {
  neg: NoAttrs; exp: NoAttrs; log: NoAttrs; log1p: NoAttrs; sqrt: NoAttrs; reciprocal: NoAttrs;
  abs: NoAttrs; sin: NoAttrs; cos: NoAttrs; tanh: NoAttrs; softplus: NoAttrs;
  sign: NoAttrs; floor: NoAttrs; ceil: NoAttrs; round: NoAttrs;
  add: NoAttrs; mul: NoAttrs; pow: NoAttrs; maximum: NoAttrs; minimum: NoAttrs; where: NoAttrs;
  sum: ReduceAttrs; max: ReduceAttrs; min: ReduceAttrs;
  reshape: { readonly shape: Shape }; transpose: { readonly perm: readonly number[] };
  broadcastTo: { readonly shape: Shape };
  slice: { readonly ranges: readonly SliceArg[] };
  sliceScatter: { readonly shape: Shape; readonly ranges: readonly SliceArg[] };
  concat: { readonly axis: number };
  gather: { readonly axis: number }; indexAdd: { readonly axis: number };
  matmul: NoAttrs; cast: { readonly dtype: DType; readonly unchecked: boolean };
}

/**
 * The name of a primitive: an op with a row of its own in the derivative table (see
 * {@link primitives}); every other op is composed of these.
 *
 * @example
 * ```ts
 * import { primitives, type Primitive } from "@strata/autograd";
 * const reductions: Primitive[] = ["sum", "max", "min"];
 * console.log(reductions.every((p) => primitives.includes(p))); // true
 * ```
 */
export type Primitive = keyof PrimitiveAttrs;

/** A saved input: a variable (tensors are wrapped as constants) or a number. @internal */
export type Saved = Variable | number;

/** What a vector-Jacobian product sees. @internal */
export interface VjpContext<A> {
  /** The inputs the row saves (positions it does not save are undefined). */
  readonly x: readonly [Saved, Saved, Saved];
  /** The output, when the row saves it. */
  readonly y: Variable;
  readonly attrs: A;
  /** The shape of every input (numbers: `[]`). */
  readonly shapes: readonly Shape[];
}

/** dL/d(input i) from g = dL/dy. @internal */
export type Vjp<A> = (g: Variable, ctx: VjpContext<A>, i: number) => Variable | Tensor;

/** One row of the table. @internal */
export interface Rule<A> {
  forward(x: readonly (Tensor | number)[], attrs: A): Tensor;
  /** Input positions and "y" (the output) that the vector-Jacobian products read. */
  saves?: readonly (number | "y")[];
  /** Per input (null: no gradient), or one function for every input of a variadic op. */
  vjp: readonly (Vjp<A> | null)[] | Vjp<A>;
}

const t = (x: Tensor | number | undefined): Tensor => x as Tensor;

/** A unary op from its tensor kernel. */
function unary(kernel: (x: Tensor) => Tensor, saves: readonly (0 | "y")[], vjp: Vjp<NoAttrs>): Rule<NoAttrs> {
  return { forward: ([x]) => kernel(t(x)), saves, vjp: [vjp] };
}

/** A piecewise-constant op: its derivative is zero wherever it exists. */
function stepwise(kernel: (x: Tensor) => Tensor): Rule<NoAttrs> {
  return unary(kernel, [], (g) => T.zerosLike(g.data));
}

/** The gradient share of `a` in max(a, b) (or min): 1 where it wins, ½ on ties, 0 elsewhere. */
function winnerMask(a: Saved, b: Saved, wins: (a: Tensor | number, b: Tensor | number) => Tensor): Tensor {
  return T.where(T.eq(valueOf(a), valueOf(b)), 0.5, T.cast(wins(valueOf(a), valueOf(b)), "float32"));
}

/** The shape of a reduction's result with its reduced axes kept as length 1. */
function keptShape(shape: Shape, axis: readonly number[]): number[] {
  return shape.map((n, k) => (axis.includes(k) ? 1 : n));
}

/** g of a reduction, spread back over the input's shape. */
function spread(g: Variable, shape: Shape, { axis, keepDims }: ReduceAttrs): Variable {
  return broadcastTo(keepDims ? g : reshape(g, keptShape(shape, axis)), shape);
}

/** The gradient of max/min over axes: g shared evenly among the elements equal to the result. */
function extremumVjp(g: Variable, { x: [x], y, attrs, shapes }: VjpContext<ReduceAttrs>): Variable {
  const shape = shapes[0]!;
  const yKept = y.data.reshape(keptShape(shape, attrs.axis));
  const hits = T.cast(T.eq(t(valueOf(x!)), yKept), y.dtype);
  const share = T.div(hits, T.sum(hits, { axis: [...attrs.axis], keepDims: true }));
  return mul(spread(g, shape, attrs), share);
}

function reduction(kernel: (x: Tensor, o: T.AxisOptions) => Tensor, saves: readonly (0 | "y")[], vjp: Vjp<ReduceAttrs>): Rule<ReduceAttrs> {
  return { forward: ([x], a) => kernel(t(x), { axis: [...a.axis], keepDims: a.keepDims }), saves, vjp: [vjp] };
}

/** Swaps the last two axes (the matrix transpose of a batch of matrices). */
function mT(x: Saved): Variable {
  const v = x as Variable;
  const perm = v.shape.map((_, k) => k);
  perm.splice(-2, 2, perm.length - 1, perm.length - 2);
  return transpose(v, perm);
}

/** Every derivative of the package. Rows are grouped: elementwise, reductions, shapes, linear algebra. */
export const rules: { readonly [P in Primitive]: Rule<PrimitiveAttrs[P]> } = {
  // d(-x) = -dx
  neg: unary(T.neg, [], (g) => neg(g)),
  // d exp(x) = exp(x) dx = y dx
  exp: unary(T.exp, ["y"], (g, { y }) => mul(g, y)),
  // d log(x) = dx / x
  log: unary(T.log, [0], (g, { x: [x] }) => div(g, x)),
  // d log(1 + x) = dx / (1 + x)
  log1p: unary(T.log1p, [0], (g, { x: [x] }) => div(g, add(x, 1))),
  // d √x = dx / (2√x) = dx / 2y
  sqrt: unary(T.sqrt, ["y"], (g, { y }) => div(g, mul(y, 2))),
  // d(1/x) = -dx / x² = -y² dx
  reciprocal: unary(T.reciprocal, ["y"], (g, { y }) => mul(g, neg(square(y)))),
  // d|x| = sign(x) dx (0 at 0, as a subgradient)
  abs: unary(T.abs, [0], (g, { x: [x] }) => mul(g, T.sign(t(valueOf(x))))),
  // d sin(x) = cos(x) dx
  sin: unary(T.sin, [0], (g, { x: [x] }) => mul(g, cos(x))),
  // d cos(x) = -sin(x) dx
  cos: unary(T.cos, [0], (g, { x: [x] }) => mul(g, neg(sin(x)))),
  // d tanh(x) = (1 - tanh²(x)) dx = (1 - y²) dx
  tanh: unary(T.tanh, ["y"], (g, { y }) => mul(g, sub(1, square(y)))),
  // d log(1 + eˣ) = σ(x) dx
  softplus: unary(T.softplus, [0], (g, { x: [x] }) => mul(g, sigmoid(x))),
  // sign, floor, ceil, round: 0 almost everywhere (undefined at the jumps)
  sign: stepwise(T.sign),
  floor: stepwise(T.floor),
  ceil: stepwise(T.ceil),
  round: stepwise(T.round),

  // d(a + b) = da + db
  add: { forward: ([a, b]) => T.add(a!, b!), vjp: [(g) => g, (g) => g] },
  // d(a·b) = b da + a db
  mul: { forward: ([a, b]) => T.mul(a!, b!), saves: [0, 1], vjp: [(g, { x: [, b] }) => mul(g, b), (g, { x: [a] }) => mul(g, a)] },
  // d aᵇ = b·aᵇ⁻¹ da + aᵇ·ln(a) db   (the db term is taken as 0 where a = 0)
  pow: {
    forward: ([a, b]) => T.pow(a!, b!),
    saves: [0, 1, "y"],
    vjp: [
      (g, { x: [a, b] }) => mul(g, mul(b, pow(a, typeof b === "number" ? b - 1 : sub(b, 1)))),
      (g, { x: [a], y }) => mul(g, where(T.eq(valueOf(a), 0), 0, mul(y, log(a)))),
    ],
  },
  // d max(a, b) = [a > b] da + [a < b] db, split evenly on ties
  maximum: {
    forward: ([a, b]) => T.maximum(a!, b!),
    saves: [0, 1],
    vjp: [(g, { x: [a, b] }) => mul(g, winnerMask(a, b, T.gt)), (g, { x: [a, b] }) => mul(g, winnerMask(b, a, T.gt))],
  },
  // d min(a, b) = [a < b] da + [a > b] db, split evenly on ties
  minimum: {
    forward: ([a, b]) => T.minimum(a!, b!),
    saves: [0, 1],
    vjp: [(g, { x: [a, b] }) => mul(g, winnerMask(a, b, T.lt)), (g, { x: [a, b] }) => mul(g, winnerMask(b, a, T.lt))],
  },
  // d(c ? a : b) = [c] da + [¬c] db; the condition has no gradient
  where: {
    forward: ([c, a, b]) => T.where(c!, a!, b!),
    saves: [0],
    vjp: [null, (g, { x: [c] }) => where(c, g, 0), (g, { x: [c] }) => where(c, 0, g)],
  },

  // d Σx = Σdx: g spreads back over the summed axes
  sum: reduction(T.sum, [], (g, { shapes, attrs }) => spread(g, shapes[0]!, attrs)),
  // d max x = dx at the maximum (shared evenly among ties)
  max: reduction(T.max, [0, "y"], extremumVjp),
  // d min x = dx at the minimum (shared evenly among ties)
  min: reduction(T.min, [0, "y"], extremumVjp),

  // reshape, transpose: the inverse view of g (perm's axes made non-negative before inverting it)
  reshape: { forward: ([x], { shape }) => t(x).reshape(shape), vjp: [(g, { shapes }) => reshape(g, shapes[0]!)] },
  transpose: {
    forward: ([x], { perm }) => t(x).transpose(perm),
    vjp: [(g, { attrs: { perm } }) => transpose(g, perm.map((_, k) => perm.findIndex((p) => (p + perm.length) % perm.length === k)))],
  },
  // broadcastTo: g itself; the engine sums it over the broadcast axes
  broadcastTo: { forward: ([x], { shape }) => t(x).broadcastTo(shape), vjp: [(g) => g] },
  // slice and sliceScatter are each other's adjoint
  slice: { forward: ([x], { ranges }) => t(x).slice(...ranges), vjp: [(g, { shapes, attrs }) => sliceScatter(g, shapes[0]!, attrs.ranges)] },
  sliceScatter: {
    forward: ([x], { shape, ranges }) => {
      const out = T.zeros(shape, { dtype: t(x).dtype });
      T.assign(out.slice(...ranges), t(x));
      return out;
    },
    vjp: [(g, { attrs }) => slice(g, ...attrs.ranges)],
  },
  // concat: each input gets its own stretch of g along the axis
  concat: {
    forward: (xs, { axis }) => T.concat(xs.map(t), { axis }),
    vjp: (g, { shapes, attrs: { axis } }, i) => {
      const start = shapes.slice(0, i).reduce((s, shape) => s + shape[axis]!, 0);
      const ranges: SliceArg[] = g.shape.map(() => null);
      ranges[axis] = [start, start + shapes[i]![axis]!];
      return slice(g, ...ranges);
    },
  },
  // gather and indexAdd are each other's adjoint; indices have no gradient
  gather: {
    forward: ([x, idx], { axis }) => T.gather(t(x), t(idx), { axis }),
    saves: [1],
    vjp: [(g, { x: [, idx], shapes, attrs: { axis } }) => indexAdd(T.zeros(shapes[0]!, { dtype: g.dtype }), t(valueOf(idx!)), g, { axis }), null],
  },
  indexAdd: {
    forward: ([x, idx, u], { axis }) => T.indexAdd(t(x), t(idx), t(u), { axis }),
    saves: [1],
    vjp: [(g) => g, null, (g, { x: [, idx], attrs: { axis } }) => gather(g, t(valueOf(idx!)), { axis })],
  },

  // d(A·B) = dA·B + A·dB, so dL/dA = g·Bᵀ and dL/dB = Aᵀ·g (matrices: the last two axes)
  matmul: {
    forward: ([a, b]) => T.matmul(t(a), t(b)),
    saves: [0, 1],
    vjp: [(g, { x: [, b] }) => matmul(g, mT(b)), (g, { x: [a] }) => matmul(mT(a), g)],
  },
  // cast: g itself; the engine casts it back to the input's dtype
  cast: { forward: ([x], { dtype, unchecked }) => T.cast(t(x), dtype, { unchecked }), vjp: [(g) => g] },
};

/**
 * The names of all primitives, in table order: the ops with a row of their own. Every other op
 * of this package is composed of these.
 * @example
 * ```ts
 * import { primitives } from "@strata/autograd";
 * console.log(primitives.includes("matmul"), (primitives as readonly string[]).includes("sub")); // true false
 * ```
 */
export const primitives = Object.keys(rules) as readonly Primitive[];
