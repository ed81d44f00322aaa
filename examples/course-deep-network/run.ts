// The course's L-layer binary classifier [n_x, 20, 7, 5, 1], trained twice from the same weights:
// with the building blocks (a dict of tensors) and with deepNetwork + binaryCrossEntropy + SGD.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { noGrad } from "@strata/autograd";
import {
  binaryCrossEntropy, computeCost, deepNetwork, initializeParametersDeep, modelBackward, modelForward,
  predict, readSafetensors, standardize, trainTestSplit, updateParameters, type Initializer,
} from "@strata/nn";
import { SGD } from "@strata/optim";
import { randn, rng, tensor, type Tensor } from "@strata/tensor";

const here = dirname(fileURLToPath(import.meta.url));
type Params = Record<string, Tensor>;

/** A training and a test set in the column layout: X (n_x, m) float64, Y (1, m) float64 of 0/1. */
export interface DataSet {
  name: string;
  xTrain: Tensor;
  yTrain: Tensor;
  xTest: Tensor;
  yTest: Tensor;
}

/** The course's start: `W = N(0, 1) / √n_in` (as in its application notebook), b = 0. */
export const courseInit: Initializer = {
  name: "randn/sqrt(nIn)",
  weights: (nOut, nIn, o = {}) => randn([nOut, nIn], { std: 1 / Math.sqrt(nIn), dtype: o.dtype ?? "float64", ...(o.rng && { rng: o.rng }) }),
};

/** Breast cancer (shipped beside this file): seeded 80/20 split, standardised with training statistics. */
export function loadBreastCancer(seed = 1, path = join(here, "breast_cancer.csv")): DataSet {
  const [header, ...rows] = readFileSync(path, "utf8").trim().split("\n");
  const [m, n] = header!.split(",").map(Number) as [number, number];
  if (rows.length !== m) throw new Error(`${path}: header says ${m} examples, found ${rows.length}`);
  const x = new Float64Array(n * m);
  const y = new Float64Array(m);
  rows.forEach((line, j) => {
    const v = line.split(",").map(Number);
    for (let i = 0; i < n; i++) x[i * m + j] = v[i]!;
    y[j] = v[n]!;
  });
  const X = tensor(x, { dtype: "float64" }).reshape([n, m]);
  const Y = tensor(y, { dtype: "float64" }).reshape([1, m]);
  const split = trainTestSplit(X, Y, { testFraction: 0.2, rng: rng(seed) });
  const train = standardize(split.xTrain);
  const test = standardize(split.xTest, { mean: train.mean, std: train.std });
  return { name: "breast cancer", xTrain: train.x, yTrain: split.yTrain, xTest: test.x, yTest: split.yTest };
}

function readImages(dir: string, part: "train" | "test"): { x: Tensor; y: Tensor } {
  const bytes = readFileSync(join(dir, `catvnoncat_${part}_x_u8.bin`));
  const labels = readFileSync(join(dir, `catvnoncat_${part}_y_u8.bin`));
  const n = 64 * 64 * 3;
  const m = labels.length;
  if (bytes.length !== n * m) throw new Error(`${dir}: catvnoncat_${part}_x_u8.bin has ${bytes.length} bytes, expected ${m} x 64 x 64 x 3 = ${n * m}`);
  const x = new Float64Array(n * m);
  // Example j is bytes[j*n … (j+1)*n) in (row, col, channel) order: it becomes column j of X.
  for (let j = 0; j < m; j++) for (let i = 0; i < n; i++) x[i * m + j] = bytes[j * n + i]! / 255;
  return { x: tensor(x, { dtype: "float64" }).reshape([n, m]), y: tensor(Float64Array.from(labels), { dtype: "float64" }).reshape([1, m]) };
}

/** A folder of cat / non-cat bytes (catvnoncat_{train,test}_{x,y}_u8.bin): X is (12288, m) in [0, 1]. */
export function loadCatFolder(dir: string): DataSet {
  const train = readImages(dir, "train");
  const test = readImages(dir, "test");
  return { name: `cat/non-cat (${dir})`, xTrain: train.x, yTrain: train.y, xTest: test.x, yTest: test.y };
}

/** Reads W1, b1, …, WL, bL from a safetensors file and checks them against the layer sizes. */
export function loadInit(path: string, layerDims: readonly number[]): Params {
  const { tensors } = readSafetensors(path);
  const params: Params = {};
  const problems: string[] = [];
  for (let l = 1; l < layerDims.length; l++) {
    for (const [key, shape] of [[`W${l}`, [layerDims[l]!, layerDims[l - 1]!]], [`b${l}`, [layerDims[l]!, 1]]] as const) {
      const t = tensors[key];
      if (!t) problems.push(`${key} is missing`);
      else if (t.shape.join() !== shape.join()) problems.push(`${key} is (${t.shape.join(", ")}), expected (${shape.join(", ")})`);
      else params[key] = t.cast("float64");
    }
  }
  const extra = Object.keys(tensors).filter((k) => !(k in params) && !problems.some((p) => p.startsWith(`${k} `)));
  if (extra.length) problems.push(`unexpected ${extra.join(", ")}`);
  if (problems.length) throw new Error(`--init ${path} does not fit layers [${layerDims.join(", ")}]: ${problems.join("; ")}`);
  return params;
}

