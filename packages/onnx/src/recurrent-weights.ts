// A recurrent layer's PyTorch-layout parameters re-packed into the W, R and B inputs of ONNX's
// RNN, GRU and LSTM operators: directions stacked on a leading axis, gate blocks reordered from
// PyTorch's order to ONNX's, and the two biases concatenated (B = [Wb, Rb]).
import { concat, stack, type Tensor } from "@strata/tensor";

/** The recurrences ONNX has an operator for, named as the operator. */
export type RecurrentKind = "RNN" | "GRU" | "LSTM";

/**
 * For each of ONNX's gates in ONNX's order, the index of the same gate in PyTorch's order.
 * LSTM: PyTorch i, f, g, o; ONNX i, o, f, c (c is PyTorch's g). GRU: PyTorch r, z, n; ONNX z, r, h
 * (h is PyTorch's n, with `linear_before_reset = 1` so that b_hn sits inside the product with r).
 */
const ONNX_GATES: Record<RecurrentKind, readonly number[]> = { RNN: [0], GRU: [1, 0, 2], LSTM: [0, 3, 1, 2] };

/** The rows of `t` (gates·H along axis 0) with the gate blocks in ONNX's order. */
function reorderGates(kind: RecurrentKind, t: Tensor, hidden: number): Tensor {
  const order = ONNX_GATES[kind];
  if (order.length === 1) return t;
  return concat(order.map((g) => t.slice([g * hidden, (g + 1) * hidden])), { axis: 0 });
}

/** One layer-direction's parameters, as the layer's `allWeights` lists them. */
export interface DirectionWeights {
  readonly weightIh: Tensor;
  readonly weightHh: Tensor;
  readonly biasIh: Tensor | null;
  readonly biasHh: Tensor | null;
}

/** One layer's W `(dirs, G·H, in)`, R `(dirs, G·H, H)` and B `(dirs, 2·G·H)` (null without biases). */
export interface PackedLayer {
  readonly w: Tensor;
  readonly r: Tensor;
  readonly b: Tensor | null;
}

/**
 * The ONNX inputs of one layer from its directions' parameters (forward first, then reverse, as
 * both PyTorch and ONNX order them). These are new tensors, not the layer's own: no state-dict
 * tensor has ONNX's layout, so the graph holds them as constants of their own.
 */
export function packLayer(kind: RecurrentKind, directions: readonly DirectionWeights[], hidden: number): PackedLayer {
  const w = stack(directions.map((d) => reorderGates(kind, d.weightIh, hidden)));
  const r = stack(directions.map((d) => reorderGates(kind, d.weightHh, hidden)));
  const hasBias = directions.every((d) => d.biasIh !== null && d.biasHh !== null);
  const b = hasBias
    ? stack(directions.map((d) => concat([reorderGates(kind, d.biasIh!, hidden), reorderGates(kind, d.biasHh!, hidden)], { axis: 0 })))
    : null;
  return { w, r, b };
}
