// A table of a model's layers: one forward on zeros, watched by forward hooks, gives every
// layer's output shape from the layer itself, so any layer (built-in or a user's, column layout
// or batch-first) is described without a list of layer types here.
import { noGrad, Variable } from "@strata/autograd";
import { Tensor, ValueError, isFloatDType, zeros, type DType } from "@strata/tensor";
import { prefixed } from "./checks.js";
import type { Module } from "./module.js";

/**
 * One line of {@link summary}, as {@link summaryRows} returns it: a layer's path in the model and
 * its label, in the course's column layout the shapes of its W[l] (n[l], n[l-1]) and b[l]
 * (n[l], 1), its output's shape as text, and the number of its own parameter values
 * (n[l]·n[l-1] + n[l] for a Dense layer), of which `trainable` require gradients.
 *
 * @example
 * ```ts
 * import { deepNetwork, summaryRows, type SummaryRow } from "@strata/nn";
 * import { rng } from "@strata/tensor";
 * const [first]: SummaryRow[] = summaryRows(deepNetwork([3, 2, 1], { rng: rng(0) }), 3);
 * console.log(first); // { name: "0", layer: "Dense(layer 1) relu", W: "(2, 3)", b: "(2, 1)", output: "(2, m)", parameters: 8, trainable: 8 }
 * ```
 */
export interface SummaryRow {
  /** The module's dotted path in the model (`"0"`, `"features.3"`; `""` for the model itself). */
  name: string;
  /** What the layer is: its `summaryLabel()`, e.g. `Dense(layer 1) relu` or `Conv2d`. */
  layer: string;
  /** W's shape in the column layout, or empty (no own parameter named W, or batch-first input). */
  W: string;
  /** b's shape in the column layout, or empty. */
  b: string;
  /** The output's shape: `(n, m)` with `m` for the examples in the column layout, the real shape (batch first) otherwise; `--` when forward never called the module. */
  output: string;
  /** The number of the module's own parameter values (its children's are on their rows). */
  parameters: number;
  /** How many of those require gradients (the rest are frozen). */
  trainable: number;
}

/**
 * Options of {@link summary} and {@link summaryRows}: the dtype of the zeros the model is run on.
 *
 * @example
 * ```ts
 * import { Module, summaryRows, type SummaryOptions } from "@strata/nn";
 * import type { Tensor } from "@strata/tensor";
 * class Ids extends Module {
 *   forward(ids: Tensor): Tensor {
 *     return ids;
 *   }
 * }
 * const options: SummaryOptions = { dtype: "int32" };
 * console.log(summaryRows(new Ids(), [2, 5], options)[0]!.output); // (2, 5)
 * ```
 */
export interface SummaryOptions {
  /** The input's dtype: the model's first float parameter's by default (float32 without parameters). */
  dtype?: DType;
}

function shapeText(value: unknown, columns: boolean): string {
  if (value === undefined) return "--";
  if (value instanceof Variable || value instanceof Tensor) {
    const shape = value.shape;
    return columns && shape.length === 2 ? `(${shape[0]}, m)` : `(${shape.join(", ")})`;
  }
  if (Array.isArray(value)) return `[${value.map((v) => shapeText(v, columns)).join(", ")}]`;
  return value === null ? "null" : typeof value === "number" ? "()" : typeof value;
}

function checkInput(input: unknown): void {
  if (typeof input === "number") {
    if (!Number.isInteger(input) || input < 1) throw new ValueError(`summary: nIn must be an integer ≥ 1, got ${input}`);
    return;
  }
  if (!Array.isArray(input) || !input.every((n) => Number.isInteger(n) && n >= 1)) {
    throw new ValueError(`summary: expected nIn (the rows of a column-layout input) or an input shape of integers ≥ 1 such as [1, 1, 28, 28], got ${String(input)}`);
  }
}

/** What one forward of `model` on zeros gave for each module, in eval mode and without a graph;
 * every module's mode and hooks are as before afterwards, also when forward throws. */
function outputsOf(model: Module, shape: readonly number[], dtype: DType): Map<Module, unknown> {
  const modules = model.modules();
  const outputs = new Map<Module, unknown>();
  const modes = modules.map((m) => [m, m.training] as const);
  const handles = modules.map((m) => m.registerForwardHook((module: Module, _inputs: unknown[], output: unknown) => void (outputs.has(module) || outputs.set(module, output))));
  try {
    noGrad(() => model.eval().forward(zeros(shape, { dtype })));
  } catch (e) {
    throw prefixed("summary", e);
  } finally {
    for (const h of handles) h.remove();
    for (const [m, mode] of modes) m.training = mode;
  }
  return outputs;
}

