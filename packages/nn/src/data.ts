// Data helpers in the column layout: examples are the columns of X (n_x, m) and of Y (k, m) or (m).
import {
  DTypeError, Rng, ShapeError, Tensor, ValueError, allocate, defaultRng, formatShape, gather, isFloatDType,
  oneHot as oneHotCore, permutation, tensor, type DType,
} from "@strata/tensor";
import { show } from "./checks.js";

/**
 * One mini-batch, as {@link batches} yields it: the selected columns of X (n, m) and Y (k, m) or
 * (m) (contiguous copies, b of them) and which examples they are.
 *
 * @example
 * ```ts
 * import { batches, type Batch } from "@strata/nn";
 * import { arange, tensor } from "@strata/tensor";
 * const X = arange(6).reshape([2, 3]); // 3 examples of 2 features
 * const Y = tensor([[1, 0, 1]]);
 * const first: Batch = batches(X, Y, 2).next().value!;
 * console.log(first.x.toArray(), first.y.toArray(), first.indices.toArray()); // [[0, 1], [3, 4]] [[1, 0]] [0, 1]
 * ```
 */
export interface Batch {
  /** `X[:, indices]`, shape `(n, b)`. */
  x: Tensor;
  /** `Y[:, indices]` (shape `(k, b)`) or `Y[indices]` for 1-D labels (shape `(b)`). */
  y: Tensor;
  /** The example (column) indices of this batch, int32 of shape `(b)`. */
  indices: Tensor;
}

/**
 * Options of {@link batches}: the order the m examples (columns) are visited in, and whether a
 * last batch smaller than batchSize is kept.
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
}

/**
 * Options of {@link trainTestSplit}: the fraction of the m examples held out (t = round(fraction·m)
 * of them) and the order they are taken in.
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
}

/**
 * The two parts of a split, as {@link trainTestSplit} returns them: for X (n, m) and Y (k, m) or
 * (m), `xTrain` (n, m − t) and `xTest` (n, t) with their labels, and the example (column) indices
 * each took (int32, in the order taken).
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

/**
 * Options of {@link standardize}: the training set's statistics μ and σ (both (n, 1)) to apply to
 * other data, and the floor `eps` of the divisor in `(X − μ) / max(σ, eps)`.
 *
 * @example
 * ```ts
 * import { standardize, type StandardizeOptions } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const train = standardize(tensor([[1, 3], [10, 10]], { dtype: "float64" })); // μ = [[2], [10]], σ = [[1], [0]]
 * const options: StandardizeOptions = { mean: train.mean, std: train.std, eps: 1 };
 * // (4 − 2) / max(1, 1) and (12 − 10) / max(0, 1)
 * console.log(standardize(tensor([[4], [12]], { dtype: "float64" }), options).x.toArray()); // [[2], [2]]
 * ```
 */
export interface StandardizeOptions {
  /** Per-feature means `(n, 1)` to use instead of computing them (pass the training set's). */
  mean?: Tensor;
  /** Per-feature population standard deviations `(n, 1)`, given together with `mean`. */
  std?: Tensor;
  /** The smallest divisor: a feature is divided by `max(σ, eps)` (default 1e-8, > 0). */
  eps?: number;
}

/**
 * What {@link standardize} returns: the standardized data `x = (X − μ) / max(σ, eps)` with X's
 * shape (n, m), and the statistics used, `mean` μ and `std` σ, both `(n, 1)`, all in X's dtype.
 *
 * @example
 * ```ts
 * import { standardize, type Standardized } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const s: Standardized = standardize(tensor([[1, 3], [10, 10]], { dtype: "float64" }));
 * console.log(s.x.toArray(), s.mean.toArray(), s.std.toArray()); // [[-1, 1], [0, 0]] [[2], [10]] [[1], [0]]
 * ```
 */
export interface Standardized {
  x: Tensor;
  mean: Tensor;
  std: Tensor;
}

function checkTensor(op: string, name: string, value: unknown): asserts value is Tensor {
  if (!(value instanceof Tensor)) throw new ValueError(`${op}: ${name} must be a Tensor, got ${show(value)}`);
}

function pickRng(op: string, g: unknown): Rng {
  if (g === undefined) return defaultRng();
  if (!(g instanceof Rng)) throw new ValueError(`${op}: options.rng must be an Rng from rng(seed), got ${show(g)}`);
  return g;
}

