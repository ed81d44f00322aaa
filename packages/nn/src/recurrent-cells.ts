// PyTorch's RNNCell, GRUCell and LSTMCell: one time step each, with PyTorch's parameter names
// (weight_ih, weight_hh, bias_ih, bias_hh), gate orders, initialisation and printed form.
import { add, matmul, squeeze, transpose, unsqueeze, Variable, type Operand } from "@strata/autograd";
import { DTypeError, ShapeError, rng, zeros, type DType } from "@strata/tensor";
import { field } from "./config-fields.js";
import { layerInput, shapeText } from "./layer-input.js";
import { asLayer, layerLabel } from "./layer-position.js";
import { layerEntry, type StateShape } from "./layer-type.js";
import { checkCount } from "./linear.js";
import { Module } from "./module.js";
import { GATES, checkNonlinearity, initCellWeights, step, type RecurrentCellOptions, type RecurrentMode, type StepState } from "./recurrent-params.js";

/** A state argument (h or c) as a variable of `shape` and the layer's dtype, or a clear error. */
function stateInput(module: Module, name: string, value: Operand, shape: readonly number[], dtype: DType): Variable {
  const label = layerLabel(module);
  if (!(value instanceof Variable) && typeof value !== "object") throw new ShapeError(`${label}: expected ${name} ${shapeText(shape)}, got ${String(value)}`);
  const v = value instanceof Variable ? value : new Variable(value);
  if (v.shape.join() !== shape.join()) throw new ShapeError(`${label}: expected ${name} ${shapeText(shape)}, got ${shapeText(v.shape)}`);
  if (v.dtype !== dtype) throw new DTypeError(`${label}: ${name} is ${v.dtype} but the layer's weights are ${dtype}; cast it with .cast("${dtype}")`);
  return v;
}

/** The shared state of the three cells; `mode` says which recurrence. */
abstract class RecurrentCell<State, Out> extends Module<[Operand, State?], Out> {
  /** The input's features. */
  readonly inputSize: number;
  /** The hidden state's features, H. */
  readonly hiddenSize: number;
  /** W_ih, (G·H, inputSize): the gates' weights on the input, stacked in PyTorch's gate order. */
  declare readonly weight_ih: Variable;
  /** W_hh, (G·H, H): the gates' weights on the hidden state. */
  declare readonly weight_hh: Variable;
  /** b_ih, (G·H), or null without a bias. */
  declare readonly bias_ih: Variable | null;
  /** b_hh, (G·H), or null without a bias. */
  declare readonly bias_hh: Variable | null;
  /** "tanh" or "relu" (RNNCell; "tanh" for the others). */
  readonly nonlinearity: "tanh" | "relu";
  readonly #mode: RecurrentMode;

  constructor(mode: RecurrentMode, inputSize: number, hiddenSize: number, options: RecurrentCellOptions) {
    super();
    const layer = `${mode}Cell`;
    this.inputSize = checkCount(layer, "inputSize", inputSize);
    this.hiddenSize = checkCount(layer, "hiddenSize", hiddenSize);
    this.nonlinearity = checkNonlinearity(layer, mode, options.nonlinearity);
    this.#mode = mode;
    const [w] = initCellWeights(layer, mode, [inputSize], hiddenSize, options);
    this.registerParameter("weight_ih", w!.weightIh);
    this.registerParameter("weight_hh", w!.weightHh);
    if (w!.biasIh !== null) this.registerParameter("bias_ih", w!.biasIh);
    if (w!.biasHh !== null) this.registerParameter("bias_hh", w!.biasHh);
    if (w!.biasIh === null) Object.defineProperties(this, { bias_ih: { value: null }, bias_hh: { value: null } });
  }

  /** x as (N, inputSize), whether it was unbatched, and its state argument(s) as (N, H) variables. */
  protected prepare(x: Operand, states: readonly (Operand | undefined)[], names: readonly string[]): { v: Variable; unbatched: boolean; given: Variable[] } {
    const dtype = this.weight_ih.dtype;
    let v = layerInput(this, x, dtype);
    const unbatched = v.ndim === 1;
    if (!((v.ndim === 2 || unbatched) && v.shape[v.ndim - 1] === this.inputSize)) {
      throw new ShapeError(`${layerLabel(this)}: expected input (N, ${this.inputSize}) or unbatched (${this.inputSize}), got ${shapeText(v.shape)}`);
    }
    if (unbatched) v = unsqueeze(v, 0);
    const n = v.shape[0]!;
    const shape = unbatched ? [this.hiddenSize] : [n, this.hiddenSize];
    const given = states.map((s, k) => {
      const h = s === undefined ? new Variable(zeros([n, this.hiddenSize], { dtype })) : stateInput(this, names[k]!, s, shape, dtype);
      return unbatched && s !== undefined ? unsqueeze(h, 0) : h;
    });
    return { v, unbatched, given };
  }

