// The training loop: mini-batches, optimiser steps, validation, metrics, callbacks and progress.
import { noGrad, type Variable } from "@strata/autograd";
import { Rng, ShapeError, Tensor, ValueError, formatShape } from "@strata/tensor";
import { batches } from "./data.js";
import type { Module, StateDict } from "./module.js";
import { reporter, type ProgressStream } from "./progress.js";
import { show } from "./checks.js";

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
}

/**
 * A metric fit can compute besides the loss. `"accuracy"` is the fraction of the m examples
 * predicted right: with one output row, `AL ≥ 0.5` against `Y ≥ 0.5`; with k > 1 rows, the row of
 * the largest value in each column against the class label (or the one-hot row).
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
 * Options of {@link fit}: the data in the column layout (x (n_x, m), y (k, m) or (m)), the loss
 * and the optimiser, how many epochs of mini-batches of which size, and what to measure, call and
 * print on the way.
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
  /** Inputs `(n_x, m)`, one column per example. */
  x: Tensor;
  /** Labels `(k, m)` or `(m)`, one per column of x. */
  y: Tensor;
  /** `(prediction, labels) => scalar Variable`, e.g. `binaryCrossEntropy` or `softmaxCrossEntropy`. */
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
  /** `false` prints nothing; `true` or `"auto"` (default) a bar on a TTY, plain lines otherwise. */
  verbose?: boolean | "auto";
  /** Where progress goes (default `process.stdout`). */
  output?: ProgressStream;
}

/**
 * What {@link fit} returns: one value per epoch run of the training loss and of each metric and
 * validation value asked for (the arrays of the others are absent), the number of epochs run, and
 * whether a callback stopped training.
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
 * console.log(Object.keys(history)); // ["loss", "epochs", "stopped", "valLoss"]
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
}

function checkCount(name: string, v: unknown): void {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw new ValueError(`fit: ${name} must be an integer >= 1, got ${show(v)}`);
}

function checkData(what: string, x: unknown, y: unknown): number {
  if (!(x instanceof Tensor)) throw new ValueError(`fit: ${what}x must be a Tensor, got ${show(x)}`);
  if (!(y instanceof Tensor)) throw new ValueError(`fit: ${what}y must be a Tensor, got ${show(y)}`);
  if (x.ndim !== 2 || x.shape[1]! < 1) throw new ShapeError(`fit: expected ${what}x of shape (n_x, m) with m >= 1 columns (one per example), got ${formatShape(x.shape)}`);
  const m = x.shape[1]!;
  const my = y.ndim === 1 || y.ndim === 2 ? y.shape[y.ndim - 1] : undefined;
  if (my !== m) {
    throw new ShapeError(`fit: ${what}x ${formatShape(x.shape)} has ${m} examples (columns) but ${what}y ${formatShape(y.shape)} ${my === undefined ? "is not 1-D or 2-D" : `has ${my}`}; expected ${what}y of shape (k, ${m}) or (${m})`);
  }
  return m;
}

/**
 * Correct predictions of `p (k, m)` against labels `y`: with k = 1, `p >= 0.5` against `y >= 0.5`
 * (0/1 labels); with k > 1, the row of p's largest value in each column against the class in `y`
 * (int labels `(m)` or `(1, m)`) or the row of y's largest value (one-hot `(k, m)`). @internal
 */
export function countCorrect(p: Tensor, y: Tensor): number {
  if (p.ndim !== 2) throw new ShapeError(`fit: accuracy needs predictions of shape (k, m), got ${formatShape(p.shape)}`);
  const [k, m] = p.shape as [number, number];
  const pv = p.toTypedArray() as ArrayLike<number>;
  const yv = (y.dtype === "bool" ? y.cast("int32") : y).toTypedArray() as ArrayLike<number>;
  const argmaxCol = (v: ArrayLike<number>, rows: number, j: number): number => {
    let best = 0;
    for (let i = 1; i < rows; i++) if (v[i * m + j]! > v[best * m + j]!) best = i;
    return best;
  };
  let correct = 0;
  if (k === 1) {
    if (y.size !== m) throw new ShapeError(`fit: accuracy with one output row needs labels of shape (1, ${m}) or (${m}), got ${formatShape(y.shape)}`);
    for (let j = 0; j < m; j++) if ((pv[j]! >= 0.5) === (yv[j]! >= 0.5)) correct++;
    return correct;
  }
  const oneHot = y.ndim === 2 && y.shape[0] === k;
  if (!oneHot && y.size !== m) {
    throw new ShapeError(`fit: accuracy with ${k} output rows needs class labels of shape (${m}) or (1, ${m}), or one-hot (${k}, ${m}), got ${formatShape(y.shape)}`);
  }
  for (let j = 0; j < m; j++) if (argmaxCol(pv, k, j) === (oneHot ? argmaxCol(yv, k, j) : yv[j])) correct++;
  return correct;
}

