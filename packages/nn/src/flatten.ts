// PyTorch's nn.Flatten and nn.Dropout2d: the shape and regularisation layers of a CNN.
import { dropout2d, flatten, Variable, type Operand } from "@strata/autograd";
import { Rng, ValueError } from "@strata/tensor";
import { field } from "./config-fields.js";
import { asLayer } from "./layer-position.js";
import { guardTraining } from "./training-guard.js";
import { layerEntry } from "./layer-type.js";
import { Module } from "./module.js";

/**
 * Merges axes `startDim` to `endDim` (defaults 1 and −1: everything but the batch axis) into one,
 * as PyTorch's `nn.Flatten`: (N, C, H, W) becomes (N, C·H·W), ready for a {@link Linear}. The
 * gradient is reshaped back.
 *
 * @throws ValueError from the constructor when a dim is not an integer; from `forward` when a dim
 *   is out of range for the input or startDim comes after endDim.
 * @example
 * ```ts
 * import { Flatten } from "@strata/nn";
 * import { ones } from "@strata/tensor";
 * const flat = new Flatten();
 * console.log(flat.forward(ones([32, 16, 4, 4])).shape, String(flat)); // [32, 256] Flatten(startDim=1, endDim=-1)
 * ```
 */
export class Flatten extends Module<[Operand], Variable> {
  /** The first axis merged. */
  readonly startDim: number;
  /** The last axis merged. */
  readonly endDim: number;
  constructor(options: { startDim?: number; endDim?: number } = {}) {
    super();
    const { startDim = 1, endDim = -1 } = options;
    for (const [name, d] of [["startDim", startDim], ["endDim", endDim]] as const) {
      if (!Number.isSafeInteger(d)) throw new ValueError(`Flatten: ${name} must be an integer, got ${String(d)}`);
    }
    this.startDim = startDim;
    this.endDim = endDim;
  }
  /** x with axes startDim…endDim merged. */
  forward(x: Operand): Variable {
    return asLayer(this, () => flatten(x, this.startDim, this.endDim));
  }
  /** `startDim=1, endDim=-1`. */
  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}

/**
 * Channel dropout, as PyTorch's `nn.Dropout2d(p)`: in training each channel `x[n, c]` of
 * (N, C, H, W) input is zeroed with probability p and the kept ones scaled by `1/(1 − p)`
 * ({@link dropout2d}); after `eval()` the input passes unchanged. The masks come from `rng` (the
 * package's default stream when omitted). Printed without PyTorch's `inplace=False`: there is
 * no in-place form.
 *
 * @throws ValueError from the constructor when p is not in [0, 1] or rng is not an Rng.
 * @throws ShapeError from `forward` when the input is not 4-D.
 * @example
 * ```ts
 * import { Dropout2d } from "@strata/nn";
 * import { ones, rng } from "@strata/tensor";
 * const drop = new Dropout2d(0.5, { rng: rng(3) });
 * console.log(drop.forward(ones([1, 3, 2, 2])).sum({ axis: [2, 3] }).toArray()); // [[8, 0, 8]]
 * console.log(drop.eval().forward(ones([1, 1, 1, 2])).data.squeeze().toArray(), String(drop)); // [1, 1] Dropout2d(p=0.5)
 * ```
 */
export class Dropout2d extends Module<[Operand], Variable> {
  /** The probability of zeroing each channel. */
  readonly p: number;
  readonly #rng: Rng | undefined;
  constructor(p = 0.5, options: { rng?: Rng } = {}) {
    super();
    if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new ValueError(`Dropout2d: p must be a probability in [0, 1], got ${String(p)}`);
    if (options.rng !== undefined && !(options.rng instanceof Rng)) throw new ValueError(`Dropout2d: options.rng must be an Rng from rng(seed), got ${String(options.rng)}`);
    this.p = p;
    this.#rng = options.rng;
  }
  /** In training `x ⊙ m / (1 − p)` with one fresh draw per channel; in evaluation `x`. */
  forward(x: Operand): Variable {
    guardTraining(this);
    return asLayer(this, () => dropout2d(x, { p: this.p, training: this.training, ...(this.#rng !== undefined && { rng: this.#rng }) }));
  }
  /** `p=0.5`. */
  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

const flattenFields = { startDim: field.integer({ min: -64, max: 64 }), endDim: field.integer({ min: -64, max: 64 }) };
const dropout2dFields = { p: field.number({ min: 0, max: 1, what: "a probability" }) };

/** Flatten in architectures. @internal */
export const flattenLayer = layerEntry(Flatten, {
  type: "Flatten", fields: flattenFields, config: (m) => ({ startDim: m.startDim, endDim: m.endDim }), fromConfig: (c) => new Flatten(c), stateShapes: () => [],
});

/** Dropout2d in architectures (the generator is not kept). @internal */
export const dropout2dLayer = layerEntry(Dropout2d, {
  type: "Dropout2d", fields: dropout2dFields, config: (m) => ({ p: m.p }), fromConfig: (c) => new Dropout2d(c.p), stateShapes: () => [],
});
