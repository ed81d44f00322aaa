// The derivative table: one row per primitive, its forward kernel and the vector-Jacobian product
// of each input, written with differentiable ops so that gradients of gradients work.
// Vocabulary: g = dL/dy (shaped like y, the output); the inputs by their names in
// `primitiveInputs`, of which a row sees only those it saves, as it sees y only when it saves "y".
// A row's gradient may keep y's broadcast shape: the engine sums it down to the input's shape.
// noGradient(reason): that input has none (indices, conditions), and asking for it is an error.
// A missing row, a missing or extra product, or a read of an unsaved value does not compile.
import * as T from "@strata/tensor";
import type { DType, Shape, SliceArg, Tensor } from "@strata/tensor";
import type { Variable } from "./variable.js";
import {
  add, broadcastTo, cos, div, gather, indexAdd, log, matmul, mul, neg, pow, reshape, sigmoid,
  sin, slice, sliceScatter, square, sub, transpose, where,
} from "./ops.js";
// Values of saved inputs, for masks that are locally constant (so not differentiated).
import { valueOf } from "./record.js";
import { exp } from "./ops.js";
import { variableAlgebra } from "./activation-ops.js";
import { noGradient } from "./no-gradient.js";
import { row, type Inputs, type Rule, type Save, type Saved, type VariadicInputs, type Vjp, type Vjps, type VjpContext } from "./rule.js";
import { convInputs, convRules, type ConvPrimitiveAttrs } from "./conv-rules.js";

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
export interface PrimitiveAttrs extends ConvPrimitiveAttrs {
  neg: NoAttrs; exp: NoAttrs; log: NoAttrs; log1p: NoAttrs; sqrt: NoAttrs; reciprocal: NoAttrs;
  abs: NoAttrs; sin: NoAttrs; cos: NoAttrs; tanh: NoAttrs; softplus: NoAttrs;
  sign: NoAttrs; floor: NoAttrs; ceil: NoAttrs; round: NoAttrs;
  erf: NoAttrs;
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

/** Any number of inputs, named `name[0]`, `name[1]`, … in messages. */
function variadic<const N extends string>(name: N): VariadicInputs<N> {
  return Object.assign([name], { variadic: true as const });
}

const X = ["x"] as const;
const AB = ["a", "b"] as const;
type X = typeof X;
type AB = typeof AB;

/**
 * Each primitive's inputs, by name and in order: the arity every row of the table is checked
 * against, and the names that a row's `saves`, its context and backward's errors use.
 * @internal
 */
export const primitiveInputs = {
  neg: X, exp: X, log: X, log1p: X, sqrt: X, reciprocal: X, abs: X, sin: X, cos: X, tanh: X, softplus: X,
  sign: X, floor: X, ceil: X, round: X,
  erf: X,
  add: AB, mul: AB, pow: AB, maximum: AB, minimum: AB, where: ["cond", "a", "b"],
  sum: X, max: X, min: X, reshape: X, transpose: X, broadcastTo: X, slice: X, sliceScatter: X,
  concat: variadic("xs"), gather: ["x", "indices"], indexAdd: ["x", "indices", "updates"],
  matmul: AB, cast: X,
  ...convInputs,
} as const satisfies { readonly [P in Primitive]: Inputs };

/** The inputs of primitive `P`. @internal */
export type InputsOf<P extends Primitive> = (typeof primitiveInputs)[P];

const t = (x: Tensor | number): Tensor => x as Tensor;

/** A unary op from its tensor kernel. */
function unary<const S extends readonly Save<X>[]>(kernel: (x: Tensor) => Tensor, saves: S, vjp: Vjp<X, VjpContext<X, S, NoAttrs>>): Rule<X, NoAttrs> {
  return row<X, NoAttrs, S>({ forward: ([x]) => kernel(t(x)), saves, vjp: [vjp] });
}

/** A binary elementwise op from its tensor kernel. */
function binary<const S extends readonly Save<AB>[]>(
  kernel: (a: Tensor | number, b: Tensor | number) => Tensor, saves: S, vjp: Vjps<AB, VjpContext<AB, S, NoAttrs>>,
): Rule<AB, NoAttrs> {
  return row<AB, NoAttrs, S>({ forward: ([a, b]) => kernel(a, b), saves, vjp });
}

/** A piecewise-constant op: its derivative is zero wherever it exists. */
function stepwise(kernel: (x: Tensor) => Tensor): Rule<X, NoAttrs> {
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
function extremumVjp(g: Variable, { x, y, attrs, shapes: [shape] }: VjpContext<X, readonly ["x", "y"], ReduceAttrs>): Variable {
  const yKept = y.data.reshape(keptShape(shape, attrs.axis));
  const hits = T.cast(T.eq(valueOf(x), yKept), y.dtype);
  const share = T.div(hits, T.sum(hits, { axis: [...attrs.axis], keepDims: true }));
  return mul(spread(g, shape, attrs), share);
}

function reduction<const S extends readonly Save<X>[]>(
  kernel: (x: Tensor, o: T.AxisOptions) => Tensor, saves: S, vjp: Vjp<X, VjpContext<X, S, ReduceAttrs>>,
): Rule<X, ReduceAttrs> {
  return row<X, ReduceAttrs, S>({ forward: ([x], a) => kernel(t(x), { axis: [...a.axis], keepDims: a.keepDims }), saves, vjp: [vjp] });
}

/** Swaps the last two axes (the matrix transpose of a batch of matrices). @internal */
export function mT(x: Saved): Variable {
  const v = x as Variable;
  const perm = v.shape.map((_, k) => k);
  perm.splice(-2, 2, perm.length - 1, perm.length - 2);
  return transpose(v, perm);
}

/** Every derivative of the package. Rows are grouped: elementwise, reductions, shapes, linear algebra. */
export const rules: { readonly [P in Primitive]: Rule<InputsOf<P>, PrimitiveAttrs[P]> } = {
  // d(-x) = -dx
  neg: unary(T.neg, [], (g) => neg(g)),
  // d exp(x) = exp(x) dx = y dx
  exp: unary(T.exp, ["y"], (g, { y }) => mul(g, y)),
  // d log(x) = dx / x
  log: unary(T.log, ["x"], (g, { x }) => div(g, x)),
  // d log(1 + x) = dx / (1 + x)
  log1p: unary(T.log1p, ["x"], (g, { x }) => div(g, add(x, 1))),
  // d √x = dx / (2√x) = dx / 2y
  sqrt: unary(T.sqrt, ["y"], (g, { y }) => div(g, mul(y, 2))),
  // d(1/x) = -dx / x² = -y² dx
  reciprocal: unary(T.reciprocal, ["y"], (g, { y }) => mul(g, neg(square(y)))),
  // d|x| = sign(x) dx (0 at 0, as a subgradient)
  abs: unary(T.abs, ["x"], (g, { x }) => mul(g, T.sign(valueOf(x)))),
  // d sin(x) = cos(x) dx
  sin: unary(T.sin, ["x"], (g, { x }) => mul(g, cos(x))),
  // d cos(x) = -sin(x) dx
  cos: unary(T.cos, ["x"], (g, { x }) => mul(g, neg(sin(x)))),
  // d tanh(x) = (1 - tanh²(x)) dx = (1 - y²) dx: the activation table's row
  tanh: unary(T.tanh, ["y"], (g, { y }) => T.denseActivations.tanh.grad(variableAlgebra, g, y, 0)),
  // d log(1 + eˣ) = σ(x) dx
  softplus: unary(T.softplus, ["x"], (g, { x }) => mul(g, sigmoid(x))),
  // sign, floor, ceil, round: 0 almost everywhere (undefined at the jumps)
  sign: stepwise(T.sign),
  floor: stepwise(T.floor),
  ceil: stepwise(T.ceil),
  round: stepwise(T.round),
  // d erf(x) = 2/√π · exp(-x²) dx
  erf: unary(T.erf, ["x"], (g, { x }) => mul(g, mul(exp(neg(square(x))), 2 / Math.sqrt(Math.PI)))),

  // d(a + b) = da + db
  add: binary(T.add, [], [(g) => g, (g) => g]),
  // d(a·b) = b da + a db
  mul: binary(T.mul, ["a", "b"], [(g, { b }) => mul(g, b), (g, { a }) => mul(g, a)]),
  // d aᵇ = b·aᵇ⁻¹ da + aᵇ·ln(a) db   (the db term is taken as 0 where a = 0)
  pow: binary(T.pow, ["a", "b", "y"], [
    (g, { a, b }) => mul(g, mul(b, pow(a, typeof b === "number" ? b - 1 : sub(b, 1)))),
    (g, { a, y }) => mul(g, where(T.eq(valueOf(a), 0), 0, mul(y, log(a)))),
  ]),
  // d max(a, b) = [a > b] da + [a < b] db, split evenly on ties
  maximum: binary(T.maximum, ["a", "b"], [(g, { a, b }) => mul(g, winnerMask(a, b, T.gt)), (g, { a, b }) => mul(g, winnerMask(b, a, T.gt))]),
  // d min(a, b) = [a < b] da + [a > b] db, split evenly on ties
  minimum: binary(T.minimum, ["a", "b"], [(g, { a, b }) => mul(g, winnerMask(a, b, T.lt)), (g, { a, b }) => mul(g, winnerMask(b, a, T.lt))]),
  // d(c ? a : b) = [c] da + [¬c] db; the condition has no gradient
  where: row({
    forward: ([cond, a, b]) => T.where(cond, a, b),
    saves: ["cond"],
    vjp: [noGradient("a condition only selects between a and b"), (g, { cond }) => where(cond, g, 0), (g, { cond }) => where(cond, 0, g)],
  }),

  // d Σx = Σdx: g spreads back over the summed axes
  sum: reduction(T.sum, [], (g, { shapes: [shape], attrs }) => spread(g, shape, attrs)),
  // d max x = dx at the maximum (shared evenly among ties)
  max: reduction(T.max, ["x", "y"], extremumVjp),
  // d min x = dx at the minimum (shared evenly among ties)
  min: reduction(T.min, ["x", "y"], extremumVjp),

  // reshape, transpose: the inverse view of g (perm's axes made non-negative before inverting it)
  reshape: row({ forward: ([x], { shape }) => t(x).reshape(shape), vjp: [(g, { shapes: [shape] }) => reshape(g, shape)] }),
  transpose: row({
    forward: ([x], { perm }) => t(x).transpose(perm),
    vjp: [(g, { attrs: { perm } }) => transpose(g, perm.map((_, k) => perm.findIndex((p) => (p + perm.length) % perm.length === k)))],
  }),
  // broadcastTo: g itself; the engine sums it over the broadcast axes
  broadcastTo: row({ forward: ([x], { shape }) => t(x).broadcastTo(shape), vjp: [(g) => g] }),
  // slice and sliceScatter are each other's adjoint
  slice: row({ forward: ([x], { ranges }) => t(x).slice(...ranges), vjp: [(g, { shapes: [shape], attrs }) => sliceScatter(g, shape, attrs.ranges)] }),
  sliceScatter: row({
    forward: ([x], { shape, ranges }) => {
      const out = T.zeros(shape, { dtype: t(x).dtype });
      T.assign(out.slice(...ranges), t(x));
      return out;
    },
    vjp: [(g, { attrs }) => slice(g, ...attrs.ranges)],
  }),
  // concat: each input gets its own stretch of g along the axis
  concat: row({
    forward: (xs, { axis }) => T.concat(xs.map(t), { axis }),
    vjp: (g, { shapes, attrs: { axis } }, i) => {
      const start = shapes.slice(0, i).reduce((s, shape) => s + shape[axis]!, 0);
      const ranges: SliceArg[] = g.shape.map(() => null);
      ranges[axis] = [start, start + shapes[i]![axis]!];
      return slice(g, ...ranges);
    },
  }),
  // gather and indexAdd are each other's adjoint; indices have no gradient
  gather: row({
    forward: ([x, indices], { axis }) => T.gather(t(x), t(indices), { axis }),
    saves: ["indices"],
    vjp: [(g, { indices, shapes: [shape], attrs: { axis } }) => indexAdd(T.zeros(shape, { dtype: g.dtype }), t(valueOf(indices)), g, { axis }), noGradient("integer indices")],
  }),
  indexAdd: row({
    forward: ([x, indices, updates], { axis }) => T.indexAdd(t(x), t(indices), t(updates), { axis }),
    saves: ["indices"],
    vjp: [(g) => g, noGradient("integer indices"), (g, { indices, attrs: { axis } }) => gather(g, t(valueOf(indices)), { axis })],
  }),

  // d(A·B) = dA·B + A·dB, so dL/dA = g·Bᵀ and dL/dB = Aᵀ·g (matrices: the last two axes)
  matmul: binary((a, b) => T.matmul(t(a), t(b)), ["a", "b"], [(g, { b }) => matmul(g, mT(b)), (g, { a }) => matmul(mT(a), g)]),
  // cast: g itself; the engine casts it back to the input's dtype
  cast: row({ forward: ([x], { dtype, unchecked }) => T.cast(t(x), dtype, { unchecked }), vjp: [(g) => g] }),

  // convolutions and poolings: conv-rules.ts
  ...convRules,
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
