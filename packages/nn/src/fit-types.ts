// What fit takes and gives: its options, the optimiser and metrics it accepts, the values it hands
// to callbacks and to onProgress, and the history it returns.
import type { CompileStatus, Variable } from "@strata/autograd";
import type { Rng, Tensor } from "@strata/tensor";
import type { Module } from "./module.js";
import type { DataLayout } from "./data-layout.js";
import type { ProgressStream } from "./progress-format.js";

/**
 * What fit needs of an optimiser (an `@strata/optim` optimiser built on the model's parameters):
 * `zeroGrad()` before each mini-batch's backward and `step()` after it, so ⌈m / batchSize⌉ steps
 * per epoch.
 *
 * @example
 * ```ts
 * import { binaryCrossEntropy, deepNetwork, fit, type FitOptimizer } from "@strata/nn";
 * import { SGD } from "@strata/optim";
 * import { rng, tensor } from "@strata/tensor";
 * const model = deepNetwork([1, 1], { rng: rng(0), dtype: "float64" });
 * const sgd = new SGD(model.parameters(), { lr: 0.1 });
 * let steps = 0;
 * const optimizer: FitOptimizer = { step: () => { steps++; sgd.step(); }, zeroGrad: () => sgd.zeroGrad() };
 * const x = tensor([[0, 1, 2, 3, 4]], { dtype: "float64" }); // m = 5
 * const y = tensor([[0, 0, 1, 1, 1]], { dtype: "float64" });
 * fit(model, { x, y, loss: binaryCrossEntropy, optimizer, epochs: 2, batchSize: 2, verbose: false });
 * // ⌈5 / 2⌉ = 3 steps per epoch
 * console.log(steps); // 6
 * ```
 */
export interface FitOptimizer {
  step(): void;
  zeroGrad(): void;
  /**
   * True when `step()` does all its work through Strata's ops and kernels, reading its state when
   * the work runs, so that a compiled training step may replay it (see {@link FitOptions.compile}).
   * Absent or false, fit runs every step eagerly.
   */
  readonly compilable?: boolean;
}

/**
 * A metric fit can compute besides the loss. `"accuracy"` is the fraction of the m examples
 * predicted right, as {@link accuracy} counts it: with one output per example, `AL ≥ 0.5`
 * against `Y ≥ 0.5`; with k > 1 outputs, the class of the largest one against the class label
 * (or the one-hot label's largest entry), in fit's layout.
 *
 * @example
 * ```ts
 * import { binaryCrossEntropy, deepNetwork, fit, type FitMetric } from "@strata/nn";
 * import { SGD } from "@strata/optim";
 * import { rng, tensor } from "@strata/tensor";
 * const x = tensor([[0, 1, 2, 3, 4, 5]], { dtype: "float64" });
 * const y = tensor([[0, 0, 0, 1, 1, 1]], { dtype: "float64" });
 * const model = deepNetwork([1, 1], { rng: rng(0), dtype: "float64" });
 * const metrics: FitMetric[] = ["accuracy"];
 * const history = fit(model, {
 *   x, y, loss: binaryCrossEntropy, optimizer: new SGD(model.parameters(), { lr: 0.5 }),
 *   epochs: 20, batchSize: 3, rng: rng(1), metrics, validation: { x, y }, verbose: false,
 * });
 * console.log(history.accuracy!.length, history.valAccuracy![19]); // 20 1
 * ```
 */
export type FitMetric = "accuracy";

