// Where the examples of a data set lie: along the last axis of X (n_x, m) in the course's column
// layout, or along the first axis of X (N, …) in the batch-first layout of PyTorch's layers. The
// data helpers, fit and the accuracy metric check their tensors against the layout they are told
// and say when a tensor looks like the other one.
import { ShapeError, Tensor, ValueError, formatShape, gather } from "@strata/tensor";
import { show } from "./checks.js";

/**
 * Where the examples lie in a data set's tensors. `"columns"` (the course's layout, the default
 * of the data helpers and fit): X is `(n_x, m)` with one column per example, labels `(k, m)` or
 * `(m)`. `"batchFirst"` (PyTorch's, for `Linear`, convolutions and `crossEntropy`): X is
 * `(N, …)` of any rank with one example per index of the first axis, e.g. `(N, 784)` or
 * `(N, 1, 28, 28)`, and labels are `(N)` (int32 classes), `(N, K)` (one-hot or probabilities) or
 * `(N, …)`.
 *
 * @example
 * ```ts
 * import { batches, type DataLayout } from "@strata/nn";
 * import { arange, tensor } from "@strata/tensor";
 * const layout: DataLayout = "batchFirst";
 * const images = arange(24).reshape([6, 1, 2, 2]); // 6 examples of 1×2×2
 * const labels = tensor([0, 1, 2, 0, 1, 2], { dtype: "int32" });
 * const first = batches(images, labels, 4, { layout }).next().value!;
 * console.log(first.x.shape, first.y.toArray()); // [4, 1, 2, 2] [0, 1, 2, 0]
 * ```
 */
export type DataLayout = "columns" | "batchFirst";

const LAYOUT_HINT = `pass layout: "batchFirst" for data with examples along the first axis`;

/** The layout an option names (default columns). @internal */
export function layoutOf(op: string, layout: unknown): DataLayout {
  if (layout === undefined) return "columns";
  if (layout === "columns" || layout === "batchFirst") return layout;
  throw new ValueError(`${op}: layout must be "columns" or "batchFirst", got ${show(layout)}`);
}

/** The axis of `t` that runs over the examples in `layout`. @internal */
export function exampleAxis(t: Tensor, layout: DataLayout): number {
  return layout === "columns" ? t.ndim - 1 : 0;
}

/** Fails unless `value` is a Tensor. @internal */
export function checkTensor(op: string, name: string, value: unknown): asserts value is Tensor {
  if (!(value instanceof Tensor)) throw new ValueError(`${op}: ${name} must be a Tensor, got ${show(value)}`);
}

/** X (n_x, m) and Y (k, m) or (m): m, with hints when the data look batch-first. */
function checkColumns(op: string, X: Tensor, Y: Tensor, xName: string, yName: string): number {
  if (X.ndim !== 2) {
    throw new ShapeError(`${op}: expected ${xName} of shape (n_x, m) with one column per example, got ${formatShape(X.shape)}; ${LAYOUT_HINT}`);
  }
  const m = X.shape[1]!;
  if (m < 1) throw new ShapeError(`${op}: ${xName} ${formatShape(X.shape)} has no examples; expected m >= 1 columns`);
  if (Y.ndim !== 1 && Y.ndim !== 2) {
    throw new ShapeError(`${op}: expected ${yName} of shape (k, ${m}) or (${m}) (one label per column of ${xName} ${formatShape(X.shape)}), got ${formatShape(Y.shape)}`);
  }
  const my = Y.shape[Y.ndim - 1]!;
  if (my !== m) {
    const hint =
      Y.ndim === 2 && Y.shape[0] === m ? `; it looks like (m, k) with examples as rows: pass ${yName}.T (examples are columns), or ${LAYOUT_HINT}`
      : X.shape[0] === my ? `; ${xName} looks like (m, n_x) with examples as rows: pass ${xName}.T (examples are columns), or ${LAYOUT_HINT}`
      : "";
    throw new ShapeError(`${op}: ${xName} ${formatShape(X.shape)} has ${m} examples (columns) but ${yName} ${formatShape(Y.shape)} has ${my}; expected ${yName} of shape (k, ${m}) or (${m})${hint}`);
  }
  return m;
}

/** X (N, …) and Y (N, …): N, with hints when the data look like columns. */
function checkBatchFirst(op: string, X: Tensor, Y: Tensor, xName: string, yName: string): number {
  if (X.ndim < 1) throw new ShapeError(`${op}: expected ${xName} of shape (N, …) with examples along axis 0 (layout "batchFirst"), got a 0-d tensor`);
  const n = X.shape[0]!;
  if (n < 1) throw new ShapeError(`${op}: ${xName} ${formatShape(X.shape)} has no examples; expected N >= 1 along axis 0 (layout "batchFirst")`);
  if (Y.ndim < 1 || Y.shape[0] !== n) {
    const ny = Y.ndim < 1 ? "none (it is 0-d)" : String(Y.shape[0]);
    const hint =
      X.ndim === 2 && Y.ndim >= 1 && X.shape[1] === Y.shape[Y.ndim - 1] ? `; the data look like columns (n_x, m): pass layout: "columns", or ${xName}.T`
      : Y.ndim === 2 && Y.shape[1] === n ? `; ${yName} looks like (k, N) with examples as columns: pass ${yName}.T`
      : "";
    throw new ShapeError(`${op}: ${xName} ${formatShape(X.shape)} has ${n} examples along axis 0 (layout "batchFirst") but ${yName} ${formatShape(Y.shape)} has ${ny}; expected ${yName} of shape (${n}) or (${n}, …)${hint}`);
  }
  return n;
}

/**
 * Checks X and Y against `layout` and returns the number of examples. `xName`/`yName` are how
 * messages call them (fit says `validation.x`). @internal
 */
export function checkXY(op: string, X: unknown, Y: unknown, layout: DataLayout, xName = "X", yName = "Y"): number {
  checkTensor(op, xName, X);
  checkTensor(op, yName, Y);
  return layout === "columns" ? checkColumns(op, X, Y, xName, yName) : checkBatchFirst(op, X, Y, xName, yName);
}

/** The examples `idx` of X and Y in `layout`, as contiguous copies. @internal */
export function takeExamples(X: Tensor, Y: Tensor, idx: Tensor, layout: DataLayout): [Tensor, Tensor] {
  return [gather(X, idx, { axis: exampleAxis(X, layout) }), gather(Y, idx, { axis: exampleAxis(Y, layout) })];
}
