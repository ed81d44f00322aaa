// The course's L-layer network as a module whose parameters carry the course's names.
import type { Variable } from "@strata/autograd";
import type { DType, Rng } from "@strata/tensor";
import { activationJSON, activationOf } from "./activation-json.js";
import { activation as lookup, type ActivationSpec } from "./activations.js";
import { field } from "./config-fields.js";
import { Dense } from "./dense.js";
import { checkParamOptions, he, zeros, type Initializer } from "./init.js";
import { layerEntry, type StateShape } from "./layer-type.js";
import { checkLayerDims } from "./model-blocks.js";
import { Sequential, setLayers } from "./sequential.js";

/**
 * Options of {@link deepNetwork}: the activations g[1…L-1] and g[L], how each W[l] (n[l], n[l-1])
 * is drawn, the generator, and the dtype of every W[l] and b[l].
 *
 * @example
 * ```ts
 * import { deepNetwork, xavier, type DeepNetworkOptions } from "@strata/nn";
 * import { ones, rng } from "@strata/tensor";
 * const options: DeepNetworkOptions = { hidden: "tanh", output: "softmax", init: xavier(), rng: rng(0), dtype: "float64" };
 * const net = deepNetwork([4, 5, 3], options);
 * console.log(net.layers.map((d) => d.activation.name), net.layers[0]!.W.dtype); // ["tanh", "softmax"] float64
 * console.log(net.forward(ones([4, 2], { dtype: "float64" })).shape); // [3, 2]
 * ```
 */
export interface DeepNetworkOptions {
  /** The activation of layers 1…L-1; `"relu"` by default. */
  hidden?: ActivationSpec;
  /** The activation of layer L; `"sigmoid"` by default. */
  output?: ActivationSpec;
  /** How every W is drawn, He by default as in initializeParametersDeep; b starts at zero. */
  init?: Initializer;
  /** The generator, drawn from layer by layer; the package's default stream when omitted. */
  rng?: Rng;
  /** float32 (default) or float64. */
  dtype?: DType;
}

/**
 * The L-layer network as a Sequential of Dense layers whose parameters are named as in the course:
 * `W1, b1, …, WL, bL`. So its stateDict and the building blocks' parameter dict are the same thing.
 * Layer l has W[l] (n[l], n[l-1]) and b[l] (n[l], 1); forward takes X (n[0], m) and returns
 * AL (n[L], m).
 *
 * @throws ValueError when layerDims has fewer than two entries or an entry is not an integer ≥ 1,
 *   `hidden` or `output` names an unknown activation (or a leakyRelu slope that is negative or not
 *   finite), or `rng` is not an Rng (checked up front, also with `init: zeros()`).
 * @throws DTypeError when `dtype` is not float32 or float64.
 * @example
 * ```ts
 * import { deepNetwork, initializeParametersDeep, scaled } from "@strata/nn";
 * import { rng } from "@strata/tensor";
 * const net = deepNetwork([4, 3, 1], { init: scaled(0.01), rng: rng(7) });
 * console.log(net.namedParameters().map(([k]) => k)); // ["W1", "b1", "W2", "b2"]
 * const same = initializeParametersDeep([4, 3, 1], { init: scaled(0.01), rng: rng(7) });
 * console.log(net.stateDict().W2!.equals(same.W2!)); // true
 * ```
 */
export class DeepNetwork extends Sequential {
  /** The Dense layers 1…L. */
  declare readonly layers: readonly Dense[];
  /** The layer sizes [n0, n1, …, nL]. */
  readonly layerDims: readonly number[];

  constructor(layerDims: readonly number[], options: DeepNetworkOptions = {}) {
    checkLayerDims("deepNetwork", layerDims);
    checkParamOptions("deepNetwork", options);
    const hidden = lookup(options.hidden ?? "relu");
    const output = lookup(options.output ?? "sigmoid");
    const L = layerDims.length - 1;
    const layers = layerDims.slice(1).map((n, i) => new Dense(layerDims[i]!, n, {
      activation: i + 1 === L ? output : hidden,
      init: options.init ?? he(),
      ...(options.rng && { rng: options.rng }),
      ...(options.dtype && { dtype: options.dtype }),
    }));
    super();
    setLayers(this, layers);
    this.layerDims = [...layerDims];
  }

  /**
   * `W1, b1, …, WL, bL`, as the building blocks name them: the network holds its layers'
   * parameters as its own, so they are listed (and saved) once, under these names, and not again
   * under the layers' `0.W`, `0.b`, ….
   */
  protected override ownParameters(): [string, Variable][] {
    return this.layers.flatMap((d, i): [string, Variable][] => [[`W${i + 1}`, d.W], [`b${i + 1}`, d.b]]);
  }
}

const deepNetworkFields = {
  layerDims: field.list(field.integer({ min: 1 }), { minLength: 2, maxLength: Infinity, what: "layer sizes" }),
  hidden: field.activation(),
  output: field.activation(),
  dtype: field.dtype(),
};

/** deepNetwork in architectures: `{ type: "deepNetwork", layerDims, hidden, output, dtype }`. @internal */
export const deepNetworkLayer = layerEntry(DeepNetwork, {
  type: "deepNetwork",
  fields: deepNetworkFields,
  config: (net) => {
    const layers = net.layers;
    return {
      layerDims: [...net.layerDims],
      // With one layer there is no hidden activation to read; the default is what a rebuild needs.
      hidden: layers.length > 1 ? activationJSON(layers[0]!.activation) : { name: "relu" as const },
      output: activationJSON(layers[layers.length - 1]!.activation),
      dtype: layers[0]!.W.dtype as "float32" | "float64",
    };
  },
  fromConfig: (c) => new DeepNetwork(c.layerDims, { hidden: activationOf(c.hidden), output: activationOf(c.output), dtype: c.dtype, init: zeros() }),
  *stateShapes(c): Generator<StateShape> {
    for (let l = 1; l < c.layerDims.length; l++) {
      yield [`W${l}`, [c.layerDims[l]!, c.layerDims[l - 1]!]];
      yield [`b${l}`, [c.layerDims[l]!, 1]];
    }
  },
});

/**
 * Builds the L-layer network [n0, n1, …, nL]: Dense layers with `hidden` activations (ReLU) and an
 * `output` activation (sigmoid) on the last; forward takes X of shape (n0, m) and returns AL (nL, m).
 * The same as `new DeepNetwork(layerDims, options)`.
 *
 * @throws ValueError when layerDims has fewer than two entries or an entry is not an integer ≥ 1,
 *   `hidden` or `output` names an unknown activation (or a leakyRelu slope that is negative or not
 *   finite), or `rng` is not an Rng (checked up front, also with `init: zeros()`).
 * @throws DTypeError when `dtype` is not float32 or float64.
 * @example
 * ```ts
 * import { binaryCrossEntropy, deepNetwork } from "@strata/nn";
 * import { ones, rng, tensor } from "@strata/tensor";
 * const model = deepNetwork([3, 4, 1], { rng: rng(0), dtype: "float64" });
 * const loss = binaryCrossEntropy(model.forward(ones([3, 2], { dtype: "float64" })), tensor([[1, 0]], { dtype: "float64" }));
 * loss.backward();
 * console.log(model.parameters().every((p) => p.grad !== null)); // true
 * ```
 */
export function deepNetwork(layerDims: readonly number[], options: DeepNetworkOptions = {}): DeepNetwork {
  return new DeepNetwork(layerDims, options);
}