/**
 * Trains `model` on the columns (examples) of `x` and `y`. Each epoch sets `model.train()` and, for
 * each mini-batch `(bx, by)` of {@link batches} (shuffled with `rng` unless `shuffle` is false),
 * runs `optimizer.zeroGrad(); l = loss(model.forward(bx), by); l.backward(); optimizer.step()`.
 * The epoch's loss is the mean of the batch losses weighted by batch size (so with
 * `batchSize = m` it is the loss before that epoch's step); training accuracy, with
 * `metrics: ["accuracy"]`, is counted on the same outputs. With `validation`, the model is then
 * evaluated under `noGrad` in `eval()` mode (train mode is restored) on the whole validation set.
 * Accuracy: one output row is thresholded at 0.5 against 0/1 labels (pass probabilities, not
 * logits); k > 1 rows are compared by argmax with int labels `(m)`/`(1, m)` or one-hot `(k, m)`.
 * After each epoch every callback's `onEpochEnd(epoch, logs, model)` runs (epochs count from 1);
 * any returning `"stop"` ends training (`history.stopped`). Progress goes to `output`
 * (`process.stdout`): a cli-progress bar per epoch on a TTY, else one line per epoch such as
 * `epoch 3/10  loss 0.1234  acc 95.10%  val_loss 0.2000  val_acc 90.00%  1234 ex/s  2.1s` (and a
 * line at most every 10 s within a long epoch); `verbose: false` prints nothing.
 *
 * @throws ValueError when epochs or batchSize is not an integer ≥ 1, x or y is not a Tensor, loss is
 *   not a function, the optimiser lacks step/zeroGrad, a metric is unknown, or a batch's loss is not
 *   finite (`fit: loss became NaN at epoch 2, batch 7`; that batch's step is not taken).
 * @throws ShapeError when x is not `(n_x, m)` or y's (or the validation set's) example count differs.
 * @example
 * ```ts
 * import { binaryCrossEntropy, deepNetwork, fit } from "@strata/nn";
 * import { SGD } from "@strata/optim";
 * import { rng, tensor } from "@strata/tensor";
 * const x = tensor([[0, 1, 2, 3, 4, 5, 6, 7]], { dtype: "float64" }); // 8 examples, 1 feature
 * const y = tensor([[0, 0, 0, 0, 1, 1, 1, 1]], { dtype: "float64" });
 * const model = deepNetwork([1, 1], { output: "sigmoid", rng: rng(0), dtype: "float64" });
 * const history = fit(model, {
 *   x, y, loss: binaryCrossEntropy, optimizer: new SGD(model.parameters(), { lr: 0.5 }),
 *   epochs: 200, batchSize: 4, rng: rng(1), metrics: ["accuracy"], verbose: false,
 * });
 * console.log(history.epochs, history.loss.length, history.stopped); // 200 200 false
 * console.log(history.loss[199]! < history.loss[0]!, history.accuracy![199]); // true 1
 * ```
 */
