// The data helpers, accuracy and fit with batch-first data (examples along the first axis, of any
// rank) beside the column layout: batch contents against hand-made tensors whose every element
// names its example, the same examples for X and Y under a seeded shuffle, the layouts agreeing
// on the same data, errors that name the layout, and fit against a hand-written training loop.
import { describe, expect, it } from "vitest";
import { add, crossEntropy, flatten, matmul, variable, type Operand, type Variable } from "@strata/autograd";
import { Module, accuracy, batches, fit, oneHot, trainTestSplit, type DataLayout } from "@strata/nn";
import { SGD } from "@strata/optim";
import { ShapeError, ValueError, randn, rng, tensor, type Tensor } from "@strata/tensor";
import { errorOf, sameBits } from "./helpers.js";
import { countCorrect } from "../src/metrics.js";

const N = 10;
/** X (N, …shape) with element [n, …idx] = 1000·n + (the row-major position of idx): every value names its example. */
function examples(shape: number[]): Tensor {
  const per = shape.reduce((a, b) => a * b, 1);
  return tensor(Array.from({ length: N * per }, (_, i) => 1000 * Math.floor(i / per) + (i % per)), { shape: [N, ...shape], dtype: "float64" });
}
const ints = (t: Tensor): number[] => Array.from(t.toTypedArray() as ArrayLike<number>);
const labels = tensor([3, 1, 4, 1, 5, 9, 2, 6, 5, 3], { dtype: "int32" });

/** Checks a batch-first batch against its source: x[k] is X[indices[k]] and y[k] is Y[indices[k]], element by element. */
function expectRows(b: { x: Tensor; y: Tensor; indices: Tensor }, X: Tensor, Y: Tensor): void {
  const idx = ints(b.indices);
  expect(b.x.shape).toEqual([idx.length, ...X.shape.slice(1)]);
  expect(b.y.shape).toEqual([idx.length, ...Y.shape.slice(1)]);
  expect(b.x.isContiguous && b.y.isContiguous).toBe(true);
  const per = b.x.size / Math.max(idx.length, 1);
  const xv = ints(b.x);
  idx.forEach((n, k) => {
    for (let p = 0; p < per; p++) expect(xv[k * per + p]).toBe(1000 * n + p);
  });
  const perY = b.y.size / Math.max(idx.length, 1);
  const yAll = ints(Y);
  const yv = ints(b.y);
  idx.forEach((n, k) => expect(yv.slice(k * perY, (k + 1) * perY)).toEqual(yAll.slice(n * perY, (n + 1) * perY)));
}

