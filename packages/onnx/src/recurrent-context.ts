// What the two ways of writing one recurrent layer (ONNX's operator, or the steps unrolled) share:
// the layer being lowered, its input in ONNX's layout, and its initial states.
import type { GRU, LSTM, RNN } from "@strata/nn";
import type { DType, Tensor } from "@strata/tensor";
import type { GraphBuilder } from "./graph-builder.js";
import type { DirectionWeights, RecurrentKind } from "./recurrent-weights.js";

/** One recurrent layer being lowered. */
export interface RecurrentContext {
  readonly graph: GraphBuilder;
  /** The layer's name for messages. */
  readonly op: string;
  readonly kind: RecurrentKind;
  readonly layer: RNN | GRU | LSTM;
  readonly dtype: DType;
  /** The sequence length at the trace, and whether it changes between the traces (it follows the batch). */
  readonly length: number;
  readonly lengthIsFree: boolean;
  /** h0 and c0 as (layers·dirs, N, H), or "" when absent (zeros). */
  readonly h0: string;
  readonly c0: string;
}

/** One layer's results: y `(L, N, dirs·H)`, the final h (and c, for an LSTM) `(dirs, N, H)`. */
export interface LayerRun {
  readonly y: string;
  readonly h: string;
  readonly c: string | null;
}

/** Writes layer `l` reading `input` `(L, N, F)`. */
export type LayerWriter = (context: RecurrentContext, l: number, input: string) => LayerRun;

/** The parameters of layer `l`'s directions, forward first, as tensors. */
export function directionsOf(context: RecurrentContext, l: number): DirectionWeights[] {
  const dirs = context.layer.numDirections;
  return context.layer.allWeights.slice(l * dirs, (l + 1) * dirs).map(([weightIh, weightHh, biasIh, biasHh]) => ({
    weightIh: weightIh!.data, weightHh: weightHh!.data, biasIh: biasIh?.data ?? null, biasHh: biasHh?.data ?? null,
  }));
}

/**
 * The layer's constant `base` ("LSTM_l0_W", made unique in the graph as "LSTM_l0_W_1", … when
 * another layer took that name), computed by `make` the first time this layer asks for it in this
 * graph and shared after. The recurrent lowerings' constants are new tensors (re-packed or
 * transposed from the parameters), not the layer's own, so they are not named by state-dict keys.
 */
export function layerConstant(context: RecurrentContext, base: string, make: () => Tensor): string {
  return context.graph.constant(make, { base, key: base, owner: context.layer });
}
