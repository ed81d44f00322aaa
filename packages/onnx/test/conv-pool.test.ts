// Convolution and pooling layers exported and run in ONNX Runtime, in float32 and float64, at a
// batch size other than the exported one: every output within the tolerance of Strata's
// forward (expectOrtMatches), and the graph written with the operators it should be.
import { AdaptiveAvgPool2d, AvgPool2d, BatchNorm2d, Conv1d, Conv2d, Flatten, LayerNorm, LeakyReLU, MaxPool2d, Sequential, type Module } from "@strata/nn";
import { randn, rng, type DType } from "@strata/tensor";
import { describe, expect, it } from "vitest";
import { onlyNode, opTypesOf } from "./graph-nodes.js";
import { expectOrtMatches } from "./ort.js";

const DTYPES = ["float32", "float64"] as const;

/** Exports `model` traced on `shape` (batch 2), runs ORT on a batch of 3 and compares; the bytes. */
async function exportsAndMatches(model: Module, shape: readonly number[], dtype: DType): Promise<Uint8Array> {
  const x = randn([3, ...shape.slice(1)], { rng: rng(7), dtype });
  const { bytes } = await expectOrtMatches(model, { inputShape: shape, inputDtype: dtype as "float32" }, [x]);
  return bytes;
}

/** Conv in float32; in float64 (no ORT kernel) a Gather and a MatMul, and no Conv. */
function expectConvForm(bytes: Uint8Array, dtype: DType): void {
  const ops = opTypesOf(bytes);
  if (dtype === "float32") expect(ops).toContain("Conv");
  else expect(ops).toEqual(expect.arrayContaining(["Gather", "MatMul"])), expect(ops).not.toContain("Conv");
}

const conv2dCases: [string, (dtype: DType) => Conv2d, number[]][] = [
  ["stride 2, padding 1", (dtype) => new Conv2d(3, 4, 3, { stride: 2, padding: 1, rng: rng(1), dtype }), [2, 3, 9, 8]],
  ["kernel (3, 2), padding pair (2, 0)", (dtype) => new Conv2d(2, 3, [3, 2], { padding: [2, 0], rng: rng(2), dtype }), [2, 2, 5, 6]],
  // an odd total padding (kernel width 2): PyTorch puts the extra one at the end
  ["padding same, kernel (3, 2)", (dtype) => new Conv2d(2, 3, [3, 2], { padding: "same", rng: rng(3), dtype }), [2, 2, 7, 6]],
  ["padding same, kernel (3, 4), dilation 2", (dtype) => new Conv2d(2, 3, [3, 4], { padding: "same", dilation: 2, rng: rng(3), dtype }), [2, 2, 7, 9]],
  ["padding valid", (dtype) => new Conv2d(2, 2, 3, { padding: "valid", rng: rng(4), dtype }), [2, 2, 5, 5]],
  ["dilation (2, 1), stride (1, 2)", (dtype) => new Conv2d(2, 3, 3, { dilation: [2, 1], stride: [1, 2], padding: [1, 1], rng: rng(5), dtype }), [2, 2, 8, 9]],
  ["groups 2", (dtype) => new Conv2d(4, 6, 3, { groups: 2, padding: 1, rng: rng(6), dtype }), [2, 4, 5, 5]],
  ["depthwise (groups = channels, two filters each)", (dtype) => new Conv2d(3, 6, 3, { groups: 3, rng: rng(7), dtype }), [2, 3, 6, 6]],
  ["bias false", (dtype) => new Conv2d(2, 3, 2, { bias: false, stride: 2, rng: rng(8), dtype }), [2, 2, 6, 7]],
];

const conv1dCases: [string, (dtype: DType) => Conv1d, number[]][] = [
  ["padding 2, stride 2", (dtype) => new Conv1d(3, 4, 5, { padding: 2, stride: 2, rng: rng(1), dtype }), [2, 3, 11]],
  ["padding same, even kernel (the odd padding at the end)", (dtype) => new Conv1d(2, 3, 4, { padding: "same", rng: rng(2), dtype }), [2, 2, 9]],
  ["padding same, dilation 2", (dtype) => new Conv1d(2, 3, 3, { padding: "same", dilation: 2, rng: rng(2), dtype }), [2, 2, 9]],
  ["dilation 3, stride 2", (dtype) => new Conv1d(2, 3, 3, { dilation: 3, stride: 2, padding: 1, rng: rng(5), dtype }), [2, 2, 12]],
  ["padding valid", (dtype) => new Conv1d(2, 2, 3, { padding: "valid", rng: rng(3), dtype }), [2, 2, 7]],
  ["groups 2, bias false", (dtype) => new Conv1d(4, 2, 3, { groups: 2, bias: false, rng: rng(4), dtype }), [2, 4, 8]],
];