describe("batches and trainTestSplit with layout: \"batchFirst\"", () => {
  it.each([[[4]], [[1, 2, 3]]] as [number[]][])("slice the first axis of rank-%# data (N, %j), in order and shuffled", (shape) => {
    const X = examples(shape);
    const Y1 = oneHot(labels, 10, { layout: "batchFirst" }); // (N, 10)
    for (const Y of [labels, Y1]) {
      const inOrder = [...batches(X, Y, 4, { layout: "batchFirst" })];
      expect(inOrder.map((b) => ints(b.indices))).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
      for (const b of inOrder) expectRows(b, X, Y);
      const g = rng(3);
      for (let epoch = 0; epoch < 3; epoch++) {
        const shuffled = [...batches(X, Y, 3, { layout: "batchFirst", shuffle: true, rng: g })];
        expect(shuffled.map((b) => b.x.shape[0])).toEqual([3, 3, 3, 1]);
        expect(shuffled.flatMap((b) => ints(b.indices)).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        for (const b of shuffled) expectRows(b, X, Y);
      }
    }
  });

  it("pick the same examples as the column layout of the transposed data, seed for seed", () => {
    const X = examples([3]); // (N, 3); X.T is (3, N), one column per example
    const Y = oneHot(labels, 10, { layout: "batchFirst" });
    const rows = [...batches(X, Y, 4, { layout: "batchFirst", shuffle: true, rng: rng(11) })];
    const columns = [...batches(X.T, Y.T, 4, { shuffle: true, rng: rng(11) })];
    expect(rows.map((b) => ints(b.indices))).toEqual(columns.map((b) => ints(b.indices)));
    rows.forEach((b, k) => {
      expect(b.x.equals(columns[k]!.x.T)).toBe(true);
      expect(b.y.equals(columns[k]!.y.T)).toBe(true);
    });
    // 1-D labels are the same tensor in both layouts
    const a = [...batches(X, labels, 4, { layout: "batchFirst", shuffle: true, rng: rng(2) })];
    const c = [...batches(X.T, labels, 4, { shuffle: true, rng: rng(2) })];
    a.forEach((b, k) => expect(b.y.equals(c[k]!.y)).toBe(true));
  });

  it("split images (N, 1, 2, 3) into disjoint, complete sets, the same as the column split of the same seed", () => {
    const X = examples([1, 2, 3]);
    const s = trainTestSplit(X, labels, { testFraction: 0.3, rng: rng(5), layout: "batchFirst" });
    expect(s.xTrain.shape).toEqual([7, 1, 2, 3]);
    expect(s.xTest.shape).toEqual([3, 1, 2, 3]);
    expect([...ints(s.trainIndices), ...ints(s.testIndices)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expectRows({ x: s.xTrain, y: s.yTrain, indices: s.trainIndices }, X, labels);
    expectRows({ x: s.xTest, y: s.yTest, indices: s.testIndices }, X, labels);
    const columns = trainTestSplit(examples([4]).T, labels, { testFraction: 0.3, rng: rng(5) });
    expect(ints(columns.testIndices)).toEqual(ints(s.testIndices));
    const plain = trainTestSplit(X, labels, { shuffle: false, testFraction: 0.2, layout: "batchFirst" });
    expect(ints(plain.testIndices)).toEqual([8, 9]);
  });

  it("say which layout a tensor looks like when it is in the wrong one", () => {
    const images = examples([1, 2, 2]); // (10, 1, 2, 2)
    let e = errorOf(() => batches(images, labels, 4));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.message).toBe('batches: expected X of shape (n_x, m) with one column per example, got (10,1,2,2); pass layout: "batchFirst" for data with examples along the first axis');
    e = errorOf(() => batches(examples([784]), labels, 4)); // (10, 784) as columns: 784 examples?
    expect(e.message).toBe('batches: X (10,784) has 784 examples (columns) but Y (10) has 10; expected Y of shape (k, 784) or (784); X looks like (m, n_x) with examples as rows: pass X.T (examples are columns), or pass layout: "batchFirst" for data with examples along the first axis');
    e = errorOf(() => batches(examples([6]).T, labels, 4, { layout: "batchFirst" })); // (6, 10) as rows
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.message).toBe('batches: X (6,10) has 6 examples along axis 0 (layout "batchFirst") but Y (10) has 10; expected Y of shape (6) or (6, …); the data look like columns (n_x, m): pass layout: "columns", or X.T');
    const classes = tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], { dtype: "int32" });
    e = errorOf(() => trainTestSplit(images, oneHot(classes, 3), { layout: "batchFirst" })); // one-hot (3, N) of the column layout
    expect(e.message).toBe('trainTestSplit: X (10,1,2,2) has 10 examples along axis 0 (layout "batchFirst") but Y (3,10) has 3; expected Y of shape (10) or (10, …); Y looks like (k, N) with examples as columns: pass Y.T');
    e = errorOf(() => batches(images, labels, 4, { layout: "rows" as DataLayout }));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toBe('batches: layout must be "columns" or "batchFirst", got "rows"');
    e = errorOf(() => batches(tensor([], { shape: [0, 3] }), tensor([], { dtype: "int32" }), 2, { layout: "batchFirst" }));
    expect(e.message).toBe('batches: X (0,3) has no examples; expected N >= 1 along axis 0 (layout "batchFirst")');
  });
});

describe("oneHot with layout: \"batchFirst\"", () => {
  it("gives one row per example, the transpose of the column layout's", () => {
    const rows = oneHot(tensor([2, 0, 1], { dtype: "int32" }), 3, { layout: "batchFirst" });
    expect(rows.toArray()).toEqual([[0, 0, 1], [1, 0, 0], [0, 1, 0]]);
    expect(oneHot(tensor([[2], [0], [1]], { dtype: "int32" }), 3, { layout: "batchFirst" }).equals(rows)).toBe(true);
    expect(oneHot(tensor([2, 0, 1], { dtype: "int32" }), 3).T.equals(rows)).toBe(true);
    const e = errorOf(() => oneHot(tensor([[2, 0, 1]], { dtype: "int32" }), 3, { layout: "batchFirst" }));
    expect(e.message).toBe('oneHot: expected labels of shape (m) or (m, 1), one label per example, got (1,3); it looks like (1, m) with examples as columns: pass labels.T, or layout: "columns" for a (3, m) result');
  });
});

