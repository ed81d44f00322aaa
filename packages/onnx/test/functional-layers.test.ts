// A user's modules whose forward calls the functional forms (conv2d, maxPool2d, batchNorm,
// conv1d, maxPool1d, avgPool1d) on its own parameters and buffers: they export as the layers do.
import { avgPool1d, batchNorm, conv1d, conv2d, maxPool1d, maxPool2d, relu, variable, type Operand, type Variable } from "@strata/autograd";
import { Module } from "@strata/nn";
import { toOnnx } from "@strata/onnx";
import { add, mul, ones, randn, rng, type DType } from "@strata/tensor";
import { describe, expect, it } from "vitest";
import { nodesOf, opTypesOf } from "./graph-nodes.js";
import { expectOrtMatches } from "./ort.js";

const DTYPES = ["float32", "float64"] as const;

/** conv2d → batchNorm (on registered running statistics) → relu → maxPool2d, all functional. */
class ConvBlock extends Module<[Operand], Variable> {
  weight: Variable;
  bias: Variable;
  gamma: Variable;
  constructor(dtype: DType) {
    super();
    this.weight = variable(mul(randn([4, 2, 3, 3], { rng: rng(1), dtype }), 0.3), { requiresGrad: true });
    this.bias = variable(randn([4], { rng: rng(2), dtype }), { requiresGrad: true });
    this.gamma = variable(add(randn([4], { rng: rng(3), dtype }), 1), { requiresGrad: true });
    this.registerBuffer("mean", randn([4], { rng: rng(4), dtype }));
    this.registerBuffer("variance", add(mul(ones([4], { dtype }), 2), randn([4], { rng: rng(5), dtype }).abs()));
  }
  forward(x: Operand): Variable {
    const y = conv2d(x, this.weight, this.bias, { padding: 1, stride: [1, 2] });
    const z = batchNorm(y, this.getBuffer("mean"), this.getBuffer("variance"), this.gamma, null, { training: this.training, eps: 1e-4 });
    return maxPool2d(relu(z), { kernelSize: 2, stride: [2, 1], ceilMode: true });
  }
}

/** conv1d without bias → maxPool1d → avgPool1d, on (N, C, L). */
class Sequence1d extends Module<[Operand], Variable> {
  weight: Variable;
  constructor(dtype: DType) {
    super();
    this.weight = variable(randn([3, 2, 4], { rng: rng(6), dtype }), { requiresGrad: true });
  }
  forward(x: Operand): Variable {
    const y = conv1d(x, this.weight, null, { padding: "same", dilation: 2 });
    const z = maxPool1d(y, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true });
    return avgPool1d(z, { kernelSize: 2, padding: 1, countIncludePad: false, ceilMode: true });
  }
}

describe.each(DTYPES)("functional forms in %s", (dtype) => {
  it("conv2d, batchNorm, relu and maxPool2d in a user's Module", async () => {
    const model = new ConvBlock(dtype);
    const x = randn([3, 2, 6, 8], { rng: rng(9), dtype });
    const { bytes } = await expectOrtMatches(model, { inputShape: [2, 2, 6, 8], inputDtype: dtype as "float32" }, [x]);
    const bn = nodesOf(bytes).find((n) => n.opType === "BatchNormalization")!;
    // parameters and buffers as initializers named by their state-dict keys; the absent bias a constant
    expect([bn.inputs[1], bn.inputs[3], bn.inputs[4]]).toEqual(["gamma", "mean", "variance"]);
    expect(opTypesOf(bytes)).toEqual(expect.arrayContaining(["BatchNormalization", "Relu", "MaxPool"]));
  });

  it("conv1d, maxPool1d and avgPool1d in a user's Module", async () => {
    const x = randn([4, 2, 11], { rng: rng(10), dtype });
    await expectOrtMatches(new Sequence1d(dtype), { inputShape: [2, 2, 11], inputDtype: dtype as "float32" }, [x]);
  });

  it("batchNorm with training: true (and no running statistics) normalises by the batch's statistics in the graph", async () => {
    class BatchStats extends Module<[Operand], Variable> {
      beta = variable(randn([3], { rng: rng(14), dtype }), { requiresGrad: true });
      forward(x: Operand): Variable {
        return batchNorm(x, null, null, null, this.beta, { training: true, eps: 1e-3 });
      }
    }
    const x = mul(randn([5, 3, 4], { rng: rng(11), dtype }), 2);
    await expectOrtMatches(new BatchStats(), { inputShape: [2, 3, 4], inputDtype: dtype as "float32" }, [x]);
  });
});

describe("inputs without a batch axis of their own", () => {
  /** conv1d and maxPool1d on an unbatched (C, L) input, whose length L is the axis that varies. */
  class Unbatched extends Module<[Operand], Variable> {
    weight: Variable;
    constructor(dtype: DType) {
      super();
      this.weight = variable(randn([3, 2, 3], { rng: rng(12), dtype }), { requiresGrad: true });
    }
    forward(x: Operand): Variable {
      return maxPool1d(conv1d(x, this.weight, null, { padding: 1 }), { kernelSize: 2, stride: 1 });
    }
  }

  it("are given one around ONNX's Conv and MaxPool (float32, the length left dynamic)", async () => {
    const x = randn([2, 9], { rng: rng(13), dtype: "float32" });
    const { bytes } = await expectOrtMatches(new Unbatched("float32"), { inputShape: [2, 6], batchAxis: 1 }, [x]);
    expect(opTypesOf(bytes)).toEqual(["Unsqueeze", "Conv", "Squeeze", "Unsqueeze", "MaxPool", "Squeeze"]);
  });

  it("are refused in float64, whose convolution is written for fixed lengths", () => {
    expect(() => toOnnx(new Unbatched("float64"), { inputShape: [2, 6], inputDtype: "float64", batchAxis: 1 })).toThrow(
      "toOnnx: conv1d on input (2,6), whose spatial axes follow the batch size, cannot be exported: a float64 convolution's gather (ONNX Runtime has no float64 Conv) depends on their lengths",
    );
  });
});
