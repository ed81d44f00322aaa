// From two traces of forward (at two batch sizes) to an ONNX graph: the first gives the ops and
// values, the second says which axes follow the batch size, so that shapes written into the graph
// (a Reshape's target, a Slice's end) can leave those axes free.
import { Variable, type TracedCall } from "@strata/autograd";
import type { Module } from "@strata/nn";
import { Tensor, ValueError, formatShape } from "@strata/tensor";
import { axisLength, batchFilled, type BatchSource } from "./batch-filled.js";
import { GraphBuilder, elementType } from "./graph-builder.js";
import { computeDtype } from "./promotion.js";
import { lowerCall } from "./lower-call.js";
import type { ValueInfo } from "./lowering.js";
import type { TraceRun } from "./trace-model.js";

/** A graph value: its name and what is known of it. */
export interface GraphValue {
  readonly name: string;
  readonly info: ValueInfo;
}

/** The graph written from two traces, with its inputs and outputs, and where its batch size comes from. */
export interface ExportedGraph {
  readonly graph: GraphBuilder;
  readonly inputs: readonly GraphValue[];
  readonly outputs: readonly GraphValue[];
  readonly batch: BatchSource;
}

function infoOf(a: Tensor, b: Tensor): ValueInfo {
  const dynamic = a.shape.length === b.shape.length ? a.shape.map((n, k) => n !== b.shape[k]) : a.shape.map(() => true);
  return { shape: a.shape, dynamic, dtype: a.dtype };
}

function tensorOf(x: unknown): Tensor | null {
  return x instanceof Variable ? x.data : x instanceof Tensor ? x : null;
}

function sameValues(a: Tensor, b: Tensor): boolean {
  return a.dtype === b.dtype && a.shape.length === b.shape.length && a.shape.every((n, k) => n === b.shape[k]) && a.equals(b);
}

/**
 * A call's inputs, with a layer's tuple arguments (LSTM's `[h0, c0]`) flattened in order: a unit
 * receives forward's arguments as passed, and its lowering reads them as a flat list.
 */
function inputsOf(call: TracedCall): readonly unknown[] {
  const flat = (x: unknown): unknown[] => (Array.isArray(x) ? x.flatMap(flat) : [x]);
  return call.kind === "unit" ? call.inputs.flatMap(flat) : call.inputs;
}

function describe(call: TracedCall): string {
  return call.kind === "unit" ? `layer ${call.op}` : call.kind === "function" ? `custom function ${call.op}` : call.op;
}

// Ops whose attributes hold shapes or bounds that may follow the batch: their lowerings compare
// the two traces' attributes themselves and leave those axes free.
const SHAPED = new Set(["reshape", "slice", "broadcastTo"]);

/** Refuses a call whose outputs or attributes differ between the two traces (they would be fixed in the graph). */
function sameCall(call: TracedCall, twin: TracedCall, i: number): void {
  if (call.outputs.length !== twin.outputs.length) {
    throw new ValueError(`toOnnx: ${describe(call)} (op ${i}) gives ${call.outputs.length} outputs at one batch size and ${twin.outputs.length} at another (unbind along the batch axis, say); an exported graph has a fixed number of values`);
  }
  if (call.kind === "unit" || SHAPED.has(call.op)) return;
  const [x, y] = [JSON.stringify(call.attrs), JSON.stringify(twin.attrs)];
  if (x !== y) {
    throw new ValueError(`toOnnx: ${describe(call)} (op ${i}) has attributes that change with the batch size (${x} at one, ${y} at another); they would be fixed in the graph: compute them without reading the batch size`);
  }
}

/**
 * Writes the graph of `a` (traced at one batch size), reading `b` (the same forward at another)
 * for the axes that follow the batch size. Parameters and buffers become initializers named by
 * their state-dict keys; other constants are checked to be the same in both traces.
 */
