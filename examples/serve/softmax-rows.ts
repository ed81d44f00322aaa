// The class probabilities of a batch of logits, shared by the HTTP server (onnxruntime-node) and
// the browser page (onnxruntime-web): the exported graph ends at the last Linear layer, as
// mnist-cnn's model does (crossEntropy takes logits), so the probabilities are computed here.

/** The answer for a batch: one predicted class and one row of probabilities per image. */
export interface Prediction {
  /** The most probable class of each image (the first one on a tie, as argmax). */
  classes: number[];
  /** Each image's softmax over the classes; every row sums to 1. */
  probabilities: number[][];
}

/**
 * The softmax of each row of `logits` (row-major, `rows` × `columns`) and its argmax, in float64.
 * The row's maximum is subtracted before `exp`, so that large logits cannot overflow.
 */
export function softmaxRows(logits: ArrayLike<number>, rows: number, columns: number): Prediction {
  const classes: number[] = [];
  const probabilities: number[][] = [];
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < columns; c++) if (logits[r * columns + c]! > logits[r * columns + best]!) best = c;
    const top = logits[r * columns + best]!;
    const row = Array.from({ length: columns }, (_, c) => Math.exp(logits[r * columns + c]! - top));
    const total = row.reduce((a, b) => a + b, 0);
    classes.push(best);
    probabilities.push(row.map((v) => v / total));
  }
  return { classes, probabilities };
}