/** Checks X (n, m) and Y (k, m) or (m) and returns m, the number of examples (columns). */
function checkXY(op: string, X: unknown, Y: unknown): number {
  checkTensor(op, "X", X);
  checkTensor(op, "Y", Y);
  if (X.ndim !== 2) throw new ShapeError(`${op}: expected X of shape (n_x, m) with one column per example, got ${formatShape(X.shape)}`);
  const m = X.shape[1]!;
  if (m < 1) throw new ShapeError(`${op}: X ${formatShape(X.shape)} has no examples; expected m >= 1 columns`);
  if (Y.ndim !== 1 && Y.ndim !== 2) {
    throw new ShapeError(`${op}: expected Y of shape (k, ${m}) or (${m}) (one label per column of X ${formatShape(X.shape)}), got ${formatShape(Y.shape)}`);
  }
  const my = Y.shape[Y.ndim - 1]!;
  if (my !== m) {
    const hint =
      Y.ndim === 2 && Y.shape[0] === m ? `; it looks like (m, k) with examples as rows: pass Y.T (examples are columns)`
      : X.shape[0] === my ? `; X looks like (m, n_x) with examples as rows: pass X.T (examples are columns)`
      : "";
    throw new ShapeError(`${op}: X ${formatShape(X.shape)} has ${m} examples (columns) but Y ${formatShape(Y.shape)} has ${my}; expected Y of shape (k, ${m}) or (${m})${hint}`);
  }
  return m;
}

/** The columns (examples) `idx` of X and Y, as contiguous copies. */
function takeColumns(X: Tensor, Y: Tensor, idx: Tensor): [Tensor, Tensor] {
  return [gather(X, idx, { axis: 1 }), gather(Y, idx, { axis: Y.ndim - 1 })];
}

function order(op: string, m: number, shuffle: boolean, g: Rng): Int32Array {
  if (shuffle) return permutation(m, { rng: g }).toTypedArray() as Int32Array;
  const out = allocate("int32", [m], op) as Int32Array;
  for (let i = 0; i < m; i++) out[i] = i;
  return out;
}

function* batchGenerator(X: Tensor, Y: Tensor, batchSize: number, perm: Int32Array, dropLast: boolean): Generator<Batch, void, undefined> {
  const m = perm.length;
  for (let start = 0; start < m; start += batchSize) {
    const stop = Math.min(start + batchSize, m);
    if (dropLast && stop - start < batchSize) return;
    const indices = tensor(perm.slice(start, stop));
    const [x, y] = takeColumns(X, Y, indices);
    yield { x, y, indices };
  }
}

/**
 * Mini-batches over the columns (examples) of `X (n, m)` and `Y (k, m)` or `(m)` (labels may be
 * 1-D, e.g. int32 classes). The examples are visited in the order `p` — `0, 1, …, m − 1`, or with
 * `shuffle` a fresh `permutation(m, { rng })` drawn when `batches` is called — and batch `j` holds
 * the columns `p[j·batchSize … (j+1)·batchSize − 1]`: `⌈m / batchSize⌉` batches, the last one
 * smaller unless `dropLast` skips it (then `⌊m / batchSize⌋`). Each batch's `x` and `y` are
 * contiguous copies; `indices` says which columns they are. Arguments are checked on the call,
 * before any batch is taken.
 *
 * @throws ShapeError when X is not 2-D or has no columns, or Y's example count differs from X's
 *   (with a hint when Y looks like `(m, k)`: examples are columns).
 * @throws ValueError when batchSize is not an integer ≥ 1 or `rng` is not an Rng.
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
 * ```
 */
export function batches(X: Tensor, Y: Tensor, batchSize: number, options: BatchOptions = {}): Generator<Batch, void, undefined> {
  const m = checkXY("batches", X, Y);
  if (typeof batchSize !== "number" || !Number.isInteger(batchSize) || batchSize < 1) {
    throw new ValueError(`batches: batchSize must be an integer >= 1, got ${show(batchSize)}`);
  }
  const g = pickRng("batches", options.rng);
  const perm = order("batches", m, options.shuffle ?? false, g);
  return batchGenerator(X, Y, batchSize, perm, options.dropLast ?? false);
}

/**
 * Splits the examples (columns) of `X (n, m)` and `Y (k, m)` or `(m)` into a training and a test
 * set. With `p` the order (`permutation(m, { rng })` when `shuffle`, the default, else
 * `0 … m − 1`) and `t = Math.round(testFraction · m)`, the training set is the columns
 * `p[0 … m − t − 1]` and the test set the columns `p[m − t … m − 1]`; both sets are contiguous
 * copies and every example lands in exactly one of them. The same seed gives the same split.
 *
 * @throws ShapeError as {@link batches} for X and Y.
 * @throws ValueError when testFraction is not in (0, 1), or when `t` would leave either set empty
 *   (it must satisfy 1 ≤ t ≤ m − 1).
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
 * ```
 */
