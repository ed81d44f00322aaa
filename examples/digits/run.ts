// Handwritten digits (8x8 pixels, 10 classes) with a 64-64-10 network, Adam and mini-batches.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { noGrad } from "@strata/autograd";
import { deepNetwork, fit, softmaxCrossEntropy, trainTestSplit, type History } from "@strata/nn";
import { Adam } from "@strata/optim";
import { argmax, rng, tensor, type Tensor } from "@strata/tensor";

const here = dirname(fileURLToPath(import.meta.url));

/** The digits as columns: X (64, m) scaled to [0, 1], labels int32 (m). */
export interface Digits {
  x: Tensor;
  y: Tensor;
}

/** Reads the gzip CSV shipped beside this file (no header; 64 pixels 0..16, then the label). */
export function loadDigits(path = join(here, "digits.csv.gz")): Digits {
  const rows = gunzipSync(readFileSync(path)).toString("utf8").trim().split("\n");
  const m = rows.length;
  const x = new Float32Array(64 * m);
  const y = new Int32Array(m);
  rows.forEach((line, j) => {
    const v = line.split(",").map(Number);
    if (v.length !== 65) throw new Error(`${path}: line ${j + 1} has ${v.length} fields, expected 65`);
    for (let i = 0; i < 64; i++) x[i * m + j] = v[i]! / 16; // column j is example j
    y[j] = v[64]!;
  });
  return { x: tensor(x, { dtype: "float32" }).reshape([64, m]), y: tensor(y, { dtype: "int32" }) };
}

/** Options of {@link run}. */
export interface DigitsOptions {
  epochs?: number;
  batchSize?: number;
  lr?: number;
  hidden?: number;
  seed?: number;
  /** Print fit's progress lines (default true). */
  verbose?: boolean;
}

/** What {@link run} returns. */
export interface DigitsResult {
  trainSize: number;
  testSize: number;
  history: History;
  trainAccuracy: number;
  testAccuracy: number;
  seconds: number;
}

function accuracy(logits: Tensor, labels: Tensor): number {
  const p = argmax(logits, { axis: 0 }).toTypedArray() as Int32Array;
  const y = labels.toTypedArray() as Int32Array;
  let ok = 0;
  for (let j = 0; j < y.length; j++) if (p[j] === y[j]) ok++;
  return ok / y.length;
}

/** Splits 80/20 (seeded), trains with fit, and returns the accuracies and the wall time. */
export function run(options: DigitsOptions = {}): DigitsResult {
  const { epochs = 30, batchSize = 32, lr = 0.003, hidden = 64, seed = 0, verbose = true } = options;
  const start = performance.now();
  const data = loadDigits();
  const g = rng(seed);
  const { xTrain, yTrain, xTest, yTest } = trainTestSplit(data.x, data.y, { testFraction: 0.2, rng: g });
  const model = deepNetwork([64, hidden, 10], { output: "identity", rng: g });
  const optimizer = new Adam(model.parameters(), { lr });
  const history = fit(model, {
    x: xTrain, y: yTrain, loss: softmaxCrossEntropy, optimizer, epochs, batchSize, rng: g,
    validation: { x: xTest, y: yTest }, metrics: ["accuracy"], verbose: verbose ? "auto" : false,
  });
  model.eval();
  const [trainAccuracy, testAccuracy] = noGrad(() => [
    accuracy(model.forward(xTrain).data, yTrain),
    accuracy(model.forward(xTest).data, yTest),
  ]);
  return {
    trainSize: xTrain.shape[1]!, testSize: xTest.shape[1]!, history,
    trainAccuracy: trainAccuracy!, testAccuracy: testAccuracy!, seconds: (performance.now() - start) / 1000,
  };
}
