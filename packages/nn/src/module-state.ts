// A module's state as load and save see it: the parameters' and persistent buffers' live tensors
// under their dotted names, checked all together before any is written, so that a refusal
// changes nothing. Module's methods call these; the walk that lists the tensors is in module.ts.
import { Variable } from "@strata/autograd";
import { Tensor, ValueError, assign, checkLossless, formatShape, isFloatDType, type DType } from "@strata/tensor";

/** One tensor of a module's state: a parameter's value or a buffer, by its dotted name. */
export interface StateTensor {
  name: string;
  /** The live tensor (a parameter's `data`, or the buffer itself): written in place by loading. */
  tensor: Tensor;
  kind: "parameter" | "buffer";
}

/**
 * A state dict: tensors keyed by their dotted path (`"0.W"`, `"encoder.1.b"`,
 * `"1.running_mean"`; a deepNetwork's keys are `W1, b1, …, WL, bL`), each of its parameter's or
 * buffer's shape, e.g. W[l] (n[l], n[l-1]) and b[l] (n[l], 1). What {@link Module.stateDict}
 * returns and {@link Module.loadStateDict} takes: parameters (frozen ones too) and persistent
 * buffers, in PyTorch's order (a module's own parameters, its own buffers, then each child's).
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
 * What {@link Module.loadStateDict} (and loadWeights) did not match: the model's parameter and
 * buffer paths the dict had no value for, and the dict's keys that name neither. With `strict`
 * (the default) either list being non-empty is an error, so both are empty in the result.
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
  /** Parameters and buffers of the model that the dict has no value for (left as they were). */
  missing: string[];
  /** Keys of the dict that name no parameter or buffer (ignored). */
  unexpected: string[];
}

/** The dtypes a value for `target` may have: any float for a float tensor, else its own. */
function accepts(target: DType, value: DType): boolean {
  return isFloatDType(target) ? isFloatDType(value) : value === target;
}

/** What a value for a tensor of dtype `target` must be, for messages. */
const wanted = (target: DType): string => (isFloatDType(target) ? "float32 or float64" : target);

/**
 * Loads `dict` into `state` in place, as {@link Module.loadStateDict} documents: every key
 * checked (type, shape, dtype, values the target's dtype cannot hold) before the first write.
 */
export function loadState(state: readonly StateTensor[], dict: StateDict, options: { strict?: boolean; unchecked?: boolean }): LoadResult {
  const strict = options.strict ?? true;
  const targets = new Map(state.map((s) => [s.name, s.tensor]));
  const keys = Object.keys(dict);
  const missing = [...targets.keys()].filter((k) => !Object.hasOwn(dict, k));
  const unexpected = keys.filter((k) => !targets.has(k));
  const problems: string[] = [];
  for (const k of keys) {
    const target = targets.get(k);
    const v = dict[k];
    if (target === undefined) continue;
    if (!(v instanceof Tensor)) problems.push(`${k}: expected a Tensor, got ${(v as unknown) instanceof Variable ? "a Variable (pass its .data)" : String(v)}`);
    else if (v.shape.join() !== target.shape.join()) problems.push(`${k}: the model has ${formatShape(target.shape)}, the dict ${formatShape(v.shape)}`);
    else if (!accepts(target.dtype, v.dtype)) problems.push(`${k}: expected ${wanted(target.dtype)} values, got ${v.dtype}`);
  }
  if (strict) {
    if (missing.length) problems.unshift(`missing ${missing.join(", ")}`);
    if (unexpected.length) problems.unshift(`unexpected ${unexpected.join(", ")}`);
  }
  if (problems.length) throw new ValueError(`loadStateDict: ${problems.join("; ")}; nothing was loaded`);
  // Values are checked for every key before the first write, so a refusal changes nothing.
  if (options.unchecked !== true) {
    for (const k of keys) {
      const target = targets.get(k);
      if (target !== undefined) checkLossless("loadStateDict", k, dict[k]!, target.dtype);
    }
  }
  for (const k of keys) {
    const target = targets.get(k);
    if (target !== undefined) assign(target, dict[k]!.dtype === target.dtype ? dict[k]! : dict[k]!.cast(target.dtype, { unchecked: true }));
  }
  return { missing, unexpected };
}
