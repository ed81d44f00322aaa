// (Named apart from main's test/replay.ts, whose helper takes a tensor or a list: this one also
// compares the tensors inside the objects the norm, cell and conv ops return.)
// The check every replayable op is held to: record a call, change its inputs in place, replay, and
// compare every output element with a fresh eager call on the changed inputs. A stale read (a value
// captured at record time), an output that accumulates into what the last call left there, or
// work that allocates its output inside would all show up as a difference.
import { expect } from "vitest";
import { Tensor, record, replay } from "@strata/tensor";

/**
 * Every tensor in what an op under test returns (a tensor, or lists and plain objects of them),
 * in a fixed order (object keys sorted); anything else is skipped.
 */
export function tensorsOf(value: unknown): Tensor[] {
  if (value instanceof Tensor) return [value];
  if (value === null || typeof value !== "object") return [];
  if (Array.isArray(value)) return value.flatMap((v: unknown) => tensorsOf(v));
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1));
  return entries.flatMap(([, v]) => tensorsOf(v));
}

/** A tensor's elements in row-major order as plain numbers (NaN kept). */
function valuesOf(t: Tensor): number[] {
  return Array.from(t.contiguous().toTypedArray() as ArrayLike<number>, Number);
}

/** Where two lists of numbers first differ ("[17]: 0.5 replayed, 0.25 eager"), or null (NaN equals NaN). */
function firstDifference(replayed: number[], eager: number[]): string | null {
  for (let i = 0; i < eager.length; i++) if (!Object.is(replayed[i], eager[i])) return `[${i}]: ${replayed[i]} replayed, ${eager[i]} eager`;
  return null;
}

/**
 * Records `op()`, then `rounds` times: `refill()` (change the inputs in place), replay, and expect
 * each recorded output to equal, element for element, the same output of a fresh `op()` (which
 * runs on the refilled inputs). The recording must have no refusals and at least one piece of
 * work. Returns the recording's outputs so that callers can check more.
 */
export function expectReplayMatchesEager<R>(op: () => R, refill: (round: number) => void, rounds = 2): R {
  const { result, recording } = record(op);
  expect(recording.refusals).toEqual([]);
  expect(recording.work.length).toBeGreaterThan(0);
  const recorded = tensorsOf(result);
  for (let round = 0; round < rounds; round++) {
    refill(round);
    replay(recording);
    const fresh = tensorsOf(op());
    expect(recorded.length).toBe(fresh.length);
    for (let i = 0; i < fresh.length; i++) {
      expect(recorded[i]!.shape).toEqual(fresh[i]!.shape);
      expect(firstDifference(valuesOf(recorded[i]!), valuesOf(fresh[i]!)), `output ${i}, replay ${round + 1}`).toBe(null);
    }
  }
  return result;
}

/** Overwrites a tensor's elements in place (through its view) with values from `next`. */
export function refillWith(t: Tensor, next: (i: number) => number): void {
  const c = t.contiguous();
  if (c !== t) throw new Error("refillWith: expects a contiguous tensor (refill the base of a view)");
  const d = t.data as unknown as { [k: number]: number };
  for (let i = 0; i < t.size; i++) d[t.offset + i] = next(i);
}
