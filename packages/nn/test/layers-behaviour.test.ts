// The batch-first layers beyond their values (those are in layers-pytorch.test.ts): messages that
// name the layer, its place and the fix; save/load round trips through the registry; hostile
// configs; PyTorch's default initialisation bounds; Dropout on batch-first input; and a
// multi-group optimiser's groups in a checkpoint.
import { describe, expect, it } from "vitest";
import {
  AdaptiveAvgPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv1d, Conv2d, Dropout, Dropout2d, Flatten, GELU, LeakyReLU, Linear, LogSoftmax,
  MaxPool2d, ReLU, Sequential, Sigmoid, Softmax, Tanh, architectureOf, encodeSafetensors, loadFromBytes, modelFromArchitecture, saveToBytes, type Module, type OptimizerStateLike,
} from "@strata/nn";
import { Adam, SGD } from "@strata/optim";
import { DTypeError, ShapeError, ValueError, ones, randn, rng, type Tensor } from "@strata/tensor";
import { errorOf } from "./helpers.js";

describe("errors name the layer, its place in the Sequential, the shapes and the fix", () => {
  const net = new Sequential(new Conv2d(1, 16, 3, { padding: 1 }), new ReLU(), new MaxPool2d(2), new Linear(256, 10));
  it("a flat image into a Conv2d: reshape it", () => {
    const e = errorOf(() => net.forward(ones([32, 784])));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.message).toBe("Conv2d(layer 0): expected input (N, 1, H, W), got (32, 784); reshape it to (32, 1, 28, 28)");
  });
  it("feature maps into a Linear: add a Flatten", () => {
    const e = errorOf(() => new Sequential(new Conv2d(1, 16, 3), new ReLU(), new MaxPool2d(2), new Linear(256, 10)).forward(ones([32, 1, 10, 10])));
    expect(e.message).toBe("Linear(layer 3): expected input (N, 256), got (32, 16, 4, 4); add a Flatten before it");
  });
  it("a Linear of the wrong size says which sizes meet", () => {
    const e = errorOf(() => new Sequential(new Flatten(), new Linear(100, 10)).forward(ones([2, 3, 4, 4])));
    expect(e.message).toBe("Linear(layer 1): expected input (N, 100), got (2, 48); its last axis has 48 features; build this layer as Linear(48, 10) or change the layer before it");
  });
  it("wrong channels, dtypes and ranks", () => {
    expect(errorOf(() => new Conv2d(3, 4, 3).forward(ones([2, 1, 8, 8]))).message).toBe("Conv2d: expected input (N, 3, H, W), got (2, 1, 8, 8); it has 1 channels (axis 1), the layer was built for 3");
    const d = errorOf(() => new Linear(2, 2).forward(ones([1, 2], { dtype: "float64" })));
    expect(d).toBeInstanceOf(DTypeError);
    expect(d.message).toBe('Linear: input is float64 but the layer\'s weights are float32; cast the input with .cast("float32") or the model with .to("float64")');
    expect(errorOf(() => new Sequential(new ReLU(), new BatchNorm2d(4)).forward(ones([2, 4, 3]))).message).toBe("BatchNorm2d(layer 1): expected input (N, 4, H, W), got (2, 4, 3)");
    expect(errorOf(() => new BatchNorm1d(4).forward(ones([2, 5]))).message).toBe("BatchNorm1d: expected input (N, 4) or (N, 4, L), got (2, 5); it has 5 channels (axis 1), the layer was built for 4");
    expect(errorOf(() => new Sequential(new MaxPool2d(2)).forward(ones([4, 64]))).message).toBe("MaxPool2d(layer 0): expected input (N, C, H, W), got (4, 64); reshape it to (N, C, H, W), e.g. (4, 1, 8, 8)");
  });
  it("errors of the functional op are renamed to the layer", () => {
    const e = errorOf(() => new Sequential(new Flatten(), new MaxPool2d(9)).forward(ones([1, 1, 2, 2])));
    expect(e.message.startsWith("MaxPool2d(layer 1): ")).toBe(true);
    expect(errorOf(() => new Sequential(new Tanh(), new Softmax(3)).forward(ones([2, 2]))).message.startsWith("Softmax(layer 1): ")).toBe(true);
    expect(errorOf(() => new Conv2d(1, 1, 5).forward(ones([1, 1, 3, 3]))).message.startsWith("Conv2d: ")).toBe(true);
  });
  it("bad constructor arguments", () => {
    expect(errorOf(() => new Conv2d(3, 4, 3, { groups: 2 })).message).toBe("Conv2d: groups (2) must divide inChannels (3) and outChannels (4)");
    expect(errorOf(() => new Conv2d(3, 4, 3, { padding: "same", stride: 2 })).message).toBe('Conv2d: padding "same" needs stride 1, as in PyTorch, got stride (2, 2)');
    expect(errorOf(() => new Conv2d(3, 4, [3, 3, 3] as never)).message).toBe("Conv2d: kernelSize must be an integer ≥ 1 or 2 of them, got (3, 3, 3)");
    expect(errorOf(() => new Conv2d(1, 1, 3, { paddingMode: "reflect" as never })).message).toBe('Conv2d: only paddingMode "zeros" is implemented, got "reflect"');
    expect(errorOf(() => new Linear(0, 2))).toBeInstanceOf(ValueError);
    expect(errorOf(() => new BatchNorm2d(2, { momentum: 2 })).message).toBe("BatchNorm2d: momentum must be a number in [0, 1] or null (a cumulative average), got 2");
    expect(errorOf(() => new MaxPool2d(0)).message).toBe("MaxPool2d: kernelSize must be an integer ≥ 1 or a pair [h, w] of them, got 0");
    expect(errorOf(() => new GELU({ approximate: "erf" as never })).message).toBe('GELU: approximate must be "none" or "tanh", got "erf"');
    expect(errorOf(() => new Softmax(undefined as never))).toBeInstanceOf(ValueError);
  });
});

