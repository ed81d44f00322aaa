// A node of the recorded graph: the backward function of one op (or the gradient accumulator of
// one leaf), its edges to the nodes of its inputs, and the values its backward needs.
import { ValueError, formatShape, type DType, type Shape, type Tensor } from "@strata/tensor";
import type { Variable } from "./variable.js";
import type { NoGradient } from "./no-gradient.js";

/**
 * What a backward function may hand back for one input: a gradient; {@link noGradient}(reason)
 * when the input has none; or null (or undefined) for an input whose gradient is not wanted
 * (`needsInputGrad[i]` false), which is skipped. For an input whose gradient is wanted, null is
 * an error, as is the noGradient marker (with its reason): never a silent zero. A gradient has
 * the input's shape or one it broadcasts to (the output's); the engine sums it down to the
 * input's shape and casts it to the input's dtype. A tensor is taken as a constant; a variable
 * keeps its graph (for gradients of gradients).
 *
 * @example
 * ```ts
 * import { defineFunction, mul, variable, type GradValue } from "@strata/autograd";
 * import { tensor, type Tensor } from "@strata/tensor";
 * // y = a·k for a constant k: a gets g·k (a variable), k's gradient is never wanted
 * const scaleBy = defineFunction({
 *   name: "scaleBy",
 *   forward(ctx, a, k) {
 *     ctx.save(k as Tensor);
 *     return (a as Tensor).mul(k as Tensor);
 *   },
 *   backward(ctx, g): GradValue[] {
 *     return [mul(g, ctx.saved[0]!), null];
 *   },
 * });
 * const a = variable([1, 2], { requiresGrad: true });
 * scaleBy(a, tensor([3, 4])).sum().backward();
 * console.log(a.grad?.toArray()); // [3, 4]
 * ```
 */
export type GradValue = Variable | Tensor | NoGradient | null | undefined;

/** The backward function of a node. @internal */
export interface Backward {
  /**
   * The gradients of the node's inputs from the gradient `g` of its output. `needs[i]` says
   * whether input `i`'s gradient is wanted; entries that are not wanted are ignored.
   */
  grads(g: Variable, needs: readonly boolean[]): readonly GradValue[];
  /** Input `i`'s name, for messages (a primitive's row names its inputs). */
  inputName?(i: number): string;
}

/**
 * Replaces (returns a tensor) or inspects (returns nothing) the gradient flowing into a variable;
 * see {@link Variable.registerHook}. `grad` has the variable's shape; a returned tensor must have
 * that shape too (it is cast to the variable's dtype), or backward throws a ShapeError.
 *
 * @example
 * ```ts
 * import { variable, sum, type GradHook } from "@strata/autograd";
 * const seen: number[][] = [];
 * const record: GradHook = (g) => void seen.push(g.toArray() as number[]);
 * const clipped: GradHook = (g) => g.clip(-1, 1);
 * const x = variable([1, 2], { requiresGrad: true });
 * x.registerHook(record);
 * x.registerHook(clipped);
 * sum(x.mul(5)).backward();
 * console.log(seen, x.grad?.toArray()); // [[5, 5]] [1, 1]
 * ```
 */
export type GradHook = (grad: Tensor) => Tensor | void;

/** Shape and dtype of one input, kept so the engine can reduce and cast its gradient. */
export interface InputMeta {
  readonly shape: Shape;
  readonly dtype: DType;
}

let sequence = 0;

/** @internal */
export class Node {
  /** Creation order; later nodes run first among those ready. */
  readonly id = sequence++;
  /** For each input, the node its gradient flows to (null: the input needs no gradient). */
  readonly next: readonly (Node | null)[];
  /** Hooks registered on the variable this node produces (or on the leaf it accumulates into). */
  hooks: GradHook[] | null = null;
  /** Set by `retainGrad()` on a non-leaf: the variable whose `.grad` receives this node's gradient. */
  retained: Variable | null = null;
  #backward: Backward | null;
  #saved: readonly { v: Variable; version: number }[];
  #freed = false;

  constructor(
    readonly name: string,
    next: readonly (Node | null)[],
    readonly inputs: readonly (InputMeta | null)[],
    readonly output: InputMeta,
    backward: Backward | null,
    saved: readonly Variable[],
    /** The leaf this node accumulates into; null for op nodes. */
    readonly leaf: Variable | null = null,
  ) {
    this.next = next;
    this.#backward = backward;
    this.#saved = saved.map((v) => ({ v, version: v.data.version }));
  }

  get freed(): boolean {
    return this.#freed;
  }

  /** Throws if the graph here was freed or a saved tensor changed in place since it was saved. */
  check(): void {
    if (this.#freed || (this.leaf === null && this.#backward === null)) {
      throw new ValueError(
        `backward: the graph through ${this.name} was freed by an earlier backward(); pass { retainGraph: true } to the first backward() to run backward through it again`,
      );
    }
    for (const [k, { v, version }] of this.#saved.entries()) {
      if (v.data.version !== version) {
        throw new ValueError(
          `backward: a tensor of shape ${formatShape(v.shape)} (${v.dtype}) saved by ${this.name} (saved value ${k}) was modified in place after ${this.name} used it (version ${version}, now ${v.data.version}); the gradient would be wrong. Change a copy (clone()) or compute the change out of place`,
        );
      }
    }
  }

  /** Runs the backward function (after {@link Node.check}). */
  run(g: Variable, needs: readonly boolean[]): readonly GradValue[] {
    this.check();
    return this.#backward!.grads(g, needs);
  }

  /** Input `i`'s name for messages, when the backward names its inputs (before release). */
  inputName(i: number): string | undefined {
    return this.#backward?.inputName?.(i);
  }

  /** Saves one more value for backward (the op's own output, known only after the node). */
  save(v: Variable): void {
    this.#saved = [...this.#saved, { v, version: v.data.version }];
  }

  /** Drops the saved values and the backward function, so their memory can be reclaimed. */
  release(): void {
    if (this.leaf !== null) return;
    this.#freed = true;
    this.#backward = null;
    this.#saved = [];
  }
}
