// The base of every layer and model. Parameters and children are found on the module's own
// fields (as PyTorch finds them through attribute assignment), so a model is plain class code;
// buffers are registered by name, as PyTorch's are.
import { Variable, type HookHandle } from "@strata/autograd";
import { DTypeError, Tensor, ValueError, checkLossless, isFloatDType, type DType } from "@strata/tensor";
import { show } from "./checks.js";
import { addForwardHook, type ForwardHook } from "./forward-hooks.js";
import { loadState, type LoadResult, type StateDict, type StateTensor } from "./module-state.js";

export type { ForwardHook } from "./forward-hooks.js";
export type { LoadResult, StateDict } from "./module-state.js";


/**
 * Options of {@link Module.registerBuffer}: whether the buffer belongs to the state dict.
 *
 * @example
 * ```ts
 * import { Module, type BufferOptions } from "@strata/nn";
 * import { zeros } from "@strata/tensor";
 * class Cache extends Module {
 *   constructor() {
 *     super();
 *     const scratch: BufferOptions = { persistent: false };
 *     this.registerBuffer("scratch", zeros([2]), scratch);
 *     this.registerBuffer("count", zeros([1], { dtype: "int32" }));
 *   }
 *   forward(): void {}
 * }
 * const m = new Cache();
 * console.log(m.namedBuffers().map(([k]) => k), Object.keys(m.stateDict())); // ["scratch", "count"] ["count"]
 * ```
 */
export interface BufferOptions {
  /** In `stateDict()` (and so in checkpoints) when true, the default; a working value only when false. */
  persistent?: boolean;
}

interface Buffer {
  value: Tensor | null;
  persistent: boolean;
}

/** A name for a parameter, buffer or child: non-empty, without dots (dots join paths). */
function checkName(op: string, name: unknown): asserts name is string {
  if (typeof name !== "string" || name === "" || name.includes(".")) {
    throw new ValueError(`${op}: a name must be a non-empty string without dots, got ${show(name)}`);
  }
}

/** Indents every line after the first by two spaces, as nested modules print. */
const indent = (text: string): string => text.split("\n").join("\n  ");

/**
 * A layer or a model: `forward` computes the output; parameters are the leaf variables that
 * require (or once required) gradients held in the module's own fields (also in arrays), or
 * registered with {@link Module.registerParameter}; children are the modules held there; buffers
 * are tensors registered with {@link Module.registerBuffer}. All are found in field (registration)
 * order; paths are dotted (`"encoder.0.W"`, `"layers.1.running_mean"`). A leaf variable that never
 * required gradients, held in a field, is a constant, not a parameter.
 *
 * `forward` may take and return anything: a subclass declares its own signature
 * (`forward(x: Operand, h0?: Variable): [Variable, Variable]`), and the type parameters say it to
 * code that holds the module as a `Module<[Operand], Variable>`. The course's layers take and
 * return the column layout: an input A[l-1] is (n[l-1], m), one column per example.
 *
 * Never throws: the constructor takes no arguments. (The methods that can fail, such as
 * {@link Module.loadStateDict}, say so on their own.)
 *
 * @example
 * ```ts
 * import { variable, type Operand, type Variable, matmul } from "@strata/autograd";
 * import { Dense, Module } from "@strata/nn";
 * import { ones, rng } from "@strata/tensor";
 * class Net extends Module {
 *   hidden = new Dense(3, 4, { activation: "tanh", rng: rng(0) });
 *   scale = variable([[2]], { requiresGrad: true });
 *   forward(x: Operand): Variable {
 *     return matmul(this.scale, this.hidden.forward(x).sum({ axis: 0, keepDims: true }));
 *   }
 * }
 * const net = new Net();
 * console.log(net.namedParameters().map(([name]) => name)); // ["scale", "hidden.W", "hidden.b"]
 * console.log(net.forward(ones([3, 5])).shape); // [1, 5]
 * console.log(String(net).split("\n")); // ["Net(", "  (hidden): Dense(3, 4, activation=tanh)", ")"]
 * ```
 */
// `any` as the defaults: a subclass's forward of any signature then overrides the base's.
export abstract class Module<Inputs extends unknown[] = any[], Output = any> {
  /** True in training mode (the default), false after `eval()`; Dropout and BatchNorm read it. */
  training = true;
  readonly #buffers = new Map<string, Buffer>();
  readonly #declared = new Set<string>();

