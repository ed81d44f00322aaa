// Recording a computation's kernel work so that it can be run again without the JavaScript around
// it: the mechanism under autograd's `compile`. Every op splits into setup (checks, the result's
// dtype and shape, allocating the output) and work (filling the output from the inputs); the work
// is passed to `compute`, which runs it and, while a recording is on, keeps it. Replaying runs the
// kept work in order on the same buffers: no checks, no allocation, no graph, no garbage.
//
// A piece of work must therefore be a function of what it reads when it runs: it reads its inputs'
// buffers and any state that changes between calls (a generator, a step counter, a learning rate)
// at run time, and it writes every element of its outputs (zeroing first where it accumulates).
// It may allocate temporaries of its own. Work started inside other work is part of it and is not
// kept on its own.
import { StrataError } from "./errors.js";
import { fuseChains, type ElementwiseStep } from "./fuse.js";

/**
 * A piece of kernel work that {@link compute} runs and a {@link Recording} keeps.
 *
 * @example
 * ```ts
 * import { compute, type Work } from "@strata/tensor";
 * const out = new Float32Array(2);
 * const work: Work = () => out.set([1, 2]);
 * compute(work);
 * console.log(Array.from(out)); // [1, 2]
 * ```
 */
export type Work = () => void;

/**
 * What one call of {@link record} kept: the work in order, the checks a replay must pass first,
 * and the reasons the computation cannot be replayed (empty when it can).
 *
 * @example
 * ```ts
 * import { add, record, replay, tensor, type Recording } from "@strata/tensor";
 * const x = tensor([1, 2]);
 * const { result, recording } = record(() => add(x, x));
 * const kept: Recording = recording;
 * x.data.set([5, 6]);
 * replay(recording);
 * console.log(kept.work.length, kept.refusals, result.toArray()); // 1 [] [10, 12]
 * ```
 */
export interface Recording {
  /** The work, in the order it ran. */
  readonly work: readonly Work[];
  /** Checks that must all hold for a replay to be right, each with what it checks. */
  readonly guards: readonly { holds: () => boolean; what: string }[];
  /** Why replaying would not repeat the computation: values read in JavaScript, ops that cannot be kept. */
  readonly refusals: readonly string[];
}

interface Tape {
  work: Work[];
  /** What each kept piece of work is, when it says (an elementwise op), for fusing chains. */
  steps: (ElementwiseStep | null)[];
  guards: { holds: () => boolean; what: string }[];
  refusals: string[];
}

let tape: Tape | null = null;
// work started inside work belongs to it: only the outermost piece is kept
let depth = 0;

/**
 * Runs `work` now and, while {@link record} is recording, keeps it so that {@link replay} runs
 * it again. This is how an op (or a custom kernel of yours) takes part in a compiled step: do the
 * checks and allocate the outputs outside, fill the outputs inside. `work` must read its inputs'
 * buffers and any changing state when it runs and write every element of its outputs.
 *
 * `step` is how an elementwise op describes its work, so that a recording can run a chain of them
 * in one pass (@internal: the op layer's, not part of the contract).
 *
 * @throws whatever `work` throws (nothing is kept then).
 *
 * @example
 * ```ts
 * import { compute, record, replay, tensor, zeros } from "@strata/tensor";
 * const x = tensor([1, 2, 3]);
 * const { result: doubled, recording } = record(() => {
 *   const out = zeros([3]);
 *   compute(() => { for (let i = 0; i < 3; i++) out.data[i] = 2 * x.data[i]!; });
 *   return out;
 * });
 * x.data.set([4, 5, 6]);
 * replay(recording);
 * console.log(doubled.toArray()); // [8, 10, 12]
 * ```
 */
export function compute(work: Work, step?: ElementwiseStep): void {
  depth += 1;
  try {
    work();
  } finally {
    depth -= 1;
  }
  if (tape !== null && depth === 0) {
    tape.work.push(work);
    tape.steps.push(step ?? null);
  }
}

/**
 * Whether a {@link record} call is recording now (false inside a replay). Never throws.
 *
 * @example
 * ```ts
 * import { isRecording, record } from "@strata/tensor";
 * console.log(isRecording(), record(() => isRecording()).result); // false true
 * ```
 */
