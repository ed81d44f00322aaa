// Variable: a tensor plus what reverse mode needs (the node that produced it, its gradient).
import {
  Tensor, ValueError, DTypeError, ShapeError, compute, formatShape, guard, isFloatDType, isRecording, refuseRecording, tensor,
  type AxisOptions, type ArgOptions, type DType, type GatherOptions, type Shape, type SliceArg, type TensorValues,
} from "@strata/tensor";
import { Node, type GradHook } from "./node.js";
import * as ops from "./ops.js";
import { backward as runBackward } from "./engine.js";

/**
 * An argument of the ops: a variable, or a tensor or number taken as a constant (no gradient
 * flows to it). In the elementwise ops a number is a weak 0-d scalar: it takes the other
 * operand's dtype, as in the tensor package. In `sum`, `max`, `min`, `mean`, the softmax family,
 * the view and join ops, `gather`'s `x` and `cast` a number is a 0-d float32 constant, so
 * `reshape(3, [1])` works, and ops that need an axis (`concat`, `gather`, `matmul`) reject it with
 * the ShapeError they give a 0-d tensor. Indices, `where`'s `cond` and `indexAdd`'s `x` and
 * `updates` must be tensors or variables (a number there is a DTypeError).
 *
 * @example
 * ```ts
 * import { add, variable, type Operand } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * const x = variable([1, 2], { requiresGrad: true });
 * const c: Operand = tensor([10, 20]); // a constant
 * const y = add(add(x, c), 100);
 * y.sum().backward();
 * console.log(y.toArray(), x.grad?.toArray()); // [111, 122] [1, 1]
 * ```
 */
export type Operand = Variable | Tensor | number;

/**
 * Options of {@link Variable.backward}: whether the graph survives the pass, and whether the pass
 * is itself recorded.
 *
 * @example
 * ```ts
 * import { variable, mul, sum, type BackwardOptions } from "@strata/autograd";
 * const x = variable([1, 2], { requiresGrad: true });
 * const y = sum(mul(x, x));
 * const keep: BackwardOptions = { retainGraph: true };
 * y.backward(undefined, keep);
 * y.backward(); // the graph is still there; gradients accumulate
 * console.log(x.grad?.toArray()); // [4, 8]
 * ```
 */
export interface BackwardOptions {
  /** Keep the graph so that backward can run through it again (default: `createGraph`). */
  retainGraph?: boolean;
  /** Record the backward pass itself, so that gradients can be differentiated again (default false). */
  createGraph?: boolean;
}

/**
 * A handle returned by {@link Variable.registerHook}; `remove()` unregisters the hook (calling it
 * again does nothing).
 *
 * @example
 * ```ts
 * import { variable, sum, type HookHandle } from "@strata/autograd";
 * const x = variable([1, 2], { requiresGrad: true });
 * const handle: HookHandle = x.registerHook((g) => g.mul(2));
 * sum(x).backward(); // doubled: 2
 * handle.remove();
 * sum(x).backward(); // plain: 1
 * console.log(x.grad?.toArray()); // [3, 3]
 * ```
 */
export interface HookHandle {
  /** Unregisters the hook. */
  remove(): void;
}

// Bumped whenever a leaf's value changes identity (replaceData), it starts or stops requiring
// gradients, it gets a hook, or a module's forward hooks change (invalidateRecordings), so that a
// compiled step, whose kept work reads the old tensors and computes the old gradients (or skips
// the new hook), records afresh.
let generation = 0;

/** How many times a leaf's value, requiresGrad or hooks have changed since load (compile's guard). @internal */
export function dataGeneration(): number {
  return generation;
}

/**
 * Makes every compiled function record afresh on its next call, for a change its kept work cannot
 * see: a forward hook registered on a module (`@strata/nn` calls it), or anything else that makes
 * an eager call run other JavaScript than the recorded one. Never throws.
 *
 * @example
 * ```ts
 * import { compile, invalidateRecordings } from "@strata/autograd";
 * import { tensor, type Tensor } from "@strata/tensor";
 * const f = compile((x: Tensor) => x.mul(2));
 * f(tensor([1]));
 * invalidateRecordings();
 * f(tensor([2]));
 * console.log(f.status.recordings); // 2
 * ```
 *
 * @internal
 */
export function invalidateRecordings(): void {
  generation += 1;
}

// The variables made, or whose .grad was cleared, while the current compiled step records. A
// gradient set where one was null is replayed as "set it to this call's gradient": right when the
// step itself made the variable or cleared its gradient, but a .grad that was null when the step
// began (the caller clears it, or nobody does) must be null again before a replay, or the replay
// would drop what an eager call adds to.
let freshWhileRecording = new WeakSet<Variable>();

