// A compiled fit against an eager one (compile: false), for every built-in layer type and loss,
// float32 and float64: the same seeds, the same shuffled batches (the last one smaller, so two
// recordings), and the losses, parameters and buffers equal element for element after each run.
// The step must actually be replayed (no refusal, replays > 0), or the comparison proves nothing.
import { describe, expect, it } from "vitest";
import { crossEntropy, nllLoss, type Operand, type Variable } from "@strata/autograd";
import {
  AdaptiveAvgPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv1d, Conv2d, Dense, Dropout, Dropout2d, Embedding, Flatten, GELU, GRU,
  GRUCell, LSTM, LSTMCell, LayerNorm, LeakyReLU, Linear, LogSoftmax, MaxPool2d, Module, ModuleDict, ModuleList, MultiheadAttention, RNN,
  RNNCell, ReLU, Sequential, Sigmoid, Softmax, Tanh, TransformerEncoder, TransformerEncoderLayer, binaryCrossEntropy,
  binaryCrossEntropyWithLogits, deepNetwork, fit, mse, softmaxCrossEntropy, type History,
} from "@strata/nn";
import { Adam, AdamW, ExponentialLR, RMSprop, SGD } from "@strata/optim";
import { randint, randn, rng, type Tensor } from "@strata/tensor";

type Float = "float32" | "float64";
const numbers = (t: Tensor): number[] => Array.from(t.contiguous().toTypedArray() as ArrayLike<number>);

interface Case {
  make: (dtype: Float) => Module;
  x: (dtype: Float) => Tensor;
  y: (dtype: Float) => Tensor;
  loss: (out: Variable, y: Tensor) => Variable;
  layout?: "batchFirst" | "columns";
  /** Whether `compile: "auto"` compiles it (built-in layers); else `compile: true`. */
  auto: boolean;
  optimizer?: "sgd" | "adam" | "adamw" | "rmsprop";
}

const M = 10; // examples; batchSize 4 gives batches 4, 4, 2
const state = (m: Module): Record<string, number[]> => Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, numbers(t)]));

function run(c: Case, dtype: Float, compile: boolean | "auto"): { history: History; model: Module } {
  const model = c.make(dtype);
  const params = model.parameters();
  const optimizer =
    c.optimizer === "adam" ? new Adam(params, { lr: 0.01 })
    : c.optimizer === "adamw" ? new AdamW(params, { lr: 0.01, weightDecay: 0.1, amsgrad: true })
    : c.optimizer === "rmsprop" ? new RMSprop(params, { lr: 0.01, momentum: 0.5, centered: true })
    : new SGD(params, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 });
  // the rate changes between epochs, outside the step: a replay must read the new one
  const schedule = new ExponentialLR(optimizer, { gamma: 0.5 });
  // validation switches the model to eval() and back between epochs: the guards must hold again
  const [x, y] = [c.x(dtype), c.y(dtype)];
  const history = fit(model, {
    x, y, layout: c.layout ?? "batchFirst", loss: c.loss, optimizer, epochs: 3, batchSize: 4, rng: rng(5),
    verbose: false, compile, callbacks: [{ onEpochEnd: () => void schedule.step() }], validation: { x, y },
  });
  return { history, model };
}

function expectSame(c: Case, dtype: Float): void {
  const eager = run(c, dtype, false);
  const compiled = run(c, dtype, c.auto ? "auto" : true);
  expect(compiled.history.compile).toBeDefined();
  expect(compiled.history.compile!.eager).toBeNull();
  expect(compiled.history.compile!.replays).toBeGreaterThan(0);
  expect(compiled.history.loss).toEqual(eager.history.loss);
  expect(compiled.history.valLoss).toEqual(eager.history.valLoss);
  expect(compiled.history.compile!.recordings).toBe(2); // the batches of 4 and the last of 2
  expect(state(compiled.model)).toEqual(state(eager.model));
}

const labels = (k: number) => () => randint(0, k, [M], { rng: rng(2) });
const normal = (shape: number[], seed = 1) => (dtype: Float) => randn(shape, { rng: rng(seed), dtype });
const ce = crossEntropy;