export function fit(model: Module, options: FitOptions): History {
  if (model === null || typeof model !== "object" || typeof (model as Module).forward !== "function") {
    throw new ValueError(`fit: model must be a Module with forward(), got ${show(model)}`);
  }
  if (options === null || typeof options !== "object") throw new ValueError(`fit: options must be an object { x, y, loss, optimizer, epochs, batchSize }, got ${show(options)}`);
  const { x, y, loss, optimizer, epochs, batchSize, shuffle = true, rng, validation, metrics = [], callbacks = [], verbose = "auto" } = options;
  checkCount("epochs", epochs);
  checkCount("batchSize", batchSize);
  const m = checkData("", x, y);
  if (typeof loss !== "function") throw new ValueError(`fit: loss must be a function (prediction, labels) => scalar Variable, got ${show(loss)}`);
  if (optimizer === null || typeof optimizer !== "object" || typeof optimizer.step !== "function" || typeof optimizer.zeroGrad !== "function") {
    throw new ValueError(`fit: optimizer must have step() and zeroGrad() (e.g. new SGD(model.parameters(), { lr })), got ${show(optimizer)}`);
  }
  if (rng !== undefined && !(rng instanceof Rng)) throw new ValueError(`fit: rng must be an Rng from rng(seed), got ${show(rng)}`);
  if (!Array.isArray(metrics) || metrics.some((k) => k !== "accuracy")) throw new ValueError(`fit: metrics must be a list of "accuracy", got ${show(metrics)}`);
  if (validation !== undefined) {
    if (validation === null || typeof validation !== "object") throw new ValueError(`fit: validation must be { x, y }, got ${show(validation)}`);
    checkData("validation.", validation.x, validation.y);
  }
  if (!Array.isArray(callbacks)) throw new ValueError(`fit: callbacks must be an array, got ${show(callbacks)}`);
  if (verbose !== true && verbose !== false && verbose !== "auto") throw new ValueError(`fit: verbose must be true, false or "auto", got ${show(verbose)}`);
  const output = options.output ?? process.stdout;
  if (verbose !== false && (output === null || typeof output !== "object" || typeof output.write !== "function")) {
    throw new ValueError(`fit: output must be a writable stream, got ${show(output)}`);
  }

  const withAccuracy = metrics.includes("accuracy");
  const history: History = { loss: [], epochs: 0, stopped: false };
  if (withAccuracy) history.accuracy = [];
  if (validation) history.valLoss = [];
  if (validation && withAccuracy) history.valAccuracy = [];

  const clock = (): number => Date.now();
  const report = reporter(verbose, output, epochs, clock);
  for (const c of callbacks) c.onTrainBegin?.(model);
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const start = clock();
      model.train();
      report.epochStart(epoch, m);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let batch = 0;
      for (const { x: bx, y: by } of batches(x, y, batchSize, { shuffle, ...(rng && { rng }) })) {
        batch++;
        optimizer.zeroGrad();
        const out = model.forward(bx);
        const l = loss(out, by);
        const value = l.item();
        if (!Number.isFinite(value)) throw new ValueError(`fit: loss became ${value} at epoch ${epoch}, batch ${batch}`);
        l.backward();
        optimizer.step();
        const b = bx.shape[1]!;
        lossSum += value * b;
        if (withAccuracy) correct += countCorrect(out.data, by);
        seen += b;
        report.batch(seen, lossSum / seen, withAccuracy ? correct / seen : undefined, clock());
      }
      const trainEnd = clock();
      const logs: EpochLogs = { loss: lossSum / m };
      if (withAccuracy) logs.accuracy = correct / m;
      if (validation) {
        model.eval();
        try {
          noGrad(() => {
            const out = model.forward(validation.x);
            logs.valLoss = loss(out, validation.y).item();
            if (withAccuracy) logs.valAccuracy = countCorrect(out.data, validation.y) / validation.x.shape[1]!;
          });
        } finally {
          model.train();
        }
      }
      history.loss.push(logs.loss);
      if (logs.accuracy !== undefined) history.accuracy!.push(logs.accuracy);
      if (logs.valLoss !== undefined) history.valLoss!.push(logs.valLoss);
      if (logs.valAccuracy !== undefined) history.valAccuracy!.push(logs.valAccuracy);
      history.epochs = epoch;
      const end = clock();
      report.epochEnd({ ...logs, examplesPerSecond: m / Math.max((trainEnd - start) / 1000, 1e-3), seconds: (end - start) / 1000 });
      let stop = false;
      for (const c of callbacks) if (c.onEpochEnd?.(epoch, { ...logs }, model) === "stop") stop = true;
      if (stop) {
        history.stopped = true;
        break;
      }
    }
  } finally {
    report.close();
  }
  for (const c of callbacks) c.onTrainEnd?.(model, history);
  return history;
}

/**
 * Options of {@link earlyStopping}: which {@link EpochLogs} value to watch, for how many epochs
 * without an improvement greater than `minDelta`, and whether to restore the best weights.
 *
 * @example
 * ```ts
 * import { deepNetwork, earlyStopping, fit, mse, type EarlyStoppingOptions } from "@strata/nn";
 * import { SGD } from "@strata/optim";
 * import { rng, tensor } from "@strata/tensor";
 * const x = tensor([[0, 1, 2, 3, 4, 5]], { dtype: "float64" });
 * const model = deepNetwork([1, 1], { output: "identity", rng: rng(0), dtype: "float64" });
 * // the loss keeps falling, but by less than 0.05 per epoch from epoch 15 on
 * const options: EarlyStoppingOptions = { monitor: "loss", patience: 2, minDelta: 0.05, restoreBest: true };
 * const stopper = earlyStopping(options);
 * const history = fit(model, {
 *   x, y: x, loss: mse, optimizer: new SGD(model.parameters(), { lr: 0.01 }),
 *   epochs: 50, batchSize: 6, callbacks: [stopper], verbose: false,
 * });
 * console.log(history.epochs, stopper.bestEpoch, stopper.stoppedEpoch); // 16 14 16
 * ```
 */
