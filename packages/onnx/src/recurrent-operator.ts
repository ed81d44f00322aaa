// One recurrent layer as one node of ONNX's RNN, GRU or LSTM operator (opset 14 semantics, layout
// 0: ONNX Runtime's CPU kernels refuse layout 1, so batch-first input is transposed by the caller).
import { directionsOf, layerConstant, type LayerWriter, type RecurrentContext } from "./recurrent-context.js";
import type { Tensor } from "@strata/tensor";
import { packLayer, type PackedLayer } from "./recurrent-weights.js";

/** ONNX writes absent optional inputs as "", and may leave trailing ones out. */
function trimmed(inputs: readonly string[]): string[] {
  let end = inputs.length;
  while (end > 0 && inputs[end - 1] === "") end--;
  return inputs.slice(0, end);
}

/** The operator's attributes: RNN's activation per direction, GRU's linear_before_reset. */
function attributes(context: RecurrentContext): Record<string, number | string | string[]> {
  const { kind, layer } = context;
  const dirs = layer.numDirections;
  const attrs: Record<string, number | string | string[]> = { hidden_size: layer.hiddenSize, direction: dirs === 2 ? "bidirectional" : "forward" };
  // PyTorch's GRU adds b_hn inside the product with r: ONNX's linear_before_reset = 1
  if (kind === "GRU") attrs.linear_before_reset = 1;
  if (kind === "RNN") attrs.activations = Array<string>(dirs).fill(layer.nonlinearity === "relu" ? "Relu" : "Tanh");
  return attrs;
}

/** Layer `l` as one operator node; its Y `(L, dirs, N, H)` reshaped to `(L, N, dirs·H)`. */
export const operatorLayer: LayerWriter = (context, l, input) => {
  const { graph, kind, layer } = context;
  const [dirs, hidden] = [layer.numDirections, layer.hiddenSize];
  const ints = (values: number[]): string => graph.int64s(values);
  const stateOf = (all: string): string => (all === "" ? "" : graph.op("Slice", [all, ints([l * dirs]), ints([(l + 1) * dirs]), ints([0])]));
  let packed: PackedLayer | undefined;
  const part = (key: "w" | "r" | "b"): Tensor => (packed ??= packLayer(kind, directionsOf(context, l), hidden))[key]!;
  const base = `${kind}_l${l}`;
  const inputs = [
    input, layerConstant(context, `${base}_W`, () => part("w")), layerConstant(context, `${base}_R`, () => part("r")),
    layer.bias ? layerConstant(context, `${base}_B`, () => part("b")) : "",
    "", // sequence_lens: every sequence runs to L, as in Strata
    stateOf(context.h0),
    ...(kind === "LSTM" ? [stateOf(context.c0)] : []),
  ];
  const [y, h, c] = graph.node(kind, trimmed(inputs), attributes(context), { outputs: kind === "LSTM" ? 3 : 2 });
  // the directions side by side on the last axis, as PyTorch's output; 0 copies L and N
  const out = dirs === 1
    ? graph.op("Squeeze", [y!, ints([1])])
    : graph.op("Reshape", [graph.op("Transpose", [y!], { perm: [0, 2, 1, 3] }), ints([0, 0, dirs * hidden])]);
  return { y: out, h: h!, c: c ?? null };
};
