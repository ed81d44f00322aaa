// The built-in layer types, in one list: the registry starts from it (layer-registry.ts), so no
// layer registers itself as a side effect of being imported. Each entry sits beside its class.
// A new built-in layer adds its entry here.
import { moduleDictLayer, moduleListLayer } from "./containers.js";
import { denseLayer } from "./dense.js";
import { activationLayer, dropoutLayer } from "./dropout.js";
import type { LayerEntry } from "./layer-type.js";
import { deepNetworkLayer } from "./network.js";
import { sequentialLayer } from "./sequential.js";
import { linearLayer } from "./linear.js";
import { conv1dLayer, conv2dLayer } from "./conv-layers.js";
import { adaptiveAvgPool2dLayer, avgPool2dLayer, maxPool2dLayer } from "./pooling-layers.js";
import { batchNorm1dLayer, batchNorm2dLayer } from "./batch-norm-layers.js";
import { layerNormLayer } from "./layer-norm.js";
import { multiheadAttentionLayer } from "./multihead-attention.js";
import { transformerEncoderLayerLayer } from "./transformer.js";
import { transformerEncoderLayer } from "./transformer-encoder.js";
import { dropout2dLayer, flattenLayer } from "./flatten.js";
import { gruCellLayer, lstmCellLayer, rnnCellLayer } from "./recurrent-cells.js";
import { gruLayer, lstmLayer, rnnLayer } from "./recurrent.js";
import { embeddingLayer } from "./embedding.js";
import { geluLayer, leakyReluLayer, logSoftmaxLayer, reluLayer, sigmoidLayer, softmaxLayer, tanhLayer } from "./activation-layers.js";

/** Every built-in layer class with its type, in the order messages list them. @internal */
export const builtInLayers: readonly LayerEntry[] = [
  deepNetworkLayer,
  sequentialLayer,
  denseLayer,
  dropoutLayer,
  activationLayer,
  moduleListLayer,
  moduleDictLayer,
  linearLayer,
  conv1dLayer,
  conv2dLayer,
  maxPool2dLayer,
  avgPool2dLayer,
  adaptiveAvgPool2dLayer,
  batchNorm1dLayer,
  batchNorm2dLayer,
  flattenLayer,
  dropout2dLayer,
  reluLayer,
  leakyReluLayer,
  tanhLayer,
  sigmoidLayer,
  geluLayer,
  softmaxLayer,
  logSoftmaxLayer,
  rnnCellLayer,
  gruCellLayer,
  lstmCellLayer,
  rnnLayer,
  gruLayer,
  lstmLayer,
  layerNormLayer,
  multiheadAttentionLayer,
  transformerEncoderLayerLayer,
  transformerEncoderLayer,
  embeddingLayer,
];
