// The training loop: mini-batches, optimiser steps, validation, metrics, callbacks and progress.
import { noGrad } from "@strata/autograd";
import { Rng, Tensor, ValueError } from "@strata/tensor";
import { batches } from "./data.js";
import { checkXY, exampleAxis, layoutOf, type DataLayout } from "./data-layout.js";
import { countCorrect } from "./metrics.js";
import type { EpochLogs, FitOptions, FitProgress, History } from "./fit-types.js";
import type { Module } from "./module.js";
import { reporter } from "./progress.js";
import { trainStep, type StepPosition } from "./fit-step.js";
import { show } from "./checks.js";

function checkCount(name: string, v: unknown): void {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw new ValueError(`fit: ${name} must be an integer >= 1, got ${show(v)}`);
}

/** The number of examples of x and y in `layout`; `what` prefixes their names ("validation."). */
function checkData(what: string, x: unknown, y: unknown, layout: DataLayout): number {
  if (!(x instanceof Tensor)) throw new ValueError(`fit: ${what}x must be a Tensor, got ${show(x)}`);
  if (!(y instanceof Tensor)) throw new ValueError(`fit: ${what}y must be a Tensor, got ${show(y)}`);
  return checkXY("fit", x, y, layout, `${what}x`, `${what}y`);
}

/**
 * Trains `model` on the examples of `x` and `y`: their columns in the default
 * `layout: "columns"` (x `(n_x, m)`, y `(k, m)` or `(m)`), their first-axis slices with
 * `layout: "batchFirst"` (x `(m, …)` of any rank, e.g. images `(m, 1, 28, 28)`; y `(m)` int32
 * classes for `crossEntropy`, or `(m, K)`, or `(m, …)`). Each epoch sets `model.train()` and, for
 * each mini-batch `(bx, by)` of {@link batches} (shuffled with `rng` unless `shuffle` is false),
 * runs `optimizer.zeroGrad(); l = loss(model.forward(bx), by); l.backward(); optimizer.step()`.
 * The epoch's loss is the mean of the batch losses weighted by batch size (so with
 * `batchSize = m` it is the loss before that epoch's step); training accuracy, with
 * `metrics: ["accuracy"]`, is counted on the same outputs. With `validation`, the model is then
 * evaluated under `noGrad` in `eval()` mode (train mode is restored) on the whole validation set.
 * Accuracy (see {@link accuracy}): one output per example is thresholded at 0.5 against 0/1
 * labels (pass probabilities, not logits); k > 1 outputs are compared by argmax with int labels
 * (`(m)`, `(1, m)` or batch-first `(m, 1)`) or one-hot labels of the outputs' shape (`(k, m)`,
 * batch-first `(m, k)`).
 * After each epoch every callback's `onEpochEnd(epoch, logs, model)` runs (epochs count from 1);
 * any returning `"stop"` ends training (`history.stopped`). After every batch `onProgress`, when
 * given, receives a {@link FitProgress}. Printed progress goes to `output` (under Node
 * `process.stdout` by default): a cli-progress bar per epoch on a TTY (Node only), else one line
 * per epoch such as `epoch 3/10  loss 0.1234  acc 95.10%  val_loss 0.2000  val_acc 90.00%  1234
 * ex/s  2.1s` (and a line at most every 10 s within a long epoch); `verbose: false` prints
 * nothing. In a browser nothing is printed by default; `verbose: true` prints the lines with
 * `console.log` (see {@link FitOptions}).
 *
 * @throws ValueError when epochs or batchSize is not an integer ≥ 1, x or y is not a Tensor, loss is
 *   not a function, the optimiser lacks step/zeroGrad, a metric is unknown, output has no write(),
 *   onProgress is not a function, the layout is unknown, or a batch's loss is not
 *   finite (`fit: loss became NaN at epoch 2, batch 7`; that batch's step is not taken).
 * @throws ShapeError when x has no examples or is not `(n_x, m)` in the column layout, or y's (or
 *   the validation set's) example count differs, with a hint when the data look like the other
 *   layout.
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
 * @example
 * Batch-first data (examples along the first axis, as PyTorch's layers take them), int32 class
 * labels and `crossEntropy` on `(N, K)` logits, with a model written from autograd ops:
 * ```ts
 * import { add, crossEntropy, matmul, variable, type Operand, type Variable } from "@strata/autograd";
 * import { Module, fit } from "@strata/nn";
 * import { SGD } from "@strata/optim";
 * import { rng, tensor, zeros } from "@strata/tensor";
 * class Softmax extends Module {
 *   weight = variable(zeros([2, 3], { dtype: "float64" }), { requiresGrad: true }); // (in, K)
 *   bias = variable(zeros([3], { dtype: "float64" }), { requiresGrad: true });
 *   forward(x: Operand): Variable { return add(matmul(x, this.weight), this.bias); } // (N, K) logits
 * }
 * const x = tensor([[2, 0], [3, 1], [0, 2], [1, 3], [-2, -2], [-3, -1]], { dtype: "float64" }); // (N, 2)
 * const y = tensor([0, 0, 1, 1, 2, 2], { dtype: "int32" }); // (N)
 * const model = new Softmax();
 * const history = fit(model, {
 *   x, y, layout: "batchFirst", loss: crossEntropy, optimizer: new SGD(model.parameters(), { lr: 0.5 }),
 *   epochs: 30, batchSize: 3, rng: rng(0), metrics: ["accuracy"], validation: { x, y }, verbose: false,
 * });
 * console.log(history.loss[29]! < history.loss[0]!, history.valAccuracy![29]); // true 1
 * ```
 */