describe.each(DTYPES)("convolutions in %s", (dtype) => {
  it.each(conv2dCases)("Conv2d, %s", async (_, make, shape) => {
    expectConvForm(await exportsAndMatches(make(dtype), shape, dtype), dtype);
  });

  it.each(conv1dCases)("Conv1d, %s", async (_, make, shape) => {
    expectConvForm(await exportsAndMatches(make(dtype), shape, dtype), dtype);
  });

  it("Conv2d with padding same writes PyTorch's asymmetric pads (the odd one at the end)", async () => {
    if (dtype === "float64") return; // the float64 form has no Conv node to read
    const bytes = await exportsAndMatches(new Conv2d(1, 1, [3, 2], { padding: "same", rng: rng(9) }), [2, 1, 4, 5], dtype);
    // [top, left, bottom, right]: height 3 pads 1 and 1, width 2 pads 0 and 1
    expect(onlyNode(bytes, "Conv").ints.pads).toEqual([1, 0, 1, 1]);
  });
});

const maxPoolCases: [string, () => MaxPool2d, number[]][] = [
  ["kernel 2 (stride = kernel)", () => new MaxPool2d(2), [2, 2, 6, 7]],
  ["kernel 3, stride 2, padding 1", () => new MaxPool2d(3, { stride: 2, padding: 1 }), [2, 2, 7, 8]],
  ["kernel (3, 2), stride (2, 1), padding (1, 0), dilation (1, 2)", () => new MaxPool2d([3, 2], { stride: [2, 1], padding: [1, 0], dilation: [1, 2] }), [2, 2, 7, 8]],
  ["ceilMode keeping a last partial window", () => new MaxPool2d(3, { stride: 2, ceilMode: true }), [2, 2, 6, 6]],
  ["ceilMode whose extra window would start in the padding (dropped)", () => new MaxPool2d(2, { stride: 2, padding: 1, ceilMode: true }), [2, 2, 5, 5]],
  ["ceilMode keeping a window on one axis and dropping one on the other", () => new MaxPool2d([2, 3], { stride: 2, padding: 1, ceilMode: true }), [2, 2, 5, 6]],
  ["ceilMode with dilation 2", () => new MaxPool2d(2, { stride: 2, dilation: 2, ceilMode: true }), [2, 2, 7, 8]],
  ["ceilMode dropping a window on one axis and keeping one, dilated, on the other", () => new MaxPool2d(2, { stride: 3, dilation: [1, 3], ceilMode: true }), [2, 2, 3, 5]],
];

const avgPoolCases: [string, () => AvgPool2d, number[]][] = [
  ["kernel 2", () => new AvgPool2d(2), [2, 2, 6, 7]],
  ["kernel 3, stride 2, padding 1 (the padding counted)", () => new AvgPool2d(3, { stride: 2, padding: 1 }), [2, 2, 7, 8]],
  ["kernel 3, stride 2, padding 1, countIncludePad false", () => new AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false }), [2, 2, 7, 8]],
  ["ceilMode with padding, the padding counted", () => new AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true }), [2, 2, 6, 6]],
  ["ceilMode with padding, countIncludePad false", () => new AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), [2, 2, 6, 6]],
  ["ceilMode keeping a window on one axis and dropping one on the other", () => new AvgPool2d([2, 3], { stride: 2, padding: 1, ceilMode: true }), [2, 2, 5, 6]],
  ["divisorOverride 5", () => new AvgPool2d(3, { stride: 2, divisorOverride: 5 }), [2, 2, 7, 7]],
];

describe.each(DTYPES)("pooling in %s", (dtype) => {
  it.each(maxPoolCases)("MaxPool2d, %s", async (_, make, shape) => {
    expect(opTypesOf(await exportsAndMatches(make(), shape, dtype))).toContain("MaxPool");
  });

  it.each(avgPoolCases)("AvgPool2d, %s", async (_, make, shape) => {
    await exportsAndMatches(make(), shape, dtype);
  });

  it.each([
    ["1 (global)", 1, [2, 3, 5, 7]],
    ["(2, 3), dividing the input (6, 9)", [2, 3] as const, [2, 3, 6, 9]],
    ["(4, 3) of (7, 5): windows of uneven size", [4, 3] as const, [2, 3, 7, 5]],
  ] as const)("AdaptiveAvgPool2d to %s", async (_, size, shape) => {
    await exportsAndMatches(new AdaptiveAvgPool2d(size), shape, dtype);
  });
});

