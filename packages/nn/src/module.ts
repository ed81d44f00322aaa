// The base of every layer and model. Parameters and children are found on the module's own
// fields (as PyTorch finds them through attribute assignment), so a model is plain class code.
import { Variable, type Operand } from "@strata/autograd";
import { Tensor, ValueError, assign, checkLossless, formatShape, isFloatDType } from "@strata/tensor";

/**
 * A state dict: parameter tensors keyed by their dotted path (`"0.W"`, `"encoder.1.b"`; a
 * deepNetwork's keys are `W1, b1, …, WL, bL`), each of its parameter's shape, e.g. W[l]
 * (n[l], n[l-1]) and b[l] (n[l], 1). What {@link Module.stateDict} returns and
 * {@link Module.loadStateDict} takes.
 *
 * @example
 * ```ts
 * import { Dense, type StateDict } from "@strata/nn";
 * import { rng } from "@strata/tensor";
 * const a = new Dense(2, 1, { rng: rng(0) });
 * const dict: StateDict = a.stateDict();
 * console.log(Object.keys(dict), dict.W!.shape, dict.b!.shape); // ["W", "b"] [1, 2] [1, 1]
 * const b = new Dense(2, 1, { rng: rng(1) });
 * b.loadStateDict(dict);
 * console.log(b.W.data.equals(a.W.data)); // true
 * ```
 */
export type StateDict = Record<string, Tensor>;

/**
 * What {@link Module.loadStateDict} (and loadWeights) did not match: the model's parameter paths
 * the dict had no value for, and the dict's keys that name no parameter. With `strict` (the
 * default) either list being non-empty is an error, so both are empty in the result.
 *
 * @example
 * ```ts
 * import { Dense, type LoadResult } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const layer = new Dense(2, 1);
 * const result: LoadResult = layer.loadStateDict({ W: tensor([[1, 2]]), extra: tensor([0]) }, { strict: false });
 * console.log(result); // { missing: ["b"], unexpected: ["extra"] }
 * console.log(layer.W.toArray()); // [[1, 2]]
 * ```
 */
export interface LoadResult {
  /** Parameters of the model that the dict has no value for (left as they were). */
  missing: string[];
  /** Keys of the dict that name no parameter (ignored). */
  unexpected: string[];
}

/**
 * A layer or a model: `forward` computes the output; parameters are the leaf variables with
 * `requiresGrad` held in the module's own fields, children the modules held there (also in arrays),
 * found in field order. `namedParameters()` gives dotted paths (`"encoder.0.W"`). The layers take
 * and return the column layout: an input A[l-1] is (n[l-1], m), one column per example.
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
 * ```
 */
export abstract class Module {
  /** True in training mode (the default), false after `eval()`; Dropout reads it. */
  training = true;

  /** The module's output for its input(s). */
  abstract forward(...inputs: Operand[]): Variable;

  /** The direct children with their names, in field order (an array field `layers` gives `layers.0`, …). */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Module) out.push([key, value]);
      else if (Array.isArray(value)) value.forEach((v, i) => v instanceof Module && out.push([`${key}.${i}`, v]));
    }
    return out;
  }

  /** This module's own parameters (not its children's), in field order. */
  protected ownParameters(): [string, Variable][] {
    return Object.entries(this).filter((e): e is [string, Variable] => e[1] instanceof Variable && e[1].isLeaf && e[1].requiresGrad);
  }

  /**
   * Every parameter with its dotted path: own ones first, then each child's under its name. A
   * variable shared by two modules is listed once, under its first path. A subclass may name its
   * parameters itself (deepNetwork says `W1, b1, …`) by overriding this method.
   */
  namedParameters(): [string, Variable][] {
    const all = [
      ...this.ownParameters(),
      ...this.namedChildren().flatMap(([name, child]) => child.namedParameters().map(([path, p]): [string, Variable] => [`${name}.${path}`, p])),
    ];
    const seen = new Set<Variable>();
    return all.filter(([, p]) => !seen.has(p) && Boolean(seen.add(p)));
  }

  /** Every parameter, in the order of {@link Module.namedParameters}: what an optimiser takes. */
  parameters(): Variable[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** This module and all its descendants, depth first, each once (a shared child is listed at its first place). */
  modules(): Module[] {
    const seen = new Set<Module>();
    const visit = (m: Module): Module[] => (seen.has(m) ? [] : (seen.add(m), [m, ...m.namedChildren().flatMap(([, c]) => visit(c))]));
    return visit(this);
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

  /** A copy of every parameter's value keyed by its dotted path; later training does not change it. */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [name, p] of this.namedParameters()) out[name] = p.data.clone();
    return out;
  }

  /**
   * Copies values from `dict` into the parameters in place (the variables an optimiser holds stay
   * the same), casting between float dtypes. Every key is checked before anything is written: with
   * `strict` (the default) a missing or unexpected key fails, and a value of the wrong shape always
   * does; on failure the error lists every problem and no parameter has changed. A value the
   * parameter's dtype cannot hold (a float64 beyond float32's range, ±3.4028234663852886e38, would
   * become ±Infinity) is refused too, naming the key, the value and its index, unless
   * `unchecked: true` asks for the conversion anyway; rounding (0.1 into float32) is never refused.
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
    const strict = options.strict ?? true;
    const params = new Map(this.namedParameters());
    const keys = Object.keys(dict);
    const missing = [...params.keys()].filter((k) => !Object.hasOwn(dict, k));
    const unexpected = keys.filter((k) => !params.has(k));
    const problems: string[] = [];
    for (const k of keys) {
      const p = params.get(k);
      const v = dict[k];
      if (p === undefined) continue;
      if (!(v instanceof Tensor)) problems.push(`${k}: expected a Tensor, got ${(v as unknown) instanceof Variable ? "a Variable (pass its .data)" : String(v)}`);
      else if (v.shape.join() !== p.shape.join()) problems.push(`${k}: the model has ${formatShape(p.shape)}, the dict ${formatShape(v.shape)}`);
      else if (!isFloatDType(v.dtype)) problems.push(`${k}: expected float32 or float64 values, got ${v.dtype}`);
    }
    if (strict) {
      if (missing.length) problems.unshift(`missing ${missing.join(", ")}`);
      if (unexpected.length) problems.unshift(`unexpected ${unexpected.join(", ")}`);
    }
    if (problems.length) throw new ValueError(`loadStateDict: ${problems.join("; ")}; nothing was loaded`);
    // Values are checked for every key before the first write, so a refusal changes nothing.
    if (options.unchecked !== true) {
      for (const k of keys) {
        const p = params.get(k);
        if (p !== undefined) checkLossless("loadStateDict", k, dict[k]!, p.dtype);
      }
    }
    for (const k of keys) {
      const p = params.get(k);
      if (p !== undefined) assign(p.data, dict[k]!.dtype === p.dtype ? dict[k]! : dict[k]!.cast(p.dtype, { unchecked: true }));
    }
    return { missing, unexpected };
  }
}
