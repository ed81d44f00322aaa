// One recurrent layer written as its time steps, unrolled over the traced sequence length: the
// float64 path, since ONNX Runtime (1.31) has no float64 kernel for RNN, GRU or LSTM. The steps
// are the ones Strata computes: every step's input projection in one MatMul, then per step
// h·W_hhᵀ and the cell's pointwise formula (lower-cells.ts).
import { add, type Tensor } from "@strata/tensor";
import { axisLength, filledOfShape } from "./batch-filled.js";
import { gruCellNodes, lstmCellNodes } from "./lower-cells.js";
import { cannotExport } from "./lowering.js";
import { directionsOf, layerConstant, type LayerWriter, type RecurrentContext } from "./recurrent-context.js";
import type { DirectionWeights } from "./recurrent-weights.js";

/** Zeros (N, H) with N read from `input` (L, N, F) at run time: the state when none is given. */
function zerosState(context: RecurrentContext, input: string): string {
  const { graph, layer, dtype } = context;
  return filledOfShape(graph, [axisLength(graph, input, 1), graph.int64s([layer.hiddenSize])], 0, dtype);
}

/** The initial state of layer-direction `k` from all states `(layers·dirs, N, H)`, or zeros. */
function initial(context: RecurrentContext, all: string, k: number, input: string): string {
  if (all === "") return zerosState(context, input);
  return context.graph.op("Gather", [all, context.graph.int64s([k], [])], { axis: 0 });
}

/** One direction over the sequence: its outputs stacked in time order `(L, N, H)`, and its last h and c `(N, H)`. */
function direction(context: RecurrentContext, w: DirectionWeights, k: number, reverse: boolean, input: string): { y: string; h: string; c: string | null } {
  const { graph, kind, layer } = context;
  const hidden = layer.hiddenSize;
  const base = `${kind}_l${Math.floor(k / layer.numDirections)}${reverse ? "_reverse" : ""}`;
  const constant = (name: string, make: () => Tensor): string => layerConstant(context, `${base}_${name}`, make);
  let proj = graph.op("MatMul", [input, constant("Wih_T", () => w.weightIh.T)]);
  // RNN and LSTM only ever add b_hh to the projection; GRU keeps it apart (inside r·(h·W_hnᵀ + b_hn))
  if (w.biasIh !== null) proj = graph.op("Add", [proj, constant("bias", () => (kind === "GRU" ? w.biasIh! : add(w.biasIh!, w.biasHh!)))]);
  const whhT = constant("Whh_T", () => w.weightHh.T);
  const bHh = kind === "GRU" && w.biasHh !== null ? constant("bias_hh", () => w.biasHh!) : null;
  let h = initial(context, context.h0, k, input);
  let c = kind === "LSTM" ? initial(context, context.c0, k, input) : null;
  const out = Array<string>(context.length);
  for (let s = 0; s < context.length; s++) {
    const t = reverse ? context.length - 1 - s : s;
    const xt = graph.op("Gather", [proj, graph.int64s([t], [])], { axis: 0 });
    const hw = graph.op("MatMul", [h, whhT]);
    if (kind === "GRU") {
      h = gruCellNodes(graph, xt, bHh === null ? hw : graph.op("Add", [hw, bHh]), h, hidden, context.dtype);
    } else if (kind === "LSTM") {
      [h, c] = lstmCellNodes(graph, graph.op("Add", [xt, hw]), c!, hidden);
    } else {
      h = graph.op(layer.nonlinearity === "relu" ? "Relu" : "Tanh", [graph.op("Add", [xt, hw])]);
    }
    out[t] = graph.op("Unsqueeze", [h, graph.int64s([0])]);
  }
  return { y: graph.concat(out, 0), h, c };
}

/** Layer `l` unrolled: its directions, their outputs side by side `(L, N, dirs·H)`. */
export const unrolledLayer: LayerWriter = (context, l, input) => {
  const { graph, layer } = context;
  if (context.lengthIsFree) {
    throw cannotExport(context.op, `in float64 is written as its steps unrolled over the sequence (ONNX Runtime has no float64 RNN, GRU or LSTM kernel), so its sequence length (${context.length}) cannot follow the batch size; export an input with a batch axis, or the layer in float32`);
  }
  if (context.length === 0) throw cannotExport(context.op, `in float64 is unrolled over the sequence, which has length 0 here; export a non-empty sequence`);
  const dirs = layer.numDirections;
  const runs = directionsOf(context, l).map((w, d) => direction(context, w, l * dirs + d, d === 1, input));
  const stateOf = (parts: string[]): string => graph.concat(parts.map((p) => graph.op("Unsqueeze", [p, graph.int64s([0])])), 0);
  return {
    y: graph.concat(runs.map((r) => r.y), 2),
    h: stateOf(runs.map((r) => r.h)),
    c: context.kind === "LSTM" ? stateOf(runs.map((r) => r.c!)) : null,
  };
};
