// The check every op's replay test makes: record the op, change its inputs in place, replay, and
// compare what the replay left in the recorded outputs with a fresh eager call on the new inputs,
// element for element and bit for bit (the same kernels run on the same values either way).
import { expect } from "vitest";
import { Tensor, record, replay } from "@strata/tensor";
import { flatValues, pseudoRandom } from "./reference.js";

/**
 * What an op under test may return: a tensor, or a list or object whose tensor entries are its
 * outputs (other entries, such as nulls for gradients not asked for, are skipped).
 */
export type Outputs = Tensor | readonly (Tensor | null)[] | object;

function tensorsOf(out: Outputs): [string, Tensor][] {
  if (out instanceof Tensor) return [["result", out]];
  const entries: [string, unknown][] = Array.isArray(out) ? out.map((t, i) => [String(i), t]) : Object.entries(out);
  return entries.filter((e): e is [string, Tensor] => e[1] instanceof Tensor);
}

const same = (a: number, b: number): boolean => Object.is(a, b) || a === b || (Number.isNaN(a) && Number.isNaN(b));

function expectSameValues(got: Tensor, want: Tensor, what: string): void {
  expect(got.shape, `${what}: shape`).toEqual(want.shape);
  expect(got.dtype, `${what}: dtype`).toBe(want.dtype);
  const g = flatValues(got);
  const w = flatValues(want);
  const bad = g.findIndex((v, i) => !same(v, w[i]!));
  expect(bad, bad < 0 ? what : `${what}: element ${bad} is ${g[bad]} after the replay, ${w[bad]} eagerly`).toBe(-1);
}

export interface ReplayCheckOptions {
  /** What the failure messages call the case (an op and a layout, say). */
  name?: string;
  /**
   * Whether the refill must change some output (default true): a refill that leaves every output
   * as it was could not tell a replay that reads its inputs from one that does not.
   */
  changes?: boolean;
}

/**
 * Records `op`, runs `refill` (which writes new values into the inputs' buffers in place), replays
 * the recording twice (a second replay finds the first one's values in the outputs, which exposes
 * work that accumulates without zeroing) and expects every output to equal, bit for bit, a fresh
 * eager `op()` on the new inputs. Also expects the recording to keep work and refuse nothing.
 * Returns the recorded outputs.
 */
export function expectReplayMatchesEager<T extends Outputs>(op: () => T, refill: () => void, options: ReplayCheckOptions = {}): T {
  const { result, recording } = record(op);
  expect(recording.refusals, options.name).toEqual([]);
  expect(recording.work.length, options.name).toBeGreaterThan(0);
  const recorded = tensorsOf(result);
  const before = recorded.map(([, t]) => flatValues(t));
  refill();
  replay(recording);
  replay(recording);
  const eager = tensorsOf(op());
  expect(eager.length).toBe(recorded.length);
  const prefix = options.name === undefined ? "" : `${options.name}: `;
  recorded.forEach(([name, t], i) => expectSameValues(t, eager[i]![1], prefix + name));
  if (options.changes !== false) {
    const changed = recorded.some(([, t], i) => flatValues(t).some((v, j) => !same(v, before[i]![j]!)));
    expect(changed, `${prefix}the refill changed no output, so the test shows nothing`).toBe(true);
  }
  return result;
}

let refills = 0;

/**
 * Writes new pseudo-random values over the whole buffer of each tensor (views included: the
 * elements outside the view change too), integers for int32 and 0/1 for bool. Each call writes
 * values no earlier call wrote (a counter seeds them), deterministically within a test file.
 */
export function refill(...tensors: Tensor[]): void {
  refills += 1;
  tensors.forEach((t, i) => {
    const d = t.data;
    const values = pseudoRandom(d.length, refills * 7919 + i + 1);
    for (let k = 0; k < d.length; k++) {
      const v = values[k]!;
      d[k] = t.dtype === "int32" ? Math.round(v) : t.dtype === "bool" ? (v > 0 ? 1 : 0) : v;
    }
  });
}
