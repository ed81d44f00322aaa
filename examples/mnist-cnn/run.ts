// Trains a small CNN with batch normalisation on MNIST, batch-first: images (N, 1, 28, 28), fit
// with layout "batchFirst" and crossEntropy, Adam under a one-cycle schedule stepped every batch.
// Writes the learning curve and a checkpoint, reloads it and checks that it predicts the same.
import { join } from "node:path";
import { crossEntropy, noGrad } from "@strata/autograd";
import { BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, fit, load, save, type Module } from "@strata/nn";
import { Adam, OneCycleLR } from "@strata/optim";
import { argmax, concat, rng, type Tensor } from "@strata/tensor";
import { loadMnist } from "../mnist/mnist.js";
import { writeEpochCurves } from "../shared/plot.js";

/** What to train on and for how long. */
export interface MnistCnnOptions {
  epochs: number;
  batchSize: number;
  /** The one-cycle schedule's peak learning rate. */
  maxLr: number;
  /** Use only the first images of each split (for quick runs). */
  trainLimit?: number;
  testLimit?: number;
  /** Where the plot and the checkpoint go. */
  outDir: string;
  verbose?: boolean;
}

/** The figures a run reports. */
export interface MnistCnnResult {
  testAccuracy: number;
  seconds: number;
  secondsPerEpoch: number[];
  trainExamples: number;
  testExamples: number;
  history: { loss: number[]; testAccuracy: number[] };
  plotPath: string;
  checkpointPath: string;
  reloadedAgrees: boolean;
  model: string;
}

/** conv 5×5 16 + BN + ReLU + pool, conv 5×5 32 + BN + ReLU + pool, Linear 1568→128, ReLU, Linear 128→10. */
export function mnistCnn(): Sequential {
  return new Sequential(
    new Conv2d(1, 16, 5, { padding: 2, bias: false, rng: rng(0) }), new BatchNorm2d(16), new ReLU(), new MaxPool2d(2),
    new Conv2d(16, 32, 5, { padding: 2, bias: false, rng: rng(1) }), new BatchNorm2d(32), new ReLU(), new MaxPool2d(2),
    new Flatten(), new Linear(32 * 7 * 7, 128, { rng: rng(2) }), new ReLU(), new Linear(128, 10, { rng: rng(3) }),
  );
}

/** The images of a split batch-first: (m, 1, 28, 28). MNIST's loader gives the column layout (784, m). */
function images(X: Tensor): Tensor {
  return X.T.reshape([X.shape[1]!, 1, 28, 28]);
}

/** The predicted digits, in evaluation mode, 500 images at a time (a forward of all 10,000 at once would hold 0.5 GB of feature maps). */
function predictions(model: Module, X: Tensor): Tensor {
  model.eval();
  const parts: Tensor[] = [];
  noGrad(() => {
    for (let i = 0; i < X.shape[0]!; i += 500) parts.push(argmax(model.forward(X.slice([i, Math.min(i + 500, X.shape[0]!)])).data, { axis: 1 }));
  });
  model.train();
  return concat(parts, { axis: 0 });
}

/** Trains, evaluates after every epoch, plots and checkpoints. */
export async function run(options: MnistCnnOptions): Promise<MnistCnnResult> {
  const started = performance.now();
  const train = loadMnist("train", options.trainLimit);
  const test = loadMnist("test", options.testLimit);
  const trainX = images(train.X);
  const testX = images(test.X);
  const model = mnistCnn();
  const optimizer = new Adam(model.parameters(), { lr: options.maxLr });
  const stepsPerEpoch = Math.ceil(train.labels.size / options.batchSize);
  const schedule = new OneCycleLR(optimizer, { maxLr: options.maxLr, epochs: options.epochs, stepsPerEpoch });
  const testAccuracy: number[] = [];
  const secondsPerEpoch: number[] = [];
  let epochStart = performance.now();
  let lastPredicted: Tensor | undefined;
  const history = fit(model, {
    x: trainX,
    y: train.labels,
    layout: "batchFirst",
    loss: crossEntropy,
    optimizer,
    epochs: options.epochs,
    batchSize: options.batchSize,
    rng: rng(1),
    metrics: ["accuracy"],
    verbose: options.verbose ?? true,
    // the one-cycle rate changes every batch
    onProgress: () => void schedule.step(),
    callbacks: [{
      onEpochEnd: (epoch) => {
        secondsPerEpoch.push((performance.now() - epochStart) / 1000);
        lastPredicted = predictions(model, testX);
        const accuracy = lastPredicted.eq(test.labels).cast("float64").mean().item();
        testAccuracy.push(accuracy);
        if (options.verbose ?? true) console.log(`epoch ${epoch}: test accuracy ${(100 * accuracy).toFixed(2)}%`);
        epochStart = performance.now();
      },
    }],
  });
  // the model has not changed since the last epoch's predictions
  const predicted = lastPredicted!;
  const accuracy = predicted.eq(test.labels).cast("float64").mean().item();
  const seconds = (performance.now() - started) / 1000;

  const plotPath = await writeEpochCurves(options.outDir, history.loss, testAccuracy, "MNIST CNN (2 conv + BN, 2 linear), Adam + one-cycle");

  const checkpointPath = join(options.outDir, "mnist-cnn.safetensors");
  save(model, checkpointPath, { optimizer });
  const reloaded = load(checkpointPath).model;
  const reloadedAgrees = predictions(reloaded, testX).equals(predicted);
  return {
    testAccuracy: accuracy, seconds, secondsPerEpoch, trainExamples: train.labels.size, testExamples: test.labels.size,
    history: { loss: history.loss, testAccuracy }, plotPath, checkpointPath, reloadedAgrees, model: String(model),
  };
}
