// The check every op's recorded work must pass: record the op once, give its inputs new values in
// place, replay, and compare with the op called afresh on the new values, element for element
// (the same kernels run in the same order, so the results are identical, not merely close).
//
// Every check runs twice: once with the new values written into the inputs' arrays in place, and
// once with each input's array swapped first for a fresh one (resident where it can be), as
// compile does when it binds a caller's resident argument. The second catches work that took an
// input's array at setup instead of reading `t.data` when it runs: it would read the old array.
import { expect } from "vitest";
import { Tensor, allocateResident, record, replay, swapArray, type DataArray } from "@strata/tensor";

/** How a refill gives the inputs new values: written into their arrays, or into fresh arrays swapped in first. */
export type RefillMode = "in place" | "swapped";

let mode: RefillMode = "in place";

/** The mode the check running now refills in (see {@link freshArray}). */
export function refillMode(): RefillMode {
  return mode;
}

/** Runs `fn` with the refill mode set to `m`. */
export function inRefillMode<T>(m: RefillMode, fn: () => T): T {
  const before = mode;
  mode = m;
  try {
    return fn();
  } finally {
    mode = before;
  }
}

/**
 * In "swapped" mode, puts behind `t`'s storage (and every view of it) a fresh array holding its
 * values, resident where it can be, so that what a refill writes next lands in an array no
 * recording has seen; in "in place" mode it does nothing. Refills call it before writing.
 */
export function freshArray(t: Tensor): void {
  if (mode === "in place") return;
  const old = t.data;
  const fresh: DataArray = allocateResident(t.dtype, old.length, true) ?? new (old.constructor as new (n: number) => DataArray)(old.length);
  fresh.set(old as never);
  swapArray(t, fresh);
}

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
 * `refill(round)` (round from 1) writes new values into the inputs, the recording is replayed,
 * and every output must equal what `op()` returns when called afresh (`eager`, default `op`):
 * same shape, same dtype, and each element the same number (NaN equal to NaN, the sign of zero
 * kept). All of it runs in each of `modes` (default both, see {@link RefillMode}): `refill` must
 * call {@link freshArray} on each input before writing it (fillInPlace and replay-check's refill
 * do). Returns the recording's outputs of the last mode, for further checks.
 */
export function expectReplayMatchesEager<R>(
  op: () => R, refill: (round: number) => void, options: { rounds?: number; eager?: () => unknown; modes?: RefillMode[] } = {},
): R {
  let result: R | undefined;
  for (const m of options.modes ?? (["in place", "swapped"] as const)) {
    try {
      result = inRefillMode(m, () => checkOnce(op, refill, options));
    } catch (e) {
      if (e instanceof Error) e.message = `refilled ${m}: ${e.message}`;
      throw e;
    }
  }
  return result!;
}

function checkOnce<R>(op: () => R, refill: (round: number) => void, options: { rounds?: number; eager?: () => unknown }): R {
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

/** Overwrites every element a tensor's view reaches (a strided view too) with `value(k)`, k in row-major order (after {@link freshArray}). */
export function fillInPlace(t: Tensor, value: (k: number) => number): void {
  freshArray(t);
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