/**
 * The values of one epoch, given to each callback's `onEpochEnd`: the mean training loss and,
 * when asked for, the training accuracy and the validation loss and accuracy. Only the values
 * fit computed are present.
 *
 * @example
 * ```ts
 * import { binaryCrossEntropy, deepNetwork, fit, type EpochLogs } from "@strata/nn";
 * import { SGD } from "@strata/optim";
 * import { rng, tensor } from "@strata/tensor";
 * const x = tensor([[0, 1, 2, 3]], { dtype: "float64" });
 * const y = tensor([[0, 0, 1, 1]], { dtype: "float64" });
 * const model = deepNetwork([1, 1], { rng: rng(0), dtype: "float64" });
 * const seen: EpochLogs[] = [];
 * fit(model, {
 *   x, y, loss: binaryCrossEntropy, optimizer: new SGD(model.parameters(), { lr: 0.1 }), epochs: 2, batchSize: 4,
 *   metrics: ["accuracy"], validation: { x, y }, callbacks: [{ onEpochEnd: (_epoch, logs) => void seen.push(logs) }], verbose: false,
 * });
 * console.log(seen.length, Object.keys(seen[0]!)); // 2 ["loss", "accuracy", "valLoss", "valAccuracy"]
 * ```
 */
export interface EpochLogs {
  /** Mean training loss over the epoch's examples (each batch's loss weighted by its size). */
  loss: number;
  /** Training accuracy over the epoch (from each batch's output before its step), with `metrics: ["accuracy"]`. */
  accuracy?: number;
  /** Loss on the validation set after the epoch, with `validation`. */
  valLoss?: number;
  /** Accuracy on the validation set after the epoch, with `validation` and `metrics: ["accuracy"]`. */
  valAccuracy?: number;
}

/**
 * Hooks fit calls: `onTrainBegin` once, `onEpochEnd` after every epoch (`epoch` is 1-based;
 * returning `"stop"` ends training), `onTrainEnd` once with the history. All are optional.
 *
 * @example
 * ```ts
 * import { binaryCrossEntropy, deepNetwork, fit, type Callback } from "@strata/nn";
 * import { SGD } from "@strata/optim";
 * import { rng, tensor } from "@strata/tensor";
 * const x = tensor([[0, 1, 2, 3]], { dtype: "float64" });
 * const y = tensor([[0, 0, 1, 1]], { dtype: "float64" });
 * const model = deepNetwork([1, 1], { rng: rng(0), dtype: "float64" });
 * const events: string[] = [];
 * const callback: Callback = {
 *   onTrainBegin: () => void events.push("begin"),
 *   onEpochEnd: (epoch) => {
 *     events.push(`epoch ${epoch}`);
 *     return epoch === 2 ? "stop" : undefined; // stop after the second epoch
 *   },
 *   onTrainEnd: (_model, history) => void events.push(`end after ${history.epochs}`),
 * };
 * const history = fit(model, {
 *   x, y, loss: binaryCrossEntropy, optimizer: new SGD(model.parameters(), { lr: 0.1 }),
 *   epochs: 10, batchSize: 4, callbacks: [callback], verbose: false,
 * });
 * console.log(events, history.stopped); // ["begin", "epoch 1", "epoch 2", "end after 2"] true
 * ```
 */
export interface Callback {
  /** Before the first epoch. */
  onTrainBegin?(model: Module): void;
  /** After each epoch's validation; returning `"stop"` ends training after this epoch. */
  onEpochEnd?(epoch: number, logs: EpochLogs, model: Module): void | "stop";
  /** After the last epoch (also after a stop). */
  onTrainEnd?(model: Module, history: History): void;
}

/**
 * Where training is, given to {@link FitOptions}' `onProgress` after every mini-batch (after its
 * optimiser step), in every runtime: for a page's progress bar, a log, or a chart of the loss.
 * `loss` and `accuracy` are running values over this epoch's batches so far (each batch weighted
 * by its size), so after an epoch's last batch they equal that epoch's `history.loss` and
 * `history.accuracy`.
 *
 * @example
 * ```ts
 * import { binaryCrossEntropy, deepNetwork, fit, type FitProgress } from "@strata/nn";
 * import { SGD } from "@strata/optim";
 * import { rng, tensor } from "@strata/tensor";
 * const x = tensor([[0, 1, 2, 3, 4]], { dtype: "float64" }); // m = 5
 * const y = tensor([[0, 0, 1, 1, 1]], { dtype: "float64" });
 * const model = deepNetwork([1, 1], { rng: rng(0), dtype: "float64" });
 * const seen: FitProgress[] = [];
 * const history = fit(model, {
 *   x, y, loss: binaryCrossEntropy, optimizer: new SGD(model.parameters(), { lr: 0.1 }),
 *   epochs: 2, batchSize: 2, shuffle: false, verbose: false, onProgress: (p) => void seen.push(p),
 * });
 * // ⌈5 / 2⌉ = 3 batches per epoch
 * console.log(seen.length, seen.map((p) => `${p.epoch}.${p.batch}/${p.batches}:${p.seen}/${p.examples}`).join(" ")); // 6 1.1/3:2/5 1.2/3:4/5 1.3/3:5/5 2.1/3:2/5 2.2/3:4/5 2.3/3:5/5
 * console.log(seen[5]!.loss === history.loss[1]); // true
 * ```
 */
