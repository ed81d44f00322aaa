// Preprocessing: standardizing features and one-hot targets, in either layout's conventions.
import { DTypeError, ShapeError, Tensor, ValueError, allocate, formatShape, isFloatDType, oneHot as oneHotCore, tensor, type DType } from "@strata/tensor";
import { show } from "./checks.js";
import { checkTensor, layoutOf, type DataLayout } from "./data-layout.js";

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
 * One-hot targets: from `m` class labels, in the column layout (the default; labels `(m)` or
 * `(1, m)`) the `(numClasses, m)` tensor `Y` with `Y[c, j] = 1` when `labels[j] = c` and 0
 * elsewhere, one column per example; with `layout: "batchFirst"` (labels `(m)` or `(m, 1)`) its
 * transpose `(m, numClasses)`, one row per example. Labels are int32, or floats holding integers
 * (cast). The core is `oneHot(labels, numClasses)` from `@strata/tensor`; this adds the layouts
 * and the checks.
 *
 * @throws ShapeError when labels are not `(m)` or `(1, m)` (batch-first: `(m, 1)`), with a hint
 *   for the other one.
 * @throws DTypeError when labels are bool, or `dtype` is unknown.
 * @throws ValueError when numClasses is not an integer ≥ 1, or naming the first label that is
 *   not an integer or lies outside `[0, numClasses)` and its example index, or for a bad layout.
 * @example
 * ```ts
 * import { oneHot } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const Y = oneHot(tensor([2, 0, 1, 2], { dtype: "int32" }), 3);
 * console.log(Y.shape, Y.dtype); // [3, 4] "float32"
 * console.log(Y.toArray()); // [[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1]]
 * console.log(oneHot(tensor([[1, 0]]), 2, { dtype: "int32" }).toArray()); // [[0, 1], [1, 0]]
 * console.log(oneHot(tensor([2, 0], { dtype: "int32" }), 3, { layout: "batchFirst" }).toArray()); // [[0, 0, 1], [1, 0, 0]]
 * ```
 */
export function oneHot(labels: Tensor, numClasses: number, options: { dtype?: DType; layout?: DataLayout } = {}): Tensor {
  checkTensor("oneHot", "labels", labels);
  const layout = layoutOf("oneHot", options.layout);
  const columns = layout === "columns";
  const is2d = (rows: number, cols: number): boolean => labels.ndim === 2 && labels.shape[0] === rows && labels.shape[1] === cols;
  const single = columns ? is2d(1, labels.shape[1] ?? 0) : is2d(labels.shape[0] ?? 0, 1);
  if (labels.ndim !== 1 && !single) {
    const other = columns ? is2d(labels.shape[0] ?? 0, 1) : is2d(1, labels.shape[1] ?? 0);
    const hint = !other ? ""
      : columns ? `; it looks like (m, 1) with examples as rows: pass labels.T (examples are columns), or layout: "batchFirst" for a (m, ${numClasses}) result`
      : `; it looks like (1, m) with examples as columns: pass labels.T, or layout: "columns" for a (${numClasses}, m) result`;
    throw new ShapeError(`oneHot: expected labels of shape (m) or ${columns ? "(1, m)" : "(m, 1)"}, one label per example, got ${formatShape(labels.shape)}${hint}`);
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
  return oneHotCore(flat, numClasses, { dtype: options.dtype ?? "float32", axis: columns ? 0 : 1 });
}
