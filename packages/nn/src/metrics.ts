// Accuracy, the metric fit reports, in either layout: one output per example thresholded at 0.5,
// or the class of the largest output against an int label, a one-hot row or a probability row.
import type { Variable } from "@strata/autograd";
import { ShapeError, Tensor, ValueError, formatShape } from "@strata/tensor";
import { show } from "./checks.js";
import { layoutOf, type DataLayout } from "./data-layout.js";

/** Predictions and labels as flat arrays with the class index laid out as `at(i, j)` reads it. */
interface Scores {
  /** Classes (outputs per example) k and examples m. */
  k: number;
  m: number;
  /** The flat index of class i of example j. */
  at: (i: number, j: number) => number;
}

function scoresOf(shape: readonly number[], layout: DataLayout): Scores {
  const [a, b] = shape as [number, number];
  return layout === "columns" ? { k: a, m: b, at: (i, j) => i * b + j } : { k: b, m: a, at: (i, j) => j * b + i };
}

/**
 * Correct predictions of `p` against labels `y` in `layout`: `p` is `(k, m)` (columns) or
 * `(m, k)` (batch-first; `(m)` counts as `(m, 1)`). With k = 1, `p >= 0.5` against `y >= 0.5`;
 * with k > 1, the class of p's largest value against the int label (`(m)`, or `(1, m)` / `(m, 1)`)
 * or the class of y's largest value (one-hot or probabilities, p's shape). @internal
 */
export function countCorrect(p: Tensor, y: Tensor, layout: DataLayout = "columns", where = "fit: accuracy"): number {
  const columns = layout === "columns";
  const shaped = !columns && p.ndim === 1 ? p.reshape([p.shape[0]!, 1]) : p;
  if (shaped.ndim !== 2) {
    throw new ShapeError(`${where} needs predictions of shape ${columns ? "(k, m)" : "(m, k) or (m)"} (layout "${layout}"), got ${formatShape(p.shape)}`);
  }
  const { k, m, at } = scoresOf(shaped.shape, layout);
  const pv = shaped.toTypedArray() as ArrayLike<number>;
  const yv = (y.dtype === "bool" ? y.cast("int32") : y).toTypedArray() as ArrayLike<number>;
  const argmax = (v: ArrayLike<number>, j: number): number => {
    let best = 0;
    for (let i = 1; i < k; i++) if (v[at(i, j)]! > v[at(best, j)]!) best = i;
    return best;
  };
  const labelShapes = columns ? `(${m}) or (1, ${m})` : `(${m}) or (${m}, 1)`;
  let correct = 0;
  if (k === 1) {
    if (y.size !== m) throw new ShapeError(`${where} with one output per example needs labels of shape ${labelShapes}, got ${formatShape(y.shape)}`);
    for (let j = 0; j < m; j++) if ((pv[j]! >= 0.5) === (yv[j]! >= 0.5)) correct++;
    return correct;
  }
  const rows = y.ndim === 2 && y.shape[0] === shaped.shape[0] && y.shape[1] === shaped.shape[1];
  if (!rows && y.size !== m) {
    const classes = columns ? `(${k}, ${m})` : `(${m}, ${k})`;
    throw new ShapeError(`${where} with ${k} outputs per example needs class labels of shape ${labelShapes}, or one-hot ${classes}, got ${formatShape(y.shape)}`);
  }
  for (let j = 0; j < m; j++) if (argmax(pv, j) === (rows ? argmax(yv, j) : yv[j])) correct++;
  return correct;
}

/**
 * The fraction of examples predicted right, as fit's `metrics: ["accuracy"]` counts it. In the
 * column layout (the default) `predictions` are `(k, m)`, one column per example; with
 * `layout: "batchFirst"` they are `(m, k)`, e.g. the logits of `crossEntropy`, or `(m)`. With
 * k = 1 output per example, `prediction ≥ 0.5` is compared with `label ≥ 0.5` (pass
 * probabilities, not logits); with k > 1, the class of the largest output with the int label
 * (`(m)`, or `(1, m)` / `(m, 1)`) or with the class of the largest value of a one-hot or
 * probability label of the predictions' shape. Ties go to the first class.
 * @throws ShapeError when the predictions are not 2-D (batch-first: 1-D or 2-D), or the labels'
 *   shape does not match them.
 * @throws ValueError when an argument is not a Tensor or Variable, or for a bad layout.
 * @example
 * ```ts
 * import { accuracy } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const logits = tensor([[2, 0, 1], [0, 3, 1], [1, 0, 0], [0, 0, 5]]); // 4 examples, 3 classes
 * const labels = tensor([0, 1, 2, 2], { dtype: "int32" });
 * console.log(accuracy(logits, labels, { layout: "batchFirst" })); // 0.75
 * console.log(accuracy(logits.T, labels)); // 0.75
 * console.log(accuracy(tensor([[0.9, 0.2, 0.6]]), tensor([[1, 0, 0]]))); // 0.6666666666666666
 * ```
 */
export function accuracy(predictions: Tensor | Variable, labels: Tensor | Variable, options: { layout?: DataLayout } = {}): number {
  const layout = layoutOf("accuracy", options.layout);
  const values = (x: unknown, name: string): Tensor => {
    if (x instanceof Tensor) return x;
    if (x !== null && typeof x === "object" && (x as Variable).data instanceof Tensor) return (x as Variable).data;
    throw new ValueError(`accuracy: ${name} must be a Tensor or a Variable, got ${show(x)}`);
  };
  const p = values(predictions, "predictions");
  const y = values(labels, "labels");
  const m = layout === "columns" ? p.shape[1] : p.shape[0];
  return countCorrect(p, y, layout, "accuracy:") / (m ?? 0);
}
