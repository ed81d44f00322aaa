// The comparison's workloads, built from seeded inputs: each builder draws its data with Strata's
// rng(seed), builds Strata's side of the workload, and hands the same numbers (and, for networks,
// Strata's initial weights) to the peers as plain Float32Arrays. Sizes are parameters so that the
// correctness test can build the same workloads small.
import { compile, crossEntropy, type Variable } from "@strata/autograd";
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, binaryCrossEntropy, deepNetwork, fit, softmaxCrossEntropy, type Module } from "@strata/nn";
import { Adam, SGD } from "@strata/optim";
import { Tensor, makeResident, matmul, rand, randint, randn, relu, rng, tensor } from "@strata/tensor";
import type { ConvNetSpec, LayerWeights, MulAddSpec, NetworkSpec, Prepared, ProductSpec } from "./peers/types.js";

/** A workload's Strata side and the inputs the peers get. */
export interface Built<T, S> {
  strata: Prepared<T>;
  spec: S;
}

/** A float32 copy of a tensor's values in row-major order. */
export function float32Of(t: Tensor): Float32Array {
  return Float32Array.from(t.toTypedArray());
}

/** A·B with A (n, k) and B (k, p), randn entries. */
export function productWorkload(n: number, k: number, p: number, seed: number): Built<Tensor, ProductSpec> {
  const r = rng(seed);
  const a = randn([n, k], { rng: r });
  const b = randn([k, p], { rng: r });
  return {
    strata: { run: () => matmul(a, b), dispose: () => {} },
    spec: { a: float32Of(a), aShape: [n, k], b: float32Of(b), bShape: [k, p], transposeA: false },
  };
}

/** Aᵀ·B with A stored (k, n) row-major and B (k, p): Strata multiplies the transposed view a.T,
 * the peers pass their transpose flag or op. */
export function transposedProductWorkload(n: number, k: number, p: number, seed: number): Built<Tensor, ProductSpec> {
  const r = rng(seed);
  const a = randn([k, n], { rng: r });
  const b = randn([k, p], { rng: r });
  return {
    strata: { run: () => matmul(a.T, b), dispose: () => {} },
    spec: { a: float32Of(a), aShape: [k, n], b: float32Of(b), bShape: [k, p], transposeA: true },
  };
}

/** The initial parameters of a Strata network as plain arrays, for the peers to start from. */
function initialParameters(parameters: { data: Tensor }[]): { weights: Float32Array[]; biases: Float32Array[] } {
  const values = parameters.map((p) => float32Of(p.data));
  return { weights: values.filter((_, i) => i % 2 === 0), biases: values.filter((_, i) => i % 2 === 1) };
}

/** How Strata runs a training step: op by op ("eager"), or recorded once and replayed ("compiled", `compile`). */
export type StepMode = "eager" | "compiled";

/** One SGD step of `model` on the loss `lossOf(output)`; returns the loss before the step. */
function sgdStep(model: Module & { forward(x: Tensor): Variable }, lr: number, X: Tensor, lossOf: (output: Variable) => Variable, mode: StepMode): () => number {
  const opt = new SGD(model.parameters(), { lr });
  const step = (x: Tensor): Variable => {
    opt.zeroGrad();
    const loss = lossOf(model.forward(x));
    loss.backward();
    opt.step();
    return loss;
  };
  if (mode === "eager") return () => step(X).item();
  const compiled = compile(step, { onRefusal: "error" });
  return () => compiled(X).item();
}

/** One SGD step of `deepNetwork(layerDims, {output: "identity"})` with softmax cross-entropy:
 * X (n0, m) randn, integer labels, lr 0.01 (the MLP of bench/src/nn.ts). */
export function mlpWorkload(layerDims: number[], m: number, seed: number, mode: StepMode = "eager"): Built<number, NetworkSpec> {
  const r = rng(seed);
  const X = randn([layerDims[0]!, m], { rng: r });
  const labels = randint(0, layerDims.at(-1)!, [m], { rng: r });
  const model = deepNetwork(layerDims, { output: "identity", rng: r });
  const spec: NetworkSpec = {
    layerDims, ...initialParameters(model.parameters()), X: float32Of(X), m,
    head: { kind: "softmax", classes: Int32Array.from(labels.toTypedArray()) }, lr: 0.01,
  };
  const run = sgdStep(model, spec.lr, X, (logits) => softmaxCrossEntropy(logits, labels), mode);
  return { strata: { run, dispose: () => {} }, spec };
}

/** One full-batch SGD step (lr 0.0075) of the course network `deepNetwork(layerDims)` (ReLU
 * hidden layers, sigmoid output) with binary cross-entropy: X (n0, m) uniform in [0, 1), 0/1 labels. */
export function courseWorkload(layerDims: number[], m: number, seed: number, mode: StepMode = "eager"): Built<number, NetworkSpec> {
  const r = rng(seed);
  const X = rand([layerDims[0]!, m], { rng: r });
  const Y = rand([1, m], { rng: r }).gt(0.5).cast("float32");
  const model = deepNetwork(layerDims, { rng: r });
  const spec: NetworkSpec = {
    layerDims, ...initialParameters(model.parameters()), X: float32Of(X), m,
    head: { kind: "sigmoid", labels: float32Of(Y) }, lr: 0.0075,
  };
  const run = sgdStep(model, spec.lr, X, (AL) => binaryCrossEntropy(AL, Y), mode);
  return { strata: { run, dispose: () => {} }, spec };
}

