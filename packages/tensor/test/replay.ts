// The check every op's recorded work must pass: record the op once, give its inputs new values in
// place, replay, and compare with the op called afresh on the new values, element for element
// (the same kernels run in the same order, so the results are identical, not merely close).
import { expect } from "vitest";
import { record, replay, type Tensor } from "@strata/tensor";

/** Outputs of an op under test: one tensor or several. */
export type Outputs = Tensor | readonly Tensor[];

const list = (o: Outputs): readonly Tensor[] => (Array.isArray(o) ? o : [o as Tensor]);

/**
 * Records `op()`, then `rounds` times: `refill(round)` writes new values into the inputs (in
 * place, through their buffers), the recording is replayed, and every output must equal what
 * `op()` returns when called afresh (`eager`, default `op`), with NaN equal to NaN and the same
 * sign of zero. The recording must have no refusals.
 */
export function expectReplayMatchesEager(op: () => Outputs, refill: (round: number) => void, options: { rounds?: number; eager?: () => Outputs } = {}): void {
  const { result, recording } = record(op);
  expect(recording.refusals).toEqual([]);
  const recorded = list(result);
  for (let round = 1; round <= (options.rounds ?? 2); round++) {
    refill(round);
    replay(recording);
    const fresh = list((options.eager ?? op)());
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