export interface EarlyStoppingOptions {
  /** The value watched: `"valLoss"` (default), `"loss"` (lower is better), `"valAccuracy"`, `"accuracy"` (higher is better). */
  monitor?: keyof EpochLogs;
  /** Epochs without improvement before stopping, an integer ≥ 1 (default 5). */
  patience?: number;
  /** The smallest change that counts as an improvement, ≥ 0 (default 0). */
  minDelta?: number;
  /** On stopping, load the best epoch's weights back into the model (default true). */
  restoreBest?: boolean;
}

/**
 * A callback that stops {@link fit} when `monitor` has not improved on its best value by more than
 * `minDelta` for `patience` epochs in a row, and then (with `restoreBest`) loads the weights of
 * the best epoch back with `model.loadStateDict`. The best value and weights are reset at the
 * start of each fit. The epoch it stopped after and the best epoch are in `stoppedEpoch` and
 * `bestEpoch` (1-based; 0 before any).
 *
 * @throws ValueError for an unknown monitor or a bad patience/minDelta; after fit's first epoch when
 *   the monitored value is not logged (e.g. `"valLoss"` without `validation`).
 * @example
 * ```ts
 * import { deepNetwork, earlyStopping, fit, mse } from "@strata/nn";
 * import { SGD } from "@strata/optim";
 * import { rng, tensor } from "@strata/tensor";
 * const x = tensor([[0, 1, 2, 3]], { dtype: "float64" });
 * const model = deepNetwork([1, 1], { output: "identity", rng: rng(0), dtype: "float64" });
 * const stopper = earlyStopping({ monitor: "loss", patience: 2 });
 * const history = fit(model, {
 *   x, y: x, loss: mse, optimizer: new SGD(model.parameters(), { lr: 0 }), // lr 0: a plateau
 *   epochs: 10, batchSize: 4, callbacks: [stopper], verbose: false,
 * });
 * console.log(history.epochs, history.stopped, stopper.bestEpoch); // 3 true 1
 * ```
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): Callback & { readonly bestEpoch: number; readonly stoppedEpoch: number } {
  const { monitor = "valLoss", patience = 5, minDelta = 0, restoreBest = true } = options;
  const monitors = ["loss", "accuracy", "valLoss", "valAccuracy"];
  if (!monitors.includes(monitor)) throw new ValueError(`earlyStopping: monitor must be one of ${monitors.map((s) => `"${s}"`).join(", ")}, got ${show(monitor)}`);
  if (typeof patience !== "number" || !Number.isInteger(patience) || patience < 1) throw new ValueError(`earlyStopping: patience must be an integer >= 1, got ${show(patience)}`);
  if (typeof minDelta !== "number" || !(minDelta >= 0) || !Number.isFinite(minDelta)) throw new ValueError(`earlyStopping: minDelta must be a finite number >= 0, got ${show(minDelta)}`);
  const higherIsBetter = monitor === "accuracy" || monitor === "valAccuracy";
  let best = Infinity;
  let wait = 0;
  let weights: StateDict | null = null;
  const state = { bestEpoch: 0, stoppedEpoch: 0 };
  return {
    get bestEpoch() { return state.bestEpoch; },
    get stoppedEpoch() { return state.stoppedEpoch; },
    onTrainBegin() {
      best = Infinity;
      wait = 0;
      weights = null;
      state.bestEpoch = state.stoppedEpoch = 0;
    },
    onEpochEnd(epoch, logs, model) {
      const raw = logs[monitor];
      if (raw === undefined) {
        throw new ValueError(`earlyStopping: monitor "${monitor}" is not in fit's logs (${Object.keys(logs).join(", ")}); ${monitor.startsWith("val") ? "pass validation to fit" : 'pass metrics: ["accuracy"] to fit'} or monitor another value`);
      }
      const value = higherIsBetter ? -raw : raw;
      if (value < best - minDelta) {
        best = value;
        wait = 0;
        state.bestEpoch = epoch;
        if (restoreBest) weights = model.stateDict();
        return;
      }
      if (++wait < patience) return;
      state.stoppedEpoch = epoch;
      if (restoreBest && weights) model.loadStateDict(weights);
      return "stop";
    },
  };
}
