// compile(fn): record a step's kernel work on its first call, replay it on the calls after.
//
// The first call with a given signature (the inputs' shapes and dtypes, the other arguments, the
// gradient mode) runs `fn` for real under @strata/tensor's `record`: every op keeps its kernel
// work, autograd's backward and the optimiser's update included. Later calls copy the new inputs
// into the buffers the recording read them from and run the kept work again: no checks, no graph,
// no allocation but the copies of the results handed back. Whatever `fn` decides in JavaScript
// (which ops to run, shapes, constants) is fixed at the recording, as with jax.jit; what would
// make a replay differ from a call (reading a value with item(), gradients accumulating across
// calls, an op that cannot be kept) refuses the recording, and the function then runs eagerly.
import { StrataError, Tensor, allocateResident, isRecording, record, replay, type Recording } from "@strata/tensor";
import { isGradEnabled } from "./mode.js";
import { Variable, beginGradBookkeeping, dataGeneration } from "./variable.js";

/**
 * How {@link compile} behaves; every field is optional.
 *
 * @example
 * ```ts
 * import { compile, type CompileOptions } from "@strata/autograd";
 * import { tensor, type Tensor } from "@strata/tensor";
 * const options: CompileOptions = { maxRecordings: 2, onRefusal: "silent" };
 * const double = compile((x: Tensor) => x.mul(2), options);
 * console.log(double(tensor([1, 2])).toArray()); // [2, 4]
 * ```
 */
export interface CompileOptions {
  /**
   * Recordings kept, one per signature and guard outcome (default 8). Past the limit the function
   * runs eagerly from then on, as when a recording is refused.
   */
  maxRecordings?: number;
  /**
   * What a refused recording does: "warn" (default) writes the reason once with console.warn and
   * runs eagerly from then on, "silent" does the same without the warning, "error" throws a
   * StrataError with the reason (after the call that found it, which ran eagerly and is complete).
   */
  onRefusal?: "warn" | "silent" | "error";
}

/**
 * What a compiled function has done so far (see {@link compile}).
 *
 * @example
 * ```ts
 * import { compile, type CompileStatus } from "@strata/autograd";
 * import { tensor, type Tensor } from "@strata/tensor";
 * const f = compile((x: Tensor) => x.add(1));
 * f(tensor([1]));
 * f(tensor([2]));
 * const status: CompileStatus = f.status;
 * console.log(status); // { recordings: 1, replays: 1, eager: null }
 * ```
 */
export interface CompileStatus {
  /** Calls that recorded. */
  recordings: number;
  /** Calls that replayed a recording. */
  replays: number;
  /** Why the function now runs eagerly, or null while it compiles. */
  eager: string | null;
}

/**
 * The function {@link compile} returns: `fn`'s signature, plus its {@link CompileStatus}.
 *
 * @example
 * ```ts
 * import { compile, type Compiled } from "@strata/autograd";
 * import { tensor, type Tensor } from "@strata/tensor";
 * const square: Compiled<[Tensor], Tensor> = compile((x: Tensor) => x.square());
 * console.log(square(tensor([3])).toArray(), square.status.recordings); // [9] 1
 * ```
 */
export type Compiled<A extends unknown[], R> = ((...args: A) => R) & { readonly status: CompileStatus };

interface Entry {
  key: string;
  recording: Recording;
  /** The buffers the recording reads its tensor arguments from, by argument position. */
  inputs: (Tensor | null)[];
  output: unknown;
  generation: number;
}

const tensorOf = (x: unknown): Tensor | null => (x instanceof Tensor ? x : x instanceof Variable ? x.data : null);

function keyOf(args: readonly unknown[]): string {
  const parts = args.map((a) => {
    const t = tensorOf(a);
    if (t !== null) return `${a instanceof Variable ? (a.requiresGrad ? "V*" : "V") : "T"}${t.dtype}[${t.shape.join(",")}]`;
    // Object.is, not String: −0 and 0 give different results (1/x), and String(−0) is "0"
    if (Object.is(a, -0)) return "number:-0";
    if (a === null || ["number", "boolean", "string", "undefined"].includes(typeof a)) return `${typeof a}:${String(a)}`;
    return `object#${identity(a as object)}`;
  });
  return `${isGradEnabled() ? "grad" : "nograd"}|${parts.join("|")}`;
}

// objects passed as arguments (a model, an options bag) are compared by identity
const ids = new WeakMap<object, number>();
let nextId = 0;
function identity(o: object): number {
  let id = ids.get(o);
  if (id === undefined) ids.set(o, (id = nextId++));
  return id;
}

/**
 * A fresh contiguous copy of `t` for the recording to read its argument from: in the kernels'
 * memory where it can be (float tensors with the WebAssembly kernels on), so that the kernels of
 * every replay read it in place and only the copy of the new values into it is paid.
 */
function ownCopy(t: Tensor): Tensor {
  const resident = allocateResident(t.dtype, t.size, true);
  if (resident === null) return t.contiguous().clone();
  resident.set(contiguousValues(t));
  return new Tensor(resident, t.shape);
}

