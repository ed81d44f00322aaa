// RNN, GRU and LSTM lowered as a whole: the layer's layouts (batch first, unbatched) and states
// (h0, c0) turned into ONNX's (L, N, F) and (layers·dirs, N, H), the layers chained, and each
// layer written by ONNX's operator of the same name (recurrent-operator.ts) or, in float64, as its
// steps unrolled (recurrent-steps.ts): ONNX Runtime has no float64 kernel for RNN, GRU or LSTM.
import { GRU, LSTM, RNN } from "@strata/nn";
import { formatShape } from "@strata/tensor";
import { withBatchAxis } from "./lower-batched.js";
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
 * F)` with batchFirst, or unbatched `(L, F)`, run as a batch of one. The operator path writes
 * nothing that depends on N or L (reshapes copy those axes with 0), so both stay free; the
 * unrolled path fixes L.
 */
function lowerRecurrent(kind: RecurrentKind): Lower<unknown, RecurrentModule> {
  return (args: LowerArgs<unknown, RecurrentModule>) => {
    const x = infoOf(args, 0);
    const unbatched = x.shape.length === 2;
    if (!(x.shape.length === 3 || unbatched)) throw cannotExport(args.op, `expected an input of 2 or 3 axes, got ${formatShape(x.shape)}`);
    const inputs = [args.inputs[0]!, args.inputs[1] ?? "", kind === "LSTM" ? args.inputs[2] ?? "" : ""];
    // unbatched: N, axis 1 of ONNX's (L, N, F) and of the states (layers·dirs, N, H), of length 1
    if (unbatched) return withBatchAxis(args.graph, 1, inputs, (batched) => layers(args, kind, batched, false));
    return layers(args, kind, inputs, args.unit.batchFirst);
  };
}

/** The layers chained on `[x, h0, c0]` with a batch axis ("" for an absent state): `[output, hN, cN?]`. */
function layers(args: LowerArgs<unknown, RecurrentModule>, kind: RecurrentKind, [x, h0, c0]: string[], batchFirst: boolean): string[] {
  const { graph, unit: layer } = args;
  const info = infoOf(args, 0);
  // to ONNX's layout (L, N, F)
  let input = batchFirst ? graph.op("Transpose", [x!], { perm: [1, 0, 2] }) : x!;
  const seqAxis = batchFirst ? 1 : 0;
  const context: RecurrentContext = {
    graph, op: args.op, kind, layer, dtype: info.dtype,
    length: info.shape[seqAxis]!, lengthIsFree: info.dynamic[seqAxis] === true, h0: h0!, c0: c0!,
  };
  // ONNX Runtime 1.31 runs RNN, GRU and LSTM in float32 only ("does not support double yet")
  const write: LayerWriter = info.dtype === "float64" ? unrolledLayer : operatorLayer;
  const finalH: string[] = [];
  const finalC: string[] = [];
  for (let l = 0; l < layer.numLayers; l++) {
    const run = write(context, l, input);
    input = run.y;
    finalH.push(run.h);
    if (run.c !== null) finalC.push(run.c);
  }
  const output = batchFirst ? graph.op("Transpose", [input], { perm: [1, 0, 2] }) : input;
  return [output, graph.concat(finalH, 0), ...(kind === "LSTM" ? [graph.concat(finalC, 0)] : [])];
}

/** The recurrent layers as units: op name, class, lowering. */
export const recurrentUnits = [
  { op: "RNN", layer: RNN, lower: lowerRecurrent("RNN") },
  { op: "GRU", layer: GRU, lower: lowerRecurrent("GRU") },
  { op: "LSTM", layer: LSTM, lower: lowerRecurrent("LSTM") },
] as const;
