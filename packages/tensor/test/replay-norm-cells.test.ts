// Batch and layer normalisation, the recurrent cells' pointwise kernels and dropout masks under
// record/replay: a replay on new inputs written in place gives what a fresh call gives, bit for
// bit; batch norm's running statistics advance on every replay exactly as on every eager call,
// with a momentum read when the work runs; a replayed mask is the next draw of its generator.
import { describe, expect, it } from "vitest";
import {
  batchNormBackward, batchNormForward, dropoutMask, gruCellBackward, gruCellForward, layerNormBackward, layerNormForward,
  lstmCellBackward, lstmCellForward, ones, record, replay, rng, zeros, type RunningStatistics, type Tensor,
} from "@strata/tensor";
import { sample } from "./reference.js";
import { expectReplayMatchesEager, freshArray, inRefillMode } from "./replay.js";

function refill(t: Tensor, seed: number): void {
  freshArray(t);
  (t.data as Float32Array | Float64Array).set(sample(t.shape, "float64", seed).toTypedArray() as Float64Array);
}

describe.each(["float32", "float64"] as const)("normalisations replay (%s)", (dtype) => {
  it("batch norm forward and backward, training and evaluation", () => {
    const x = sample([4, 3, 5], dtype, 1);
    const [w, b, g] = [sample([3], dtype, 2), sample([3], dtype, 3), sample([4, 3, 5], dtype, 4)];
    const statistics = { mean: sample([3], dtype, 5), variance: sample([3], dtype, 6, 0.5, 2) };
    expectReplayMatchesEager(() => {
      const train = batchNormForward(x, w, b, null, 1e-5);
      const evaluate = batchNormForward(x, w, null, statistics, 1e-5);
      return {
        train, evaluate,
        dTrain: batchNormBackward(g, x, train.mean, train.invStd, w, true),
        dEval: batchNormBackward(g, x, evaluate.mean, evaluate.invStd, null, false),
      };
    }, (round) => {
      for (const [t, k] of [[x, 10], [w, 20], [b, 30], [g, 40], [statistics.mean, 50]] as const) refill(t, k + round);
    });
  });

  it("layer norm forward and backward, with and without the affine parameters", () => {
    const x = sample([3, 4, 6], dtype, 7);
    const [w, b, g] = [sample([4, 6], dtype, 8), sample([4, 6], dtype, 9), sample([3, 4, 6], dtype, 10)];
    expectReplayMatchesEager(() => {
      const affine = layerNormForward(x, 2, w, b, 1e-5);
      const plain = layerNormForward(x, 1, null, null, 1e-5);
      return {
        affine, plain,
        dAffine: layerNormBackward(g, x, 2, affine.mean, affine.invStd, w),
        dPlain: layerNormBackward(g, x, 1, plain.mean, plain.invStd, null),
      };
    }, (round) => {
      for (const [t, k] of [[x, 60], [w, 70], [b, 80], [g, 90]] as const) refill(t, k + round);
    });
  });

  it("batch norm's running statistics advance on each replay as on each eager call", () => {
    const make = (): RunningStatistics & { batches: number } => {
      const r = { mean: zeros([3], { dtype }), variance: ones([3], { dtype }), batches: 0, momentum: () => 0 };
      // a cumulative average, as BatchNorm with momentum null: 1/batches, read when the update runs
      r.momentum = () => 1 / ++r.batches;
      return r;
    };
    const [eager, recorded] = [make(), make()];
    const batches = [1, 2, 3, 4].map((k) => sample([5, 3, 2], dtype, 100 + k));
    const x = batches[0]!.clone();
    const { recording } = record(() => batchNormForward(x, null, null, null, 0, recorded));
    batchNormForward(batches[0]!, null, null, null, 0, eager);
    for (const next of batches.slice(1)) {
      inRefillMode("swapped", () => freshArray(x));
      (x.data as Float32Array | Float64Array).set(next.toTypedArray() as Float32Array | Float64Array);
      replay(recording);
      batchNormForward(next, null, null, null, 0, eager);
      expect(recorded.mean.toArray()).toEqual(eager.mean.toArray());
      expect(recorded.variance.toArray()).toEqual(eager.variance.toArray());
    }
    expect(recorded.batches).toBe(4);
    // independently: a cumulative average of the four batch means (channel 0)
    const means = batches.map((t) => t.cast("float64").slice(null, [0, 1]).mean().item());
    expect(recorded.mean.get(0) as number).toBeCloseTo(means.reduce((a, c) => a + c, 0) / 4, dtype === "float32" ? 5 : 12);
  });
});

describe.each(["float32", "float64"] as const)("recurrent cells replay (%s)", (dtype) => {
  it("LSTM forward and backward, with a strided c", () => {
    const gates = sample([3, 8], dtype, 11);
    const cBase = sample([3, 4], dtype, 12);
    const c = cBase.slice(null, [0, 2]); // rows of 2, 4 apart
    const grad = sample([3, 4], dtype, 13);
    expectReplayMatchesEager(() => {
      const f = lstmCellForward(gates, c);
      return { f, b: lstmCellBackward(grad, f.activations, c, f.state) };
    }, (round) => {
      for (const [t, k] of [[gates, 110], [cBase, 120], [grad, 130]] as const) refill(t, k + round);
    });
  });

  it("GRU forward and backward", () => {
    const [gi, gh, h, grad] = [sample([2, 9], dtype, 14), sample([2, 9], dtype, 15), sample([2, 3], dtype, 16), sample([2, 3], dtype, 17)];
    expectReplayMatchesEager(() => {
      const f = gruCellForward(gi, gh, h);
      return { f, b: gruCellBackward(grad, f.saved, h) };
    }, (round) => {
      for (const [t, k] of [[gi, 140], [gh, 150], [h, 160], [grad, 170]] as const) refill(t, k + round);
    });
  });
});

describe("dropout masks replay", () => {
  it.each(["float32", "float64"] as const)("a replayed mask is the generator's next one, as an eager call's (%s)", (dtype) => {
    const [a, b] = [rng(7), rng(7)];
    const { result, recording } = record(() => dropoutMask([4, 50], 0.3, a, dtype));
    const first = dropoutMask([4, 50], 0.3, b, dtype);
    expect(result.toArray()).toEqual(first.toArray());
    for (let k = 0; k < 3; k++) {
      replay(recording);
      const next = dropoutMask([4, 50], 0.3, b, dtype);
      expect(result.toArray()).toEqual(next.toArray());
    }
    // the masks do change from draw to draw, and keep 1/(1 − p) or 0
    expect(result.toArray()).not.toEqual(first.toArray());
    const scale = dtype === "float32" ? Math.fround(1 / 0.7) : 1 / 0.7;
    expect([...new Set(result.toTypedArray())].sort()).toEqual([0, scale]);
  });

  it("p = 1 stays all zeros on replay", () => {
    const { result, recording } = record(() => dropoutMask([3], 1, rng(1)));
    replay(recording);
    expect(result.toArray()).toEqual([0, 0, 0]);
  });
});
