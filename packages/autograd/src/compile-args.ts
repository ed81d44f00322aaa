// compile's view of a call's arguments: the tensors and variables in them (at the top level or
// inside arrays and plain objects, at any depth), the signature a recording is kept under, and
// the way each one reaches the recording's own input buffer on a replay: bound in place when the
// caller's values are resident, copied otherwise. What the call did to them (in-place writes,
// gradients) is handed back to the caller's tensors and variables afterwards, as eagerly.
import { Tensor, allocateResident, assign, bumpVersion, isResidentTensor, swapArray, type DataArray } from "@strata/tensor";
import { Variable } from "./variable.js";

/** A tensor or variable found in the arguments. */
export type Leaf = Tensor | Variable;

export const tensorOf = (x: Leaf): Tensor => (x instanceof Tensor ? x : x.data);

const isPlainObject = (x: unknown): x is Record<string, unknown> =>
  x !== null && typeof x === "object" && (Object.getPrototypeOf(x) === Object.prototype || Object.getPrototypeOf(x) === null);

// objects passed as arguments (a model, an options bag) are compared by identity
const ids = new WeakMap<object, number>();
let nextId = 0;
function identity(o: object): number {
  let id = ids.get(o);
  if (id === undefined) ids.set(o, (id = nextId++));
  return id;
}

function leafKey(a: Leaf): string {
  const t = tensorOf(a);
  // a variable whose .grad is set is a signature of its own: backward would add to it
  const kind = a instanceof Variable ? (a.requiresGrad ? (a.grad === null ? "V*" : "V*+grad") : "V") : "T";
  return `${kind}${t.dtype}[${t.shape.join(",")}]`;
}

/**
 * Walks `value` in a fixed order (array items, then object keys as listed), calling `leaf` on
 * each tensor or variable and appending the signature to `key`; with `rebuild`, returns a copy of
 * the arrays and plain objects with each leaf replaced by what `leaf` returned. An array or object
 * met again on its own path (a cycle) is compared by identity and not walked.
 */
function walk(value: unknown, leaf: (x: Leaf) => unknown, key: string[], rebuild: boolean, path: Set<object>): unknown {
  if (value instanceof Tensor || value instanceof Variable) {
    key.push(leafKey(value));
    return leaf(value);
  }
  // Object.is, not String: −0 and 0 give different results (1/x), and String(−0) is "0"
  if (Object.is(value, -0)) {
    key.push("number:-0");
    return value;
  }
  if (value === null || typeof value !== "object") {
    key.push(typeof value === "function" ? `function#${identity(value)}` : `${typeof value}:${typeof value === "string" ? JSON.stringify(value) : String(value)}`);
    return value;
  }
  const plain = Array.isArray(value) || isPlainObject(value);
  if (!plain || path.has(value)) {
    key.push(`object#${identity(value)}`);
    return value;
  }
  path.add(value);
  let out: unknown;
  if (Array.isArray(value)) {
    key.push("[");
    out = value.map((v: unknown) => walk(v, leaf, key, rebuild, path));
    key.push("]");
  } else {
    key.push("{");
    const entries = Object.entries(value).map(([k, v]) => {
      key.push(`${JSON.stringify(k)}:`);
      return [k, walk(v, leaf, key, rebuild, path)] as const;
    });
    key.push("}");
    out = rebuild ? Object.fromEntries(entries) : value;
  }
  path.delete(value);
  return rebuild ? out : value;
}

/** The signature of a call (the gradient mode given as `mode`) and the tensors and variables in its arguments, in walking order. */
export function describeArgs(args: readonly unknown[], mode: string): { key: string; leaves: Leaf[] } {
  const key = [mode, "|"];
  const leaves: Leaf[] = [];
  for (const a of args) {
    walk(a, (x) => leaves.push(x), key, false, new Set());
    key.push("|");
  }
  return { key: key.join(""), leaves };
}

/** `args` with the k-th leaf (in {@link describeArgs}' order) replaced by `replace(leaf, k)`; arrays and plain objects are copied. */
export function substituteArgs(args: readonly unknown[], replace: (x: Leaf, k: number) => unknown): unknown[] {
  let k = 0;
  return args.map((a) => walk(a, (x) => replace(x, k++), [], true, new Set()));
}

/**
 * A fresh contiguous copy of `t` for the recording to read its argument from: in the kernels'
 * memory where it can be (float tensors with the WebAssembly kernels on), so that the kernels of
 * every replay read it in place and only the copy of the new values into it is paid.
 */
export function ownCopy(t: Tensor): Tensor {
  const resident = allocateResident(t.dtype, t.size, true);
  if (resident === null) return t.contiguous().clone();
  resident.set(contiguousValues(t));
  return new Tensor(resident, t.shape);
}

/** `t`'s values in row-major order: a view of its buffer when it is contiguous, else a copy. */
function contiguousValues(t: Tensor): ArrayLike<number> {
  return t.isContiguous ? (t.data.subarray(t.offset, t.offset + t.size) as ArrayLike<number>) : (t.toTypedArray() as ArrayLike<number>);
}

/**
 * Gives the recording's own input `own` the values of the caller's `arg`. A resident, contiguous
 * `arg` (of `own`'s dtype and size, as the signature ensures) is bound: `own`'s storage is
 * swapped to a view of `arg`'s values, which every piece of work reads when it runs, and the
 * array swapped out is returned for {@link unbind}. Otherwise (or when `arg` shares memory with
 * one of the recording's results, which the replay overwrites) the values are copied in and
 * null is returned.
 */
export function bindOrCopy(own: Tensor, arg: Tensor, results: ReadonlySet<object>): DataArray | null {
  if (isResidentTensor(arg) && arg.isContiguous && arg.dtype === own.dtype && !results.has(arg.storage)) {
    const whole = arg.offset === 0 && arg.data.length === arg.size;
    return swapArray(own, whole ? arg.data : arg.data.subarray(arg.offset, arg.offset + arg.size));
  }
  (own.data as Float32Array).set(contiguousValues(arg));
  return null;
}

/** Puts back the own array {@link bindOrCopy} swapped out, so that the recording keeps none of the caller's memory. */
export function unbind(own: Tensor, array: DataArray | null): void {
  if (array !== null) swapArray(own, array);
}

/**
 * After a call, hands the caller's tensors and variables what the call did to the recording's
 * own: the values of each input written in place (`written[k]` times) unless bound (a bound one
 * was written where it lies), with the caller's version counted up as often as an eager call
 * would, and the gradient of each own variable (cloned: a replay overwrites it).
 */
export function handBackArgs(leaves: readonly Leaf[], inputs: readonly Tensor[], written: readonly number[], bound: readonly (DataArray | null)[], variables: readonly (Variable | null)[]): void {
  leaves.forEach((leaf, k) => {
    const writes = written[k]!;
    if (writes > 0) {
      const target = tensorOf(leaf);
      // assign counts one write itself
      if (bound[k] === null) assign(target, inputs[k]!);
      for (let i = bound[k] === null ? 1 : 0; i < writes; i++) bumpVersion(target);
    }
    const own = variables[k];
    if (own !== null && own !== undefined && leaf instanceof Variable) {
      const grad = own.grad;
      if (grad !== leaf.grad) leaf.grad = grad === null ? null : grad.clone();
    }
  });
}
