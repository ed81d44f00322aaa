// What the recurrent layers and cells share: their options, checked; the gate counts of each kind
// (RNN 1, GRU 3, LSTM 4); PyTorch's initialisation of every parameter; and one time step of each
// kind after the input projection, built from the fused cell ops of @strata/autograd.
import { add, gruCellPointwise, lstmCellPointwise, relu, tanh, variable, type Variable } from "@strata/autograd";
import { Rng, ValueError, type DType } from "@strata/tensor";
import { show } from "./checks.js";
import { checkParamOptions } from "./init.js";
import { uniform } from "./init-nd.js";
import { checkFlag } from "./linear.js";

/** The recurrence of a layer: Elman (RNN), GRU or LSTM. @internal */
export type RecurrentMode = "RNN" | "GRU" | "LSTM";

/** The number of gates stacked in each weight: W_ih is (gates·H, inputSize). @internal */
export const GATES: Record<RecurrentMode, number> = { RNN: 1, GRU: 3, LSTM: 4 };

/**
 * Options of {@link RNNCell}, {@link GRUCell} and {@link LSTMCell}, PyTorch's arguments in
 * camelCase: `bias` (default true) adds `bias_ih` and `bias_hh`; `nonlinearity` (RNNCell only,
 * default `"tanh"`) is `"tanh"` or `"relu"`; `rng` the generator the initial values are drawn
 * from; `dtype` float32 (default) or float64.
 *
 * @example
 * ```ts
 * import { RNNCell, type RecurrentCellOptions } from "@strata/nn";
 * const options: RecurrentCellOptions = { bias: false, nonlinearity: "relu" };
 * console.log(String(new RNNCell(3, 4, options))); // RNNCell(3, 4, bias=false, nonlinearity=relu)
 * ```
 */
export interface RecurrentCellOptions {
  /** Whether the cell adds the biases `bias_ih` and `bias_hh` (default true). */
  bias?: boolean;
  /** RNNCell's activation: `"tanh"` (default) or `"relu"`. */
  nonlinearity?: "tanh" | "relu";
  /** The generator of the initial values; the package's default stream when omitted. */
  rng?: Rng;
  /** float32 (default) or float64. */
  dtype?: DType;
}

/**
 * Options of {@link RNN}, {@link GRU} and {@link LSTM}, PyTorch's arguments in camelCase, on top of
 * {@link RecurrentCellOptions}: `numLayers` (default 1) stacked layers, layer k > 0 reading the
 * outputs of layer k − 1; `batchFirst` (default false) for input and output `(N, L, features)`
 * instead of `(L, N, features)` (the hidden states stay `(layers·directions, N, H)`); `dropout`
 * (default 0) the probability of dropout on every layer's output except the last, in training
 * mode only; `bidirectional` (default false) adds a layer reading the sequence backwards beside
 * each one, their outputs concatenated. `nonlinearity` is for RNN only.
 *
 * @example
 * ```ts
 * import { LSTM, type RecurrentOptions } from "@strata/nn";
 * const options: RecurrentOptions = { numLayers: 2, batchFirst: true, dropout: 0.1 };
 * console.log(String(new LSTM(8, 16, options))); // LSTM(8, 16, numLayers=2, batchFirst=true, dropout=0.1)
 * ```
 */
export interface RecurrentOptions extends RecurrentCellOptions {
  /** Stacked layers, an integer ≥ 1 (default 1). */
  numLayers?: number;
  /** Input and output (N, L, features) instead of (L, N, features) (default false). */
  batchFirst?: boolean;
  /** Dropout on each layer's output but the last's, in training, in [0, 1] (default 0). */
  dropout?: number;
  /** A second direction per layer, reading the sequence from its end (default false). */
  bidirectional?: boolean;
}

/** The checked nonlinearity of an RNN or RNNCell ("tanh" for the others, which must not set it). @internal */
export function checkNonlinearity(layer: string, mode: RecurrentMode, value: unknown): "tanh" | "relu" {
  if (value === undefined) return "tanh";
  if (mode !== "RNN") throw new ValueError(`${layer}: nonlinearity is an option of RNN and RNNCell only, got ${show(value)}`);
  if (value !== "tanh" && value !== "relu") throw new ValueError(`${layer}: nonlinearity must be "tanh" or "relu", got ${show(value)}`);
  return value;
}

/** One layer-direction's (or one cell's) parameters, in PyTorch's order. @internal */
export interface CellWeights {
  weightIh: Variable;
  weightHh: Variable;
  biasIh: Variable | null;
  biasHh: Variable | null;
}

/**
 * Parameters for `count` layer-directions, each `weight_ih (G·H, inputSizes[k])`,
 * `weight_hh (G·H, H)` and the biases `(G·H)`, drawn in that order uniform in ±1/√H (PyTorch's
 * `reset_parameters`, which draws every parameter so, one after the other). @internal
 */
export function initCellWeights(layer: string, mode: RecurrentMode, inputSizes: readonly number[], hidden: number, options: RecurrentCellOptions): CellWeights[] {
  const bias = checkFlag(layer, "bias", options.bias ?? true);
  const { rng, dtype } = checkParamOptions(layer, { ...(options.rng !== undefined && { rng: options.rng }), ...(options.dtype !== undefined && { dtype: options.dtype }) });
  const k = 1 / Math.sqrt(hidden);
  const rows = GATES[mode] * hidden;
  const draw = (shape: number[]) => variable(uniform(shape, { a: -k, b: k, rng, dtype }), { requiresGrad: true });
  return inputSizes.map((inputSize) => {
    const weightIh = draw([rows, inputSize]);
    const weightHh = draw([rows, hidden]);
    return { weightIh, weightHh, biasIh: bias ? draw([rows]) : null, biasHh: bias ? draw([rows]) : null };
  });
}

/** The recurrent state between steps: h, and c for an LSTM. @internal */
export interface StepState {
  h: Variable;
  c: Variable | null;
}

/**
 * One time step after the input projection: `xProj = x·W_ihᵀ + b_ih` (plus `b_hh` for RNN and
 * LSTM, whose `b_hh` is only ever added to it), `hidden(h) = h·W_hhᵀ`, and the GRU's separate `bHh`.
 * RNN: `h' = act(xProj + h·W_hhᵀ)`; LSTM: the fused `lstmCellPointwise` of
 * `xProj + h·W_hhᵀ`; GRU: the fused `gruCellPointwise` of `xProj` and `h·W_hhᵀ + b_hh`.
 * @internal
 */
export function step(mode: RecurrentMode, xProj: Variable, state: StepState, hidden: (h: Variable) => Variable, bHh: Variable | null, nonlinearity: "tanh" | "relu"): StepState {
  const hw = hidden(state.h);
  if (mode === "GRU") return { h: gruCellPointwise(xProj, bHh === null ? hw : add(hw, bHh), state.h), c: null };
  const gates = add(xProj, hw);
  if (mode === "RNN") return { h: nonlinearity === "relu" ? relu(gates) : tanh(gates), c: null };
  const [h, c] = lstmCellPointwise(gates, state.c!);
  return { h, c };
}
