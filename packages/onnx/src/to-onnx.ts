// The public export: trace forward at two batch sizes, write the graph, encode the model.
import { Dense, Module, writeFileAtomic } from "@strata/nn";
import { Tensor, ValueError, concat, randn, rng, shapeSize, tensor, type DType } from "@strata/tensor";
import { exportGraph, type GraphValue } from "./export-graph.js";
import { elementType } from "./graph-builder.js";
import { onnx, type proto } from "./proto.js";
import { traceForward, type TraceRun } from "./trace-model.js";
import { unitsOf } from "./lower-units.js";

/**
 * The dtypes an exported graph's input may have: floats for features, int32 for token ids.
 *
 * @example
 * ```ts
 * import type { OnnxInputDType } from "@strata/onnx";
 * const ids: OnnxInputDType = "int32";
 * console.log(ids); // "int32"
 * ```
 */
export type OnnxInputDType = "float32" | "float64" | "int32";

/**
 * Options of {@link toOnnx} and {@link saveOnnx}.
 *
 * @example
 * ```ts
 * import type { OnnxExportOptions } from "@strata/onnx";
 * const options: OnnxExportOptions = { inputShape: [1, 784], opset: 17 };
 * console.log(options.inputShape); // [1, 784]
 * ```
 */
export interface OnnxExportOptions {
  /** The example input's shape, batch axis included (its length is an example: the graph takes any); one shape per input for a forward of several. */
  inputShape: readonly number[] | readonly (readonly number[])[];
  /** The input's dtype (default: the model's float parameters' dtype, float32 when it has none); one per input for several. `int32` for token ids. */
  inputDtype?: OnnxInputDType | readonly OnnxInputDType[];
  /** The ONNX opset, 17 (default) to 21. */
  opset?: number;
  /**
   * The axis of the inputs that holds the examples, left dynamic (default 0; 1, the columns, for
   * the course's `Dense` models); one per input for inputs that differ (an RNN's h0, `(layers, N, H)`, has it at 1).
   */
  batchAxis?: number | readonly number[];
  /** Values to trace forward on (default: normal noise from seed 0, zeros for int32): for a model whose forward needs valid values. */
  example?: Tensor | readonly Tensor[];
  /** The graph's input names (default "input", or "input_0", "input_1", … for several). */
  inputNames?: readonly string[];
  /** The graph's output names (default "output", or "output_0", … for several). */
  outputNames?: readonly string[];
}

const OPSETS = [17, 21] as const;
const IR_VERSION = 8;