/** relu over n randn elements. */
export function reluWorkload(n: number, seed: number): Built<Tensor, Float32Array> {
  const x = randn([n], { rng: rng(seed) });
  return { strata: { run: () => relu(x), dispose: () => {} }, spec: float32Of(x) };
}

/** a·b + c as Strata's users write it. */
export const mulAdd = (a: Tensor, b: Tensor, c: Tensor): Tensor => a.mul(b).add(c);

/** a·b + c over n elements each (a, b, c randn): Strata's eager ops. */
export function mulAddWorkload(n: number, seed: number): Built<Tensor, MulAddSpec> {
  const r = rng(seed);
  const [a, b, c] = [randn([n], { rng: r }), randn([n], { rng: r }), randn([n], { rng: r })];
  return { strata: { run: () => mulAdd(a, b, c), dispose: () => {} }, spec: { a: float32Of(a), b: float32Of(b), c: float32Of(c) } };
}

/**
 * `op` through `compile(op, { reuseResults: true, onRefusal: "error" })` on float32 copies of
 * `inputs`, moved into the kernels' memory once here (makeResident), the way jax-js's jit holds
 * its inputs in its own memory: each run replays the op's kernel on them in place and returns
 * the recording's own result, allocating and copying nothing.
 */
export function compiledElementwise(op: (...xs: Tensor[]) => Tensor, inputs: Float32Array[]): Prepared<Tensor> {
  const held = inputs.map((values) => {
    const t = new Tensor(Float32Array.from(values), [values.length]);
    makeResident(t);
    return t;
  });
  const compiled = compile(op, { reuseResults: true, onRefusal: "error" });
  return { run: () => compiled(...held), dispose: () => {} };
}

/**
 * One training epoch with examples/mnist/run.ts's setup (deepNetwork 784-256-128-10 from rng(0),
 * ReLU, softmax cross-entropy, Adam lr 0.001, batch 128, shuffled by rng(1), accuracy metric) on
 * `examples` random MNIST-shaped examples: pixels uniform in [0, 1), labels uniform in 0..9. Only
 * the training pass is timed (no validation, no cosine schedule: it changes the rate between
 * epochs, not the cost of one). Returns the fit call itself, to be timed by the caller.
 */
export function mnistEpochWorkload(examples: number, seed: number): Prepared<void> {
  const r = rng(seed);
  const x = rand([784, examples], { rng: r });
  const y = randint(0, 10, [examples], { rng: r });
  const model = deepNetwork([784, 256, 128, 10], { hidden: "relu", output: "identity", rng: rng(0) });
  const optimizer = new Adam(model.parameters(), { lr: 0.001 });
  const run = (): void => {
    fit(model, { x, y, loss: softmaxCrossEntropy, optimizer, epochs: 1, batchSize: 128, rng: rng(1), metrics: ["accuracy"], verbose: false });
  };
  return { run, dispose: () => {} };
}

/** Weights drawn as PyTorch's default initialisation of Conv2d and Linear draws them: weight and
 * bias uniform in ±1/√fanIn (kaiming_uniform with a = √5 gives that bound). */
function defaultInit(weightShape: number[], r: ReturnType<typeof rng>): LayerWeights {
  const fanIn = weightShape.slice(1).reduce((a, b) => a * b, 1);
  const bound = 1 / Math.sqrt(fanIn);
  const uniform = (shape: number[]): Float32Array => float32Of(rand(shape, { rng: r }).mul(2 * bound).sub(bound));
  return { weight: uniform(weightShape), weightShape, bias: uniform([weightShape[0]!]) };
}

/** The LeNet-like net's workload for the peers: n MNIST-shaped images (pixels uniform in [0, 1)),
 * labels uniform in 0..9, PyTorch-style initial weights, SGD lr 0.05. */
export function convNetSpec(n: number, seed: number): ConvNetSpec {
  const r = rng(seed);
  return {
    n, X: float32Of(rand([n, 1, 28, 28], { rng: r })), labels: Int32Array.from(randint(0, 10, [n], { rng: r }).toTypedArray()),
    conv1: defaultInit([8, 1, 5, 5], r), conv2: defaultInit([16, 8, 5, 5], r), fc: defaultInit([10, 256], r), lr: 0.05,
  };
}

/** One SGD step of the LeNet-like net in Strata, built from @strata/nn's layers as a PyTorch user
 * would write it, its initial weights loaded as a PyTorch state dict (keys "0.weight", "0.bias",
 * "3.weight", …); returns the loss before the step. */
export function lenetWorkload(spec: ConvNetSpec, mode: StepMode = "eager"): Prepared<number> {
  const model = new Sequential(
    new Conv2d(1, 8, 5), new ReLU(), new MaxPool2d(2),
    new Conv2d(8, 16, 5), new ReLU(), new MaxPool2d(2),
    new Flatten(), new Linear(256, 10),
  );
  const state = (layer: LayerWeights) => [tensor(layer.weight, { shape: layer.weightShape }), tensor(layer.bias, { shape: [layer.weightShape[0]!] })] as const;
  const [[w1, b1], [w2, b2], [wfc, bfc]] = [state(spec.conv1), state(spec.conv2), state(spec.fc)];
  model.loadStateDict({ "0.weight": w1, "0.bias": b1, "3.weight": w2, "3.bias": b2, "7.weight": wfc, "7.bias": bfc });
  const X = tensor(spec.X, { shape: [spec.n, 1, 28, 28] });
  const labels = tensor(spec.labels, { shape: [spec.n], dtype: "int32" });
  const run = sgdStep(model, spec.lr, X, (logits) => crossEntropy(logits, labels), mode);
  return { run, dispose: () => {} };
}