/** `t`'s values in row-major order: a view of its buffer when it is contiguous, else a copy. */
function contiguousValues(t: Tensor): ArrayLike<number> {
  return t.isContiguous ? (t.data.subarray(t.offset, t.offset + t.size) as ArrayLike<number>) : (t.toTypedArray() as ArrayLike<number>);
}

/** The result handed back: tensors copied (a replay overwrites the recorded ones), variables detached. */
function handBack(value: unknown): unknown {
  if (value instanceof Variable) return new Variable(value.data.clone());
  if (value instanceof Tensor) return value.clone();
  if (Array.isArray(value)) return value.map(handBack);
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, handBack(v)]));
  }
  return value;
}

/**
 * Compiles `fn` (a training step, a forward pass, any function of tensors): the first call with
 * a given signature runs it and records every op's kernel work, later calls replay that work on
 * the new inputs — the same numbers as calling `fn`, without rebuilding the graph or allocating.
 *
 * Contract: tensors and variables that change between calls come in as arguments (they are copied
 * into the recording's buffers); parameters and optimiser state are read where they live, and
 * updates in place are replayed. Other arguments (numbers, strings, objects) are part of the
 * signature: a new value records afresh. What `fn` decides in JavaScript is fixed at recording.
 * Results are copies: tensors cloned, variables detached (do `backward()` inside `fn`).
 * A recording is refused, and `fn` runs eagerly from then on, when `fn` reads a value in
 * JavaScript (`item()`, `toArray()`, …), when gradients accumulate into a `.grad` set before the
 * call (clear them inside `fn`, e.g. `optimizer.zeroGrad()`), or when an op cannot be kept; see
 * {@link CompileOptions.onRefusal}. Layers check their training flag before a replay.
 *
 * @throws StrataError with `onRefusal: "error"`, after the call that found a refusal (that call
 *   ran eagerly and is complete); whatever `fn` throws, on a recording call, or a value check of a
 *   replayed op (a label out of range) on a replay.
 *
 * @example
 * ```ts
 * import { compile, variable } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * const w = variable(tensor([1, 2]), { requiresGrad: true });
 * const step = compile((x: ReturnType<typeof tensor>) => {
 *   w.grad = null;
 *   const loss = w.mul(x).sum();
 *   loss.backward();
 *   w.data.subInPlace(w.grad!.mul(0.5));
 *   return loss;
 * });
 * console.log(step(tensor([1, 1])).item(), step(tensor([1, 1])).item(), step.status.replays); // 3 2 1
 * console.log(w.toArray()); // [0, 1]
 * ```
 */
export function compile<A extends unknown[], R>(fn: (...args: A) => R, options: CompileOptions = {}): Compiled<A, R> {
  const maxRecordings = options.maxRecordings ?? 8;
  const onRefusal = options.onRefusal ?? "warn";
  const entries: Entry[] = [];
  const status: CompileStatus = { recordings: 0, replays: 0, eager: null };

  const goEager = (reason: string): void => {
    status.eager = reason;
    if (onRefusal === "warn") console.warn(`compile: running eagerly from now on: ${reason}`);
  };

  const recordCall = (key: string, args: A): R => {
    const inputs = args.map((a) => {
      const t = tensorOf(a);
      return t === null ? null : ownCopy(t);
    });
    // the variables are made while recording: their gradients are the step's own, fresh each call
    const bind = () => args.map((a, i) => {
      const own = inputs[i];
      if (own === null || own === undefined) return a;
      return a instanceof Variable ? new Variable(own, null, a.requiresGrad) : own;
    }) as A;
    const generation = dataGeneration();
    beginGradBookkeeping();
    const { result, recording } = record(() => fn(...bind()));
    status.recordings += 1;
    if (recording.refusals.length > 0) {
      const reason = recording.refusals.join("; ");
      goEager(reason);
      if (onRefusal === "error") throw new StrataError(`compile: this function cannot be replayed: ${reason}`);
      return result;
    }
    entries.push({ key, recording, inputs, output: result, generation });
    return handBack(result) as R;
  };

  const compiled = ((...args: A): R => {
    // called while an outer compiled step records: the outer recording keeps this work
    if (status.eager !== null || isRecording()) return fn(...args);
    const key = keyOf(args);
    const generation = dataGeneration();
    const entry = entries.find((e) => e.key === key && e.generation === generation && e.recording.guards.every((g) => g.holds()));
    if (entry === undefined) {
      // generations only grow: a recording of an older one never matches again, so it is dropped
      // rather than counted against the limit (freezing layers epoch after epoch is no new signature)
      for (let i = entries.length - 1; i >= 0; i--) if (entries[i]!.generation !== generation) entries.splice(i, 1);
      if (entries.length >= maxRecordings) {
        goEager(`recorded ${entries.length} times, the limit (maxRecordings); signatures or layer states keep changing`);
        return fn(...args);
      }
      return recordCall(key, args);
    }
    entry.inputs.forEach((own, i) => {
      if (own !== null) (own.data as Float32Array).set(contiguousValues(tensorOf(args[i])!));
    });
    replay(entry.recording);
    status.replays += 1;
    return handBack(entry.output) as R;
  }) as Compiled<A, R>;
  Object.defineProperty(compiled, "status", { value: status, enumerable: true });
  return compiled;
}