describe("every layer saves and loads through the registry", () => {
  const cases: [Module, number[]][] = [
    [new Linear(6, 3, { bias: false, rng: rng(1) }), [2, 6]],
    [new Conv1d(2, 4, 3, { padding: "same", dilation: 2, rng: rng(2) }), [2, 2, 7]],
    [new Conv2d(4, 6, [3, 1], { stride: [2, 1], padding: [1, 0], groups: 2, dtype: "float64", rng: rng(3) }), [2, 4, 5, 5]],
    [new MaxPool2d([2, 3], { stride: 1, padding: [1, 1], dilation: [1, 2], ceilMode: true }), [1, 2, 5, 6]],
    [new AvgPool2d(2, { countIncludePad: false, padding: 1, divisorOverride: 5 }), [1, 2, 5, 6]],
    [new AdaptiveAvgPool2d(3), [1, 2, 7, 5]],
    [new BatchNorm1d(3, { momentum: null, eps: 1e-3 }), [4, 3]],
    [new BatchNorm2d(3, { affine: false, trackRunningStats: false }), [2, 3, 2, 2]],
    [new Flatten({ startDim: 0, endDim: 1 }), [2, 3, 4]],
    [new Dropout2d(0.3), [2, 3, 2, 2]],
    [new ReLU(), [2, 3]], [new LeakyReLU(0.3), [2, 3]], [new Tanh(), [2, 3]], [new Sigmoid(), [2, 3]],
    [new GELU({ approximate: "tanh" }), [2, 3]], [new Softmax(0), [2, 3]], [new LogSoftmax(1), [2, 3]],
  ];
  for (const [layer, shape] of cases) {
    it(String(layer), () => {
      const dtype = (layer.parameters()[0]?.dtype ?? "float32") as "float32" | "float64";
      // two training steps first, so buffers have left their initial values
      for (let i = 0; i < 2; i++) layer.forward(randn(shape, { rng: rng(10 + i), dtype }));
      const copy = loadFromBytes(saveToBytes(new Sequential(layer))).model as Sequential;
      expect(String(copy.layers[0])).toBe(String(layer));
      const a = layer.stateDict();
      const b = copy.stateDict();
      expect(Object.keys(b)).toEqual(Object.keys(a).map((k) => `0.${k}`));
      for (const [k, t] of Object.entries(a)) expect(sameValues(b[`0.${k}`]!, t), k).toBe(true);
      const x = randn(shape, { rng: rng(20), dtype });
      expect(sameValues(copy.eval().forward(x).data, layer.eval().forward(x).data)).toBe(true);
      layer.train();
    });
  }

  it("a config is validated field by field before anything is built", () => {
    const conv = { type: "Conv2d", inChannels: 3, outChannels: 4, kernelSize: [3, 3], stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 2, bias: true, dtype: "float32" };
    expect(errorOf(() => modelFromArchitecture({ type: "sequential", layers: [conv] })).message).toContain("groups: 2 must divide inChannels (3) and outChannels (4)");
    expect(errorOf(() => modelFromArchitecture({ type: "sequential", layers: [{ ...conv, groups: 1, kernelSize: [3] }] })).message).toContain("layers[0].kernelSize: expected an array of 2 items");
    expect(errorOf(() => modelFromArchitecture({ type: "BatchNorm2d", numFeatures: 3, eps: -1, momentum: null, affine: true, trackRunningStats: true, dtype: "float32" })).message).toContain("eps: expected a finite number ≥ 0, got -1");
  });

  it("a checkpoint declaring a huge Conv2d with a small file is refused before allocating", () => {
    const architecture = architectureOf(new Sequential(new Conv2d(1, 1, 1))) as unknown as { layers: Record<string, unknown>[] };
    architecture.layers[0]!.outChannels = 1 << 20;
    const bytes = encodeSafetensors({ "model.0.weight": ones([1, 1, 1, 1]), "model.0.bias": ones([1]) }, { format: "strata", "strata.version": "1", "strata.architecture": JSON.stringify(architecture) });
    const e = errorOf(() => loadFromBytes(bytes));
    expect(e.message).toMatch(/nothing was allocated\): 0\.weight is \(1, 1, 1, 1\) but the architecture needs \(1048576, 1, 1, 1\)/);
  });
});