export interface FitProgress {
  /** The epoch, from 1. */
  epoch: number;
  /** Epochs asked for. */
  epochs: number;
  /** The mini-batch just trained on, from 1 within the epoch. */
  batch: number;
  /** Mini-batches per epoch: ⌈m / batchSize⌉. */
  batches: number;
  /** Examples trained on in this epoch so far. */
  seen: number;
  /** Examples per epoch (m). */
  examples: number;
  /** Mean loss over this epoch's examples so far. */
  loss: number;
  /** Fraction of this epoch's examples so far predicted right, with `metrics: ["accuracy"]`. */
  accuracy?: number;
  /** Seconds since fit started. */
  elapsed: number;
}

/**
 * Options of {@link fit}: the data and their layout (by default columns, x (n_x, m) and y (k, m)
 * or (m); with `layout: "batchFirst"`, x (m, …) and y (m, …)), the loss and the optimiser, how
 * many epochs of mini-batches of which size, and what to measure, call and print on the way.
 *
 * @example
 * ```ts
 * import { binaryCrossEntropy, deepNetwork, fit, type FitOptions } from "@strata/nn";
 * import { SGD } from "@strata/optim";
 * import { rng, tensor } from "@strata/tensor";
 * const model = deepNetwork([1, 4, 1], { rng: rng(0), dtype: "float64" });
 * const options: FitOptions = {
 *   x: tensor([[0, 1, 2, 3, 4, 5]], { dtype: "float64" }), // (n_x, m) = (1, 6)
 *   y: tensor([[0, 0, 0, 1, 1, 1]], { dtype: "float64" }), // (1, 6)
 *   loss: binaryCrossEntropy,
 *   optimizer: new SGD(model.parameters(), { lr: 0.1 }),
 *   epochs: 5,
 *   batchSize: 3,
 *   rng: rng(1),
 *   validation: { x: tensor([[-1, 6]], { dtype: "float64" }), y: tensor([[0, 1]], { dtype: "float64" }) },
 *   metrics: ["accuracy"],
 *   verbose: false, // no progress output
 * };
 * const history = fit(model, options);
 * console.log(history.epochs, history.loss.length, history.valAccuracy!.length); // 5 5 5
 * ```
 */
