// PyTorch's RNN, GRU and LSTM over whole sequences: stacked layers, both directions, dropout
// between layers, PyTorch's parameter names (weight_ih_l0, …, bias_hh_l1_reverse), layouts and
// printed form. Each layer-direction projects every time step's input in one matrix product, then
// runs one product with W_hh and one fused cell op per step; W_hh's gradient is one product too.
import { add, concat, dropout, matmul, reshape, sharedLinear, squeeze, stack, transpose, unbind, unsqueeze, Variable, type Operand } from "@strata/autograd";
import { DTypeError, ShapeError, Tensor, rng, zeros, type DType, type Rng } from "@strata/tensor";
import { field } from "./config-fields.js";
import { layerInput, shapeText } from "./layer-input.js";
import { asLayer, layerLabel } from "./layer-position.js";
import { guardTraining } from "./training-guard.js";
import { layerEntry, type StateShape } from "./layer-type.js";
import { checkCount, checkFlag } from "./linear.js";
import { Module } from "./module.js";
import { GATES, checkNonlinearity, initCellWeights, step, type CellWeights, type RecurrentMode, type RecurrentOptions, type StepState } from "./recurrent-params.js";
import { checkDropout } from "./checks.js";

/** The shared body of RNN, GRU and LSTM; `mode` says which recurrence. */
abstract class RecurrentLayer<State, Out> extends Module<[Operand, State?], Out> {
  /** The parameters by PyTorch's names: `weight_ih_l1`, `bias_hh_l0_reverse`, … (absent ones undefined). */
  [parameter: `${"weight" | "bias"}_${"ih" | "hh"}_l${number}${"" | "_reverse"}`]: Variable | undefined;
  /** W_ih of layer 0, (G·H, inputSize), the gates stacked in PyTorch's order. */
  declare readonly weight_ih_l0: Variable;
  /** W_hh of layer 0, (G·H, H). */
  declare readonly weight_hh_l0: Variable;
  /** The input's features. */
  readonly inputSize: number;
  /** The hidden state's features, H. */
  readonly hiddenSize: number;
  /** Stacked layers. */
  readonly numLayers: number;
  /** Whether the layers add biases. */
  readonly bias: boolean;
  /** Input and output (N, L, features) when true, (L, N, features) when false. */
  readonly batchFirst: boolean;
  /** Dropout probability on each layer's output but the last's, in training. */
  readonly dropout: number;
  /** Whether each layer also reads the sequence backwards. */
  readonly bidirectional: boolean;
  /** "tanh" or "relu" (RNN; "tanh" for the others). */
  readonly nonlinearity: "tanh" | "relu";
  readonly #mode: RecurrentMode;
  readonly #weights: CellWeights[];
  readonly #rng: Rng | undefined;

