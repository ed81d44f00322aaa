// A table of a model's layers with symbolic shapes (m examples) and parameter counts.
import { noGrad } from "@strata/autograd";
import { ShapeError, ValueError, zeros, type DType } from "@strata/tensor";
import { Dense } from "./dense.js";
import { ActivationLayer, Dropout } from "./dropout.js";
import { Module } from "./module.js";
import { Sequential } from "./sequential.js";

/**
 * One line of {@link summary}, as {@link summaryRows} returns it: a layer's name, the shapes of
 * W[l] (n[l], n[l-1]), b[l] (n[l], 1) and its output (n[l], m) as text, and its number of
 * trainable values (n[l]·n[l-1] + n[l] for a Dense layer).
 *
 * @example
 * ```ts
 * import { deepNetwork, summaryRows, type SummaryRow } from "@strata/nn";
 * import { rng } from "@strata/tensor";
 * const [first]: SummaryRow[] = summaryRows(deepNetwork([3, 2, 1], { rng: rng(0) }), 3);
 * console.log(first); // { layer: "Dense(layer 1) relu", W: "(2, 3)", b: "(2, 1)", output: "(2, m)", parameters: 8 }
 * ```
 */
export interface SummaryRow {
  /** What the layer is, e.g. `Dense(layer 1) relu`. */
  layer: string;
  /** W's shape, or empty for layers without weights. */
  W: string;
  /** b's shape, or empty. */
  b: string;
  /** The output's shape (Z and A), with `m` for the examples. */
  output: string;
  /** The number of trainable values. */
  parameters: number;
}

function rowsOf(model: Module, rows: number, dtype: DType, out: SummaryRow[]): number {
  if (model instanceof Sequential) {
    for (const m of model.layers) rows = rowsOf(m, rows, dtype, out);
    return rows;
  }
  if (model instanceof Dense) {
    if (model.nIn !== rows) {
      const n = model.layer === undefined ? "" : ` (n[${model.layer - 1}])`;
      const source = model.layer === 1 || out.length === 0 ? "the input has" : "the layer before gives";
      throw new ShapeError(`summary: ${model.label} expects input with ${model.nIn} rows${n}, but ${source} ${rows}`);
    }
    const { nIn, nOut } = model;
    out.push({ layer: `${model.label} ${model.activation.name}`, W: `(${nOut}, ${nIn})`, b: `(${nOut}, 1)`, output: `(${nOut}, m)`, parameters: nOut * nIn + nOut });
    return nOut;
  }
  const count = model.parameters().reduce((s, p) => s + p.size, 0);
  if (model instanceof Dropout || model instanceof ActivationLayer) {
    const what = model instanceof Dropout ? `Dropout(p=${model.p})` : `Activation ${model.activation.name}`;
    out.push({ layer: what, W: "", b: "", output: `(${rows}, m)`, parameters: count });
    return rows;
  }
  // A module of the user's own: its output rows are found by running it on one zero column.
  const modes = model.modules().map((m) => [m, m.training] as const);
  let y;
  try {
    y = noGrad(() => model.eval().forward(zeros([rows, 1], { dtype })));
  } finally {
    for (const [m, mode] of modes) m.training = mode;
  }
  const outRows = y.shape[0] ?? 1;
  out.push({ layer: model.constructor.name, W: "", b: "", output: y.shape.length === 2 ? `(${outRows}, m)` : `(${y.shape.join(", ")})`, parameters: count });
  return outRows;
}

/**
 * Describes a model for inputs of `nIn` rows: per layer its W, b and Z/A shapes (m stands for the
 * number of examples) and parameter count, then the total. Checks on the way that each layer's
 * input fits the layer before.
 *
 * @throws ShapeError naming the first layer whose input size does not fit; ValueError when nIn is
 *   not an integer ≥ 1 (see {@link summaryRows}).
 * @example
 * ```ts
 * import { deepNetwork, summary } from "@strata/nn";
 * console.log(summary(deepNetwork([30, 20, 1]), 30).split("\n")[1]); // Dense(layer 1) relu  (20, 30)  (20, 1)  (20, m)  620
 * ```
 */
export function summary(model: Module, nIn: number): string {
  const rows = summaryRows(model, nIn);
  const table = [["layer", "W", "b", "Z, A", "parameters"], ...rows.map((r) => [r.layer, r.W, r.b, r.output, String(r.parameters)])];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
  const lines = table.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join("  ").trimEnd());
  const total = model.parameters().reduce((s, p) => s + p.size, 0);
  return [...lines, `total: ${total} parameters`].join("\n");
}

/**
 * The rows of {@link summary} as data: one {@link SummaryRow} per Dense, Dropout or
 * ActivationLayer (descending into Sequential) and per module of another class, for inputs of
 * `nIn` rows (n[0], m). A module of another class is run once, in eval mode without gradients,
 * on a (rows, 1) column of zeros to find its output rows; its training flags are restored
 * afterwards, also when that forward throws.
 *
 * @throws ValueError when nIn is not an integer ≥ 1.
 * @throws ShapeError naming the first Dense layer whose n[l-1] differs from the rows it receives;
 *   a module of another class throws what its `forward` throws on that input (a Dense inside it:
 *   ShapeError).
 * @example
 * ```ts
 * import { deepNetwork, summaryRows } from "@strata/nn";
 * console.log(summaryRows(deepNetwork([5, 4, 3, 1]), 5).map((r) => r.parameters)); // [24, 15, 4]
 * ```
 */
export function summaryRows(model: Module, nIn: number): SummaryRow[] {
  if (!Number.isInteger(nIn) || nIn < 1) throw new ValueError(`summary: nIn must be an integer ≥ 1, got ${nIn}`);
  const dtype = model.parameters()[0]?.dtype ?? "float32";
  const out: SummaryRow[] = [];
  rowsOf(model, nIn, dtype, out);
  return out;
}
