// The batch-first layers against PyTorch 1.13 (fixtures from test/scripts/layers_reference.py):
// outputs, the gradients of sum(y * r) for the input and every parameter, and buffers after each
// step, in float64 to 1e-6 relative, in training and in evaluation; and the printed forms.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  AdaptiveAvgPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv1d, Conv2d, Dropout, Dropout2d, Flatten, GELU, LeakyReLU, Linear,
  LogSoftmax, MaxPool2d, ReLU, Sigmoid, Softmax, Tanh, type Module,
} from "@strata/nn";
import { camelCase, replay, type Step, type Values } from "./layer-references.js";

interface Case { name: string; initial: Record<string, Values>; steps: Step[] }
const fixtures = join(import.meta.dirname, "fixtures");
const reference = JSON.parse(readFileSync(join(fixtures, "layers-reference.json"), "utf8")) as { cases: Case[]; printed: Record<string, string> };

const f64 = { dtype: "float64" } as const;
/** Each case's layer, built as the script builds it (float64). */
const builders: Record<string, () => Module> = {
  linear: () => new Linear(5, 3, f64),
  linearNoBias3d: () => new Linear(5, 3, { bias: false, ...f64 }),
  conv2d: () => new Conv2d(3, 4, 3, { stride: 2, padding: 1, ...f64 }),
  conv2dGroups: () => new Conv2d(4, 8, [3, 2], { padding: [1, 0], dilation: [2, 1], groups: 2, bias: false, ...f64 }),
  conv2dDepthwiseSame: () => new Conv2d(3, 3, 3, { padding: "same", groups: 3, ...f64 }),
  conv1d: () => new Conv1d(2, 4, 3, { stride: 2, padding: 1, dilation: 2, ...f64 }),
  maxPool2d: () => new MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }),
  maxPool2dDilation: () => new MaxPool2d(2, { dilation: 2 }),
  avgPool2d: () => new AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
  avgPool2dDivisor: () => new AvgPool2d(2, { divisorOverride: 3 }),
  adaptiveAvgPool2d: () => new AdaptiveAvgPool2d([2, 3]),
  batchNorm1d: () => new BatchNorm1d(3, f64),
  batchNorm1d3d: () => new BatchNorm1d(3, { momentum: 0.3, ...f64 }),
  batchNorm2d: () => new BatchNorm2d(3, f64),
  batchNorm2dMomentumNone: () => new BatchNorm2d(3, { momentum: null, eps: 1e-3, ...f64 }),
  batchNorm2dNoAffine: () => new BatchNorm2d(3, { affine: false, ...f64 }),
  batchNorm2dNoTracking: () => new BatchNorm2d(3, { trackRunningStats: false, ...f64 }),
  flatten: () => new Flatten(),
  flatten12: () => new Flatten({ startDim: 1, endDim: 2 }),
  relu: () => new ReLU(),
  leakyRelu: () => new LeakyReLU(0.2),
  tanh: () => new Tanh(),
  sigmoid: () => new Sigmoid(),
  gelu: () => new GELU(),
  geluTanh: () => new GELU({ approximate: "tanh" }),
  softmax: () => new Softmax(1),
  logSoftmax: () => new LogSoftmax(-1),
  dropoutEval: () => new Dropout(0.5),
  dropout2dEval: () => new Dropout2d(0.5),
};

describe("batch-first layers match PyTorch 1.13 (float64, 1e-6 relative)", () => {
  it("covers every case of the script", () => {
    expect(reference.cases.map((c) => c.name).sort()).toEqual(Object.keys(builders).sort());
  });
  for (const c of reference.cases) {
    it(`${c.name}: output, input and parameter gradients, buffers (${c.steps.map((s) => s.mode).join(", ")})`, () => {
      replay(builders[c.name]!(), c);
    });
  }
});

describe("printed forms match PyTorch's print(module), in camelCase", () => {
  const built: Record<string, Module> = {
    linear: new Linear(5, 3), linearNoBias: new Linear(5, 3, { bias: false }),
    conv2d: builders.conv2d!(), conv2dGroups: builders.conv2dGroups!(), conv2dDepthwiseSame: builders.conv2dDepthwiseSame!(), conv1d: builders.conv1d!(),
    maxPool2d: builders.maxPool2d!(), avgPool2d: new AvgPool2d(3, { stride: 2, padding: 1 }), adaptiveAvgPool2d: builders.adaptiveAvgPool2d!(),
    batchNorm1d: builders.batchNorm1d!(), batchNorm2dMomentumNone: builders.batchNorm2dMomentumNone!(), flatten: builders.flatten!(),
    relu: new ReLU(), leakyRelu: new LeakyReLU(0.2), tanh: new Tanh(), sigmoid: new Sigmoid(), gelu: new GELU(), softmax: new Softmax(1), logSoftmax: new LogSoftmax(-1),
  };
  for (const [name, text] of Object.entries(reference.printed)) {
    it(name, () => expect(String(built[name])).toBe(camelCase(text)));
  }
});

