// Running an exported model in ONNX Runtime (onnxruntime-node) and comparing it with Strata's own
// forward: the reference every export test checks against.
import { noGrad, Variable } from "@strata/autograd";
import type { Module } from "@strata/nn";
import { toOnnx, type OnnxExportOptions } from "@strata/onnx";
import { Tensor, tensor, type DType } from "@strata/tensor";
import * as ort from "onnxruntime-node";
import { expect } from "vitest";

const ORT_TYPES: Partial<Record<DType, ort.Tensor.Type>> = { float32: "float32", float64: "float64", int32: "int32", bool: "bool" };

/** A Strata tensor as an ORT tensor (contiguous copy). */
export function toOrt(t: Tensor): ort.Tensor {
  const type = ORT_TYPES[t.dtype];
  if (!type) throw new Error(`no ORT type for ${t.dtype}`);
  const values = t.dtype === "bool" ? Uint8Array.from(t.toTypedArray() as ArrayLike<number>) : t.toTypedArray();
  return new ort.Tensor(type, values as Float32Array, [...t.shape]);
}

/** An ORT tensor as a Strata tensor. */
export function fromOrt(t: ort.Tensor): Tensor {
  const dtype = t.type === "float64" ? "float64" : t.type === "int32" ? "int32" : t.type === "float32" ? "float32" : null;
  if (dtype === null) throw new Error(`unexpected ORT output type ${t.type}`);
  return tensor(t.data as Float32Array, { dtype, shape: [...t.dims] });
}

/** Runs `bytes` in ONNX Runtime on `inputs` (in the graph's input order); its outputs in order. */
export async function runOnnx(bytes: Uint8Array, inputs: readonly Tensor[]): Promise<Tensor[]> {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: "disabled" });
  const feeds = Object.fromEntries(session.inputNames.map((name, k) => [name, toOrt(inputs[k]!)]));
  const results = await session.run(feeds);
  return session.outputNames.map((name) => fromOrt(results[name]!));
}

/** forward's outputs (in eval mode, no gradients), flattened in order as the export does. */
export function strataOutputs(model: Module, inputs: readonly Tensor[]): Tensor[] {
  const out: Tensor[] = [];
  const walk = (r: unknown): void => {
    if (r instanceof Variable) out.push(r.data);
    else if (Array.isArray(r)) r.forEach(walk);
  };
  const modes = model.modules().map((m) => m.training);
  model.eval();
  try {
    walk(noGrad(() => model.forward(...inputs.map((t) => new Variable(t)))));
  } finally {
    model.modules().forEach((m, k) => (m.training = modes[k]!));
  }
  return out;
}

/** The largest |a − b| / (atol/rtol scale): both tensors must have the same shape. */
export function expectClose(got: Tensor, want: Tensor, tolerance: number, label = ""): void {
  expect(got.shape, `${label} shape`).toEqual(want.shape);
  const a = got.toTypedArray() as Float64Array;
  const b = want.toTypedArray() as Float64Array;
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  expect(worst, `${label} largest difference (relative to 1 + |value|)`).toBeLessThanOrEqual(tolerance);
}

/** The tolerance the issue sets: 1e-5 in float64, 1e-4 in float32. */
export const TOLERANCE: Record<string, number> = { float64: 1e-5, float32: 1e-4 };

/**
 * Exports `model` with `options`, runs the graph in ONNX Runtime on `inputs` (whose batch size
 * should differ from the exported one) and expects every output within the tolerance of
 * Strata's forward. Returns the bytes and ORT's outputs for further checks.
 */
export async function expectOrtMatches(model: Module, options: OnnxExportOptions, inputs: readonly Tensor[]): Promise<{ bytes: Uint8Array; outputs: Tensor[] }> {
  const bytes = toOnnx(model, options);
  const outputs = await runOnnx(bytes, inputs);
  const want = strataOutputs(model, inputs);
  expect(outputs.length).toBe(want.length);
  outputs.forEach((o, k) => expectClose(o, want[k]!, TOLERANCE[want[k]!.dtype] ?? 0, `output ${k}`));
  return { bytes, outputs };
}
