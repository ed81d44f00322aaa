// Mini-batches and train/test splits, in either layout: examples are the columns of X (n_x, m)
// and Y (k, m) or (m), or the first-axis slices of X (N, …) and Y (N, …) (see data-layout.ts).
import { Rng, ValueError, allocate, defaultRng, permutation, tensor, type Tensor } from "@strata/tensor";
import { show } from "./checks.js";
import { checkXY, layoutOf, takeExamples, type DataLayout } from "./data-layout.js";

/**
 * One mini-batch, as {@link batches} yields it: the selected examples of X and Y (contiguous
 * copies, b of them) and which examples they are. In the column layout these are columns of
 * X (n, m) and Y (k, m) or (m); batch-first, slices along the first axis of X (N, …) and Y (N, …).
 *
 * @example
 * ```ts
 * import { batches, type Batch } from "@strata/nn";
 * import { arange, tensor } from "@strata/tensor";
 * const X = arange(6).reshape([2, 3]); // 3 examples of 2 features
 * const Y = tensor([[1, 0, 1]]);
 * const first: Batch = batches(X, Y, 2).next().value!;
 * console.log(first.x.toArray(), first.y.toArray(), first.indices.toArray()); // [[0, 1], [3, 4]] [[1, 0]] [0, 1]
 * const rows: Batch = batches(X.T, Y.T, 2, { layout: "batchFirst" }).next().value!; // the same examples as rows
 * console.log(rows.x.toArray(), rows.y.toArray()); // [[0, 3], [1, 4]] [[1], [0]]
 * ```
 */
export interface Batch {
  /** Columns: `X[:, indices]`, shape `(n, b)`. Batch-first: `X[indices]`, shape `(b, …)`. */
  x: Tensor;
  /** Columns: `Y[:, indices]` (shape `(k, b)`) or `Y[indices]` for 1-D labels (shape `(b)`). Batch-first: `Y[indices]`, shape `(b, …)`. */
  y: Tensor;
  /** The indices of this batch's examples (columns, or first-axis positions), int32 of shape `(b)`. */
  indices: Tensor;
}

/**
 * Options of {@link batches}: the layout of the data, the order the m examples are visited in,
 * and whether a last batch smaller than batchSize is kept.
 *
 * @example
 * ```ts
 * import { batches, type BatchOptions } from "@strata/nn";
 * import { arange, rng, tensor } from "@strata/tensor";
 * const X = arange(12).reshape([2, 6]); // m = 6
 * const Y = tensor([0, 1, 0, 1, 1, 0], { dtype: "int32" });
 * const options: BatchOptions = { shuffle: true, rng: rng(0), dropLast: true };
 * // 6 = 4 + 2: the batch of 2 is dropped
 * console.log([...batches(X, Y, 4, options)].map((b) => b.indices.toArray())); // [[2, 5, 3, 1]]
 * ```
 */
export interface BatchOptions {
  /** Visit the examples in a random order, a fresh permutation per call (default false). */
  shuffle?: boolean;
  /** The generator the permutation is drawn from (default: the default stream, see `manualSeed`). */
  rng?: Rng;
  /** Skip the last batch when it has fewer than `batchSize` examples (default false). */
  dropLast?: boolean;
  /** Where the examples lie: `"columns"` (default) or `"batchFirst"`; see {@link DataLayout}. */
  layout?: DataLayout;
}

/**
 * Options of {@link trainTestSplit}: the fraction of the m examples held out (t = round(fraction·m)
 * of them), the order they are taken in, and the layout of the data.
 *
 * @example
 * ```ts
 * import { trainTestSplit, type SplitOptions } from "@strata/nn";
 * import { arange, rng, tensor } from "@strata/tensor";
 * const X = arange(12).reshape([2, 6]);
 * const Y = tensor([0, 1, 0, 1, 1, 0], { dtype: "int32" });
 * const options: SplitOptions = { testFraction: 0.5, rng: rng(3) };
 * const { trainIndices, testIndices, yTest } = trainTestSplit(X, Y, options);
 * console.log(trainIndices.toArray(), testIndices.toArray(), yTest.toArray()); // [2, 5, 0] [3, 4, 1] [1, 1, 1]
 * ```
 */
export interface SplitOptions {
  /** The fraction of examples held out for testing, in (0, 1) (default 0.2). */
  testFraction?: number;
  /** Split after a random permutation (default true); false keeps the last examples for testing. */
  shuffle?: boolean;
  /** The generator the permutation is drawn from (default: the default stream). */
  rng?: Rng;
  /** Where the examples lie: `"columns"` (default) or `"batchFirst"`; see {@link DataLayout}. */
  layout?: DataLayout;
}

