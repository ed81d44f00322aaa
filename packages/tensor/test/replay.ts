// The check every op's recorded work must pass: record the op once, give its inputs new values in
// place, replay, and compare with the op called afresh on the new values, element for element
// (the same kernels run in the same order, so the results are identical, not merely close).
import { expect } from "vitest";
import { Tensor, record, replay } from "@strata/tensor";

/**
 * Every tensor in what an op under test returns (a tensor, or lists and plain objects of them, at
 * any depth), in a fixed order (object keys sorted); anything else (null, numbers) is skipped.
 */
export function tensorsOf(value: unknown): Tensor[] {
  if (value instanceof Tensor) return [value];
  if (value === null || typeof value !== "object") return [];
  if (Array.isArray(value)) return value.flatMap((v: unknown) => tensorsOf(v));
  return Object.entries(value)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .flatMap(([, v]) => tensorsOf(v));
}

/**
 * Records `op()`, which must keep work and have no refusals, then `rounds` times (default 2):
 * `refill(round)` (round from 1) writes new values into the inputs in place, the recording is
 * replayed, and every output must equal what `op()` returns when called afresh (`eager`, default
 * `op`): same shape, same dtype, and each element the same number (NaN equal to NaN, the sign of
 * zero kept). Returns the recording's outputs, for further checks.
 */
export function expectReplayMatchesEager<R>(op: () => R, refill: (round: number) => void, options: { rounds?: number; eager?: () => unknown } = {}): R {
  const { result, recording } = record(op);
  expect(recording.refusals).toEqual([]);
  expect(recording.work.length).toBeGreaterThan(0);
  const recorded = tensorsOf(result);
  for (let round = 1; round <= (options.rounds ?? 2); round++) {
    refill(round);
    replay(recording);
    const fresh = tensorsOf((options.eager ?? op)());
    expect(recorded.length).toBe(fresh.length);
    recorded.forEach((r, i) => {
      const f = fresh[i]!;
      expect(r.shape).toEqual(f.shape);
      expect(r.dtype).toBe(f.dtype);
      const got = Array.from(r.toTypedArray(), Number);
      const want = Array.from(f.toTypedArray(), Number);
      const bad = got.findIndex((g, k) => !Object.is(g, want[k]));
      if (bad >= 0) expect.fail(`output ${i}, round ${round}: element ${bad} is ${got[bad]} after replay, ${want[bad]} afresh`);
    });
  }
  return result;
}

/** Overwrites every element a tensor's view reaches (a strided view too) with `value(k)`, k in row-major order. */
export function fillInPlace(t: Tensor, value: (k: number) => number): void {
  const idx = new Array<number>(t.ndim).fill(0);
  for (let k = 0; k < t.size; k++) {
    let at = t.offset;
    for (let a = 0; a < t.ndim; a++) at += idx[a]! * t.strides[a]!;
    t.data[at] = value(k);
    for (let a = t.ndim - 1; a >= 0; a--) {
      if (++idx[a]! < t.shape[a]!) break;
      idx[a] = 0;
    }
  }
}