function sameValues(a: Tensor, b: Tensor): boolean {
  return a.dtype === b.dtype && a.shape.join() === b.shape.join() && a.toArray().toString() === b.toArray().toString();
}

describe("PyTorch's default initialisation: uniform in ±1/√fanIn", () => {
  const layers: [string, { weight: { data: Tensor }; bias: { data: Tensor } | null }, number][] = [
    ["Linear(400, 300)", new Linear(400, 300, { rng: rng(0) }), 400],
    ["Conv2d(8, 64, 5)", new Conv2d(8, 64, 5, { rng: rng(1) }), 8 * 25],
    ["Conv2d(8, 64, 5, groups 4)", new Conv2d(8, 64, 5, { groups: 4, rng: rng(2) }), 2 * 25],
    ["Conv1d(16, 300, 3)", new Conv1d(16, 300, 3, { rng: rng(3) }), 48],
  ];
  for (const [name, layer, fanIn] of layers) {
    it(name, () => {
      const bound = 1 / Math.sqrt(fanIn);
      for (const t of [layer.weight.data, layer.bias!.data]) {
        const v = Array.from(t.toTypedArray(), Number);
        const max = Math.max(...v.map(Math.abs));
        expect(max).toBeLessThanOrEqual(bound);
        // U(−b, b): the largest of n draws is within b/n·few of b, mean 0, variance b²/3
        expect(max).toBeGreaterThan(bound * (1 - 20 / v.length));
        const mean = v.reduce((s, x) => s + x, 0) / v.length;
        const variance = v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length;
        expect(Math.abs(mean)).toBeLessThan(5 * bound / Math.sqrt(3 * v.length));
        expect(Math.abs(variance / (bound * bound / 3) - 1)).toBeLessThan(6 * Math.sqrt(0.8 / v.length));
      }
    });
  }
});