describe("accuracy", () => {
  it("counts argmax of (N, K) logits against int32 labels, one-hot rows, and thresholds one output", () => {
    // argmax per row: 0, 1, 0, 2 against 0, 1, 2, 2 → 3 of 4 (row 2 ties 1, 1: the first class wins)
    const logits = tensor([[2, 0, 1], [0, 3, 1], [1, 1, 0], [0, 0, 5]]);
    const y = tensor([0, 1, 2, 2], { dtype: "int32" });
    expect(accuracy(logits, y, { layout: "batchFirst" })).toBe(0.75);
    expect(accuracy(variable(logits), tensor([[0], [1], [2], [2]], { dtype: "int32" }), { layout: "batchFirst" })).toBe(0.75);
    expect(accuracy(logits, oneHot(y, 3, { layout: "batchFirst" }), { layout: "batchFirst" })).toBe(0.75);
    expect(accuracy(logits.T, y)).toBe(0.75);
    expect(countCorrect(logits, y, "batchFirst")).toBe(3);
    // one probability per example, (N) or (N, 1): 0.9, 0.2, 0.5, 0.49 → 1, 0, 1, 0 against 1, 0, 0, 0
    const p = tensor([0.9, 0.2, 0.5, 0.49]);
    const t = tensor([1, 0, 0, 0]);
    expect(accuracy(p, t, { layout: "batchFirst" })).toBe(0.75);
    expect(accuracy(p.reshape([4, 1]), t, { layout: "batchFirst" })).toBe(0.75);
    expect(accuracy(p.reshape([1, 4]), t)).toBe(0.75);
  });

  it("refuses labels that do not fit the predictions, naming the shapes", () => {
    const logits = tensor([[2, 0, 1], [0, 3, 1]]);
    let e = errorOf(() => accuracy(logits, tensor([0, 1, 2], { dtype: "int32" }), { layout: "batchFirst" }));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.message).toBe("accuracy: with 3 outputs per example needs class labels of shape (2) or (2, 1), or one-hot (2, 3), got (3)");
    e = errorOf(() => accuracy(tensor([[[1]]]), tensor([0])));
    expect(e.message).toBe('accuracy: needs predictions of shape (k, m) (layout "columns"), got (1,1,1)');
    e = errorOf(() => accuracy([1, 2] as never, tensor([0])));
    expect(e).toBeInstanceOf(ValueError);
  });
});

/** A softmax classifier over (N, 1, 2, 2) images, from variables and matmul: logits (N, 3). */
class TinyNet extends Module {
  weight: Variable;
  bias: Variable;
  constructor(seed: number) {
    super();
    this.weight = variable(randn([4, 3], { rng: rng(seed), dtype: "float64" }).mul(0.1), { requiresGrad: true });
    this.bias = variable(randn([3], { rng: rng(seed + 1), dtype: "float64" }).mul(0.1), { requiresGrad: true });
  }
  forward(x: Operand): Variable {
    return add(matmul(flatten(x, 1), this.weight), this.bias);
  }
}

