// The replay tests' common check, around expectReplayMatchesEager (./replay.ts): the op's outputs
// may come as a tensor, a list or an object of tensors (nulls skipped); the recording must keep
// work; and the new input values must change some output, or the test could not tell a replay
// that reads its inputs from one that does not. `refill` writes new values over whole buffers.
import { expect } from "vitest";
import { Tensor, record, replay } from "@strata/tensor";
import { flatValues, pseudoRandom } from "./reference.js";
import { expectReplayMatchesEager, freshArray, tensorsOf } from "./replay.js";

const same = (a: number, b: number): boolean => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

export interface CheckOptions {
  /** What failure messages call the case (an op and a layout, say). */
  name?: string;
  /** Whether the refill must change some output (default true). */
  changes?: boolean;
}

/**
 * {@link expectReplayMatchesEager} on `op`'s tensors (two rounds of refill, replay, compare with a
 * fresh call), after checking on a recording of its own that `op` keeps work and, unless
 * `changes` is false, that a refill and a replay change some output.
 */
export function checkReplay(op: () => object, fill: () => void, options: CheckOptions = {}): void {
  const name = options.name ?? "";
  const { result, recording } = record(op);
  if (options.changes !== false) {
    const before = tensorsOf(result).map(flatValues);
    fill();
    replay(recording);
    const changed = tensorsOf(result).some((t, i) => flatValues(t).some((v, j) => !same(v, before[i]![j]!)));
    expect(changed, `${name}: the refill changed no output, so the test shows nothing`).toBe(true);
  }
  try {
    expectReplayMatchesEager(op, () => fill());
  } catch (e) {
    if (e instanceof Error && name) e.message = `${name}: ${e.message}`;
    throw e;
  }
}

let refills = 0;

/**
 * Writes new pseudo-random values over the whole buffer of each tensor (views included: the
 * elements outside the view change too), integers for int32 and 0/1 for bool. Each call writes
 * values no earlier call wrote (a counter seeds them), deterministically within a test file. In
 * the "swapped" refill mode each tensor gets a fresh array first (see freshArray in ./replay.ts).
 */
export function refill(...tensors: Tensor[]): void {
  refills += 1;
  tensors.forEach((t, i) => {
    freshArray(t);
    const d = t.data;
    const values = pseudoRandom(d.length, refills * 7919 + i + 1);
    for (let k = 0; k < d.length; k++) {
      const v = values[k]!;
      d[k] = t.dtype === "int32" ? Math.round(v) : t.dtype === "bool" ? (v > 0 ? 1 : 0) : v;
    }
  });
}
