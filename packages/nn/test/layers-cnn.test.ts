// A small PyTorch CNN's state dict, saved as safetensors by test/scripts/layers_reference.py,
// loads unchanged into the same model built in Strata and gives PyTorch's outputs, gradients and
// running statistics, in evaluation and in training; the printed forms agree too.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, loadFromBytes, readSafetensors, saveToBytes,
} from "@strata/nn";
import { camelCase, replay } from "./layer-references.js";

const fixtures = join(import.meta.dirname, "fixtures");
const reference = JSON.parse(readFileSync(join(fixtures, "layers-cnn.json"), "utf8"));

function cnn(): Sequential {
  const f64 = { dtype: "float64" } as const;
  return new Sequential(
    new Conv2d(1, 4, 3, { padding: 1, ...f64 }), new BatchNorm2d(4, f64), new ReLU(), new MaxPool2d(2),
    new Conv2d(4, 4, 3, { padding: 1, groups: 4, ...f64 }), new BatchNorm2d(4, f64), new ReLU(),
    new Conv2d(4, 8, 1, f64), new AdaptiveAvgPool2d([2, 2]), new Flatten(), new Linear(32, 5, f64),
  );
}

describe("a PyTorch CNN loaded from its safetensors state dict", () => {
  it("loads with loadStateDict unchanged: same keys, shapes, and num_batches_tracked read from I64", () => {
    const { tensors } = readSafetensors(join(fixtures, "layers-cnn.safetensors"));
    const model = cnn();
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(model.stateDict()).sort());
    model.loadStateDict(tensors);
    expect(model.getBuffer("1.num_batches_tracked")!.dtype).toBe("int32");
    expect(model.getBuffer("1.num_batches_tracked")!.item()).toBe(3);
  });

  it("gives PyTorch's outputs, gradients and running statistics in evaluation, then in training", () => {
    const { tensors } = readSafetensors(join(fixtures, "layers-cnn.safetensors"));
    const model = cnn();
    model.loadStateDict(tensors);
    // replay loads `initial` first: here the file's tensors, as the state dict they are
    const initial = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, { shape: [...t.shape], data: Array.from(t.toTypedArray(), Number) }]));
    replay(model, { initial, steps: reference.steps });
  });

  it("prints as PyTorch's print(model), in camelCase", () => {
    expect(String(cnn())).toBe(camelCase(reference.printed));
  });

  it("survives save and load with its weights and buffers", () => {
    const model = cnn();
    model.loadStateDict(readSafetensors(join(fixtures, "layers-cnn.safetensors")).tensors);
    const copy = loadFromBytes(saveToBytes(model)).model;
    expect(String(copy)).toBe(String(model));
    const a = model.stateDict();
    const b = copy.stateDict();
    for (const k of Object.keys(a)) expect(b[k]!.dtype + b[k]!.toArray().toString(), k).toBe(a[k]!.dtype + a[k]!.toArray().toString());
  });
});