describe("fit with layout: \"batchFirst\"", () => {
  // three classes of 2×2 images: the class's pixel is bright, plus noise
  const n = 30;
  const noise = randn([n, 1, 2, 2], { rng: rng(9), dtype: "float64" }).mul(0.3);
  const y = tensor(Array.from({ length: n }, (_, i) => i % 3), { dtype: "int32" });
  const x = noise.add(tensor(Array.from({ length: n * 4 }, (_, i) => (Math.floor(i / 4) % 3 === i % 4 ? 2 : 0)), { shape: [n, 1, 2, 2], dtype: "float64" }));
  const val = { x: x.slice([0, 9]), y: y.slice([0, 9]) };

  it("trains images (N, 1, 2, 2) with int32 labels: its history equals a hand-written loop's, step by step", () => {
    const model = new TinyNet(1);
    const history = fit(model, {
      x, y, layout: "batchFirst", loss: crossEntropy, optimizer: new SGD(model.parameters(), { lr: 0.2 }),
      epochs: 6, batchSize: 8, rng: rng(4), metrics: ["accuracy"], validation: val, verbose: false,
    });

    const twin = new TinyNet(1);
    const opt = new SGD(twin.parameters(), { lr: 0.2 });
    const g = rng(4);
    const manual = { loss: [] as number[], accuracy: [] as number[], valLoss: [] as number[], valAccuracy: [] as number[] };
    for (let epoch = 0; epoch < 6; epoch++) {
      let lossSum = 0;
      let correct = 0;
      for (const b of batches(x, y, 8, { layout: "batchFirst", shuffle: true, rng: g })) {
        opt.zeroGrad();
        const out = twin.forward(b.x);
        const l = crossEntropy(out, b.y);
        lossSum += l.item() * b.x.shape[0]!;
        // by hand: argmax of each row against its label
        const rows = out.data.toArray() as number[][];
        rows.forEach((r, k) => void (r.indexOf(Math.max(...r)) === ints(b.y)[k] && correct++));
        l.backward();
        opt.step();
      }
      manual.loss.push(lossSum / n);
      manual.accuracy.push(correct / n);
      const out = twin.forward(val.x);
      manual.valLoss.push(crossEntropy(out, val.y).item());
      manual.valAccuracy.push(accuracy(out, val.y, { layout: "batchFirst" }));
    }
    expect(history.loss).toEqual(manual.loss);
    expect(history.accuracy).toEqual(manual.accuracy);
    expect(history.valLoss).toEqual(manual.valLoss);
    expect(history.valAccuracy).toEqual(manual.valAccuracy);
    expect(sameBits(model.weight.data, twin.weight.data) && sameBits(model.bias.data, twin.bias.data)).toBe(true);
    // and it learns: the loss falls by more than half, the classes become separable
    expect(history.loss[5]!).toBeLessThan(history.loss[0]! / 2);
    expect(history.accuracy![5]).toBe(1);
  });

  it("trains (N, F) rows with one-hot labels and reports per-epoch batch sizes along axis 0", () => {
    const rows = flatten(variable(x), 1).data; // (30, 4)
    const targets = oneHot(y, 3, { layout: "batchFirst" }).cast("float64"); // (30, 3) probabilities
    const model = new TinyNet(2);
    const seen: number[] = [];
    const history = fit(model, {
      x: rows, y: targets, layout: "batchFirst", loss: crossEntropy, optimizer: new SGD(model.parameters(), { lr: 0.2 }),
      epochs: 3, batchSize: 7, rng: rng(1), metrics: ["accuracy"], verbose: false, onProgress: (p) => void seen.push(p.seen),
    });
    expect(seen.slice(0, 5)).toEqual([7, 14, 21, 28, 30]);
    expect(history.loss[2]!).toBeLessThan(history.loss[0]!);
    history.accuracy!.forEach((a) => expect(Number.isInteger(a * n)).toBe(true));
  });

  it("refuses data in the wrong layout with an error that says so", () => {
    const model = new TinyNet(3);
    const base = { loss: crossEntropy, optimizer: new SGD(model.parameters(), { lr: 0.1 }), epochs: 1, batchSize: 4, verbose: false } as const;
    let e = errorOf(() => fit(model, { ...base, x, y }));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.message).toBe('fit: expected x of shape (n_x, m) with one column per example, got (30,1,2,2); pass layout: "batchFirst" for data with examples along the first axis');
    e = errorOf(() => fit(model, { ...base, x, y, layout: "batchFirst", validation: { x: val.x, y } }));
    expect(e.message).toBe('fit: validation.x (9,1,2,2) has 9 examples along axis 0 (layout "batchFirst") but validation.y (30) has 30; expected validation.y of shape (9) or (9, …)');
    e = errorOf(() => fit(model, { ...base, x, y, layout: "Columns" as DataLayout }));
    expect(e.message).toBe('fit: layout must be "columns" or "batchFirst", got "Columns"');
  });
});
