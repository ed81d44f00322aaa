// compile(fn): record a step's kernel work on its first call, replay it on the calls after.
//
// The first call with a given signature (the arguments' tensors, at the top level or inside arrays
// and plain objects, with their shapes and dtypes; the other arguments; the gradient mode) runs
// `fn` for real under @strata/tensor's `record`, on buffers of the recording's own: every op keeps
// its kernel work, autograd's backward and the optimiser's update included. Later calls give those
// buffers the new arguments (a resident argument is bound in place, anything else copied) and run
// the kept work again: no checks, no graph, no allocation but the copies of the results handed
// back (none with reuseResults). What the call did to its arguments (in-place writes, gradients)
// is handed to the caller's tensors and variables, as an eager call leaves them. Whatever `fn`
// decides in JavaScript (which ops to run, shapes, constants) is fixed at the recording, as with
// jax.jit; what would make a replay differ from a call (reading a value with item(), gradients
// accumulating across calls, an op that cannot be kept) refuses the recording, and the function
// then runs eagerly.
import { StrataError, Tensor, isRecording, reachable, record, refuseRecording, replay, type DataArray, type Recording } from "@strata/tensor";
import { isGradEnabled } from "./mode.js";
import { Variable, beginGradBookkeeping, dataGeneration } from "./variable.js";
import { bindOrCopy, describeArgs, handBackArgs, ownCopy, substituteArgs, tensorOf, unbind, type Leaf } from "./compile-args.js";

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
  /**
   * Hand back the recording's own result tensors instead of copies (default false): a call then
   * allocates and copies nothing for its results, and the next call with the same signature
   * overwrites their values, like the static outputs of a CUDA graph. Read (or copy) a result
   * before the next call; keep one with `clone()`. Results that share memory with an argument are
   * still copied, and variables are still handed back detached (over the recording's tensor).
   *
   * @example
   * ```ts
   * import { compile } from "@strata/autograd";
   * import { makeResident, tensor, type Tensor } from "@strata/tensor";
   * const relu = compile((x: Tensor) => x.relu(), { reuseResults: true });
   * const [a, b] = [tensor([-1, 2]), tensor([3, -4])];
   * makeResident(a); // read where it lies on a replay (where the kernels are on), not copied
   * makeResident(b);
   * const first = relu(a);
   * console.log(first.toArray()); // [0, 2]
   * const second = relu(b);
   * console.log(second === first, first.toArray()); // true [3, 0]
   * ```
   */
  reuseResults?: boolean;
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
  /** The buffers the recording reads the arguments' tensors from, in describeArgs' order. */
  inputs: Tensor[];
  /** How many in-place writes the recording makes to each (copied back to the caller after a replay). */
  written: number[];
  /** The variables the recording bound over them, for those arguments that require gradients. */
  variables: (Variable | null)[];
  output: unknown;
  /** The storages of the output's tensors: an argument sharing one is copied in, never bound. */
  outputStorages: Set<object>;
  generation: number;
}

/**
 * The result handed back: variables detached, tensors cloned (a replay overwrites the recorded
 * ones) unless `reuse`, in which case the recording's own tensors are handed back, except those
 * sharing memory with an input buffer (which may be the caller's, bound for one call only).
 */
function handBack(value: unknown, reuse: boolean, inputs: readonly Tensor[]): unknown {
  const copy = (t: Tensor): Tensor => (reuse && !inputs.some((i) => i.storage === t.storage) ? t : t.clone());
  if (value instanceof Variable) return new Variable(copy(value.data));
  if (value instanceof Tensor) return copy(value);
  if (Array.isArray(value)) return value.map((v: unknown) => handBack(v, reuse, inputs));
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, handBack(v, reuse, inputs)]));
  }
  return value;
}