export function trainTestSplit(X: Tensor, Y: Tensor, options: SplitOptions = {}): Split {
  const m = checkXY("trainTestSplit", X, Y);
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
  const [xTrain, yTrain] = takeColumns(X, Y, trainIndices);
  const [xTest, yTest] = takeColumns(X, Y, testIndices);
  return { xTrain, yTrain, xTest, yTest, trainIndices, testIndices };
}

function readStat(name: string, value: unknown, n: number): Float64Array {
  checkTensor("standardize", `options.${name}`, value);
  if (value.ndim !== 2 || value.shape[0] !== n || value.shape[1] !== 1) {
    throw new ShapeError(`standardize: expected options.${name} of shape (${n}, 1), one value per row (feature) of X, got ${formatShape(value.shape)}`);
  }
  const out = Float64Array.from(value.toTypedArray() as ArrayLike<number>);
  for (let i = 0; i < n; i++) {
    const v = out[i]!;
    if (!Number.isFinite(v) || (name === "std" && v < 0)) {
      throw new ValueError(`standardize: options.${name}[${i}] is ${v}; expected a finite number${name === "std" ? " >= 0" : ""}`);
    }
  }
  return out;
}

/**
 * Standardizes each row (feature) of `X (n, m)` over its columns (examples):
 * `x[i, j] = (X[i, j] − μ_i) / max(σ_i, eps)` with `μ_i = (1/m) Σ_j X[i, j]` and the population
 * standard deviation `σ_i = sqrt((1/m) Σ_j (X[i, j] − μ_i)²)` (divided by m, not m − 1). A
 * constant row has `μ_i` equal to its value and `σ_i = 0`, so it maps to exactly 0 (never NaN).
 * Pass the training set's `mean` and `std` (both `(n, 1)`) to standardize test data with them.
 * Statistics are accumulated in float64; `x`, `mean` and `std` are in X's float dtype.
 *
 * @throws ShapeError when X is not 2-D, has no columns (without given statistics), or a given
 *   mean/std is not `(n, 1)`.
 * @throws DTypeError when X is not float32/float64 (cast it).
 * @throws ValueError when only one of mean/std is given, a statistic is not finite, a std is
 *   negative, or eps is not a finite number > 0.
 * @example
 * ```ts
 * import { standardize } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const train = standardize(tensor([[1, 2, 3], [5, 5, 5]], { dtype: "float64" }));
 * console.log(train.mean.toArray(), train.std.toArray()); // [[2], [5]] [[0.816496580927726], [0]]
 * console.log((train.x.toArray() as number[][])[1]); // [0, 0, 0]
 * const test = standardize(tensor([[2], [6]], { dtype: "float64" }), { mean: train.mean, std: train.std });
 * console.log(test.x.toArray()); // [[0], [100000000]]
 * ```
 */