export function exportGraph(
  model: Module, a: TraceRun, b: TraceRun, opset: number, io: { inputs: readonly string[]; outputs: readonly string[] }, batchAxes: readonly number[],
): ExportedGraph {
  if (a.calls.length !== b.calls.length || a.calls.some((c, i) => c.op !== b.calls[i]!.op)) {
    const at = a.calls.findIndex((c, i) => c.op !== b.calls[i]?.op);
    throw new ValueError(
      `toOnnx: forward applies different ops at two batch sizes (${a.calls.length} and ${b.calls.length} ops; the first difference at op ${at}: ${a.calls[at]?.op ?? "none"} vs ${b.calls[at]?.op ?? "none"}); an exported graph must apply the same ops for every batch size`,
    );
  }
  a.calls.forEach((call, i) => sameCall(call, b.calls[i]!, i));
  const graph = new GraphBuilder();
  const names = new Map<Tensor, string>();
  const state = new Map<Tensor, string>();
  for (const { name, tensor } of model.stateTensors()) state.set(tensor, name);

  // the graph's own names first, so that no node takes them; an output's is given by its Identity
  for (const name of io.outputs) graph.reserve(name);
  const inputs = a.inputs.map((v, k) => {
    const name = graph.reserve(io.inputs[k]!);
    names.set(v.data, name);
    return { name, info: infoOf(v.data, b.inputs[k]!.data) };
  });
  const batch: BatchSource = { input: inputs[0]!.name, axis: batchAxes[0]!, sizes: [a.inputs[0]!.shape[batchAxes[0]!]!, b.inputs[0]!.shape[batchAxes[0]!]!] };
  let size: string | undefined;
  const batchSize = (): string => (size ??= axisLength(graph, batch.input, batch.axis));

  // A value the trace did not produce: a parameter or buffer by its key, else a constant that must
  // not depend on the batch size.
  const constant = (t: Tensor, other: Tensor | null, call: TracedCall, k: number): string => {
    const key = state.get(t);
    if (key !== undefined) {
      const name = graph.constant(t, key);
      names.set(t, name);
      return name;
    }
    const same = other !== null && sameValues(t, other);
    const filled = other === null || same ? null : batchFilled(graph, t, other, batch, batchSize);
    if (filled !== null) {
      names.set(t, filled);
      return filled;
    }
    if (!same) {
      const sameShape = other !== null && t.shape.join() === other.shape.join();
      const change = other === null
        ? "that changes with the batch size"
        : sameShape
          ? `whose values differ between two runs of forward (shape ${formatShape(t.shape)}: it was changed in place, or computed from the input's values)`
          : `that changes with the batch size (shape ${formatShape(t.shape)} at one batch size, ${formatShape(other.shape)} at the other)`;
      throw new ValueError(
        `toOnnx: input ${k} of ${describe(call)} is a tensor computed outside Strata's ops ${change}; ` +
          `compute it from the input with @strata/autograd ops (not from .data or x.shape), so that the graph can compute it for any batch`,
      );
    }
    const name = graph.constant(t);
    names.set(t, name);
    return name;
  };

  a.calls.forEach((call, i) => {
    const twin = b.calls[i]!;
    const output = call.outputs[0]?.dtype ?? "float32";
    const callInputs = inputsOf(call);
    const compute = call.kind === "function" ? null : computeDtype(call.op, callInputs, output, (v) => tensorOf(v)?.dtype ?? null);
    const dtype = compute?.dtype ?? output;
    const inputNamesOf: string[] = [];
    const info: (ValueInfo | null)[] = [];
    const values: (Tensor | number | null)[] = [];
    const twinInputs = inputsOf(twin);
    callInputs.forEach((x, k) => {
      if (x === null || x === undefined) {
        inputNamesOf.push("");
        info.push(null);
        values.push(null);
        return;
      }
      if (typeof x === "number") {
        const other = twinInputs[k];
        if (!Object.is(other, x)) {
          throw new ValueError(
            `toOnnx: input ${k} of ${describe(call)} is the number ${x} at one batch size and ${String(other)} at another: a number computed from the batch size (as 1/n, or x.shape[0]) is fixed in the graph; compute it from the input with @strata/autograd ops (mean, for instance, instead of sum · 1/n)`,
          );
        }
        inputNamesOf.push(graph.scalar(x, dtype));
        info.push({ shape: [], dynamic: [], dtype });
        values.push(x);
        return;
      }
      const t = tensorOf(x);
      if (t === null) throw new ValueError(`toOnnx: input ${k} of ${describe(call)} is ${typeof x}; expected a tensor, a number or null`);
      const other = tensorOf(twinInputs[k]);
      const name = names.get(t) ?? constant(t, other, call, k);
      const seen = other === null ? { shape: t.shape, dynamic: t.shape.map(() => false), dtype: t.dtype } : infoOf(t, other);
      const cast = compute !== null && compute.casts(k) && t.dtype !== dtype;
      inputNamesOf.push(cast ? graph.op("Cast", [name], { to: elementType(dtype) }) : name);
      info.push(cast ? { ...seen, dtype } : seen);
      values.push(t);
    });
    const outputs = call.outputs.map((v, k) => infoOf(v.data, twin.outputs[k]!.data));
    const produced = lowerCall(call, {
      graph, op: describe(call), inputs: inputNamesOf, info, values, attrs: call.attrs, attrsOther: twin.attrs, outputs, opset, unit: call.kind === "unit" ? call.attrs : null,
    });
    if (produced.length !== call.outputs.length) {
      throw new ValueError(`toOnnx: the lowering of ${describe(call)} gave ${produced.length} outputs; the op has ${call.outputs.length}`);
    }
    call.outputs.forEach((v, k) => names.set(v.data, produced[k]!));
  });

  const outputs = a.outputs.map((v, k) => {
    const name = names.get(v.data);
    if (name === undefined) {
      throw new ValueError(`toOnnx: output ${k} of forward was not computed by Strata's ops from the input (it is a constant or was made from .data); an exported graph's outputs must depend on its input`);
    }
    return { name, info: infoOf(v.data, b.outputs[k]!.data) };
  });
  return { graph, inputs, outputs, batch };
}