export function isRecording(): boolean {
  return tape !== null;
}

/**
 * Runs `fn` and keeps the work of every op it runs (see {@link compute}); returns `fn`'s result
 * and the {@link Recording}. The run is a real one: its results are those of `fn` called
 * directly. Recordings do not nest.
 *
 * Chains of elementwise ops (maps such as relu or exp, and arithmetic such as a·b + c) on
 * operands in the kernels' memory are kept as one piece of work that a replay runs in one pass,
 * with the bits the ops one by one give. An intermediate of such a chain that neither `fn`'s
 * result nor later work reads is not written by a replay: a tensor `fn` keeps elsewhere (in a
 * variable, on an object) holds the recording's values then. Return what you read.
 *
 * @throws StrataError when called while another recording is on.
 *
 * @example
 * ```ts
 * import { mul, record, replay, tensor } from "@strata/tensor";
 * const a = tensor([1, 2]);
 * const { result, recording } = record(() => mul(a, 3));
 * a.data.set([10, 20]);
 * replay(recording);
 * console.log(result.toArray()); // [30, 60]
 * ```
 */
export function record<T>(fn: () => T): { result: T; recording: Recording } {
  if (tape !== null) throw new StrataError("record: already recording; recordings do not nest");
  const current: Tape = { work: [], steps: [], guards: [], refusals: [] };
  tape = current;
  try {
    const result = fn();
    return { result, recording: { work: fuseChains(current.work, current.steps, result), guards: current.guards, refusals: current.refusals } };
  } finally {
    tape = null;
  }
}

/**
 * Runs a recording's work again, in order, on the buffers it was recorded with. The caller checks
 * `guards` and `refusals` first (autograd's `compile` does).
 *
 * @throws whatever a piece of work throws (a value check of new inputs); the work after it does not run.
 *
 * @example
 * ```ts
 * import { exp, record, replay, tensor } from "@strata/tensor";
 * const x = tensor([0]);
 * const { result, recording } = record(() => exp(x));
 * x.data[0] = 1;
 * replay(recording);
 * console.log(result.item().toFixed(4)); // 2.7183
 * ```
 */
export function replay(recording: Recording): void {
  const work = recording.work;
  for (let i = 0; i < work.length; i++) work[i]!();
}

/**
 * Notes, while recording, that JavaScript read a tensor's values (`item()`, `toArray()`, …): a
 * replay would not read them again, so whatever was decided from them would be frozen. The
 * recording is refused with `op` named. Nothing happens when not recording or inside work.
 * Never throws.
 *
 * @example
 * ```ts
 * import { record, tensor } from "@strata/tensor";
 * const { recording } = record(() => tensor([1, 2]).sum().item());
 * console.log(recording.refusals); // ["item() read a tensor's value in JavaScript"]
 * ```
 */
export function noteValueRead(op: string): void {
  if (tape !== null && depth === 0) refuseRecording(`${op} read a tensor's value in JavaScript`);
}

/**
 * Marks the recording as not replayable, with the reason (an op whose work cannot be kept, state
 * that a replay would not update). No-op when not recording. Never throws.
 *
 * @example
 * ```ts
 * import { record, refuseRecording } from "@strata/tensor";
 * const { recording } = record(() => refuseRecording("myOp: draws its shape from the data"));
 * console.log(recording.refusals); // ["myOp: draws its shape from the data"]
 * ```
 */
export function refuseRecording(reason: string): void {
  if (tape !== null && !tape.refusals.includes(reason)) tape.refusals.push(reason);
}

/**
 * Adds a check that must hold before the recording is replayed (a layer's training flag, a
 * parameter's buffer): when it fails, the caller records afresh. No-op when not recording.
 * Never throws.
 *
 * @example
 * ```ts
 * import { guard, record } from "@strata/tensor";
 * const layer = { training: true };
 * const { recording } = record(() => guard(() => layer.training === true, "layer.training is true"));
 * layer.training = false;
 * console.log(recording.guards.every((g) => g.holds())); // false
 * ```
 */
export function guard(holds: () => boolean, what: string): void {
  if (tape !== null) tape.guards.push({ holds, what });
}