/** Starts the bookkeeping of fresh gradients for a new recording (compile). @internal */
export function beginGradBookkeeping(): void {
  freshWhileRecording = new WeakSet<Variable>();
}

/**
 * A tensor that takes part in reverse-mode differentiation. Ops on variables (the functions of
 * this package and the methods below) return variables and, when some input has
 * `requiresGrad` and grad mode is on, record the graph that `backward()` walks.
 *
 * A *leaf* is a variable you created (parameters, inputs); its `grad` receives gradients. Results
 * of ops are non-leaves: their gradients pass through and are not kept unless `retainGrad()`.
 * Create variables with {@link variable}. A variable has its tensor's shape and dtype; only
 * float32 and float64 variables can require gradients.
 *
 * @throws DTypeError (from the constructor, which {@link variable} calls) when a value that is not
 *   float32 or float64 is made to require gradients.
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * const x = variable([1, 2, 3], { requiresGrad: true });
 * const y = x.mul(x).sum(); // Σ x²
 * y.backward();
 * console.log(y.item(), x.grad?.toArray()); // 14 [2, 4, 6]
 * ```
 */
export class Variable {
  /** The value. Its buffer must not be changed in place while a graph still needs it. */
  readonly data: Tensor;
  /** The node that computed this variable, or null for leaves and constants. @internal */
  readonly gradFn: Node | null;
  /** A label for {@link toDot} and messages. */
  name: string | undefined;
  #requiresGrad: boolean;
  // Set once a leaf requires gradients, never cleared: @strata/nn keeps such a leaf as a
  // parameter after it is frozen, and a leaf that never required them as a constant.
  #trainable: boolean;
  #grad: Variable | null = null;
  #accumulator: Node | null = null;

  /** @internal Use {@link variable}. */
  constructor(data: Tensor, gradFn: Node | null = null, requiresGrad = gradFn !== null, name?: string) {
    this.data = data;
    this.gradFn = gradFn;
    this.name = name;
    if (requiresGrad && !isFloatDType(data.dtype)) {
      throw new DTypeError(`variable: only float32 and float64 values can require gradients, got ${data.dtype} of shape ${formatShape(data.shape)}; cast it first`);
    }
    this.#requiresGrad = requiresGrad;
    this.#trainable = requiresGrad && gradFn === null;
    if (isRecording()) freshWhileRecording.add(this);
  }