describe("Dropout and Dropout2d on batch-first input", () => {
  it("Dropout zeroes elements and scales the rest by 1/(1 − p); eval is the identity", () => {
    const drop = new Dropout(0.25, { rng: rng(5) });
    const y = Array.from(drop.forward(ones([8, 3, 10, 10])).data.toTypedArray());
    expect(y.every((v) => v === 0 || Math.abs(v - 4 / 3) < 1e-6)).toBe(true);
    const kept = y.filter((v) => v !== 0).length / y.length;
    expect(Math.abs(kept - 0.75)).toBeLessThan(0.04); // 2400 draws: σ ≈ 0.009
    const x = randn([2, 3, 4, 4], { rng: rng(6) });
    expect(drop.eval().forward(x).data.toArray()).toEqual(x.toArray());
  });
  it("Dropout2d zeroes whole channels", () => {
    const y = new Dropout2d(0.5, { rng: rng(7) }).forward(ones([4, 6, 3, 3])).data;
    const sums = Array.from(y.sum({ axis: [2, 3] }).toTypedArray());
    expect(sums.every((s) => s === 0 || s === 18)).toBe(true);
    expect(sums.some((s) => s === 0) && sums.some((s) => s === 18)).toBe(true);
  });
});

describe("a multi-group optimiser survives save and load", () => {
  function trained() {
    const model = new Sequential(new Linear(3, 4, { rng: rng(0) }), new ReLU(), new Linear(4, 2, { rng: rng(1) }));
    const [w0, b0, w2, b2] = model.parameters();
    const opt = new Adam([{ params: [w0!, b0!], lr: 0.01 }, { params: [w2!, b2!], lr: 0.001, weightDecay: 0.1 }]);
    model.forward(ones([5, 3])).sum().backward();
    opt.step();
    return { model, opt };
  }
  it("writes and reads paramGroups; a new optimiser with the same groups resumes with each group's options", () => {
    const { model, opt } = trained();
    const { model: copy, optimizerState } = loadFromBytes(saveToBytes(model, { optimizer: opt }));
    expect(optimizerState!.paramGroups).toEqual(opt.stateDict().paramGroups);
    const [w0, b0, w2, b2] = copy.parameters();
    const resumed = new Adam([{ params: [w0!, b0!] }, { params: [w2!, b2!] }], { lr: 0.5 });
    resumed.loadStateDict(optimizerState!);
    expect(resumed.paramGroups.map((g) => [g.lr, g.weightDecay])).toEqual([[0.01, 0], [0.001, 0.1]]);
    expect(sameValues(resumed.stateDict().state[3]!.expAvg as Tensor, opt.stateDict().state[3]!.expAvg as Tensor)).toBe(true);
  });
  it("a checkpoint written before groups (no paramGroups) still loads into a one-group optimiser", () => {
    const model = new Sequential(new Linear(2, 1, { rng: rng(0) }));
    const sgd = new SGD(model.parameters(), { lr: 0.2, momentum: 0.9 });
    model.forward(ones([1, 2])).sum().backward();
    sgd.step();
    const { paramGroups: _, ...old } = sgd.stateDict();
    const bytes = saveToBytes(model, { optimizer: { stateDict: (): OptimizerStateLike => old } });
    const { model: copy, optimizerState } = loadFromBytes(bytes);
    expect(optimizerState!.paramGroups).toBeUndefined();
    const resumed = new SGD(copy.parameters(), { lr: 1 });
    resumed.loadStateDict(optimizerState!);
    expect(resumed.lr).toBe(0.2);
  });
  it("refuses paramGroups whose indices do not fit the state", () => {
    const { model, opt } = trained();
    const dict = opt.stateDict();
    const bad = { ...dict, paramGroups: [{ ...dict.paramGroups[0]!, params: [0, 1, 7] }] };
    const e = errorOf(() => loadFromBytes(saveToBytes(model, { optimizer: { stateDict: () => bad } })));
    expect(e.message).toBe("loadFromBytes: strata.optimizer paramGroups[0].params holds 7; expected indices of the 4 state entries, each in one group once");
  });
});