  /** One step from x (N, inputSize) and the state (N, H). */
  protected advance(v: Variable, state: StepState): StepState {
    let xProj = matmul(v, transpose(this.weight_ih));
    if (this.bias_ih !== null) xProj = add(xProj, this.#mode === "GRU" ? this.bias_ih : add(this.bias_ih, this.bias_hh!));
    return asLayer(this, () => step(this.#mode, xProj, state, (h) => matmul(h, transpose(this.weight_hh)), this.#mode === "GRU" ? this.bias_hh : null, this.nonlinearity));
  }

  /** `3, 4`, then `bias=false` and `nonlinearity=relu` when they differ from the defaults, as PyTorch prints it. */
  override extraRepr(): string {
    const parts = [`${this.inputSize}, ${this.hiddenSize}`];
    if (this.bias_ih === null) parts.push("bias=false");
    if (this.nonlinearity !== "tanh") parts.push(`nonlinearity=${this.nonlinearity}`);
    return parts.join(", ");
  }
}

/**
 * An Elman RNN cell, as PyTorch's `nn.RNNCell`: `h' = act(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)` with
 * act tanh (default) or relu, for x `(N, inputSize)` and h `(N, hiddenSize)` (or unbatched
 * `(inputSize)` and `(hiddenSize)`); a missing h is zeros. Parameters `weight_ih (H, inputSize)`,
 * `weight_hh (H, H)`, `bias_ih (H)`, `bias_hh (H)`, all uniform in ±1/√H as in PyTorch.
 *
 * @throws ValueError from the constructor for a size below 1, a nonlinearity other than tanh or
 *   relu, a bias that is not a boolean; DTypeError for a dtype other than float32 or float64.
 * @throws ShapeError from `forward` when x is not (N, inputSize) or (inputSize), or h is not
 *   (N, H) (or (H) for unbatched x); DTypeError when their dtype is not the weights'.
 * @example
 * ```ts
 * import { RNNCell } from "@strata/nn";
 * import { ones, rng } from "@strata/tensor";
 * const cell = new RNNCell(3, 4, { rng: rng(0) });
 * const h = cell.forward(ones([2, 3]));
 * console.log(cell.weight_ih.shape, h.shape, cell.forward(ones([2, 3]), h).shape); // [4, 3] [2, 4] [2, 4]
 * console.log(String(cell)); // RNNCell(3, 4)
 * ```
 */
export class RNNCell extends RecurrentCell<Operand, Variable> {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentCellOptions = {}) {
    super("RNN", inputSize, hiddenSize, options);
  }

  /** h' (N, H), or (H) for unbatched x. */
  forward(x: Operand, h?: Operand): Variable {
    const { v, unbatched, given } = this.prepare(x, [h], ["h"]);
    const next = this.advance(v, { h: given[0]!, c: null }).h;
    return unbatched ? squeeze(next, 0) : next;
  }
}

/**
 * A GRU cell, as PyTorch's `nn.GRUCell`, gates in PyTorch's order r, z, n:
 * `r = σ(W_ir x + b_ir + W_hr h + b_hr)`, `z = σ(W_iz x + b_iz + W_hz h + b_hz)`,
 * `n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))` (b_hn inside the product, as PyTorch) and
 * `h' = (1 − z) ⊙ n + z ⊙ h`; the pointwise part is one fused op (`gruCellPointwise` of @strata/autograd).
 * Parameters `weight_ih (3H, inputSize)`, `weight_hh (3H, H)`, `bias_ih (3H)`, `bias_hh (3H)`,
 * uniform in ±1/√H. Shapes as {@link RNNCell}.
 *
 * @throws as {@link RNNCell} (ValueError, DTypeError from the constructor; ShapeError, DTypeError
 *   from `forward`).
 * @example
 * ```ts
 * import { GRUCell } from "@strata/nn";
 * import { ones, rng } from "@strata/tensor";
 * const cell = new GRUCell(3, 4, { rng: rng(0) });
 * console.log(cell.weight_hh.shape, cell.forward(ones([3])).shape); // [12, 4] [4]
 * ```
 */
export class GRUCell extends RecurrentCell<Operand, Variable> {
  constructor(inputSize: number, hiddenSize: number, options: Omit<RecurrentCellOptions, "nonlinearity"> = {}) {
    super("GRU", inputSize, hiddenSize, options);
  }

  /** h' (N, H), or (H) for unbatched x. */
  forward(x: Operand, h?: Operand): Variable {
    const { v, unbatched, given } = this.prepare(x, [h], ["h"]);
    const next = this.advance(v, { h: given[0]!, c: null }).h;
    return unbatched ? squeeze(next, 0) : next;
  }
}

/**
 * An LSTM cell, as PyTorch's `nn.LSTMCell`, gates in PyTorch's order i, f, g, o: with
 * `a = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh`, `c' = σ(a_f) ⊙ c + σ(a_i) ⊙ tanh(a_g)` and
 * `h' = σ(a_o) ⊙ tanh(c')`; the pointwise part is one fused op (`lstmCellPointwise` of @strata/autograd).
 * `forward(x, [h, c]?)` returns `[h', c']`; a missing state is zeros. Parameters
 * `weight_ih (4H, inputSize)`, `weight_hh (4H, H)`, `bias_ih (4H)`, `bias_hh (4H)`, uniform in
 * ±1/√H. Shapes as {@link RNNCell}, for h and c alike.
 *
 * @throws as {@link RNNCell} (ValueError, DTypeError from the constructor; ShapeError, DTypeError
 *   from `forward`, for x, h and c).
 * @example
 * ```ts
 * import { LSTMCell } from "@strata/nn";
 * import { ones, rng } from "@strata/tensor";
 * const cell = new LSTMCell(3, 4, { rng: rng(0) });
 * const [h, c] = cell.forward(ones([2, 3]));
 * console.log(h.shape, c.shape, cell.forward(ones([2, 3]), [h, c])[0].shape); // [2, 4] [2, 4] [2, 4]
 * console.log(String(cell)); // LSTMCell(3, 4)
 * ```
 */
export class LSTMCell extends RecurrentCell<[Operand, Operand], [Variable, Variable]> {
  constructor(inputSize: number, hiddenSize: number, options: Omit<RecurrentCellOptions, "nonlinearity"> = {}) {
    super("LSTM", inputSize, hiddenSize, options);
  }

  /** [h', c'], each (N, H), or (H) for unbatched x. */
  forward(x: Operand, state?: [Operand, Operand]): [Variable, Variable] {
    const { v, unbatched, given } = this.prepare(x, [state?.[0], state?.[1]], ["h", "c"]);
    const next = this.advance(v, { h: given[0]!, c: given[1]! });
    return unbatched ? [squeeze(next.h, 0), squeeze(next.c!, 0)] : [next.h, next.c!];
  }
}

const cellFields = {
  inputSize: field.integer({ min: 1, max: 1 << 24 }),
  hiddenSize: field.integer({ min: 1, max: 1 << 24 }),
  bias: field.boolean(),
  dtype: field.dtype(),
};
const rnnCellFields = { ...cellFields, nonlinearity: field.oneOf("tanh", "relu") };
type CellConfig = { inputSize: number; hiddenSize: number; bias: boolean; dtype: "float32" | "float64" };

const cellConfig = (m: RecurrentCell<unknown, unknown>): CellConfig => ({ inputSize: m.inputSize, hiddenSize: m.hiddenSize, bias: m.bias_ih !== null, dtype: m.weight_ih.dtype as "float32" | "float64" });

function cellShapes(mode: RecurrentMode) {
  return (c: CellConfig): StateShape[] => {
    const rows = GATES[mode] * c.hiddenSize;
    const weights: StateShape[] = [["weight_ih", [rows, c.inputSize]], ["weight_hh", [rows, c.hiddenSize]]];
    return c.bias ? [...weights, ["bias_ih", [rows]], ["bias_hh", [rows]]] : weights;
  };
}

// A generator of their own: the weights are about to be loaded (the default one would advance).
/** RNNCell in architectures: `{ type: "RNNCell", inputSize, hiddenSize, bias, nonlinearity, dtype }`. @internal */
export const rnnCellLayer = layerEntry(RNNCell, {
  type: "RNNCell",
  fields: rnnCellFields,
  config: (m) => ({ ...cellConfig(m), nonlinearity: m.nonlinearity }),
  fromConfig: (c) => new RNNCell(c.inputSize, c.hiddenSize, { bias: c.bias, nonlinearity: c.nonlinearity, dtype: c.dtype, rng: rng(0) }),
  stateShapes: cellShapes("RNN"),
});

/** GRUCell in architectures: `{ type: "GRUCell", inputSize, hiddenSize, bias, dtype }`. @internal */
export const gruCellLayer = layerEntry(GRUCell, {
  type: "GRUCell",
  fields: cellFields,
  config: cellConfig,
  fromConfig: (c) => new GRUCell(c.inputSize, c.hiddenSize, { bias: c.bias, dtype: c.dtype, rng: rng(0) }),
  stateShapes: cellShapes("GRU"),
});

/** LSTMCell in architectures: `{ type: "LSTMCell", inputSize, hiddenSize, bias, dtype }`. @internal */
export const lstmCellLayer = layerEntry(LSTMCell, {
  type: "LSTMCell",
  fields: cellFields,
  config: cellConfig,
  fromConfig: (c) => new LSTMCell(c.inputSize, c.hiddenSize, { bias: c.bias, dtype: c.dtype, rng: rng(0) }),
  stateShapes: cellShapes("LSTM"),
});