  /**
   * Whether gradients flow to this variable. Settable on leaves only: setting it on a non-leaf
   * throws a ValueError, and setting it to true on an int32 or bool value a DTypeError.
   */
  get requiresGrad(): boolean {
    return this.#requiresGrad;
  }
  set requiresGrad(value: boolean) {
    if (this.gradFn !== null) {
      throw new ValueError(`requiresGrad: can only be set on a leaf; this variable was computed by ${this.gradFn.name} (use detach() for a leaf copy)`);
    }
    if (value && !isFloatDType(this.data.dtype)) {
      throw new DTypeError(`requiresGrad: only float32 and float64 values can require gradients, got ${this.data.dtype}`);
    }
    // a compiled step recorded which leaves get gradients: freezing or unfreezing records afresh
    if (value !== this.#requiresGrad) generation += 1;
    this.#requiresGrad = value;
    if (value) this.#trainable = true;
  }

  /**
   * Whether this leaf has required gradients at some time (it was created with `requiresGrad`,
   * or it was set later), even if it is frozen now. @internal
   */
  get everRequiredGrad(): boolean {
    return this.#trainable;
  }

  /**
   * Puts `data`, of this leaf's shape, in place of its value, and casts its gradient to `data`'s
   * dtype: how `Module.to(dtype)` changes a parameter's dtype while the variable, which optimisers
   * and models hold, stays the same. Graphs recorded before keep the old tensor. @internal
   *
   * @throws ValueError on a non-leaf; ShapeError when the shape differs; DTypeError when a
   *   variable that requires gradients would get a value that is not float32 or float64.
   */
  replaceData(data: Tensor): void {
    if (this.gradFn !== null) throw new ValueError(`replaceData: only a leaf's value can be replaced; this variable was computed by ${this.gradFn.name}`);
    if (data.shape.join() !== this.data.shape.join()) throw new ShapeError(`replaceData: expected a value of shape ${formatShape(this.shape)}, got ${formatShape(data.shape)}`);
    if (this.#requiresGrad && !isFloatDType(data.dtype)) throw new DTypeError(`replaceData: a variable that requires gradients needs float32 or float64 values, got ${data.dtype}`);
    const grad = this.#grad?.data;
    // The one place a variable's value changes identity; `data` is readonly to everyone else.
    (this as { data: Tensor }).data = data;
    generation += 1;
    if (grad !== undefined && grad.dtype !== data.dtype) this.#grad = new Variable(grad.cast(data.dtype, { unchecked: true }));
    // A fresh accumulator describes the new dtype; the hooks (and their handles) carry over.
    const hooks = this.#accumulator?.hooks ?? null;
    this.#accumulator = null;
    if (hooks !== null) this.accumulator().hooks = hooks;
  }

  /** True for variables not computed by a recorded op (created by you, or constants). */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /**
   * The accumulated gradient (same shape and dtype as `data`), or null before any backward. Set it
   * to null to clear; setting a tensor of another shape or dtype throws a ShapeError.
   */
  get grad(): Tensor | null {
    return this.#grad?.data ?? null;
  }
  set grad(value: Tensor | null) {
    if (value !== null && (value.dtype !== this.data.dtype || value.shape.join() !== this.data.shape.join())) {
      throw new ShapeError(`grad: expected a ${this.data.dtype} tensor of shape ${formatShape(this.shape)}, got ${value.dtype} ${formatShape(value.shape)}`);
    }
    if (value === null && isRecording()) freshWhileRecording.add(this);
    this.#grad = value === null ? null : new Variable(value);
  }

  /**
   * The accumulated gradient as a variable. After `backward({ createGraph: true })` it is
   * connected to the graph, so it can be differentiated again (Hessian-vector products).
   */
  get gradVariable(): Variable | null {
    return this.#grad;
  }

  /** Adds `g` to the gradient (engine use). @internal */
  accumulateGrad(g: Variable, keepGraph: boolean): void {
    if (this.#grad === null) {
      // A fresh copy (a recorded one when keeping the graph): the engine may hand the same tensor
      // to several leaves, or the caller's seed, and optimisers change gradients in place.
      const grad = keepGraph ? ops.mul(g, 1) : new Variable(g.data.clone());
      if (isRecording() && !freshWhileRecording.has(this)) {
        guard(() => this.#grad === null, `the .grad of a leaf of shape ${formatShape(this.shape)} is null before the call, as when recorded (clear it inside the step, e.g. optimizer.zeroGrad(), to accumulate nothing across calls)`);
      }
      // kept as work so that a compiled step's replay sets .grad again after a zeroGrad()
      compute(() => {
        this.#grad = grad;
      });
    } else {
      refuseRecording(
        `backward: gradients accumulated into a .grad that was already set before the step (shape ${formatShape(this.shape)}); a replay would add to the recorded one: clear gradients inside the compiled function (optimizer.zeroGrad())`,
      );
      this.#grad = keepGraph ? ops.add(this.#grad, g) : new Variable(this.#grad.data.add(g.data));
    }
  }

  /** The node that accumulates gradients into this leaf. @internal */
  accumulator(): Node {
    if (this.gradFn !== null) return this.gradFn;
    this.#accumulator ??= new Node("leaf", [], [], { shape: this.shape, dtype: this.dtype }, null, [], this);
    return this.#accumulator;
  }

  /** The length of each axis. */
  get shape(): readonly number[] { return this.data.shape; }
  /** The element type. */
  get dtype(): DType { return this.data.dtype; }
  /** Number of elements. */
  get size(): number { return this.data.size; }
  /** Number of axes. */
  get ndim(): number { return this.data.ndim; }

  /**
   * Computes the gradient of this variable with respect to every leaf it depends on that has
   * `requiresGrad`, and adds it to their `grad`. `seed` is dL/d(this): optional for a scalar
   * (one element; it defaults to 1), required otherwise, with this variable's shape. The graph is
   * freed afterwards unless `retainGraph`.
   *
   * @throws ValueError when this variable does not require gradients, when it is not a scalar and
   *   no seed is given, or when the graph was freed or a saved tensor was changed in place.
   * @throws ShapeError when the seed's shape differs from this variable's.
   */
  backward(seed?: Operand, options: BackwardOptions = {}): void {
    runBackward(this, seed, options);
  }

  /** A new leaf sharing this variable's data, cut from the graph (no gradient flows through it). */
  detach(): Variable {
    return new Variable(this.data, null, false, this.name);
  }

  /**
   * Calls `hook` with the gradient flowing into this variable during backward. Returning a tensor
   * (same shape) replaces the gradient; returning nothing leaves it. Hooks run in registration
   * order, before a leaf's gradient is accumulated.
   *
   * @throws ValueError when this variable does not require gradients.
   */
  registerHook(hook: GradHook): HookHandle {
    if (!this.requiresGrad) throw new ValueError(`registerHook: this variable does not require gradients, so no gradient will reach the hook`);
    const hooks = (this.accumulator().hooks ??= []);
    hooks.push(hook);
    // a compiled step recorded without this hook would skip it: record afresh (and be refused)
    generation += 1;
    return {
      remove: () => {
        const at = hooks.indexOf(hook);
        if (at >= 0) hooks.splice(at, 1);
      },
    };
  }

  /**
   * Keeps this non-leaf's gradient in `grad` during backward (leaves keep theirs anyway).
   *
   * @throws ValueError when this variable does not require gradients.
   */
  retainGrad(): this {
    if (!this.requiresGrad) throw new ValueError(`retainGrad: this variable does not require gradients`);
    if (this.gradFn !== null) this.gradFn.retained = this;
    return this;
  }

  /**
   * The value of a one-element variable as a number.
   *
   * @throws ValueError when the variable does not have exactly one element.
   */
  item(): number { return this.data.item(); }
  /** The value as nested arrays. */
  toArray(): ReturnType<Tensor["toArray"]> { return this.data.toArray(); }
  /** The value, printed like a tensor, with the op that made it. */
  toString(): string {
    const origin = this.gradFn ? `, gradFn=${this.gradFn.name}` : this.requiresGrad ? ", requiresGrad=true" : "";
    return `Variable(${this.data.toString()}${origin})`;
  }

  /** See {@link add}. */ add(other: Operand): Variable { return ops.add(this, other); }
  /** See {@link sub}. */ sub(other: Operand): Variable { return ops.sub(this, other); }
  /** See {@link mul}. */ mul(other: Operand): Variable { return ops.mul(this, other); }
  /** See {@link div}. */ div(other: Operand): Variable { return ops.div(this, other); }
  /** See {@link pow}. */ pow(other: Operand): Variable { return ops.pow(this, other); }
  /** See {@link maximum}. */ maximum(other: Operand): Variable { return ops.maximum(this, other); }
  /** See {@link minimum}. */ minimum(other: Operand): Variable { return ops.minimum(this, other); }
  /** See {@link eq}. */ eq(other: Operand): Variable { return ops.eq(this, other); }
  /** See {@link ne}. */ ne(other: Operand): Variable { return ops.ne(this, other); }
  /** See {@link lt}. */ lt(other: Operand): Variable { return ops.lt(this, other); }
  /** See {@link le}. */ le(other: Operand): Variable { return ops.le(this, other); }
  /** See {@link gt}. */ gt(other: Operand): Variable { return ops.gt(this, other); }
  /** See {@link ge}. */ ge(other: Operand): Variable { return ops.ge(this, other); }
  /** See {@link logicalAnd}. */ logicalAnd(other: Operand): Variable { return ops.logicalAnd(this, other); }
  /** See {@link logicalOr}. */ logicalOr(other: Operand): Variable { return ops.logicalOr(this, other); }
  /** See {@link logicalNot}. */ logicalNot(): Variable { return ops.logicalNot(this); }
  /** See {@link clone}. */ clone(): Variable { return ops.clone(this); }
  /** See {@link neg}. */ neg(): Variable { return ops.neg(this); }
  /** See {@link exp}. */ exp(): Variable { return ops.exp(this); }
  /** See {@link log}. */ log(): Variable { return ops.log(this); }
  /** See {@link log1p}. */ log1p(): Variable { return ops.log1p(this); }
  /** See {@link sqrt}. */ sqrt(): Variable { return ops.sqrt(this); }
  /** See {@link square}. */ square(): Variable { return ops.square(this); }
  /** See {@link reciprocal}. */ reciprocal(): Variable { return ops.reciprocal(this); }
  /** See {@link abs}. */ abs(): Variable { return ops.abs(this); }
  /** See {@link sign}. */ sign(): Variable { return ops.sign(this); }
  /** See {@link sin}. */ sin(): Variable { return ops.sin(this); }
  /** See {@link cos}. */ cos(): Variable { return ops.cos(this); }
  /** See {@link tanh}. */ tanh(): Variable { return ops.tanh(this); }
  /** See {@link sigmoid}. */ sigmoid(): Variable { return ops.sigmoid(this); }
  /** See {@link relu}. */ relu(): Variable { return ops.relu(this); }
  /** See {@link leakyRelu}. */ leakyRelu(alpha?: number): Variable { return ops.leakyRelu(this, alpha); }
  /** See {@link softplus}. */ softplus(): Variable { return ops.softplus(this); }
  /** See {@link floor}. */ floor(): Variable { return ops.floor(this); }
  /** See {@link ceil}. */ ceil(): Variable { return ops.ceil(this); }
  /** See {@link round}. */ round(): Variable { return ops.round(this); }
  /** See {@link clip}. */ clip(min: number, max: number): Variable { return ops.clip(this, min, max); }
  /** See {@link sum}. */ sum(options?: AxisOptions): Variable { return ops.sum(this, options); }
  /** See {@link mean}. */ mean(options?: AxisOptions): Variable { return ops.mean(this, options); }
  /** See {@link max}. */ max(options?: AxisOptions): Variable { return ops.max(this, options); }
  /** See {@link min}. */ min(options?: AxisOptions): Variable { return ops.min(this, options); }
  /** See {@link logSumExp}. */ logSumExp(options?: AxisOptions): Variable { return ops.logSumExp(this, options); }
  /** See {@link softmax}. */ softmax(options: { axis: number }): Variable { return ops.softmax(this, options); }
  /** See {@link logSoftmax}. */ logSoftmax(options: { axis: number }): Variable { return ops.logSoftmax(this, options); }
  /** See {@link argmax}. */ argmax(options?: ArgOptions): Variable { return ops.argmax(this, options); }
  /** See {@link argmin}. */ argmin(options?: ArgOptions): Variable { return ops.argmin(this, options); }
  /** See {@link matmul}. */ matmul(other: Operand): Variable { return ops.matmul(this, other); }
  /** See {@link reshape}. */ reshape(shape: Shape): Variable { return ops.reshape(this, shape); }
  /** See {@link transpose}. */ transpose(perm?: readonly number[]): Variable { return ops.transpose(this, perm); }
  /** The transpose (axes reversed). */ get T(): Variable { return ops.transpose(this); }
  /** See {@link slice}. */ slice(...ranges: SliceArg[]): Variable { return ops.slice(this, ...ranges); }
  /** See {@link squeeze}. */ squeeze(axis?: number | readonly number[]): Variable { return ops.squeeze(this, axis); }
  /** See {@link unsqueeze}. */ unsqueeze(axis: number): Variable { return ops.unsqueeze(this, axis); }
  /** See {@link broadcastTo}. */ broadcastTo(shape: Shape): Variable { return ops.broadcastTo(this, shape); }
  /** See {@link expand}. */ expand(shape: Shape): Variable { return ops.expand(this, shape); }
  /** See {@link flatten}. */ flatten(): Variable { return ops.flatten(this); }
  /** See {@link gather}. */ gather(indices: Tensor, options?: GatherOptions): Variable { return ops.gather(this, indices, options); }
  /** See {@link cast}. */ cast(dtype: DType, options?: { unchecked?: boolean }): Variable { return ops.cast(this, dtype, options); }
}

/**
 * Options of {@link variable}: whether the leaf requires gradients, its dtype, and a label. All
 * are optional; the shape always comes from the values.
 *
 * @example
 * ```ts
 * import { variable, type VariableOptions } from "@strata/autograd";
 * const options: VariableOptions = { requiresGrad: true, dtype: "float64", name: "b" };
 * const b = variable([0, 0], options);
 * console.log(b.dtype, b.requiresGrad, b.name); // "float64" true "b"
 * ```
 */
export interface VariableOptions {
  /** Whether gradients with respect to this variable are wanted (default false). */
  requiresGrad?: boolean;
  /** Dtype when `values` are not already a tensor (default float32). */
  dtype?: DType;
  /** A label for {@link toDot} and messages. */
  name?: string;
}

/**
 * Creates a leaf variable from a tensor (shared, not copied) or from values as {@link tensor}
 * accepts them, converted to `options.dtype` when given (a tensor of another dtype is cast, so
 * copied). The variable has the value's shape. Only float variables may require gradients.
 *
 * @throws DTypeError when `requiresGrad` is asked for an int32 or bool value, or when a value
 *   does not fit the requested dtype (1.5 as int32), as {@link tensor} does.
 * @throws ShapeError when nested arrays are ragged.
 *
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import { zeros } from "@strata/tensor";
 * const w = variable(zeros([2, 3]), { requiresGrad: true, name: "W1" });
 * console.log(w.shape, w.requiresGrad, w.isLeaf, w.name); // [2, 3] true true "W1"
 * ```
 */
export function variable(values: Tensor | TensorValues, options: VariableOptions = {}): Variable {
  const data = values instanceof Tensor ? (options.dtype && options.dtype !== values.dtype ? values.cast(options.dtype) : values) : tensor(values, options.dtype ? { dtype: options.dtype } : {});
  return new Variable(data, null, options.requiresGrad ?? false, options.name);
}
