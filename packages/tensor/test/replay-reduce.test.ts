// Reductions under record/replay: sum, mean, max, min, argmax, argmin, logSumExp, softmax and
// logSoftmax over every kind of axis choice, for both float dtypes (and int32 for sum/max/argmax),
// contiguous, transposed and sliced inputs, below and above the WebAssembly row-reduction threshold.
import { describe, expect, it } from "vitest";
import * as T from "@strata/tensor";
import type { DType, Tensor } from "@strata/tensor";
import { THRESHOLDS } from "../src/dispatch/thresholds.js";
import { lastBackend } from "../src/dispatch/dispatch.js";
import { sample } from "./reference.js";
import { checkReplay, refill } from "./replay-check.js";

// 4 × 3 × 5 stays on the TypeScript loops; 8 × 40 × 70 = 22400 elements is past wasmReduce
const SHAPES: [number, number, number][] = [[4, 3, 5], [8, 40, 70]];
expect(8 * 40 * 70).toBeGreaterThan(THRESHOLDS.wasmReduce);

function inputs(shape: [number, number, number], dtype: DType): { name: string; t: Tensor }[] {
  const [a, b, c] = shape;
  return [
    { name: "contiguous", t: sample(shape, dtype, 1) },
    { name: "transposed", t: sample([c, b, a], dtype, 2).transpose([2, 1, 0]) },
    { name: "sliced", t: sample([a, 2 * b, c + 2], dtype, 3).slice(null, [0, null, 2], [2, null]) },
  ];
}

const AXES: (number | number[] | undefined)[] = [undefined, 0, -1, [1, 2], [0, 2]];

describe("replay of reductions", () => {
  for (const dtype of ["float32", "float64"] as DType[]) {
    for (const shape of SHAPES) {
      it(`${dtype}, ${shape.join("×")}: sum, mean, max, min and logSumExp over each axis choice, with and without keepDims`, () => {
        for (const { name, t } of inputs(shape, dtype)) {
          for (const axis of AXES) {
            for (const keepDims of [false, true]) {
              const o = { axis, keepDims };
              checkReplay(
                () => ({ sum: T.sum(t, o), mean: T.mean(t, o), max: T.max(t, o), min: T.min(t, o), lse: T.logSumExp(t, o) }),
                () => refill(t),
                { name: `${name}, axis ${JSON.stringify(axis)}, keepDims ${keepDims}` },
              );
            }
          }
        }
      });

      it(`${dtype}, ${shape.join("×")}: argmax and argmin, softmax and logSoftmax along each axis`, () => {
        for (const { name, t } of inputs(shape, dtype)) {
          for (const axis of [undefined, 0, 1, 2]) {
            checkReplay(() => [T.argmax(t, { axis }), T.argmin(t, { axis })], () => refill(t), { name: `arg ${name} ${axis}` });
            if (axis !== undefined) {
              checkReplay(() => [T.softmax(t, { axis }), T.logSoftmax(t, { axis })], () => refill(t), { name: `softmax ${name} ${axis}` });
            }
          }
        }
      });
    }
  }

  it("a large contiguous row reduction replays on the WebAssembly kernels", () => {
    const x = sample([8, 40, 70], "float32", 4);
    checkReplay(() => T.sum(x, { axis: [1, 2] }), () => refill(x));
    expect(lastBackend["reduce"]).toBe("wasm");
  });

  it("int32 sums, maxima and argmax; a broadcast input; a reduction that reads another op's output", () => {
    const i = sample([5, 6], "int32", 5);
    const row = sample([1, 6], "float32", 6);
    const wide = row.broadcastTo([5, 6]);
    checkReplay(
      () => [T.sum(i, { axis: 0 }), T.max(i), T.argmax(i, { axis: 1 }), T.mean(wide, { axis: 0 }), T.sum(T.exp(wide))],
      () => refill(i, row),
    );
  });

  it("a value that a replay gives to mean is divided once per run, not once per replay", () => {
    const x = T.tensor([[1, 2], [3, 5]]);
    const { result, recording } = T.record(() => T.mean(x, { axis: 1 }));
    x.data.set([2, 4, 6, 8]);
    T.replay(recording);
    T.replay(recording);
    expect(Array.from(result.data)).toEqual([3, 7]);
  });
});