/**
 * The two parts of a split, as {@link trainTestSplit} returns them: for X (n, m) and Y (k, m) or
 * (m), `xTrain` (n, m − t) and `xTest` (n, t) with their labels (batch-first: X (N, …) gives
 * `xTrain` (N − t, …) and `xTest` (t, …)), and the indices of the examples each took (int32, in
 * the order taken).
 *
 * @example
 * ```ts
 * import { trainTestSplit, type Split } from "@strata/nn";
 * import { arange } from "@strata/tensor";
 * const X = arange(8).reshape([2, 4]); // [[0, 1, 2, 3], [4, 5, 6, 7]]
 * const split: Split = trainTestSplit(X, arange(4), { testFraction: 0.25, shuffle: false });
 * console.log(split.trainIndices.toArray(), split.testIndices.toArray()); // [0, 1, 2] [3]
 * console.log(split.xTrain.shape, split.xTest.toArray(), split.yTest.toArray()); // [2, 3] [[3], [7]] [3]
 * ```
 */
export interface Split {
  xTrain: Tensor;
  yTrain: Tensor;
  xTest: Tensor;
  yTest: Tensor;
  trainIndices: Tensor;
  testIndices: Tensor;
}

function pickRng(op: string, g: unknown): Rng {
  if (g === undefined) return defaultRng();
  if (!(g instanceof Rng)) throw new ValueError(`${op}: options.rng must be an Rng from rng(seed), got ${show(g)}`);
  return g;
}

function order(op: string, m: number, shuffle: boolean, g: Rng): Int32Array {
  if (shuffle) return permutation(m, { rng: g }).toTypedArray() as Int32Array;
  const out = allocate("int32", [m], op) as Int32Array;
  for (let i = 0; i < m; i++) out[i] = i;
  return out;
}

function* batchGenerator(X: Tensor, Y: Tensor, batchSize: number, perm: Int32Array, dropLast: boolean, layout: DataLayout): Generator<Batch, void, undefined> {
  const m = perm.length;
  for (let start = 0; start < m; start += batchSize) {
    const stop = Math.min(start + batchSize, m);
    if (dropLast && stop - start < batchSize) return;
    const indices = tensor(perm.slice(start, stop));
    const [x, y] = takeExamples(X, Y, indices, layout);
    yield { x, y, indices };
  }
}

/**
 * Mini-batches over the examples of X and Y: with `layout: "columns"` (the default) the columns
 * of `X (n, m)` and `Y (k, m)` or `(m)` (labels may be 1-D, e.g. int32 classes); with
 * `layout: "batchFirst"` the first-axis slices of `X (m, …)` of any rank, e.g. images
 * `(m, 1, 28, 28)`, and of `Y (m, …)`, e.g. int32 classes `(m)` for `crossEntropy` or one-hot
 * `(m, K)`. The examples are visited in the order `p` — `0, 1, …, m − 1`, or with `shuffle` a
 * fresh `permutation(m, { rng })` drawn when `batches` is called — and batch `j` holds the
 * examples `p[j·batchSize … (j+1)·batchSize − 1]` of X and the same ones of Y:
 * `⌈m / batchSize⌉` batches, the last one smaller unless `dropLast` skips it (then
 * `⌊m / batchSize⌋`). Each batch's `x` and `y` are contiguous copies; `indices` says which
 * examples they are. Arguments are checked on the call, before any batch is taken.
 *
 * @throws ShapeError when X has no examples or the wrong rank for the layout (columns: 2-D), or
 *   Y's example count differs from X's, with a hint when the data look like the other layout
 *   (or like `Y.T`).
 * @throws ValueError when batchSize is not an integer ≥ 1, `rng` is not an Rng, or `layout` is
 *   neither `"columns"` nor `"batchFirst"`.
 * @example
 * ```ts
 * import { batches } from "@strata/nn";
 * import { arange, rng, tensor } from "@strata/tensor";
 * const X = arange(20).reshape([2, 10]); // 10 examples of 2 features
 * const Y = tensor([0, 1, 0, 1, 0, 1, 0, 1, 0, 1], { dtype: "int32" });
 * console.log([...batches(X, Y, 4)].map((b) => b.x.shape[1])); // [4, 4, 2]
 * const first = batches(X, Y, 4, { shuffle: true, rng: rng(0) }).next().value!;
 * console.log(first.x.shape, first.y.shape, first.indices.shape); // [2, 4] [4] [4]
 * console.log([...batches(X, Y, 4, { dropLast: true })].length); // 2
 * const images = arange(40).reshape([10, 1, 2, 2]); // batch-first: 10 images of 1×2×2
 * const shuffled = batches(images, Y, 4, { layout: "batchFirst", shuffle: true, rng: rng(0) }).next().value!;
 * console.log(shuffled.x.shape, shuffled.indices.toArray(), shuffled.y.toArray()); // [4, 1, 2, 2] [9, 7, 5, 8] [1, 1, 1, 0]
 * ```
 */