export interface FitOptions {
  /** Inputs: `(n_x, m)`, one column per example; batch-first `(m, …)`, e.g. images `(m, C, H, W)`. */
  x: Tensor;
  /** Labels: `(k, m)` or `(m)`, one per column of x; batch-first `(m)` (int32 classes), `(m, K)` or `(m, …)`. */
  y: Tensor;
  /**
   * Where the examples lie in x, y and the validation set: `"columns"` (the default: the course's
   * layers, the building blocks, `softmaxCrossEntropy`) or `"batchFirst"` (PyTorch's layers and
   * `crossEntropy`); see {@link DataLayout}. The model's outputs are read in the same layout for
   * accuracy.
   */
  layout?: DataLayout;
  /** `(prediction, labels) => scalar Variable`, e.g. `binaryCrossEntropy`, `softmaxCrossEntropy`, or batch-first `crossEntropy` from `@strata/autograd`. */
  loss: (prediction: Variable, labels: Tensor) => Variable;
  /** Updates the model's parameters from their gradients: `{ step(), zeroGrad() }`. */
  optimizer: FitOptimizer;
  /** Passes over the training set, an integer ≥ 1. */
  epochs: number;
  /** Examples per mini-batch, an integer ≥ 1 (the last batch may be smaller; m gives batch gradient descent). */
  batchSize: number;
  /** Visit the examples in a fresh random order each epoch (default true). */
  shuffle?: boolean;
  /** The generator the shuffles are drawn from (default: the default stream). */
  rng?: Rng;
  /** A held-out set evaluated (in eval mode, without gradients) after every epoch. */
  validation?: { x: Tensor; y: Tensor };
  /** Extra metrics: `"accuracy"`. */
  metrics?: FitMetric[];
  callbacks?: Callback[];
  /**
   * `false` prints nothing. Under Node, `true` or `"auto"` (default) draw a bar on a TTY and plain
   * lines otherwise. Elsewhere (a browser) there is no bar: plain lines go to `output`, or without
   * one to `console.log` for `true`, and nowhere for `"auto"`.
   */
  verbose?: boolean | "auto";
  /** Where progress goes: anything with `write(text)` (default: `process.stdout` under Node; see `verbose` elsewhere). */
  output?: ProgressStream;
  /** Called after every mini-batch with where training is, in every runtime and whatever `verbose` says. */
  onProgress?: (progress: FitProgress) => void;
  /**
   * Compile the training step: the first mini-batch of each shape runs it and records its kernel
   * work, the others replay that work (`compile` in `@strata/autograd`): the same numbers,
   * without rebuilding the graph or allocating. A replay runs kernels, not JavaScript, so code
   * of yours in the step (a loss that logs, a forward that counts its calls) would run once.
   * - `"auto"` (default): compile when the model is made of built-in layers only (Sequential,
   *   Linear, Conv2d, … exactly, not subclasses), the loss is a built-in one
   *   (`binaryCrossEntropy`, `softmaxCrossEntropy`, `mse`, `crossEntropy`, `nllLoss`, …) and the
   *   optimiser declares `compilable: true` (`@strata/optim`'s do); otherwise run eagerly.
   * - `true`: compile whatever the model and loss are (their code must do all its work through
   *   Strata's ops and keep no JavaScript state that changes from call to call).
   * - `false`: run every step eagerly.
   * A step that cannot be replayed (a value read with `item()`, forward hooks, …) runs eagerly,
   * silently; `history.compile` says what happened.
   */
  compile?: boolean | "auto";
}

/**
 * What {@link fit} returns: one value per epoch run of the training loss and of each metric and
 * validation value asked for (the arrays of the others are absent), the number of epochs run,
 * whether a callback stopped training, and, when fit compiled the step, what `compile` did.
 *
 * @example
 * ```ts
 * import { deepNetwork, fit, mse, type History } from "@strata/nn";
 * import { SGD } from "@strata/optim";
 * import { rng, tensor } from "@strata/tensor";
 * const x = tensor([[0, 1, 2, 3]], { dtype: "float64" });
 * const model = deepNetwork([1, 1], { output: "identity", rng: rng(0), dtype: "float64" });
 * const history: History = fit(model, {
 *   x, y: x, loss: mse, optimizer: new SGD(model.parameters(), { lr: 0.01 }),
 *   epochs: 3, batchSize: 4, validation: { x, y: x }, verbose: false,
 * });
 * console.log(Object.keys(history)); // ["loss", "epochs", "stopped", "valLoss", "compile"]
 * console.log(history.epochs, history.valLoss!.length, history.loss[2]! < history.loss[0]!); // 3 3 true
 * ```
 */
export interface History {
  loss: number[];
  accuracy?: number[];
  valLoss?: number[];
  valAccuracy?: number[];
  /** Epochs run (fewer than asked when a callback stopped training). */
  epochs: number;
  /** True when a callback stopped training early. */
  stopped: boolean;
  /**
   * When fit compiled the step (see {@link FitOptions.compile}): how many batches recorded and
   * replayed, and why steps ran eagerly (`eager`, null when none did). Absent when fit did not try.
   */
  compile?: CompileStatus;
}