export function fit(model: Module, options: FitOptions): History {
  if (model === null || typeof model !== "object" || typeof (model as Module).forward !== "function") {
    throw new ValueError(`fit: model must be a Module with forward(), got ${show(model)}`);
  }
  if (options === null || typeof options !== "object") throw new ValueError(`fit: options must be an object { x, y, loss, optimizer, epochs, batchSize }, got ${show(options)}`);
  const { x, y, loss, optimizer, epochs, batchSize, shuffle = true, rng, validation, metrics = [], callbacks = [], verbose = "auto", output, onProgress, compile: compiled = "auto" } = options;
  checkCount("epochs", epochs);
  checkCount("batchSize", batchSize);
  const layout = layoutOf("fit", options.layout);
  const m = checkData("", x, y, layout);
  if (typeof loss !== "function") throw new ValueError(`fit: loss must be a function (prediction, labels) => scalar Variable, got ${show(loss)}`);
  if (optimizer === null || typeof optimizer !== "object" || typeof optimizer.step !== "function" || typeof optimizer.zeroGrad !== "function") {
    throw new ValueError(`fit: optimizer must have step() and zeroGrad() (e.g. new SGD(model.parameters(), { lr })), got ${show(optimizer)}`);
  }
  if (rng !== undefined && !(rng instanceof Rng)) throw new ValueError(`fit: rng must be an Rng from rng(seed), got ${show(rng)}`);
  if (!Array.isArray(metrics) || metrics.some((k) => k !== "accuracy")) throw new ValueError(`fit: metrics must be a list of "accuracy", got ${show(metrics)}`);
  if (validation !== undefined) {
    if (validation === null || typeof validation !== "object") throw new ValueError(`fit: validation must be { x, y }, got ${show(validation)}`);
    checkData("validation.", validation.x, validation.y, layout);
  }
  if (!Array.isArray(callbacks)) throw new ValueError(`fit: callbacks must be an array, got ${show(callbacks)}`);
  if (verbose !== true && verbose !== false && verbose !== "auto") throw new ValueError(`fit: verbose must be true, false or "auto", got ${show(verbose)}`);
  // null, as undefined, means the platform's default
  if (output !== undefined && output !== null && verbose !== false && (typeof output !== "object" || typeof output.write !== "function")) {
    throw new ValueError(`fit: output must be a writable stream (anything with write(text)), got ${show(output)}`);
  }
  if (compiled !== true && compiled !== false && compiled !== "auto") throw new ValueError(`fit: compile must be true, false or "auto", got ${show(compiled)}`);
  if (onProgress !== undefined && typeof onProgress !== "function") throw new ValueError(`fit: onProgress must be a function (progress) => void, got ${show(onProgress)}`);

  const withAccuracy = metrics.includes("accuracy");
  const history: History = { loss: [], epochs: 0, stopped: false };
  if (withAccuracy) history.accuracy = [];
  if (validation) history.valLoss = [];
  if (validation && withAccuracy) history.valAccuracy = [];

  const clock = (): number => Date.now();
  const began = clock();
  const batchesPerEpoch = Math.ceil(m / batchSize);
  const report = reporter(verbose, output, epochs, clock);
  const position: StepPosition = { epoch: 0, batch: 0 };
  const step = trainStep(model, loss, optimizer, position, compiled);
  if (step.status !== null) history.compile = step.status;
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
      for (const { x: bx, y: by } of batches(x, y, batchSize, { shuffle, layout, ...(rng && { rng }) })) {
        batch++;
        position.epoch = epoch;
        position.batch = batch;
        const { loss: value, out } = step.run(bx, by);
        const b = bx.shape[exampleAxis(bx, layout)]!;
        lossSum += value * b;
        if (withAccuracy) correct += countCorrect(out, by, layout);
        seen += b;
        const now = clock();
        const accuracy = withAccuracy ? correct / seen : undefined;
        report.batch(seen, lossSum / seen, accuracy, now);
        if (onProgress) {
          const p: FitProgress = { epoch, epochs, batch, batches: batchesPerEpoch, seen, examples: m, loss: lossSum / seen, elapsed: (now - began) / 1000 };
          if (accuracy !== undefined) p.accuracy = accuracy;
          onProgress(p);
        }
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
            if (withAccuracy) logs.valAccuracy = countCorrect(out.data, validation.y, layout) / validation.x.shape[exampleAxis(validation.x, layout)]!;
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
