// The type of one row of the derivative table, checked against its primitive's inputs: exactly one
// vector-Jacobian product per input (or a stated reason for none), and a context that holds only
// what the row saves, so that a row cannot forget an input or read one it did not keep.
import type { Shape, Tensor } from "@strata/tensor";
import type { Variable } from "./variable.js";
import type { NoGradient } from "./no-gradient.js";

/** A variadic primitive's inputs: any number, all under one name. @internal */
export interface VariadicInputs<N extends string = string> extends ReadonlyArray<N> {
  readonly variadic: true;
}

/** A primitive's input names in order (a fixed tuple), or one name for any number of inputs. @internal */
export type Inputs = readonly string[] | VariadicInputs;

/**
 * One `X` per input: a tuple as long as a fixed signature, an array for a variadic one. Built
 * element by element rather than as a mapped type, so that a row's arrays cannot be mistaken for
 * a source to infer the signature from. @internal
 */
export type PerInput<In extends Inputs, X> = In extends VariadicInputs ? readonly X[] : Each<In, X>;
type Each<In, X> = In extends readonly [unknown, ...infer Rest] ? readonly [X, ...Each<Rest, X>] : readonly [];

/** What a row may save for its vector-Jacobian products: an input by name, or "y" (the output). @internal */
export type Save<In extends Inputs> = (In extends VariadicInputs ? never : In[number]) | "y";

/** A saved input: a variable (tensors are wrapped as constants) or a number. @internal */
export type Saved = Variable | number;

/**
 * What a vector-Jacobian product sees: the attributes, every input's shape (numbers: `[]`), and
 * by name only what the row saves (`y`: the output). @internal
 */
export type VjpContext<In extends Inputs, S extends readonly Save<In>[], A> = {
  readonly attrs: A;
  readonly shapes: PerInput<In, Shape>;
} & { readonly [K in S[number]]: K extends "y" ? Variable : Saved };

/** dL/d(input) from g = dL/dy; a variadic row's receives the input's position. @internal */
export type Vjp<In extends Inputs, C> = In extends VariadicInputs
  ? (g: Variable, ctx: C, i: number) => Variable | Tensor
  : (g: Variable, ctx: C) => Variable | Tensor;

/** A row's products: one per input (or the reason it has none); one function for every input of a variadic op. @internal */
export type Vjps<In extends Inputs, C> = In extends VariadicInputs ? Vjp<In, C> : Each<In, Vjp<In, C> | NoGradient>;

/** What a row is written as: `S`, the saved names, is inferred from `saves` and types the context. @internal */
export interface RowSpec<In extends Inputs, A, S extends readonly Save<In>[]> {
  forward(x: PerInput<In, Tensor | number>, attrs: A): Tensor;
  /** Input names and "y" that the vector-Jacobian products read (nothing else is kept alive). */
  readonly saves?: S;
  readonly vjp: Vjps<In, VjpContext<In, S, A>>;
}

/**
 * One row as the table holds it. Its products take the context of a row that saves everything:
 * a product that reads less accepts it, so every row fits, with its own context checked where it
 * was written. @internal
 */
export interface Rule<In extends Inputs, A> {
  forward(x: PerInput<In, Tensor | number>, attrs: A): Tensor;
  readonly saves: readonly Save<In>[];
  readonly vjp: Vjps<In, VjpContext<In, readonly Save<In>[], A>>;
}

/**
 * A row of the table. Its inputs and attributes are inferred from the slot it is written in (the
 * table's type says them per primitive), its saved names from its `saves`, written as a tuple:
 * so each row is checked against its own primitive's arity and reads only what it saves. @internal
 */
export function row<In extends Inputs, A, const S extends readonly Save<In>[] = readonly []>(
  spec: RowSpec<In, A, S>,
): Rule<In, A> {
  return { forward: spec.forward, saves: spec.saves ?? [], vjp: spec.vjp } as Rule<In, A>;
}

/** Input `i`'s name in messages: its own, or `xs[i]` for a variadic op. @internal */
export function inputName(names: Inputs, i: number): string {
  return "variadic" in names ? `${names[0]}[${i}]` : (names[i] ?? `#${i}`);
}