/** Wraps a module that takes or returns more than one tensor, so fit can drive it. */
class Head extends Module {
  constructor(readonly body: Module, readonly out: Linear, readonly call: (body: Module, x: Operand) => Variable) {
    super();
  }
  forward(x: Operand): Variable {
    return this.out.forward(this.call(this.body, x));
  }
}

const cases: Record<string, Case> = {
  "Linear, ReLU, Linear (Adam)": {
    make: (dtype) => new Sequential(new Linear(6, 8, { rng: rng(3), dtype }), new ReLU(), new Linear(8, 3, { rng: rng(4), dtype })),
    x: normal([M, 6]), y: labels(3), loss: ce, auto: true, optimizer: "adam",
  },
  "activations: LeakyReLU, Tanh, Sigmoid, GELU, LogSoftmax with nllLoss": {
    make: (dtype) => new Sequential(
      new Linear(6, 8, { rng: rng(3), dtype }), new LeakyReLU(0.1), new Linear(8, 8, { rng: rng(6), dtype }), new Tanh(),
      new Linear(8, 8, { rng: rng(7), dtype }), new Sigmoid(), new Linear(8, 8, { rng: rng(8), dtype }), new GELU(),
      new Linear(8, 3, { rng: rng(4), dtype }), new LogSoftmax(1)),
    x: normal([M, 6]), y: labels(3), loss: nllLoss, auto: true,
  },
  "Softmax with mse": {
    make: (dtype) => new Sequential(new Linear(6, 3, { rng: rng(3), dtype }), new Softmax(1)),
    x: normal([M, 6]), y: normal([M, 3], 9), loss: mse, auto: true, optimizer: "rmsprop",
  },
  "binaryCrossEntropy on a sigmoid": {
    make: (dtype) => new Sequential(new Linear(6, 1, { rng: rng(3), dtype }), new Sigmoid()),
    x: normal([M, 6]), y: () => randint(0, 2, [M, 1], { rng: rng(2) }), loss: binaryCrossEntropy, auto: true,
  },
  "binaryCrossEntropyWithLogits": {
    make: (dtype) => new Sequential(new Linear(6, 1, { rng: rng(3), dtype })),
    x: normal([M, 6]), y: () => randint(0, 2, [M, 1], { rng: rng(2) }), loss: binaryCrossEntropyWithLogits, auto: true, optimizer: "adamw",
  },
  "deepNetwork and softmaxCrossEntropy (columns)": {
    make: (dtype) => deepNetwork([6, 5, 3], { output: "tanh", rng: rng(3), dtype }),
    x: normal([6, M]), y: labels(3), loss: softmaxCrossEntropy, layout: "columns", auto: true,
  },
  "Dense in a Sequential (columns)": {
    make: (dtype) => new Sequential(new Dense(6, 4, { rng: rng(3), dtype }), new Dense(4, 1, { rng: rng(4), dtype }), new Sigmoid()),
    x: normal([6, M]), y: () => randint(0, 2, [1, M], { rng: rng(2) }), loss: binaryCrossEntropy, layout: "columns", auto: true,
  },
  "Conv2d, BatchNorm2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Dropout2d, Flatten": {
    make: (dtype) => new Sequential(
      new Conv2d(2, 4, 3, { padding: 1, rng: rng(3), dtype }), new BatchNorm2d(4, { dtype }), new ReLU(), new MaxPool2d(2),
      new Dropout2d(0.3, { rng: rng(10) }), new Conv2d(4, 4, 2, { rng: rng(4), dtype }), new AvgPool2d(2, { stride: 1 }),
      new AdaptiveAvgPool2d(2), new Flatten(), new Linear(16, 3, { rng: rng(6), dtype })),
    x: normal([M, 2, 8, 8]), y: labels(3), loss: ce, auto: true,
  },
  "Conv1d, BatchNorm1d, Dropout, Adam": {
    make: (dtype) => new Sequential(
      new Conv1d(3, 4, 3, { rng: rng(3), dtype }), new BatchNorm1d(4, { dtype }), new Tanh(), new Dropout(0.4, { rng: rng(11) }),
      new Flatten(), new Linear(16, 3, { rng: rng(6), dtype })),
    x: normal([M, 3, 6]), y: labels(3), loss: ce, auto: true, optimizer: "adam",
  },
  "Embedding, LayerNorm, Flatten": {
    make: (dtype) => new Sequential(
      new Embedding(7, 5, { rng: rng(3), dtype }), new LayerNorm(5, { dtype }), new Flatten(), new Linear(15, 3, { rng: rng(4), dtype })),
    x: () => randint(0, 7, [M, 3], { rng: rng(1) }), y: labels(3), loss: ce, auto: true,
  },
  "TransformerEncoder of TransformerEncoderLayers with dropout": {
    make: (dtype) => new Sequential(
      new TransformerEncoder(new TransformerEncoderLayer(4, 2, { dimFeedforward: 8, dropout: 0.2, batchFirst: true, rng: rng(3), dtype }), 2),
      new Flatten(), new Linear(12, 3, { rng: rng(4), dtype })),
    x: normal([M, 3, 4]), y: labels(3), loss: ce, auto: true,
  },
  "MultiheadAttention with dropout (compile: true)": {
    make: (dtype) => new Head(new MultiheadAttention(4, 2, { dropout: 0.3, batchFirst: true, rng: rng(3), dtype }), new Linear(4, 3, { rng: rng(4), dtype }),
      (b, x) => (b as MultiheadAttention).forward(x, x, x)[0].mean({ axis: 1 })),
    x: normal([M, 3, 4]), y: labels(3), loss: ce, auto: false,
  },
  "RNN (compile: true)": {
    make: (dtype) => new Head(new RNN(4, 5, { numLayers: 2, batchFirst: true, rng: rng(3), dtype }), new Linear(5, 3, { rng: rng(4), dtype }),
      (b, x) => (b as RNN).forward(x)[1].mean({ axis: 0 })),
    x: normal([M, 3, 4]), y: labels(3), loss: ce, auto: false,
  },
  "GRU with dropout between layers (compile: true)": {
    make: (dtype) => new Head(new GRU(4, 5, { numLayers: 2, dropout: 0.3, batchFirst: true, rng: rng(3), dtype }), new Linear(5, 3, { rng: rng(4), dtype }),
      (b, x) => (b as GRU).forward(x)[0].mean({ axis: 1 })),
    x: normal([M, 3, 4]), y: labels(3), loss: ce, auto: false,
  },
  "LSTM, bidirectional (compile: true)": {
    make: (dtype) => new Head(new LSTM(4, 5, { bidirectional: true, batchFirst: true, rng: rng(3), dtype }), new Linear(10, 3, { rng: rng(4), dtype }),
      (b, x) => (b as LSTM).forward(x)[0].mean({ axis: 1 })),
    x: normal([M, 3, 4]), y: labels(3), loss: ce, auto: false,
  },
  "RNNCell, GRUCell, LSTMCell (compile: true)": {
    make: (dtype) => new Head(
      new ModuleDict<Module>({ r: new RNNCell(4, 5, { rng: rng(3), dtype }), g: new GRUCell(5, 5, { rng: rng(5), dtype }), l: new ModuleList([new LSTMCell(5, 5, { rng: rng(7), dtype })]) }),
      new Linear(5, 3, { rng: rng(4), dtype }), (b, x) => {
        const d = b as ModuleDict<Module>;
        const cell = [...(d.get("l") as ModuleList<LSTMCell>)][0]!;
        return cell.forward((d.get("g") as GRUCell).forward((d.get("r") as RNNCell).forward(x)))[0];
      }),
    x: normal([M, 4]), y: labels(3), loss: ce, auto: false,
  },
};

describe.each(["float32", "float64"] as const)("a compiled fit equals an eager fit (%s)", (dtype) => {
  it.each(Object.keys(cases))("%s", (name) => expectSame(cases[name]!, dtype));
});

