// PyTorch's TransformerEncoder: numLayers independent copies of one encoder layer in a ModuleList
// named layers (keys `layers.0.…`), then an optional final norm.
import type { Operand, Variable } from "@strata/autograd";
import { ValueError } from "@strata/tensor";
import { architectureOf, modelFromArchitecture } from "./architecture.js";
import { show } from "./checks.js";
import { field } from "./config-fields.js";
import { ModuleList } from "./containers.js";
import { layerOfModule } from "./layer-registry.js";
import { layerEntry } from "./layer-type.js";
import { checkCount } from "./linear.js";
import { Module } from "./module.js";
import { childStateShapes } from "./sequential.js";
import type { TransformerEncoderLayerForwardOptions } from "./transformer.js";

/**
 * The masks of {@link TransformerEncoder.forward}, PyTorch's `mask`, `src_key_padding_mask` and
 * `is_causal`, passed to every layer (as its srcMask, srcKeyPaddingMask and isCausal).
 *
 * @example
 * ```ts
 * import { TransformerEncoder, TransformerEncoderLayer, type TransformerEncoderForwardOptions } from "@strata/nn";
 * import { ones, rng, tensor } from "@strata/tensor";
 * const encoder = new TransformerEncoder(new TransformerEncoderLayer(4, 1, { dimFeedforward: 8, rng: rng(0) }), 2);
 * const options: TransformerEncoderForwardOptions = { srcKeyPaddingMask: tensor([[false, false, true]]) };
 * console.log(encoder.eval().forward(ones([3, 1, 4]), options).shape); // [3, 1, 4]
 * ```
 */
export interface TransformerEncoderForwardOptions {
  /** The attention mask of every layer, `(S, S)` or `(N·nhead, S, S)`. */
  mask?: TransformerEncoderLayerForwardOptions["srcMask"];
  /** Padding positions, `(N, S)`. */
  srcKeyPaddingMask?: TransformerEncoderLayerForwardOptions["srcKeyPaddingMask"];
  /** Let position i attend to j ≤ i only, when no mask is given. */
  isCausal?: boolean;
}

/**
 * An independent copy of a registered layer, children included: rebuilt from its architecture
 * (which describes every child too, so nothing is shared), its state loaded.
 */
function copyOf(layer: Module): Module {
  if (layerOfModule(layer) === undefined) {
    throw new ValueError(`TransformerEncoder: cannot copy ${layer.constructor.name}: the encoder layer's class must be registered (registerLayer) so that it can be rebuilt from its config`);
  }
  const copy = modelFromArchitecture(architectureOf(layer));
  copy.loadStateDict(layer.stateDict());
  return layer.training ? copy.train() : copy.eval();
}

/**
 * A stack of encoder layers, as PyTorch's `nn.TransformerEncoder`: `numLayers` independent copies of
 * `encoderLayer` (PyTorch deep-copies it; so do we: same config and initial weights, no sharing)
 * held in the ModuleList `layers`, applied in turn, then `norm` when given. State dict keys
 * `layers.0.self_attn.in_proj_weight`, …, `norm.weight`, as PyTorch's.
 *
 * @throws ValueError from the constructor when encoderLayer is not a registered Module (a
 *   TransformerEncoderLayer is), numLayers is not an integer ≥ 1 or norm is not a Module.
 * @throws from `forward` what its layers throw.
 * @example
 * ```ts
 * import { LayerNorm, TransformerEncoder, TransformerEncoderLayer } from "@strata/nn";
 * import { randn, rng } from "@strata/tensor";
 * const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true, rng: rng(0) });
 * const encoder = new TransformerEncoder(layer, 2, { norm: new LayerNorm(8) });
 * console.log(encoder.forward(randn([4, 6, 8], { rng: rng(1) })).shape); // [4, 6, 8]
 * console.log(Object.keys(encoder.stateDict()).filter((k) => k.startsWith("layers.1.self_attn") || k.startsWith("norm"))); // ["layers.1.self_attn.in_proj_weight", "layers.1.self_attn.in_proj_bias", "layers.1.self_attn.out_proj.weight", "layers.1.self_attn.out_proj.bias", "norm.weight", "norm.bias"]
 * ```
 */
export class TransformerEncoder extends Module<[Operand, TransformerEncoderForwardOptions?], Variable> {
  /** The encoder layers, in order. */
  readonly layers: ModuleList;
  /** The final normalisation, or null. */
  readonly norm: Module | null;

  constructor(encoderLayer: Module, numLayers: number, options: { norm?: Module | null } = {}) {
    super();
    if (!(encoderLayer instanceof Module)) throw new ValueError(`TransformerEncoder: encoderLayer must be a Module such as a TransformerEncoderLayer, got ${show(encoderLayer)}`);
    checkCount("TransformerEncoder", "numLayers", numLayers);
    const { norm = null } = options;
    if (norm !== null && !(norm instanceof Module)) throw new ValueError(`TransformerEncoder: norm must be a Module such as a LayerNorm, or null, got ${show(norm)}`);
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => copyOf(encoderLayer)));
    this.norm = norm;
  }

  /** The number of layers. */
  get numLayers(): number {
    return this.layers.length;
  }

  /** `src` through every layer, then the norm. */
  forward(src: Operand, options: TransformerEncoderForwardOptions = {}): Variable {
    const layerOptions: TransformerEncoderLayerForwardOptions = {
      ...(options.mask != null && { srcMask: options.mask }),
      ...(options.srcKeyPaddingMask != null && { srcKeyPaddingMask: options.srcKeyPaddingMask }),
      ...(options.isCausal !== undefined && { isCausal: options.isCausal }),
    };
    let x = src;
    for (const layer of this.layers) x = (layer.forward as (x: Operand, o: TransformerEncoderLayerForwardOptions) => Variable)(x, layerOptions);
    return (this.norm === null ? x : this.norm.forward(x)) as Variable;
  }
}

/** TransformerEncoder in architectures: its layers (each its own architecture) and a norm list of 0 or 1. @internal */
export const transformerEncoderLayer = layerEntry(TransformerEncoder, {
  type: "TransformerEncoder",
  fields: { layers: field.layers({ maxLength: 1024 }), norm: field.layers({ maxLength: 1 }) },
  config: (m) => ({ layers: [...m.layers], norm: m.norm === null ? [] : [m.norm] }),
  check: (c) => (c.layers.length >= 1 ? undefined : "layers: expected at least one encoder layer"),
  // the layers come built (and loaded next): one copy is made by the constructor, then replaced
  fromConfig: (c) => {
    const encoder = new TransformerEncoder(c.layers[0]!, 1, { norm: c.norm[0] ?? null });
    (encoder as { layers: ModuleList }).layers = new ModuleList(c.layers);
    return encoder;
  },
  stateShapes: (c, shapesOf) => childStateShapes([...c.layers.map((m, i): [string, Module] => [`layers.${i}`, m]), ...c.norm.map((m): [string, Module] => ["norm", m])], shapesOf),
});
