// RNN, GRU and LSTM lowered as a whole: the layer's layouts (batch first, unbatched) and states
// (h0, c0) turned into ONNX's (L, N, F) and (layers·dirs, N, H), the layers chained, and each
// layer written by ONNX's operator of the same name (recurrent-operator.ts) or, in float64, as its
// steps unrolled (recurrent-steps.ts): ONNX Runtime has no float64 kernel for RNN, GRU or LSTM.
import { GRU, LSTM, RNN } from "@strata/nn";
import { formatShape } from "@strata/tensor";
import { cannotExport, infoOf, type Lower, type LowerArgs } from "./lowering.js";
import { operatorLayer } from "./recurrent-operator.js";
import { unrolledLayer } from "./recurrent-steps.js";
import type { LayerWriter, RecurrentContext } from "./recurrent-context.js";
import type { RecurrentKind } from "./recurrent-weights.js";

/** The recurrent layers this file lowers. */
export type RecurrentModule = RNN | GRU | LSTM;

/**
 * The whole layer: inputs `[x, h0?, c0?]` (forward's arguments, LSTM's `[h0, c0]` flattened),
 * outputs `[output, hN]` or `[output, hN, cN]` as forward returns them. x is `(L, N, F)`, `(N, L,
 * F)` with batchFirst, or unbatched `(L, F)`. The operator path writes nothing that depends on N
 * or L (reshapes copy those axes with 0), so both stay free; the unrolled path fixes L.
 */
function lowerRecurrent(kind: RecurrentKind): Lower<unknown, RecurrentModule> {
  return (args: LowerArgs<unknown, RecurrentModule>) => {
    const { graph, unit: layer } = args;
    const x = infoOf(args, 0);
    const unbatched = x.shape.length === 2;
    if (!(x.shape.length === 3 || unbatched)) throw cannotExport(args.op, `expected an input of 2 or 3 axes, got ${formatShape(x.shape)}`);
    const ints = (values: number[]): string => graph.int64s(values);
    // to ONNX's layout (L, N, F), and the states to (layers·dirs, N, H)
    const toBatched = (name: string): string => (name === "" || !unbatched ? name : graph.op("Unsqueeze", [name, ints([1])]));
    let input = toBatched(args.inputs[0]!);
    if (layer.batchFirst && !unbatched) input = graph.op("Transpose", [input], { perm: [1, 0, 2] });
    const seqAxis = unbatched || !layer.batchFirst ? 0 : 1;
    const context: RecurrentContext = {
      graph, op: args.op, kind, layer, dtype: x.dtype,
      length: x.shape[seqAxis]!, lengthIsFree: x.dynamic[seqAxis] === true,
      h0: toBatched(args.inputs[1] ?? ""), c0: kind === "LSTM" ? toBatched(args.inputs[2] ?? "") : "",
    };
    // ONNX Runtime 1.31 runs RNN, GRU and LSTM in float32 only ("does not support double yet")
    const write: LayerWriter = x.dtype === "float64" ? unrolledLayer : operatorLayer;
    const finalH: string[] = [];
    const finalC: string[] = [];
    for (let l = 0; l < layer.numLayers; l++) {
      const run = write(context, l, input);
      input = run.y;
      finalH.push(run.h);
      if (run.c !== null) finalC.push(run.c);
    }
    const states = [graph.concat(finalH, 0), ...(kind === "LSTM" ? [graph.concat(finalC, 0)] : [])];
    if (unbatched) return [input, ...states].map((s) => graph.op("Squeeze", [s, ints([1])]));
    const output = layer.batchFirst ? graph.op("Transpose", [input], { perm: [1, 0, 2] }) : input;
    return [output, ...states];
  };
}

/** The recurrent layers as units: op name, class, lowering. */
export const recurrentUnits = [
  { op: "RNN", layer: RNN, lower: lowerRecurrent("RNN") },
  { op: "GRU", layer: GRU, lower: lowerRecurrent("GRU") },
  { op: "LSTM", layer: LSTM, lower: lowerRecurrent("LSTM") },
] as const;
