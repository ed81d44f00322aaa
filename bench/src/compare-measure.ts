// How the comparison measures one framework (a Strata variant or a peer) on one workload: check its
// first result against the reference (Strata's first variant), then time it with the harness, in
// this process or, for a peer that times itself elsewhere (PyTorch), in a process of its own.
import { time, timeAsync, timingOf, timingPlan, type Timing } from "./harness.js";
import { reasonOf, relativeError, type OutOfProcessTiming, type Peer, type Prepared, type PreparedAsync } from "./peers/types.js";

/** One framework on one workload: times per call, the rate they give and the spread of the
 * repetitions (`maxOverMin`: slowest call's time over the fastest's), or why there are none. */
export type Cell =
  | { medianMs: number; minMs: number; maxMs: number; maxOverMin: number; reps: number; value: number; fastest: number; slowest: number }
  | { error: string };

/** Who is measured: a peer, or a Strata variant (which cannot count live objects). */
export type Measured = Pick<Peer, "id" | "liveObjects">;

/** What a framework's first result is compared with, and how closely. A training step's result is
 * its first two losses; `step` also refuses a step that leaves the loss unchanged. */
export interface Reference {
  want: ArrayLike<number>;
  tolerance: number;
  step: boolean;
}

export function cellOf(timing: Timing, rate: (ms: number) => number): Cell {
  const { medianMs, minMs, maxMs, reps } = timing;
  return { medianMs, minMs, maxMs, maxOverMin: maxMs / minMs, reps, value: rate(medianMs), fastest: rate(minMs), slowest: rate(maxMs) };
}

/** Why `got` is not the reference's result, or null when it is. */
export function wrongResult(got: ArrayLike<number>, ref: Reference): string | null {
  if (ref.step && got[1] === got[0]) return "wrong result: the step left the loss unchanged";
  const error = relativeError(got, ref.want);
  return error <= ref.tolerance ? null : `wrong result: rel. error ${error.toExponential(1)}`;
}

/** The first result of a prepared workload, as a Reference compares it: two losses for a step,
 * the output for anything else (`values` turns it into numbers). */
export function firstResult<T>(p: Prepared<T>, step: boolean, values: (result: T) => ArrayLike<number>): ArrayLike<number> {
  return step ? [p.run() as number, p.run() as number] : values(p.run());
}

/** How `measure` treats a workload's first result: a step's is two losses; `ref` is what it must
 * match (null for the reference itself), `onFirst` receives it once it passed. */
export interface FirstResult<T> {
  step: boolean;
  values: (result: T) => ArrayLike<number>;
  ref: Reference | null;
  onFirst?: (first: ArrayLike<number>) => void;
}

/**
 * Builds a workload, checks its first result, times it, checks that the timed calls left no
 * objects of the framework's behind, and frees it.
 */
export function measure<T>(who: Measured, build: () => Prepared<T>, { step, values, ref, onFirst }: FirstResult<T>, rate: (ms: number) => number): Cell {
  let prepared: Prepared<T> | undefined;
  try {
    prepared = build();
    const p = prepared;
    const first = firstResult(p, step, values);
    const wrong = ref ? wrongResult(first, ref) : null;
    if (wrong) return { error: wrong };
    onFirst?.(first);
    const before = who.liveObjects?.();
    const timing = time(who.id, () => p.run());
    const grown = before === undefined ? 0 : who.liveObjects!() - before;
    if (grown > 0) return { error: `leaks: ${grown} tensors left by ${timing.reps} calls` };
    return cellOf(timing, rate);
  } catch (e) {
    return { error: reasonOf(e) };
  } finally {
    prepared?.dispose();
  }
}

/** A peer's op timed up to a synchronisation that needs no copy of the result (not checked: the
 * same op with read-back is). `how` goes to the footnote. */
export async function measureWithoutReadBack(peer: Peer, build: () => { how: string; prepared: Prepared<unknown> | PreparedAsync }, rate: (ms: number) => number, hows: string[]): Promise<Cell> {
  let prepared: Prepared<unknown> | PreparedAsync | undefined;
  try {
    const built = build();
    prepared = built.prepared;
    hows.push(built.how);
    const p = prepared;
    return cellOf(await timeAsync(peer.id, async () => p.run()), rate);
  } catch (e) {
    return { error: reasonOf(e) };
  } finally {
    prepared?.dispose();
  }
}

/** A peer that times itself in a process of its own (`timed` runs it with the harness's plan),
 * checked against `ref`. */
export function measureOutOfProcess(id: string, timed: (plan: ReturnType<typeof timingPlan>) => OutOfProcessTiming, ref: Reference, rate: (ms: number) => number): Cell {
  try {
    const { result, samplesMs } = timed(timingPlan());
    const wrong = wrongResult(result, ref);
    return wrong ? { error: wrong } : cellOf(timingOf(id, samplesMs), rate);
  } catch (e) {
    return { error: reasonOf(e) };
  }
}