export function standardize(X: Tensor, options: StandardizeOptions = {}): Standardized {
  checkTensor("standardize", "X", X);
  if (X.ndim !== 2) throw new ShapeError(`standardize: expected X of shape (n_x, m) with one column per example, got ${formatShape(X.shape)}`);
  if (!isFloatDType(X.dtype)) throw new DTypeError(`standardize: X is ${X.dtype}; expected float32 or float64 (cast it: X.cast("float32"))`);
  const { eps = 1e-8 } = options;
  if (typeof eps !== "number" || !(eps > 0) || !Number.isFinite(eps)) throw new ValueError(`standardize: eps must be a finite number > 0, got ${show(eps)}`);
  const [n, m] = X.shape as [number, number];
  if ((options.mean === undefined) !== (options.std === undefined)) {
    throw new ValueError(`standardize: pass both options.mean and options.std (the training set's), or neither; got only ${options.mean === undefined ? "std" : "mean"}`);
  }
  const data = X.toTypedArray() as ArrayLike<number>; // row-major (n, m)
  let mu: Float64Array;
  let sigma: Float64Array;
  if (options.mean !== undefined) {
    mu = readStat("mean", options.mean, n);
    sigma = readStat("std", options.std, n);
  } else {
    if (m < 1) throw new ShapeError(`standardize: X ${formatShape(X.shape)} has no examples; expected m >= 1 columns to compute the statistics`);
    mu = allocate("float64", [n], "standardize") as Float64Array;
    sigma = allocate("float64", [n], "standardize") as Float64Array;
    for (let i = 0; i < n; i++) {
      const row = i * m;
      let s = 0;
      let constant = true;
      for (let j = 0; j < m; j++) {
        s += data[row + j]!;
        if (data[row + j] !== data[row]) constant = false;
      }
      if (constant) {
        mu[i] = data[row]!; // exact, so the row maps to 0 whatever rounding the sum did
        continue;
      }
      const mean = s / m;
      let ss = 0;
      for (let j = 0; j < m; j++) ss += (data[row + j]! - mean) ** 2;
      mu[i] = mean;
      sigma[i] = Math.sqrt(ss / m);
    }
  }
  const dtype: DType = X.dtype;
  const out = allocate(dtype, [n, m], "standardize");
  for (let i = 0; i < n; i++) {
    const d = Math.max(sigma[i]!, eps);
    for (let j = 0; j < m; j++) out[i * m + j] = (data[i * m + j]! - mu[i]!) / d;
  }
  const stat = (v: Float64Array): Tensor => {
    const a = allocate(dtype, [n], "standardize");
    for (let i = 0; i < n; i++) a[i] = v[i]!;
    return tensor(a, { shape: [n, 1] });
  };
  return { x: tensor(out, { shape: [n, m] }), mean: stat(mu), std: stat(sigma) };
}

/**
 * One-hot targets in the column layout: from `m` class labels (shape `(m)` or `(1, m)`) the
 * `(numClasses, m)` tensor `Y` with `Y[c, j] = 1` when `labels[j] = c` and 0 elsewhere, one column
 * per example. Labels are int32, or floats holding integers (cast). The core is
 * `oneHot(labels, numClasses)` from `@strata/tensor`; this adds the layout and the checks.
 *
 * @throws ShapeError when labels are not `(m)` or `(1, m)` (with a hint for `(m, 1)`).
 * @throws DTypeError when labels are bool, or `dtype` is unknown.
 * @throws ValueError when numClasses is not an integer ≥ 1, or naming the first label that is
 *   not an integer or lies outside `[0, numClasses)` and its example index.
 * @example
 * ```ts
 * import { oneHot } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const Y = oneHot(tensor([2, 0, 1, 2], { dtype: "int32" }), 3);
 * console.log(Y.shape, Y.dtype); // [3, 4] "float32"
 * console.log(Y.toArray()); // [[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1]]
 * console.log(oneHot(tensor([[1, 0]]), 2, { dtype: "int32" }).toArray()); // [[0, 1], [1, 0]]
 * ```
 */
export function oneHot(labels: Tensor, numClasses: number, options: { dtype?: DType } = {}): Tensor {
  checkTensor("oneHot", "labels", labels);
  const is1xM = labels.ndim === 2 && labels.shape[0] === 1;
  if (labels.ndim !== 1 && !is1xM) {
    const hint = labels.ndim === 2 && labels.shape[1] === 1 ? `; it looks like (m, 1) with examples as rows: pass labels.T (examples are columns)` : "";
    throw new ShapeError(`oneHot: expected labels of shape (m) or (1, m), one label per example, got ${formatShape(labels.shape)}${hint}`);
  }
  if (labels.dtype === "bool") throw new DTypeError(`oneHot: labels are bool; expected int32 class labels (or floats holding integers)`);
  if (typeof numClasses !== "number" || !Number.isInteger(numClasses) || numClasses < 1) {
    throw new ValueError(`oneHot: numClasses must be an integer >= 1, got ${show(numClasses)}`);
  }
  const values = labels.toTypedArray() as ArrayLike<number>;
  for (let j = 0; j < values.length; j++) {
    const v = values[j]!;
    if (!Number.isInteger(v)) {
      throw new ValueError(`oneHot: label ${v} of example ${j} (labels ${formatShape(labels.shape)}) is not an integer; expected class labels in [0, ${numClasses})`);
    }
    if (v < 0 || v >= numClasses) {
      throw new ValueError(`oneHot: label ${v} of example ${j} (labels ${formatShape(labels.shape)}) is out of range; expected 0 <= label < numClasses = ${numClasses}`);
    }
  }
  const flat = tensor(Int32Array.from(values));
  return oneHotCore(flat, numClasses, { dtype: options.dtype ?? "float32" });
}