/**
 * The rows of {@link summary} as data. `input` is either `nIn`, the rows of the course's column
 * layout (the model is run on a (nIn, 1) column and shapes say `m` for the examples), or the shape
 * of a batch-first input (`[1, 1, 28, 28]`), run as given. The model runs once, on zeros, in
 * eval mode without gradients, and forward hooks record each module's output; every module's
 * training flag is restored afterwards, also when forward throws. There is one row per module
 * (depth first) that has parameters of its own or no children.
 *
 * @throws ValueError when `input` is neither an integer ≥ 1 nor a list of them.
 * @throws whatever the model's forward throws on that input, its message starting `summary: `
 *   (a Dense whose n[l-1] does not fit: `summary: Dense(layer 2): expected input with 7 rows (n[1]), got 20`).
 * @example
 * ```ts
 * import { deepNetwork, summaryRows } from "@strata/nn";
 * console.log(summaryRows(deepNetwork([5, 4, 3, 1]), 5).map((r) => r.parameters)); // [24, 15, 4]
 * ```
 */
export function summaryRows(model: Module, input: number | readonly number[], options: SummaryOptions = {}): SummaryRow[] {
  checkInput(input);
  const columns = typeof input === "number";
  const dtype = options.dtype ?? model.parameters().find((p) => isFloatDType(p.dtype))?.dtype ?? "float32";
  const outputs = outputsOf(model, columns ? [input, 1] : input, dtype);
  const rows: SummaryRow[] = [];
  for (const [name, m] of model.namedModules()) {
    const children = m.children();
    const inChildren = new Set(children.flatMap((c) => c.parameters()));
    const own = m.namedParameters().filter(([, p]) => !inChildren.has(p));
    if (own.length === 0 && children.length > 0) continue;
    const shapeOf = (key: string): string => {
      const p = columns ? own.find(([k]) => k === key)?.[1] : undefined;
      return p ? `(${p.shape.join(", ")})` : "";
    };
    rows.push({
      name,
      layer: m.summaryLabel(),
      W: shapeOf("W"),
      b: shapeOf("b"),
      output: shapeText(outputs.get(m), columns),
      parameters: own.reduce((s, [, p]) => s + p.size, 0),
      trainable: own.reduce((s, [, p]) => s + (p.requiresGrad ? p.size : 0), 0),
    });
  }
  return rows;
}

/**
 * Describes a model as a table: per layer (see {@link summaryRows}) its output shape and
 * parameter count, and in the course's column layout (`input` = nIn) also its W and b shapes, with
 * `m` standing for the number of examples; then the total, split into trainable and frozen when
 * some parameters are frozen. Batch-first (`input` an input shape), the table has the layers'
 * paths in the model instead of W and b.
 *
 * @throws ValueError or whatever the model's forward throws, as {@link summaryRows} does.
 * @example
 * ```ts
 * import { deepNetwork, summary } from "@strata/nn";
 * const net = deepNetwork([30, 20, 1]);
 * console.log(summary(net, 30).split("\n")[1]); // Dense(layer 1) relu  (20, 30)  (20, 1)  (20, m)  620
 * net.layers[0]!.W.requiresGrad = false;
 * console.log(summary(net, 30).split("\n").at(-1)); // total: 641 parameters (41 trainable, 600 frozen)
 * ```
 */
export function summary(model: Module, input: number | readonly number[], options: SummaryOptions = {}): string {
  const rows = summaryRows(model, input, options);
  const table =
    typeof input === "number"
      ? [["layer", "W", "b", "Z, A", "parameters"], ...rows.map((r) => [r.layer, r.W, r.b, r.output, String(r.parameters)])]
      : [["name", "layer", "output", "parameters"], ...rows.map((r) => [r.name, r.layer, r.output, String(r.parameters)])];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
  const lines = table.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join("  ").trimEnd());
  const params = model.parameters();
  const total = params.reduce((s, p) => s + p.size, 0);
  const trainable = params.reduce((s, p) => s + (p.requiresGrad ? p.size : 0), 0);
  const split = trainable === total ? "" : ` (${trainable} trainable, ${total - trainable} frozen)`;
  return [...lines, `total: ${total} parameters${split}`].join("\n");
}