  constructor(mode: RecurrentMode, inputSize: number, hiddenSize: number, options: RecurrentOptions) {
    super();
    this.inputSize = checkCount(mode, "inputSize", inputSize);
    this.hiddenSize = checkCount(mode, "hiddenSize", hiddenSize);
    this.numLayers = checkCount(mode, "numLayers", options.numLayers ?? 1);
    this.bias = checkFlag(mode, "bias", options.bias ?? true);
    this.batchFirst = checkFlag(mode, "batchFirst", options.batchFirst ?? false);
    this.dropout = checkDropout(mode, options.dropout ?? 0);
    this.bidirectional = checkFlag(mode, "bidirectional", options.bidirectional ?? false);
    this.nonlinearity = checkNonlinearity(mode, mode, options.nonlinearity);
    this.#mode = mode;
    this.#rng = options.rng;
    const dirs = this.numDirections;
    const inputs = Array.from({ length: this.numLayers * dirs }, (_, k) => (k < dirs ? inputSize : hiddenSize * dirs));
    this.#weights = initCellWeights(mode, mode, inputs, hiddenSize, options);
    this.#weights.forEach((w, k) => {
      const suffix = `_l${Math.floor(k / dirs)}${k % dirs === 1 ? "_reverse" : ""}`;
      this.registerParameter(`weight_ih${suffix}`, w.weightIh);
      this.registerParameter(`weight_hh${suffix}`, w.weightHh);
      if (w.biasIh !== null) this.registerParameter(`bias_ih${suffix}`, w.biasIh);
      if (w.biasHh !== null) this.registerParameter(`bias_hh${suffix}`, w.biasHh);
    });
  }

  /** 2 when bidirectional, else 1. */
  get numDirections(): number {
    return this.bidirectional ? 2 : 1;
  }

  /**
   * The parameters of each layer-direction in PyTorch's order (`all_weights`): for k = layer·dirs
   * + direction, `[weight_ih, weight_hh, bias_ih, bias_hh]` (without the biases when `bias` is false).
   */
  get allWeights(): Variable[][] {
    return this.#weights.map((w) => [w.weightIh, w.weightHh, ...(w.biasIh && w.biasHh ? [w.biasIh, w.biasHh] : [])]);
  }

  /** x as (L, N, inputSize) and whether it was unbatched, or a ShapeError naming the layout expected. */
  protected sequence(x: Operand): { v: Variable; unbatched: boolean } {
    const v = layerInput(this, x, this.#weights[0]!.weightIh.dtype);
    const want = this.batchFirst ? `(N, L, ${this.inputSize})` : `(L, N, ${this.inputSize})`;
    if (v.ndim === 3 && v.shape[2] === this.inputSize) return { v: this.batchFirst ? transpose(v, [1, 0, 2]) : v, unbatched: false };
    if (v.ndim === 2 && v.shape[1] === this.inputSize) return { v: unsqueeze(v, 1), unbatched: true };
    const also = v.ndim === 3 ? "" : ` or unbatched (L, ${this.inputSize})`;
    throw new ShapeError(`${layerLabel(this)}: expected input ${want} (batchFirst ${this.batchFirst})${also}, got ${shapeText(v.shape)}`);
  }

  /** An initial state (h0 or c0), checked, as (layers·dirs, N, H); zeros when absent. */
  protected initial(name: string, value: Operand | undefined, n: number, unbatched: boolean, dtype: DType): Variable {
    const layers = this.numLayers * this.numDirections;
    if (value === undefined) return new Variable(zeros([layers, n, this.hiddenSize], { dtype }));
    const want = unbatched ? [layers, this.hiddenSize] : [layers, n, this.hiddenSize];
    const label = layerLabel(this);
    const v = value instanceof Variable ? value : value instanceof Tensor ? new Variable(value) : null;
    if (v === null || v.shape.join() !== want.join()) {
      const got = v === null ? String(value) : shapeText(v.shape);
      throw new ShapeError(`${label}: expected ${name} ${shapeText(want)} (numLayers·numDirections, ${unbatched ? "" : "N, "}hiddenSize), got ${got}`);
    }
    if (v.dtype !== dtype) throw new DTypeError(`${label}: ${name} is ${v.dtype} but the layer's weights are ${dtype}; cast it with .cast("${dtype}")`);
    return unbatched ? unsqueeze(v, 1) : v;
  }

  /** The output (L, N, dirs·H) and the final states, each (layers·dirs, N, H). */
  protected run(v: Variable, h0: Variable, c0: Variable | null): { output: Variable; h: Variable; c: Variable | null } {
    const [length, n] = [v.shape[0]!, v.shape[1]!];
    const dirs = this.numDirections;
    const [hs, cs] = [unbind(h0), c0 === null ? null : unbind(c0)];
    const lastH: Variable[] = [];
    const lastC: Variable[] = [];
    let input = v;
    for (let layer = 0; layer < this.numLayers; layer++) {
      const outputs: Variable[] = [];
      for (let d = 0; d < dirs; d++) {
        const k = layer * dirs + d;
        const w = this.#weights[k]!;
        const features = input.shape[2]!;
        let proj = matmul(reshape(input, [length * n, features]), transpose(w.weightIh));
        if (w.biasIh !== null) proj = add(proj, this.#mode === "GRU" ? w.biasIh : add(w.biasIh, w.biasHh!));
        const steps = unbind(reshape(proj, [length, n, proj.shape[1]!]));
        const hidden = sharedLinear(w.weightHh);
        let state: StepState = { h: hs[k]!, c: cs === null ? null : cs[k]! };
        const out: Variable[] = Array<Variable>(length);
        for (let s = 0; s < length; s++) {
          const t = d === 0 ? s : length - 1 - s;
          state = step(this.#mode, steps[t]!, state, hidden, this.#mode === "GRU" ? w.biasHh : null, this.nonlinearity);
          out[t] = state.h;
        }
        outputs.push(length === 0 ? new Variable(zeros([0, n, this.hiddenSize], { dtype: v.dtype })) : stack(out));
        lastH.push(state.h);
        if (state.c !== null) lastC.push(state.c);
      }
      input = dirs === 1 ? outputs[0]! : concat(outputs, { axis: 2 });
      if (this.dropout > 0 && layer < this.numLayers - 1) guardTraining(this);
      if (this.dropout > 0 && this.training && layer < this.numLayers - 1) {
        input = dropout(input, { p: this.dropout, ...(this.#rng !== undefined && { rng: this.#rng }) });
      }
    }
    return { output: input, h: stack(lastH), c: c0 === null ? null : stack(lastC) };
  }

  /** Back to the caller's layout: batch first, or without the batch axis for unbatched input. */
  protected layout(output: Variable, states: (Variable | null)[], unbatched: boolean): { output: Variable; states: Variable[] } {
    const out = unbatched ? squeeze(output, 1) : this.batchFirst ? transpose(output, [1, 0, 2]) : output;
    return { output: out, states: states.filter((s): s is Variable => s !== null).map((s) => (unbatched ? squeeze(s, 1) : s)) };
  }

  /** The whole forward: checks, the layers, the caller's layout; errors from inside the ops named after the layer. */
  protected forwardAll(x: Operand, h0: Operand | undefined, c0: Operand | undefined, lstm: boolean): { output: Variable; states: Variable[] } {
    const { v, unbatched } = this.sequence(x);
    const n = v.shape[1]!;
    const h = this.initial("h0", h0, n, unbatched, v.dtype);
    const c = lstm ? this.initial("c0", c0, n, unbatched, v.dtype) : null;
    const r = asLayer(this, () => this.run(v, h, c));
    return this.layout(r.output, [r.h, r.c], unbatched);
  }

  /** `64, 256`, then each option that differs from PyTorch's default, as PyTorch prints it (camelCase). */
  override extraRepr(): string {
    const parts = [`${this.inputSize}, ${this.hiddenSize}`];
    if (this.numLayers !== 1) parts.push(`numLayers=${this.numLayers}`);
    if (!this.bias) parts.push("bias=false");
    if (this.batchFirst) parts.push("batchFirst=true");
    if (this.dropout !== 0) parts.push(`dropout=${this.dropout}`);
    if (this.bidirectional) parts.push("bidirectional=true");
    if (this.nonlinearity !== "tanh") parts.push(`nonlinearity=${this.nonlinearity}`);
    return parts.join(", ");
  }
}

/**
 * A multi-layer Elman RNN, as PyTorch's `nn.RNN`: per layer and time step
 * `h_t = act(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh)`, act tanh (default) or relu.
 * `forward(x, h0?)` returns `[output, hN]`: x `(L, N, inputSize)` (`(N, L, inputSize)` with
 * `batchFirst`, or unbatched `(L, inputSize)`); h0 and hN `(numLayers·numDirections, N, H)` (unbatched
 * `(numLayers·numDirections, H)`), layer-major with the forward direction before the reverse, a
 * missing h0 being zeros; output `(L, N, numDirections·H)` (or batch first): the last layer's h_t at
 * every step, the reverse direction's in the second half. Layer k > 0 reads the previous layer's
 * output (H·numDirections features), with dropout on it in training when `dropout > 0`.
 * Parameters `weight_ih_l{k}`, `weight_hh_l{k}`, `bias_ih_l{k}`, `bias_hh_l{k}` (and `…_reverse`),
 * all uniform in ±1/√H: a PyTorch state dict loads unchanged.
 *
 * Variable lengths: there are no packed sequences. Pad a batch to its longest sequence and mask the
 * padded positions out of the loss (`crossEntropy`'s `ignoreIndex`): with one direction the
 * outputs at real positions never see the padding, which comes after them (hN does see it: read
 * each sequence's last real output from `output` instead). A bidirectional layer's reverse
 * direction starts at the padded end, so its outputs at real positions depend on the padding and
 * masking the loss does not undo that: batch sequences of one length together (bucketing), or run
 * such sequences one at a time.
 *
 * @throws ValueError from the constructor for a size or numLayers below 1, a dropout outside
 *   [0, 1], a nonlinearity other than tanh or relu, a flag that is not a boolean; DTypeError for a
 *   dtype other than float32 or float64.
 * @throws ShapeError from `forward` for an input or h0 of the wrong shape, e.g.
 *   `RNN(layer 1): expected input (L, N, 64) (batchFirst false), got (32, 64, 65)`; DTypeError
 *   when the input's or h0's dtype is not the weights'.
 * @example
 * ```ts
 * import { RNN } from "@strata/nn";
 * import { ones, rng } from "@strata/tensor";
 * const rnn = new RNN(3, 4, { numLayers: 2, bidirectional: true, rng: rng(0) });
 * const [output, hN] = rnn.forward(ones([5, 2, 3])); // L = 5, N = 2
 * console.log(output.shape, hN.shape, rnn.weight_ih_l1_reverse!.shape); // [5, 2, 8] [4, 2, 4] [4, 8]
 * console.log(String(rnn)); // RNN(3, 4, numLayers=2, bidirectional=true)
 * ```
 */
export class RNN extends RecurrentLayer<Operand, [Variable, Variable]> {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    super("RNN", inputSize, hiddenSize, options);
  }

  /** [output, hN]. */
  forward(x: Operand, h0?: Operand): [Variable, Variable] {
    const { output, states } = this.forwardAll(x, h0, undefined, false);
    return [output, states[0]!];
  }
}

/**
 * A multi-layer GRU, as PyTorch's `nn.GRU`: each step as {@link GRUCell} (gates r, z, n; b_hn
 * inside the product with r), everything else (shapes, h0/hN ordering, layers, directions,
 * dropout, parameter names, initialisation, variable lengths) as {@link RNN}.
 *
 * @throws as {@link RNN} (ValueError, DTypeError from the constructor; ShapeError, DTypeError from
 *   `forward`).
 * @example
 * ```ts
 * import { GRU } from "@strata/nn";
 * import { ones, rng } from "@strata/tensor";
 * const gru = new GRU(3, 4, { batchFirst: true, rng: rng(0) });
 * const [output, hN] = gru.forward(ones([2, 5, 3])); // N = 2, L = 5
 * console.log(output.shape, hN.shape, gru.weight_hh_l0.shape); // [2, 5, 4] [1, 2, 4] [12, 4]
 * ```
 */
export class GRU extends RecurrentLayer<Operand, [Variable, Variable]> {
  constructor(inputSize: number, hiddenSize: number, options: Omit<RecurrentOptions, "nonlinearity"> = {}) {
    super("GRU", inputSize, hiddenSize, options);
  }

  /** [output, hN]. */
  forward(x: Operand, h0?: Operand): [Variable, Variable] {
    const { output, states } = this.forwardAll(x, h0, undefined, false);
    return [output, states[0]!];
  }
}

/**
 * A multi-layer LSTM, as PyTorch's `nn.LSTM`: each step as {@link LSTMCell} (gates i, f, g, o,
 * one fused op per step). `forward(x, [h0, c0]?)` returns `[output, [hN, cN]]`, c0 and cN shaped
 * as h0 and hN; everything else as {@link RNN}. Each layer-direction projects all time steps'
 * inputs in one matrix product; each step then costs one product `h·W_hhᵀ` and the fused gates.
 *
 * @throws as {@link RNN} (ValueError, DTypeError from the constructor; ShapeError, DTypeError from
 *   `forward`, for x, h0 and c0).
 * @example
 * ```ts
 * import { LSTM } from "@strata/nn";
 * import { ones, rng } from "@strata/tensor";
 * const lstm = new LSTM(64, 256, { numLayers: 2, batchFirst: true, rng: rng(0) });
 * const [output, [hN, cN]] = lstm.forward(ones([4, 3, 64])); // N = 4, L = 3
 * console.log(output.shape, hN.shape, cN.shape); // [4, 3, 256] [2, 4, 256] [2, 4, 256]
 * console.log(String(lstm)); // LSTM(64, 256, numLayers=2, batchFirst=true)
 * ```
 */
export class LSTM extends RecurrentLayer<[Operand, Operand], [Variable, [Variable, Variable]]> {
  constructor(inputSize: number, hiddenSize: number, options: Omit<RecurrentOptions, "nonlinearity"> = {}) {
    super("LSTM", inputSize, hiddenSize, options);
  }

  /** [output, [hN, cN]]. */
  forward(x: Operand, state?: [Operand, Operand]): [Variable, [Variable, Variable]] {
    const { output, states } = this.forwardAll(x, state?.[0], state?.[1], true);
    return [output, [states[0]!, states[1]!]];
  }
}

const MAX_SIZE = 1 << 24;
const sequenceFields = {
  inputSize: field.integer({ min: 1, max: MAX_SIZE }),
  hiddenSize: field.integer({ min: 1, max: MAX_SIZE }),
  numLayers: field.integer({ min: 1, max: 1 << 12 }),
  bias: field.boolean(),
  batchFirst: field.boolean(),
  dropout: field.number({ min: 0, max: 1, what: "a probability" }),
  bidirectional: field.boolean(),
  dtype: field.dtype(),
};
const rnnFields = { ...sequenceFields, nonlinearity: field.oneOf("tanh", "relu") };
type SequenceConfig = { inputSize: number; hiddenSize: number; numLayers: number; bias: boolean; batchFirst: boolean; dropout: number; bidirectional: boolean; dtype: "float32" | "float64" };

function sequenceConfig(m: RecurrentLayer<unknown, unknown>): SequenceConfig {
  const { inputSize, hiddenSize, numLayers, bias, batchFirst, dropout: p, bidirectional } = m;
  return { inputSize, hiddenSize, numLayers, bias, batchFirst, dropout: p, bidirectional, dtype: m.allWeights[0]![0]!.dtype as "float32" | "float64" };
}

function sequenceShapes(mode: RecurrentMode) {
  return (c: SequenceConfig): StateShape[] => {
    const dirs = c.bidirectional ? 2 : 1;
    const rows = GATES[mode] * c.hiddenSize;
    const out: StateShape[] = [];
    for (let k = 0; k < c.numLayers * dirs; k++) {
      const suffix = `_l${Math.floor(k / dirs)}${k % dirs === 1 ? "_reverse" : ""}`;
      out.push([`weight_ih${suffix}`, [rows, k < dirs ? c.inputSize : c.hiddenSize * dirs]], [`weight_hh${suffix}`, [rows, c.hiddenSize]]);
      if (c.bias) out.push([`bias_ih${suffix}`, [rows]], [`bias_hh${suffix}`, [rows]]);
    }
    return out;
  };
}

// A generator of their own: the weights are about to be loaded (the default one would advance).
const fresh = (c: SequenceConfig) => ({ numLayers: c.numLayers, bias: c.bias, batchFirst: c.batchFirst, dropout: c.dropout, bidirectional: c.bidirectional, dtype: c.dtype, rng: rng(0) });

/** RNN in architectures: `{ type: "RNN", inputSize, hiddenSize, numLayers, …, nonlinearity }`. @internal */
export const rnnLayer = layerEntry(RNN, {
  type: "RNN",
  fields: rnnFields,
  config: (m) => ({ ...sequenceConfig(m), nonlinearity: m.nonlinearity }),
  fromConfig: (c) => new RNN(c.inputSize, c.hiddenSize, { ...fresh(c), nonlinearity: c.nonlinearity }),
  stateShapes: sequenceShapes("RNN"),
});

/** GRU in architectures: `{ type: "GRU", inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, dtype }`. @internal */
export const gruLayer = layerEntry(GRU, {
  type: "GRU",
  fields: sequenceFields,
  config: sequenceConfig,
  fromConfig: (c) => new GRU(c.inputSize, c.hiddenSize, fresh(c)),
  stateShapes: sequenceShapes("GRU"),
});

/** LSTM in architectures: `{ type: "LSTM", inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, dtype }`. @internal */
export const lstmLayer = layerEntry(LSTM, {
  type: "LSTM",
  fields: sequenceFields,
  config: sequenceConfig,
  fromConfig: (c) => new LSTM(c.inputSize, c.hiddenSize, fresh(c)),
  stateShapes: sequenceShapes("LSTM"),
});