export function batches(X: Tensor, Y: Tensor, batchSize: number, options: BatchOptions = {}): Generator<Batch, void, undefined> {
  const layout = layoutOf("batches", options.layout);
  const m = checkXY("batches", X, Y, layout);
  if (typeof batchSize !== "number" || !Number.isInteger(batchSize) || batchSize < 1) {
    throw new ValueError(`batches: batchSize must be an integer >= 1, got ${show(batchSize)}`);
  }
  const g = pickRng("batches", options.rng);
  const perm = order("batches", m, options.shuffle ?? false, g);
  return batchGenerator(X, Y, batchSize, perm, options.dropLast ?? false, layout);
}

/**
 * Splits the examples of X and Y into a training and a test set: the columns of `X (n, m)` and
 * `Y (k, m)` or `(m)` (the default `layout: "columns"`), or the first-axis slices of `X (m, …)`
 * and `Y (m, …)` (`layout: "batchFirst"`). With `p` the order (`permutation(m, { rng })` when
 * `shuffle`, the default, else `0 … m − 1`) and `t = Math.round(testFraction · m)`, the training
 * set is the examples `p[0 … m − t − 1]` and the test set the examples `p[m − t … m − 1]`, the
 * same ones of X and of Y; both sets are contiguous copies and every example lands in exactly one
 * of them. The same seed gives the same split.
 *
 * @throws ShapeError as {@link batches} for X and Y.
 * @throws ValueError when testFraction is not in (0, 1), when `t` would leave either set empty
 *   (it must satisfy 1 ≤ t ≤ m − 1), or for a bad `rng` or `layout`.
 * @example
 * ```ts
 * import { trainTestSplit } from "@strata/nn";
 * import { arange, rng } from "@strata/tensor";
 * const X = arange(20).reshape([2, 10]);
 * const Y = arange(10).reshape([1, 10]);
 * const { xTrain, yTrain, xTest, yTest } = trainTestSplit(X, Y, { testFraction: 0.3, rng: rng(1) });
 * console.log(xTrain.shape, yTrain.shape, xTest.shape, yTest.shape); // [2, 7] [1, 7] [2, 3] [1, 3]
 * const plain = trainTestSplit(X, Y, { shuffle: false });
 * console.log(plain.yTest.toArray()); // [[8, 9]]
 * const rows = trainTestSplit(X.T, Y.T, { testFraction: 0.3, rng: rng(1), layout: "batchFirst" }); // the same split
 * console.log(rows.xTest.shape, rows.yTest.toArray(), yTest.toArray()); // [3, 2] [[5], [6], [4]] [[5, 6, 4]]
 * ```
 */
export function trainTestSplit(X: Tensor, Y: Tensor, options: SplitOptions = {}): Split {
  const layout = layoutOf("trainTestSplit", options.layout);
  const m = checkXY("trainTestSplit", X, Y, layout);
  const { testFraction = 0.2 } = options;
  if (typeof testFraction !== "number" || !(testFraction > 0 && testFraction < 1)) {
    throw new ValueError(`trainTestSplit: testFraction must be a number in (0, 1), got ${show(testFraction)}`);
  }
  const t = Math.round(testFraction * m);
  if (t < 1 || t > m - 1) {
    throw new ValueError(
      `trainTestSplit: testFraction ${testFraction} of m = ${m} examples gives ${t} test examples; expected at least 1 for testing and 1 for training`,
    );
  }
  const g = pickRng("trainTestSplit", options.rng);
  const perm = order("trainTestSplit", m, options.shuffle ?? true, g);
  const trainIndices = tensor(perm.slice(0, m - t));
  const testIndices = tensor(perm.slice(m - t));
  const [xTrain, yTrain] = takeExamples(X, Y, trainIndices, layout);
  const [xTest, yTest] = takeExamples(X, Y, testIndices, layout);
  return { xTrain, yTrain, xTest, yTest, trainIndices, testIndices };
}

