// The training test: the L-layer network [30, 20, 7, 5, 1] on the breast-cancer data,
// trained with the building blocks and with Dense + autograd + SGD from the same weights, float64.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { binaryCrossEntropy, computeCost, deepNetwork, modelBackward, modelForward, predict, updateParameters, type ParamDict } from "@strata/nn";
import { SGD } from "@strata/optim";
import { permutation, rng, tensor, type Tensor } from "@strata/tensor";

const layerDims = [30, 20, 7, 5, 1];
const learningRate = 0.0075;
const iterations = 1500;

/** Columns are examples: X (30, m) standardised with the training set's mean and deviation, Y (1, m). */
function loadSplit(): { Xtrain: Tensor; Ytrain: Tensor; Xtest: Tensor; Ytest: Tensor } {
  const rows = readFileSync(new URL("./fixtures/breast_cancer.csv", import.meta.url), "utf8").trim().split("\n").slice(1).map((l) => l.split(",").map(Number));
  expect(rows.length).toBe(569);
  const order = permutation(rows.length, { rng: rng(2026) }).toArray() as number[];
  const nTest = Math.round(0.2 * rows.length);
  const pick = (idx: number[]): { X: Tensor; Y: Tensor } => {
    const X = new Float64Array(30 * idx.length);
    const Y = new Float64Array(idx.length);
    idx.forEach((r, j) => {
      for (let i = 0; i < 30; i++) X[i * idx.length + j] = rows[r]![i]!;
      Y[j] = rows[r]![30]!;
    });
    return { X: tensor(X, { shape: [30, idx.length], dtype: "float64" }), Y: tensor(Y, { shape: [1, idx.length], dtype: "float64" }) };
  };
  const test = pick(order.slice(0, nTest));
  const train = pick(order.slice(nTest));
  const mean = train.X.mean({ axis: 1, keepDims: true });
  const std = train.X.sub(mean).square().mean({ axis: 1, keepDims: true }).sqrt();
  return { Xtrain: train.X.sub(mean).div(std), Ytrain: train.Y, Xtest: test.X.sub(mean).div(std), Ytest: test.Y };
}

const accuracy = (P: Tensor, Y: Tensor): number => P.eq(Y).cast("float64").mean().item();

describe("breast cancer, [30, 20, 7, 5, 1], float64", () => {
  const { Xtrain, Ytrain, Xtest, Ytest } = loadSplit();
  const model = deepNetwork(layerDims, { rng: rng(1), dtype: "float64" });
  const initial: ParamDict = model.stateDict();

  // The course's loop with the building blocks.
  let params = initial;
  const blockCosts: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const { AL, caches } = modelForward(Xtrain, params);
    blockCosts.push(computeCost(AL, Ytrain));
    params = updateParameters(params, modelBackward(AL, Ytrain, caches), learningRate);
  }

  // The same with Dense + autograd + SGD.
  const opt = new SGD(model.parameters(), { lr: learningRate });
  const autogradCosts: number[] = [];
  for (let i = 0; i < iterations; i++) {
    opt.zeroGrad();
    const loss = binaryCrossEntropy(model.forward(Xtrain), Ytrain);
    autogradCosts.push(loss.item());
    loss.backward();
    opt.step();
  }

  it("the two cost histories are identical to 1e-10", () => {
    const diffs = blockCosts.map((c, i) => Math.abs(c - autogradCosts[i]!));
    const worst = Math.max(...diffs);
    console.log(`breast cancer: largest |cost(blocks) - cost(autograd)| over ${iterations} iterations = ${worst.toExponential(2)}; final cost ${blockCosts[iterations - 1]!.toFixed(5)}`);
    expect(worst).toBeLessThanOrEqual(1e-10);
    expect(blockCosts[iterations - 1]!).toBeLessThan(blockCosts[0]! / 5);
  });

  it("the final weights agree too", () => {
    let worst = 0;
    for (const [name, p] of model.namedParameters()) {
      const a = p.data.toTypedArray();
      const b = params[name]!.toTypedArray();
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    }
    console.log(`breast cancer: largest |W(blocks) - W(autograd)| after training = ${worst.toExponential(2)}`);
    expect(worst).toBeLessThanOrEqual(1e-10);
  });

  it("test accuracy on the fixed 20% split is at least 95%", () => {
    const testAccuracy = accuracy(predict(Xtest, params), Ytest);
    const trainAccuracy = accuracy(predict(Xtrain, params), Ytrain);
    const autogradTest = accuracy(model.eval().forward(Xtest).data.gt(0.5).cast("float64"), Ytest);
    console.log(`breast cancer: train accuracy ${(100 * trainAccuracy).toFixed(2)}%, test accuracy ${(100 * testAccuracy).toFixed(2)}% (${Xtest.shape[1]} test examples)`);
    expect(testAccuracy).toBeGreaterThanOrEqual(0.95);
    expect(autogradTest).toBe(testAccuracy);
  });
});