describe("the ONNX operators poolings lower to", () => {
  const bytesOf = (model: Module, shape: number[], dtype: DType = "float32") => exportsAndMatches(model, shape, dtype);

  it("MaxPool's ceil_mode is written only where every engine agrees on the output size", async () => {
    // kernel 3, stride 2 on 6: the floor count is 2, ceil mode adds a window starting at 4, inside the input
    expect(onlyNode(await bytesOf(new MaxPool2d(3, { stride: 2, ceilMode: true }), [2, 1, 6, 6]), "MaxPool").ints).toMatchObject({ ceil_mode: 1, pads: [0, 0, 0, 0] });
    // kernel 2, stride 2, padding 1 on 5: the extra window would start at 6 = 5 + 1, in the padding, and is dropped
    expect(onlyNode(await bytesOf(new MaxPool2d(2, { stride: 2, padding: 1, ceilMode: true }), [2, 1, 5, 5]), "MaxPool").ints).toMatchObject({ ceil_mode: 0, pads: [1, 1, 1, 1] });
    // one of each: an explicit −∞ padding, on the right what the kept window needs (width: windows at −1, 1, 3, 5 of 3 → 2), and floor mode
    const mixed = await bytesOf(new MaxPool2d([2, 3], { stride: 2, padding: 1, ceilMode: true }), [2, 1, 5, 6]);
    expect(opTypesOf(mixed)).toEqual(["Pad", "MaxPool"]);
    expect(onlyNode(mixed, "MaxPool").ints).toMatchObject({ ceil_mode: 0, pads: [0, 0, 0, 0] });
    // the same where that padding reaches the kernel's size (dilation 3 on the width), which MaxPool's own pads may not
    const dilated = await bytesOf(new MaxPool2d(2, { stride: 3, dilation: [1, 3], ceilMode: true }), [2, 1, 3, 5]);
    expect(opTypesOf(dilated)).toEqual(["Pad", "MaxPool"]);
  });

  it("average poolings use AveragePool in float32 where it is exact, matrices elsewhere", async () => {
    expect(onlyNode(await bytesOf(new AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false }), [2, 1, 7, 8]), "AveragePool").ints)
      .toMatchObject({ kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 0, ceil_mode: 0 });
    expect(opTypesOf(await bytesOf(new AvgPool2d(3, { divisorOverride: 5 }), [2, 1, 6, 6]))).toEqual(["MatMul", "MatMul"]);
    expect(opTypesOf(await bytesOf(new AvgPool2d(2), [2, 1, 6, 6], "float64"))).toEqual(["MatMul", "MatMul"]);
    expect(opTypesOf(await bytesOf(new AdaptiveAvgPool2d(1), [2, 1, 5, 5]))).toEqual(["GlobalAveragePool"]);
    expect(opTypesOf(await bytesOf(new AdaptiveAvgPool2d(1), [2, 1, 5, 5], "float64"))).toEqual(["ReduceMean"]);
    expect(onlyNode(await bytesOf(new AdaptiveAvgPool2d([2, 3]), [2, 1, 6, 9]), "AveragePool").ints).toMatchObject({ kernel_shape: [3, 3], strides: [3, 3] });
    expect(opTypesOf(await bytesOf(new AdaptiveAvgPool2d([4, 3]), [2, 1, 7, 5]))).toEqual(["MatMul", "MatMul"]);
  });
});

describe.each(DTYPES)("at opset 21 in %s", (dtype) => {
  it("a network of every convolution, pooling and normalisation layer", async () => {
    const model = new Sequential(
      new Conv2d(2, 4, 3, { padding: 1, rng: rng(1), dtype }), new BatchNorm2d(4, { dtype }), new LeakyReLU(0.1),
      new MaxPool2d(2, { ceilMode: true }), new AvgPool2d(2, { padding: 1, countIncludePad: false }), new AdaptiveAvgPool2d([2, 1]),
      new Flatten(), new LayerNorm(8, { dtype }),
    );
    const x = randn([3, 2, 7, 6], { rng: rng(2), dtype });
    await expectOrtMatches(model, { inputShape: [2, 2, 7, 6], inputDtype: dtype as "float32", opset: 21 }, [x]);
  });
});
