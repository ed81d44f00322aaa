// Copies, casts, joins and integer indexing under record/replay: contiguous, clone, cast, reshape
// of a strided view, concat, stack, gather, oneHot and indexAdd, for several dtypes and layouts;
// the value checks (lossless casts, index ranges, labels) run again on a replay's new values.
import { describe, expect, it } from "vitest";
import * as T from "@strata/tensor";
import type { DType, Tensor } from "@strata/tensor";
import { sample, thrown } from "./reference.js";
import { checkReplay, refill } from "./replay-check.js";

function layouts(r: number, c: number, dtype: DType, seed: number): { name: string; t: Tensor }[] {
  return [
    { name: "contiguous", t: sample([r, c], dtype, seed) },
    { name: "transposed", t: sample([c, r], dtype, seed).T },
    { name: "sliced", t: sample([2 * r + 1, c], dtype, seed).slice([1, null, 2], [null, null, -1]) },
    { name: "broadcast", t: sample([1, c], dtype, seed).broadcastTo([r, c]) },
  ];
}

/** Writes `values` (cycled) into the whole buffer of `t`. */
function write(t: Tensor, values: number[]): void {
  for (let i = 0; i < t.data.length; i++) t.data[i] = values[i % values.length]!;
}

describe("replay of copies and casts", () => {
  for (const dtype of ["float32", "float64", "int32", "bool"] as DType[]) {
    it(`${dtype}: contiguous, clone, reshape and casts to every dtype, every layout`, () => {
      for (const { name, t } of layouts(5, 7, dtype, 1)) {
        checkReplay(
          () => [t.contiguous(), t.clone(), t.reshape([7, 5]), ...(["float32", "float64", "int32", "bool"] as DType[]).map((d) => T.cast(t, d, { unchecked: true }))],
          () => refill(t),
          { name },
        );
      }
    });
  }

  it("a checked cast replays, and a replay whose new values the dtype cannot hold throws as an eager call does", () => {
    const x = sample([3, 4], "float64", 1);
    const { result, recording } = T.record(() => T.cast(x, "int32"));
    expect(recording.refusals).toEqual([]);
    write(x, [1.5, -2, 7, 3e9]);
    const eager = thrown(() => T.cast(x, "int32"));
    const replayed = thrown(() => T.replay(recording));
    expect(replayed.message).toBe(eager.message);
    expect(replayed.message).toContain("3000000000");
    write(x, [4, -5.25]);
    T.replay(recording);
    expect(Array.from(result.data)).toEqual([4, -5, 4, -5, 4, -5, 4, -5, 4, -5, 4, -5]);
  });
});

describe("replay of joins", () => {
  for (const dtype of ["float32", "float64", "int32"] as DType[]) {
    it(`${dtype}: concat and stack of mixed layouts along each axis`, () => {
      const parts = layouts(4, 6, dtype, 2).map((l) => l.t);
      for (const axis of [0, 1, -1]) {
        checkReplay(() => [T.concat(parts, { axis }), T.stack(parts, { axis })], () => refill(...parts), { name: `axis ${axis}` });
      }
      const empty = T.zeros([0, 6], { dtype });
      checkReplay(() => T.concat([parts[0]!, empty, parts[1]!]), () => refill(...parts));
    });
  }

  it("mixed dtypes promote in the work as eagerly", () => {
    const a = sample([2, 3], "int32", 1);
    const b = sample([2, 3], "float64", 2);
    checkReplay(() => T.concat([a, b], { axis: 1 }), () => refill(a, b));
  });
});

describe("replay of gather, oneHot and indexAdd", () => {
  for (const dtype of ["float32", "float64", "int32"] as DType[]) {
    it(`${dtype}: gather along each axis of a strided x, with indices a replay changes`, () => {
      for (const { name, t: x } of layouts(5, 6, dtype, 3)) {
        for (const axis of [0, 1]) {
          const n = x.shape[axis]!;
          const idx = T.tensor([[0, 1, 2], [n - 1, -1, 0]], { dtype: "int32" });
          checkReplay(
            () => T.gather(x, idx, { axis }),
            () => {
              refill(x);
              write(idx, [n - 2, 0, -n, 1, n - 1, 2]);
            },
            { name: `${name}, axis ${axis}` },
          );
        }
      }
      const v = sample([9], dtype, 4);
      const picks = T.tensor([3, 3, -2, 0], { dtype: "int32" });
      checkReplay(() => T.gather(v, picks), () => (refill(v), write(picks, [8, -9, 1, 1])));
    });

    it(`${dtype}: indexAdd adds every pick into a fresh copy of x on every run`, () => {
      const x = sample([4, 3], dtype, 5);
      const idx = T.tensor([1, 1, 3, 0, 1], { dtype: "int32" });
      const updates = sample([5, 3], dtype, 6);
      const across = sample([2, 3], dtype, 7);
      const idx2 = T.tensor([2, 0], { dtype: "int32" });
      checkReplay(
        () => [T.indexAdd(x, idx, updates), T.indexAdd(x.T, idx2, across.T, { axis: 1 })],
        () => {
          refill(x, updates, across);
          write(idx, [0, 2, 2, 2, -1]);
          write(idx2, [3, -4]);
        },
      );
    });
  }

  it("oneHot: a replay's labels give only their own ones (the previous labels' ones are cleared), for each axis and dtype", () => {
    for (const dtype of ["float32", "int32", "bool"] as DType[]) {
      for (const axis of [0, 1, -1]) {
        const labels = T.tensor([[0, 2, 1], [3, 3, 0]], { dtype: "int32" });
        checkReplay(() => T.oneHot(labels, 4, { axis, dtype }), () => write(labels, [1, 0, 3, 2, 2, 1]), { name: `${dtype} axis ${axis}` });
      }
    }
  });

  it("a replay checks the new indices and labels: out-of-range values throw as an eager call does", () => {
    const x = sample([4, 3], "float32", 1);
    const idx = T.tensor([0, 1], { dtype: "int32" });
    const updates = sample([2, 3], "float32", 2);
    for (const op of [() => T.gather(x, idx), () => T.indexAdd(x, idx, updates), () => T.oneHot(idx, 4)]) {
      write(idx, [0, 1]);
      const { recording } = T.record(op);
      write(idx, [0, 4]);
      const replayed = thrown(() => T.replay(recording));
      expect(replayed.message).toBe(thrown(op).message);
      expect(replayed.message).toMatch(/4/);
    }
  });
});
