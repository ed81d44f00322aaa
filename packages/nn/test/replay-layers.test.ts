// Layers with state or a training branch under record/replay: BatchNorm's running statistics and
// num_batches_tracked advance on each replay exactly as on each eager call (a fixed momentum and
// PyTorch's cumulative average), a replayed Dropout draws the masks an eager one draws from the
// same seed, and a recording made in one mode carries a guard that fails after train()/eval().
import { describe, expect, it } from "vitest";
import { BatchNorm1d, BatchNorm2d, Dropout, Embedding, binaryCrossEntropy, softmaxCrossEntropy, type Module } from "@strata/nn";
import { record, replay, rng, tensor, type Tensor } from "@strata/tensor";
import { sample } from "../../tensor/test/reference.js";
import { freshArray, inRefillMode, type RefillMode } from "../../tensor/test/replay.js";

const MODES: RefillMode[] = ["in place", "swapped"];

type Float = "float32" | "float64";

const numbers = (t: Tensor): number[] => Array.from(t.contiguous().toTypedArray() as ArrayLike<number>);

/** Every buffer of a module, as plain numbers. */
function buffers(m: Module): Record<string, number[]> {
  return Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, numbers(t)]));
}

// "swapped": before each replay the input, the parameters and the buffers move to fresh arrays
// (as makeResident or a bound compile argument would), which work holding an array taken at
// setup would miss
describe.each(["float32", "float64"] as const)("BatchNorm replays as it runs (%s)", (dtype: Float) => {
  const layers: [string, () => Module, number[]][] = [
    ["BatchNorm1d, momentum 0.1", () => new BatchNorm1d(3, { dtype }), [6, 3, 4]],
    ["BatchNorm2d, momentum null (a cumulative average)", () => new BatchNorm2d(2, { dtype, momentum: null }), [3, 2, 5, 5]],
    ["BatchNorm2d above the WebAssembly sizes", () => new BatchNorm2d(4, { dtype, momentum: 0.3 }), [4, 4, 16, 16]],
  ];
  it.each(layers.flatMap(([name, make, shape]) => MODES.map((mode) => [`${name}, refilled ${mode}`, make, shape, mode] as const)))("%s", (_, make, shape, mode) => {
    const [eager, replayed] = [make(), make()];
    const x = sample([...shape], dtype, 1);
    const { result, recording } = record(() => replayed.forward(x));
    expect(recording.refusals).toEqual([]);
    eager.forward(x.clone());
    for (let k = 2; k <= 5; k++) {
      const next = sample([...shape], dtype, k, -2 + k, 2 + 2 * k);
      inRefillMode(mode, () => [x, ...replayed.parameters().map((p) => p.data), ...replayed.buffers()].forEach(freshArray));
      (x.data as Float32Array | Float64Array).set(next.toTypedArray() as Float32Array | Float64Array);
      replay(recording);
      const y = eager.forward(next);
      expect(numbers(result.data)).toEqual(numbers(y.data));
      expect(buffers(replayed)).toEqual(buffers(eager));
    }
    expect(replayed.getBuffer("num_batches_tracked")!.item()).toBe(5);
    expect(recording.guards.every((g) => g.holds())).toBe(true);
  });

  it("the cumulative average is the mean of the batch means (an independent check)", () => {
    const bn = new BatchNorm1d(1, { dtype, momentum: null });
    const x = sample([4, 1], dtype, 1);
    const { recording } = record(() => bn.forward(x));
    const means = [numbers(x)];
    for (let k = 2; k <= 3; k++) {
      const next = sample([4, 1], dtype, k);
      means.push(numbers(next));
      (x.data as Float32Array | Float64Array).set(next.toTypedArray() as Float32Array | Float64Array);
      replay(recording);
    }
    const want = means.map((m) => m.reduce((a, b) => a + b, 0) / 4).reduce((a, b) => a + b, 0) / 3;
    expect(bn.getBuffer("running_mean")!.item()).toBeCloseTo(want, dtype === "float32" ? 5 : 12);
  });
});

describe("Dropout replays its masks", () => {
  it("a replayed forward draws the masks an eager one draws from the same seed", () => {
    const [eager, replayed] = [new Dropout(0.4, { rng: rng(11) }), new Dropout(0.4, { rng: rng(11) })];
    const x = sample([5, 40], "float64", 1, 1, 2);
    const { result, recording } = record(() => replayed.forward(x));
    expect(recording.refusals).toEqual([]);
    expect(numbers(result.data)).toEqual(numbers(eager.forward(x).data));
    for (let k = 0; k < 3; k++) {
      inRefillMode("swapped", () => freshArray(x));
      replay(recording);
      expect(numbers(result.data)).toEqual(numbers(eager.forward(x).data));
    }
    // the kept share is near 1 − p, and kept values are x/(1 − p)
    const kept = numbers(result.data).filter((v) => v !== 0).length;
    expect(kept / 200).toBeGreaterThan(0.45);
    expect(kept / 200).toBeLessThan(0.75);
  });
});

describe("a recording made in one mode is guarded against the other", () => {
  it.each([
    ["Dropout", () => new Dropout(0.5, { rng: rng(1) }), [2, 3]],
    ["BatchNorm1d", () => new BatchNorm1d(3), [4, 3]],
  ] as const)("%s: recorded in training, the guard fails after eval() and holds again after train()", (name, make, shape) => {
    const layer = make();
    const { recording } = record(() => layer.forward(sample([...shape], "float32", 1)));
    expect(recording.guards.map((g) => g.what)).toContain(`${name}.training is true`);
    layer.eval();
    expect(recording.guards.every((g) => g.holds())).toBe(false);
    layer.train();
    expect(recording.guards.every((g) => g.holds())).toBe(true);
  });
});

describe("the losses check the values they are given on every replay", () => {
  it("softmaxCrossEntropy: a label outside [0, k) written after the recording fails the replay", () => {
    const logits = sample([3, 4], "float64", 1);
    const labels = tensor([0, 2, 1, 2], { dtype: "int32" });
    const { recording } = record(() => softmaxCrossEntropy(logits, labels));
    (labels.data as Int32Array)[1] = 7;
    expect(() => replay(recording)).toThrow(/softmaxCrossEntropy: label 7 of example 1 is outside \[0, 3\)/);
  });

  it("binaryCrossEntropy: a prediction outside [0, 1] written after the recording fails the replay", () => {
    const p = tensor([[0.2, 0.9, 0.5]], { dtype: "float64" });
    const y = tensor([[0, 1, 1]], { dtype: "float64" });
    const { recording } = record(() => binaryCrossEntropy(p, y));
    replay(recording);
    (p.data as Float64Array)[2] = 1.5;
    expect(() => replay(recording)).toThrow(/binaryCrossEntropy: prediction 1.5 at index \(0, 2\) is outside \[0, 1\]/);
  });
});

describe("Embedding checks the ids it is given on every replay", () => {
  it("an id out of range written after the recording fails the replay, naming it", () => {
    const layer = new Embedding(5, 3);
    const base = tensor([9, 0, 4, 1, 2], { dtype: "int32" });
    const ids = base.slice([1, 5]); // a view at offset 1: the check reads from there
    const { recording } = record(() => layer.forward(ids));
    replay(recording);
    (base.data as Int32Array)[3] = 5;
    expect(() => replay(recording)).toThrow(/embedding: id 5 at position .* out of range for 5 embeddings/);
  });
});