function shapesOf(options: OnnxExportOptions): number[][] {
  const { inputShape } = options;
  if (!Array.isArray(inputShape) || inputShape.length === 0) throw new ValueError(`toOnnx: inputShape must be a shape such as [1, 784] or a list of shapes, got ${JSON.stringify(inputShape)}`);
  const list = (Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as readonly (readonly number[])[];
  return list.map((shape) => {
    if (!Array.isArray(shape) || shape.length === 0 || !shape.every((n) => Number.isInteger(n) && n >= 1)) {
      throw new ValueError(`toOnnx: each input shape must list positive integer lengths, batch axis included, got ${JSON.stringify(shape)}`);
    }
    return [...shape];
  });
}

function defaultDtype(model: Module): OnnxInputDType {
  const p = model.parameters().find((v) => v.dtype === "float32" || v.dtype === "float64");
  return (p?.dtype as OnnxInputDType | undefined) ?? "float32";
}

function dtypesOf(model: Module, options: OnnxExportOptions, count: number): OnnxInputDType[] {
  const given = options.inputDtype ?? defaultDtype(model);
  const list = typeof given === "string" ? Array<OnnxInputDType>(count).fill(given) : [...given];
  if (list.length !== count || !list.every((d) => d === "float32" || d === "float64" || d === "int32")) {
    throw new ValueError(`toOnnx: inputDtype must be "float32", "float64" or "int32", one per input (${count}), got ${JSON.stringify(options.inputDtype)}`);
  }
  return list;
}

function namesOf(what: "inputNames" | "outputNames", given: readonly string[] | undefined, count: number, base: string): string[] {
  if (given === undefined) return count === 1 ? [base] : Array.from({ length: count }, (_, k) => `${base}_${k}`);
  if (!Array.isArray(given) || given.length !== count || !given.every((n) => typeof n === "string" && n !== "") || new Set(given).size !== count) {
    throw new ValueError(`toOnnx: ${what} must be ${count} distinct non-empty names, got ${JSON.stringify(given)}`);
  }
  return [...given];
}

/** The examples to trace on: given, or made from the shapes. */
function examplesOf(options: OnnxExportOptions, shapes: number[][], dtypes: OnnxInputDType[]): Tensor[] {
  if (options.example !== undefined) {
    const list = options.example instanceof Tensor ? [options.example] : [...options.example];
    if (list.length !== shapes.length || list.some((t, k) => !(t instanceof Tensor) || t.dtype !== dtypes[k] || t.shape.join() !== shapes[k]!.join())) {
      throw new ValueError(`toOnnx: example must be ${shapes.length} tensor(s) of shapes ${JSON.stringify(shapes)} and dtypes ${dtypes.join(", ")}`);
    }
    return list;
  }
  const r = rng(0);
  return shapes.map((shape, k) => (dtypes[k] === "int32" ? alternating(shape, 0) : randn(shape, { rng: r, dtype: dtypes[k] as DType })));
}

/** Ids 0, 1, 0, 1, … from `phase` on: valid for any vocabulary of two or more, and not all one value. */
function alternating(shape: readonly number[], phase: number): Tensor {
  const n = shapeSize(shape);
  return tensor(Int32Array.from({ length: n }, (_, i) => (i + phase) % 2), { shape: [...shape] });
}

/** Each input's batch axis, made non-negative and checked. */
function batchAxesOf(given: number | readonly number[], shapes: readonly number[][]): number[] {
  const list = typeof given === "number" ? shapes.map(() => given) : [...given];
  if (list.length !== shapes.length) throw new ValueError(`toOnnx: batchAxis must be one axis, or one per input (${shapes.length}), got ${JSON.stringify(given)}`);
  return list.map((axis, k) => {
    const rank = shapes[k]!.length;
    if (!Number.isInteger(axis) || axis < -rank || axis >= rank) throw new ValueError(`toOnnx: batchAxis ${axis} is out of range for an input of shape [${shapes[k]!.join(", ")}]`);
    return axis < 0 ? axis + rank : axis;
  });
}

/**
 * The examples grown from batch n to 2n + 3 along the batch axis with new values (new noise,
 * ids in the other phase; a given example's own examples in another order), so that a length
 * computed from n by division, or a value computed from the examples outside Strata's ops,
 * differs between the two traces and is caught.
 */
function grown(examples: readonly Tensor[], axes: readonly number[], given: boolean): Tensor[] {
  const r = rng(1);
  return examples.map((t, k) => {
    const axis = axes[k]!;
    const shape = t.shape.map((len, d) => (d === axis ? len + 3 : len));
    const more = given ? cycled(t, axis, shape[axis]!) : t.dtype === "int32" ? alternating(shape, 1) : randn(shape, { rng: r, dtype: t.dtype });
    return concat([t, more], { axis });
  });
}

/**
 * `count` examples of the user's own, taken in turn from the second: values the model accepts
 * (valid ids, say), in another order than the first trace's.
 */
function cycled(t: Tensor, axis: number, count: number): Tensor {
  const n = t.shape[axis]!;
  const pick = (j: number): Tensor => t.slice(...Array<null>(axis).fill(null), [(j + 1) % n, ((j + 1) % n) + 1]);
  return concat(Array.from({ length: count }, (_, j) => pick(j)), { axis });
}

function valueInfo(value: GraphValue, name: string, batch: readonly [number, number]): proto.IValueInfoProto {
  const dim = value.info.shape.map((n, k) => {
    if (!value.info.dynamic[k]) return { dimValue: n };
    return { dimParam: n === batch[0] ? "batch" : n % batch[0] === 0 ? `batch*${n / batch[0]}` : `dim_${k}` };
  });
  return { name, type: { tensorType: { elemType: elementType(value.info.dtype), shape: { dim } } } };
}

/**
 * The model as ONNX bytes: traces `model.forward` on an example input, as `torch.onnx.export`
 * does, in evaluation mode (dropout off, batch norm on its running statistics; the model's mode
 * is restored after), and writes every op it applies as ONNX nodes. Layers with an ONNX operator
 * of their own lower to it; parameters and buffers become initializers named by their
 * state-dict keys; the batch axis stays dynamic (the model is traced at two batch sizes to find
 * the axes that follow it). A custom function exports when its spec declares `onnx`.
 *
 * The graph reads what forward reads: batch-first layers take `(N, …)`; the course's `Dense`
 * and `deepNetwork` take examples as columns, `(n_x, m)`, so their graph's input is `(n_x, batch)`
 * and its output `(n_y, batch)`.
 *
 * @throws ValueError for bad options; for an op without an ONNX form (naming it and what to do);
 *   when forward applies other ops at another batch size, or uses a constant that changes with it.
 * @example
 * ```ts
 * import { Linear, ReLU, Sequential } from "@strata/nn";
 * import { toOnnx } from "@strata/onnx";
 * import { rng } from "@strata/tensor";
 * const model = new Sequential(new Linear(4, 8, { rng: rng(0) }), new ReLU(), new Linear(8, 2, { rng: rng(1) }));
 * const bytes = toOnnx(model, { inputShape: [1, 4] });
 * console.log(bytes instanceof Uint8Array, bytes.length > 100); // true true
 * ```
 */
export function toOnnx(model: Module, options: OnnxExportOptions): Uint8Array {
  if (!(model instanceof Module)) throw new ValueError(`toOnnx: expected a Module, got ${Object.prototype.toString.call(model)}`);
  if (typeof options !== "object" || options === null) throw new ValueError(`toOnnx: expected options { inputShape, … }, got ${String(options)}`);
  const opset = options.opset ?? OPSETS[0];
  if (!Number.isInteger(opset) || opset < OPSETS[0] || opset > OPSETS[1]) throw new ValueError(`toOnnx: opset must be an integer from ${OPSETS[0]} to ${OPSETS[1]}, got ${String(options.opset)}`);
  const shapes = shapesOf(options);
  const dtypes = dtypesOf(model, options, shapes.length);
  const inputNames = namesOf("inputNames", options.inputNames, shapes.length, "input");
  const axes = batchAxesOf(options.batchAxis ?? (model.modules().some((m) => m instanceof Dense) ? 1 : 0), shapes);
  const examples = examplesOf(options, shapes, dtypes);
  const more = grown(examples, axes, options.example !== undefined);

  const units = unitsOf(model);
  const wasTraining = model.modules().map((m) => m.training);
  model.eval();
  let traces: [TraceRun, TraceRun];
  try {
    traces = [traceForward(model, examples, units), traceForward(model, more, units)];
  } finally {
    model.modules().forEach((m, k) => (m.training = wasTraining[k]!));
  }
  const outputNames = namesOf("outputNames", options.outputNames, traces[0].outputs.length, "output");
  const { graph, inputs, outputs, batch } = exportGraph(model, ...traces, opset, { inputs: inputNames, outputs: outputNames }, axes);
  // Outputs get their own names through Identity: a value may be an output twice, or an input.
  const outputValues = outputs.map((o, k) => ({ ...o, name: graph.node("Identity", [o.name], {}, { names: [outputNames[k]!] })[0]! }));

  const used = graph.used(outputValues.map((o) => o.name));
  const model_: proto.IModelProto = {
    irVersion: IR_VERSION,
    producerName: "strata",
    producerVersion: "0.1.0",
    opsetImport: [{ domain: "", version: opset }, ...[...graph.domains].map((domain) => ({ domain, version: 1 }))],
    graph: {
      name: model.constructor.name || "model",
      node: used.nodes,
      initializer: used.initializers,
      input: inputs.map((v) => valueInfo(v, v.name, batch.sizes)),
      output: outputValues.map((o) => valueInfo(o, o.name, batch.sizes)),
    },
  };
  // a copy of its own: under Node protobufjs returns a view into a shared pool, which `bytes.buffer` would expose
  return new Uint8Array(onnx.ModelProto.encode(onnx.ModelProto.create(model_)).finish());
}

/**
 * {@link toOnnx}, written to `path` atomically (as checkpoints are saved): the whole file or, on
 * any failure, nothing, with a file already at `path` left as it was. Node only.
 *
 * @throws as {@link toOnnx}; StrataError when the file cannot be written.
 * @example
 * ```ts
 * import { Linear } from "@strata/nn";
 * import { saveOnnx } from "@strata/onnx";
 * import { mkdtempSync, rmSync, statSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const dir = mkdtempSync(join(tmpdir(), "strata-onnx-"));
 * saveOnnx(new Linear(3, 2), join(dir, "linear.onnx"), { inputShape: [1, 3] });
 * console.log(statSync(join(dir, "linear.onnx")).size > 0); // true
 * rmSync(dir, { recursive: true });
 * ```
 */
export function saveOnnx(model: Module, path: string, options: OnnxExportOptions): void {
  const bytes = toOnnx(model, options);
  writeFileAtomic(path, bytes, { op: "saveOnnx" });
}