/** Options of {@link run}. */
export interface CourseOptions {
  iterations?: number;
  learningRate?: number;
  /** A folder of cat/non-cat bytes to use instead of the breast-cancer data. */
  dataDir?: string;
  /** A safetensors file with the initial W1, b1, …, W4, b4. */
  initFile?: string;
  /** Seeds the split and the initial weights. */
  seed?: number;
  /** Print the cost every this many iterations (and after the last). */
  printEvery?: number;
  /** Where the progress lines go (default: nowhere). */
  log?: (line: string) => void;
}

/** One training run: the cost of every iteration (before its step), accuracies, wall time. */
export interface RunFigures {
  costs: number[];
  trainAccuracy: number;
  testAccuracy: number;
  seconds: number;
}

/** What {@link run} returns. */
export interface CourseResult {
  data: string;
  layerDims: number[];
  trainSize: number;
  testSize: number;
  initial: Params;
  blocks: RunFigures;
  module: RunFigures;
  /** max over iterations of |cost_blocks − cost_module|. */
  maxCostDifference: number;
}

function accuracy(pred: Tensor, y: Tensor): number {
  const p = pred.toTypedArray();
  const t = y.toTypedArray();
  let ok = 0;
  for (let j = 0; j < t.length; j++) if ((p[j]! > 0.5 ? 1 : 0) === t[j]) ok++;
  return ok / t.length;
}

/** Parses the command-line flags into {@link CourseOptions}. */
export function optionsFromArgs(args: string[]): CourseOptions {
  const { values } = parseArgs({
    args,
    options: {
      iterations: { type: "string", default: "2500" },
      lr: { type: "string", default: "0.0075" },
      data: { type: "string" },
      init: { type: "string" },
      seed: { type: "string", default: "1" },
      "print-every": { type: "string", default: "100" },
    },
  });
  const iterations = Number(values.iterations);
  if (!Number.isInteger(iterations) || iterations < 1) throw new Error(`--iterations must be an integer >= 1, got ${values.iterations}`);
  return {
    iterations, learningRate: Number(values.lr), seed: Number(values.seed), printEvery: Number(values["print-every"]),
    ...(values.data !== undefined && { dataDir: values.data }), ...(values.init !== undefined && { initFile: values.init }),
  };
}

/** Trains with the building blocks, then with the module from the same weights, and compares them. */
export function run(options: CourseOptions = {}): CourseResult {
  const { iterations = 2500, learningRate = 0.0075, seed = 1, printEvery = 100, log = () => {} } = options;
  const data = options.dataDir !== undefined ? loadCatFolder(options.dataDir) : loadBreastCancer(seed);
  const { xTrain: X, yTrain: Y, xTest, yTest } = data;
  const layerDims = [X.shape[0]!, 20, 7, 5, 1];
  const initial = options.initFile !== undefined
    ? loadInit(options.initFile, layerDims)
    : initializeParametersDeep(layerDims, { init: courseInit, rng: rng(seed), dtype: "float64" });
  const shouldPrint = (i: number) => i % printEvery === 0 || i === iterations - 1;
  log(`${data.name}: X ${X.shape[0]} x ${X.shape[1]} (train), ${xTest.shape[1]} test; layers [${layerDims.join(", ")}], lr ${learningRate}`);

  // 1. The building blocks: forward, cost, backward, update, on a dict of tensors.
  log("\n-- building blocks: modelForward / computeCost / modelBackward / updateParameters");
  let t0 = performance.now();
  let params = initial;
  const blockCosts: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const { AL, caches } = modelForward(X, params);
    const cost = computeCost(AL, Y);
    blockCosts.push(cost);
    if (shouldPrint(i)) log(`Cost after iteration ${i}: ${cost.toFixed(6)}`);
    params = updateParameters(params, modelBackward(AL, Y, caches), learningRate);
  }
  const blocks: RunFigures = {
    costs: blockCosts, trainAccuracy: accuracy(predict(X, params), Y), testAccuracy: accuracy(predict(xTest, params), yTest),
    seconds: (performance.now() - t0) / 1000,
  };

  // 2. The module: deepNetwork + binaryCrossEntropy + SGD, loaded with the same initial weights.
  log("\n-- module: deepNetwork + binaryCrossEntropy + SGD (same initial weights)");
  t0 = performance.now();
  const model = deepNetwork(layerDims, { dtype: "float64" });
  model.loadStateDict(initial);
  const optimizer = new SGD(model.parameters(), { lr: learningRate });
  const moduleCosts: number[] = [];
  for (let i = 0; i < iterations; i++) {
    optimizer.zeroGrad();
    const loss = binaryCrossEntropy(model.forward(X), Y);
    const cost = loss.item();
    moduleCosts.push(cost);
    if (shouldPrint(i)) log(`Cost after iteration ${i}: ${cost.toFixed(6)}`);
    loss.backward();
    optimizer.step();
  }
  const [trainOut, testOut] = noGrad(() => [model.forward(X).data, model.forward(xTest).data]);
  const module: RunFigures = {
    costs: moduleCosts, trainAccuracy: accuracy(trainOut!, Y), testAccuracy: accuracy(testOut!, yTest),
    seconds: (performance.now() - t0) / 1000,
  };
  const maxCostDifference = Math.max(...blockCosts.map((c, i) => Math.abs(c - moduleCosts[i]!)));
  return { data: data.name, layerDims, trainSize: X.shape[1]!, testSize: xTest.shape[1]!, initial, blocks, module, maxCostDifference };
}