  /** The module's output for its input(s). */
  abstract forward(...inputs: Inputs): Output;

  /** The direct children with their names, in field order (an array field `layers` gives `layers.0`, …). */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Module) out.push([key, value]);
      else if (Array.isArray(value)) value.forEach((v, i) => v instanceof Module && out.push([`${key}.${i}`, v]));
    }
    return out;
  }

  /** The direct children, in the order of {@link Module.namedChildren}. */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module's own parameters (not its children's), in field order: leaves that require or once required gradients, and registered ones. */
  protected ownParameters(): [string, Variable][] {
    const out: [string, Variable][] = [];
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Variable) {
        if (value.isLeaf && (value.everRequiredGrad || this.#declared.has(key))) out.push([key, value]);
      } else if (Array.isArray(value)) {
        value.forEach((v, i) => v instanceof Variable && v.isLeaf && v.everRequiredGrad && out.push([`${key}.${i}`, v]));
      }
    }
    return out;
  }

  /**
   * Every parameter with its dotted path: own ones first, then each child's under its name.
   * Frozen parameters (`requiresGrad` set to false) are listed too, as in PyTorch. A variable
   * shared by two modules is listed once, under its first path.
   */
  namedParameters(): [string, Variable][] {
    const seen = new Set<Variable>();
    const out: [string, Variable][] = [];
    for (const [path, m] of this.namedModules()) {
      for (const [name, p] of m.ownParameters()) if (!seen.has(p)) (seen.add(p), out.push([path ? `${path}.${name}` : name, p]));
    }
    return out;
  }

  /** Every parameter, in the order of {@link Module.namedParameters}: what an optimiser takes (filter out frozen ones with `.filter((p) => p.requiresGrad)`). */
  parameters(): Variable[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /**
   * Registers `value` as the parameter `name`, held in the field of that name: a parameter even
   * when it does not require gradients (a variable created frozen). Assigning a variable that
   * requires gradients to a field does the same without this call.
   *
   * @throws ValueError when `name` is empty, has a dot or names a buffer, or `value` is not a leaf Variable.
   */
  registerParameter(name: string, value: Variable): void {
    checkName("registerParameter", name);
    if (this.#buffers.has(name)) throw new ValueError(`registerParameter: "${name}" is already a buffer of ${this.constructor.name}`);
    if (!(value instanceof Variable) || !value.isLeaf) {
      throw new ValueError(`registerParameter: "${name}" must be a leaf Variable (variable(t, { requiresGrad: true })), got ${value instanceof Variable ? `a variable computed by ${value.gradFn?.name}` : show(value)}`);
    }
    Object.defineProperty(this, name, { value, writable: true, enumerable: true, configurable: true });
    this.#declared.add(name);
  }

  /**
   * Registers `value` as the buffer `name`: state that is not trained (running statistics, step
   * counts, fixed masks), in {@link Module.stateDict} after this module's parameters unless
   * `persistent: false`, cast by {@link Module.to} when float, never in `parameters()`. Registering
   * the name again replaces the value and keeps its place. `null` reserves the name with no value
   * (left out of the state dict). Read it with {@link Module.getBuffer}; a layer replaces it with
   * {@link Module.setBuffer} (a graph that used the old tensor keeps it) or writes into it in
   * place (`assign`, as `loadStateDict` does).
   *
   * @throws ValueError when `name` is empty, has a dot or is a field of the module, or `value` is neither a Tensor nor null.
   */
  registerBuffer(name: string, value: Tensor | null, options: BufferOptions = {}): void {
    checkName("registerBuffer", name);
    if (Object.hasOwn(this, name)) throw new ValueError(`registerBuffer: "${name}" is already a field of ${this.constructor.name}; a buffer needs a name of its own`);
    if (value !== null && !(value instanceof Tensor)) throw new ValueError(`registerBuffer: "${name}" must be a Tensor or null, got ${show(value)}`);
    this.#buffers.set(name, { value, persistent: options.persistent ?? true });
  }

  /**
   * The buffer at `target`: a name of this module's own (`"running_mean"`) or a dotted path into
   * a child (`"1.running_mean"`); null when it was registered as null.
   *
   * @throws ValueError when no buffer has that path.
   */
  getBuffer(target: string): Tensor | null {
    const at = target.lastIndexOf(".");
    const owner = at < 0 ? this : new Map(this.namedModules()).get(target.slice(0, at));
    const buffer = owner === undefined ? undefined : owner.#buffers.get(target.slice(at + 1));
    if (buffer === undefined) throw new ValueError(`getBuffer: ${this.constructor.name} has no buffer "${target}"`);
    return buffer.value;
  }

  /**
   * Replaces the value of this module's registered buffer `name` (any shape and dtype; null
   * empties it), keeping whether it is persistent.
   *
   * @throws ValueError when `name` is not a registered buffer of this module, or `value` is neither a Tensor nor null.
   */
  setBuffer(name: string, value: Tensor | null): void {
    const buffer = this.#buffers.get(name);
    if (buffer === undefined) throw new ValueError(`setBuffer: ${this.constructor.name} has no buffer "${name}"; register it first with registerBuffer`);
    if (value !== null && !(value instanceof Tensor)) throw new ValueError(`setBuffer: "${name}" must be a Tensor or null, got ${show(value)}`);
    buffer.value = value;
  }

  /** Every buffer with a value, with its dotted path: own ones first, then each child's; each tensor once. Non-persistent buffers too. */
  namedBuffers(): [string, Tensor][] {
    const seen = new Set<Tensor>();
    return this.namedModules().flatMap(([path, m]) =>
      [...m.#buffers].filter(([, b]) => b.value !== null && !seen.has(b.value) && Boolean(seen.add(b.value))).map(([k, b]): [string, Tensor] => [path ? `${path}.${k}` : k, b.value!]),
    );
  }

  /** Every buffer with a value, in the order of {@link Module.namedBuffers}. */
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, t]) => t);
  }

  /** This module (path `""`) and all its descendants with their dotted paths, depth first, each once (a shared child at its first place). */
  namedModules(): [string, Module][] {
    const seen = new Set<Module>();
    const out: [string, Module][] = [];
    const visit = (m: Module, path: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([path, m]);
      for (const [name, child] of m.namedChildren()) visit(child, path ? `${path}.${name}` : name);
    };
    visit(this, "");
    return out;
  }

  /** This module and all its descendants, depth first, each once (a shared child is listed at its first place). */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /**
   * The live tensors of the state dict, in its order: each module's own parameters, its own
   * persistent buffers, then each child's; each tensor once. @internal
   */
  stateTensors(): StateTensor[] {
    const params = new Set<Variable>();
    const buffers = new Set<Tensor>();
    const out: StateTensor[] = [];
    for (const [path, m] of this.namedModules()) {
      const prefix = path ? `${path}.` : "";
      for (const [name, p] of m.ownParameters()) if (!params.has(p)) (params.add(p), out.push({ name: prefix + name, tensor: p.data, kind: "parameter" }));
      for (const [name, b] of m.#buffers) {
        if (b.persistent && b.value !== null && !buffers.has(b.value)) (buffers.add(b.value), out.push({ name: prefix + name, tensor: b.value, kind: "buffer" }));
      }
    }
    return out;
  }

  /** Sets training mode (`mode`, default true) on this module and every descendant. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Sets evaluation mode: Dropout passes its input through unchanged. */
  eval(): this {
    return this.train(false);
  }

  /** Clears the gradient of every parameter (sets `.grad` to null). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /**
   * A copy of every parameter's value (frozen ones included) and every persistent buffer, keyed
   * by dotted path, in PyTorch's order: a module's own parameters, its own buffers, then each
   * child's. Later training does not change it.
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const { name, tensor } of this.stateTensors()) out[name] = tensor.clone();
    return out;
  }

  /**
   * Copies values from `dict` into the parameters and persistent buffers in place (the variables
   * an optimiser holds stay the same), casting between float dtypes; an int32 buffer takes int32
   * values. Every key is checked before anything is written: with `strict` (the default) a
   * missing or unexpected key fails, and a value of the wrong shape or kind always does; on
   * failure the error lists every problem and nothing has changed. A value the target's dtype
   * cannot hold (a float64 beyond float32's range, ±3.4028234663852886e38, would become
   * ±Infinity) is refused too, naming the key, the value and its index, unless `unchecked: true`
   * asks for the conversion anyway; rounding (0.1 into float32) is never refused.
   *
   * @throws ValueError listing missing, unexpected and mis-shaped keys.
   * @throws DTypeError for a value the parameter's dtype cannot hold (`loadStateDict: W holds
   *   1e+300 at index (0, 1), which float32 cannot hold (it would become Infinity); pass
   *   { unchecked: true } to convert anyway`); nothing was loaded.
   *
   * @example
   * ```ts
   * import { Dense } from "@strata/nn";
   * import { tensor } from "@strata/tensor";
   * const layer = new Dense(2, 1); // float32
   * const dict = { W: tensor([[0.1, 1e300]], { dtype: "float64" }), b: tensor([[0]], { dtype: "float64" }) };
   * try { layer.loadStateDict(dict); } catch (e) { console.log((e as Error).message); } // loadStateDict: W holds 1e+300 at index (0, 1), which float32 cannot hold (it would become Infinity); pass { unchecked: true } to convert anyway
   * layer.loadStateDict(dict, { unchecked: true });
   * console.log(layer.W.data.toArray()); // [[0.10000000149011612, Infinity]]
   * ```
   */
  loadStateDict(dict: StateDict, options: { strict?: boolean; unchecked?: boolean } = {}): LoadResult {
    return loadState(this.stateTensors(), dict, options);
  }

  /**
   * Casts every float parameter and float buffer (non-persistent ones too) to `dtype`, in place,
   * and returns the module: each parameter stays the same Variable with a new value (its gradient
   * cast alike), so the model and any optimiser keep holding it. An optimiser created before
   * still updates the parameters but keeps the state it already has (momentum, Adam's averages)
   * in the old dtype; create optimisers after `to` (as PyTorch advises for `.to()`). Int and bool
   * buffers are left alone (as PyTorch leaves BatchNorm's num_batches_tracked). All values are
   * checked first: one that `dtype` cannot hold (1e300 into float32) changes nothing.
   *
   * @throws DTypeError when `dtype` is not float32 or float64, or a value does not fit it.
   */
  to(dtype: DType): this {
    if (dtype !== "float32" && dtype !== "float64") throw new DTypeError(`to: expected "float32" or "float64", got ${show(dtype)}`);
    const params = this.namedParameters().filter(([, p]) => isFloatDType(p.dtype) && p.dtype !== dtype);
    const buffers = this.namedModules().flatMap(([path, m]) =>
      [...m.#buffers].filter(([, b]) => b.value !== null && isFloatDType(b.value.dtype) && b.value.dtype !== dtype).map(([k, b]) => [path ? `${path}.${k}` : k, b] as const));
    for (const [name, p] of params) checkLossless("to", name, p.data, dtype);
    for (const [name, b] of buffers) checkLossless("to", name, b.value!, dtype);
    for (const [, p] of params) p.replaceData(p.data.cast(dtype, { unchecked: true }));
    // a tensor registered as a buffer in several modules is cast once and stays shared
    const casts = new Map<Tensor, Tensor>();
    for (const [, b] of buffers) {
      const from = b.value!;
      if (!casts.has(from)) casts.set(from, from.cast(dtype, { unchecked: true }));
      b.value = casts.get(from)!;
    }
    return this;
  }

  /**
   * Calls `hook(module, inputs, output)` after every `forward` of this module (however it is
   * called: by a parent, a Sequential or your code), in registration order; a hook that returns
   * something other than `undefined` replaces the output. `summary` uses hooks to see each
   * layer's output. `remove()` on the handle unregisters it.
   *
   * @throws ValueError when `hook` is not a function.
   */
  registerForwardHook<M extends Module>(this: M, hook: ForwardHook<M>): HookHandle {
    return addForwardHook(this, hook);
  }

  /** The part of the printed form in parentheses (PyTorch's `extra_repr`): a layer's settings, e.g. `4, 3, activation=relu`; empty by default. */
  extraRepr(): string {
    return "";
  }

  /** How {@link summary} names this module's row: the class name unless a layer says more (Dense: `Dense(layer 1) relu`). */
  summaryLabel(): string {
    return this.constructor.name || "Module";
  }

  /**
   * The module as PyTorch prints it: `Name(extra)` for a layer without children, else `Name(`,
   * one line `(name): child` per child (nested ones indented), `)`.
   */
  toString(): string {
    const extra = this.extraRepr();
    const extraLines = extra ? extra.split("\n") : [];
    const childLines = this.namedChildren().map(([name, child]) => `(${name}): ${indent(String(child))}`);
    const lines = [...extraLines, ...childLines];
    const body = lines.length === 0 ? "" : extraLines.length === 1 && childLines.length === 0 ? extraLines[0] : `\n  ${lines.join("\n  ")}\n`;
    return `${this.constructor.name || "Module"}(${body})`;
  }
}