/**
 * Compiles `fn` (a training step, a forward pass, any function of tensors): the first call with
 * a given signature runs it and records every op's kernel work, later calls replay that work on
 * the new inputs — the same numbers as calling `fn`, without rebuilding the graph or allocating.
 *
 * Contract: tensors and variables that change between calls come in as arguments, at the top
 * level or inside arrays and plain objects (at any depth); each is copied into the recording's
 * own buffer, or, when its values are resident (`makeResident`) and contiguous, read where they
 * lie for the call. Parameters and optimiser state are read where they live, and updates in
 * place are replayed. Other arguments (numbers, strings, other objects, by identity) are part of
 * the signature: a new value records afresh. What `fn` decides in JavaScript is fixed at
 * recording. After each call the caller's arguments hold what an eager call leaves: values `fn`
 * wrote in place, and the `.grad` of a variable argument that requires gradients. Results are
 * copies (tensors cloned, variables detached: do `backward()` inside `fn`), unless
 * {@link CompileOptions.reuseResults}. A recording is refused, and `fn` runs eagerly from then
 * on, when `fn` reads a value in JavaScript (`item()`, `toArray()`, …), when gradients accumulate
 * into a `.grad` set before the call (a variable argument's included: clear them inside `fn`,
 * e.g. `optimizer.zeroGrad()`, or before the call), or when an op cannot be kept; see
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
  const reuseResults = options.reuseResults ?? false;
  const entries: Entry[] = [];
  const status: CompileStatus = { recordings: 0, replays: 0, eager: null };

  const goEager = (reason: string): void => {
    status.eager = reason;
    if (onRefusal === "warn") console.warn(`compile: running eagerly from now on: ${reason}`);
  };

  const recordCall = (key: string, leaves: Leaf[], args: A): R => {
    const inputs = leaves.map((leaf) => ownCopy(tensorOf(leaf)));
    const versions = inputs.map((t) => t.version);
    const variables: (Variable | null)[] = leaves.map(() => null);
    const generation = dataGeneration();
    beginGradBookkeeping();
    const { result, recording } = record(() => {
      // the variables are made while recording: their gradients are the step's own, fresh each call
      const bound = substituteArgs(args, (leaf, k) => {
        if (!(leaf instanceof Variable)) return inputs[k];
        const own = new Variable(inputs[k]!, null, leaf.requiresGrad);
        if (!leaf.requiresGrad) return own;
        // a leaf's gradient is handed back; a computed variable's would flow on into the graph that
        // made it, outside the function, which neither a recording nor a replay reaches
        if (leaf.isLeaf) variables[k] = own;
        if (leaf.grad !== null) {
          refuseRecording(`compile: argument variable ${k + 1} (of shape [${leaf.shape.join(", ")}]) has a .grad set before the call, which backward would add to and a replay cannot; set it to null before calling`);
          own.grad = leaf.grad.clone();
        }
        if ((leaf.accumulator().hooks?.length ?? 0) > 0) refuseRecording(`compile: argument variable ${k + 1} has gradient hooks, which run JavaScript a replay would skip`);
        return own;
      }) as A;
      return fn(...bound);
    });
    status.recordings += 1;
    const written = inputs.map((t, k) => t.version - versions[k]!);
    const none = leaves.map(() => null);
    handBackArgs(leaves, inputs, written, none, variables);
    if (recording.refusals.length > 0) {
      const reason = recording.refusals.join("; ");
      goEager(reason);
      if (onRefusal === "error") throw new StrataError(`compile: this function cannot be replayed: ${reason}`);
      return result;
    }
    const outputStorages = new Set<object>(reachable(result).tensors.map((t) => t.storage));
    entries.push({ key, recording, inputs, written, variables, output: result, outputStorages, generation });
    return handBack(result, reuseResults, inputs) as R;
  };

  const replayCall = (entry: Entry, leaves: Leaf[]): R => {
    const bound: (DataArray | null)[] = [];
    try {
      leaves.forEach((leaf, k) => bound.push(bindOrCopy(entry.inputs[k]!, tensorOf(leaf), entry.outputStorages)));
      replay(entry.recording);
      status.replays += 1;
      // before unbinding: a result over a bound input reads the caller's memory until then
      const out = handBack(entry.output, reuseResults, entry.inputs) as R;
      handBackArgs(leaves, entry.inputs, entry.written, bound, entry.variables);
      return out;
    } finally {
      bound.forEach((array, k) => unbind(entry.inputs[k]!, array));
    }
  };

  const compiled = ((...args: A): R => {
    // called while an outer compiled step records: the outer recording keeps this work
    if (status.eager !== null || isRecording()) return fn(...args);
    const { key, leaves } = describeArgs(args, isGradEnabled() ? "grad" : "nograd");
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
      return recordCall(key, leaves, args);
    }
    return replayCall(entry, leaves);
  }) as Compiled<A, R>;
  Object.defineProperty(compiled, "status", { value: status, enumerable: true });
  return compiled;
}
