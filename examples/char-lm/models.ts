// The two character models, batch-first: int32 ids (N, T) in, logits (N, T, V) out. Each is
// registered as a layer type whose config holds its sizes and its vocabulary, so a checkpoint
// written by `save` rebuilds the model with `load` and knows which character each id is.
import { add, crossEntropy, reshape, type Variable } from "@strata/autograd";
import {
  Dropout, Embedding, field, LayerNorm, Linear, LSTM, Module, registerLayer, TransformerEncoder, TransformerEncoderLayer,
} from "@strata/nn";
import { arange, ShapeError, type Tensor } from "@strata/tensor";
import { Vocabulary } from "./corpus.js";
import type { CharModel } from "./sample.js";

/**
 * The loss fit minimises: the mean cross-entropy, in nats per character, of the logits (N, T, V)
 * flattened to (N·T, V) against the next characters (N, T) flattened to (N·T).
 */
export function sequenceCrossEntropy(logits: Variable, targets: Tensor): Variable {
  const [n, t, v] = logits.shape;
  if (logits.ndim !== 3 || targets.ndim !== 2 || targets.shape[0] !== n || targets.shape[1] !== t) {
    throw new ShapeError(`sequenceCrossEntropy: expected logits (N, T, V) and targets (N, T), got logits (${logits.shape.join(", ")}) and targets (${targets.shape.join(", ")})`);
  }
  return crossEntropy(reshape(logits, [n! * t!, v!]), targets.reshape([n! * t!]));
}

/** Checks that `ids` is int32 (N, T) with 1 ≤ T ≤ the model's context. */
function checkIds(model: string, ids: Tensor, contextLength: number): void {
  if (ids.dtype !== "int32" || ids.ndim !== 2 || ids.shape[1]! < 1 || ids.shape[1]! > contextLength) {
    throw new ShapeError(`${model}: expected int32 character ids (N, T) with 1 ≤ T ≤ ${contextLength}, got ${ids.dtype} (${ids.shape.join(", ")})`);
  }
}

/** Sizes of {@link CharTransformer}. */
export interface TransformerSizes {
  contextLength: number;
  dModel: number;
  numHeads: number;
  numLayers: number;
  dimFeedforward: number;
  dropout: number;
}

/**
 * A small causal transformer language model: token embedding + learned position embedding,
 * dropout, `numLayers` pre-norm encoder layers under a causal mask (position t attends to
 * positions ≤ t only), a final LayerNorm and a Linear to the vocabulary.
 */
export class CharTransformer extends Module<[Tensor], Variable> implements CharModel {
  readonly vocabulary: Vocabulary;
  readonly sizes: TransformerSizes;
  readonly tokenEmbedding: Embedding;
  readonly positionEmbedding: Embedding;
  readonly embeddingDropout: Dropout;
  readonly encoder: TransformerEncoder;
  readonly norm: LayerNorm;
  readonly head: Linear;

  constructor(vocabulary: Vocabulary, sizes: TransformerSizes) {
    super();
    this.vocabulary = vocabulary;
    this.sizes = { ...sizes };
    const { contextLength, dModel, numHeads, numLayers, dimFeedforward, dropout } = sizes;
    this.tokenEmbedding = new Embedding(vocabulary.size, dModel);
    this.positionEmbedding = new Embedding(contextLength, dModel);
    this.embeddingDropout = new Dropout(dropout);
    const layer = new TransformerEncoderLayer(dModel, numHeads, { dimFeedforward, dropout, batchFirst: true, normFirst: true });
    this.encoder = new TransformerEncoder(layer, numLayers);
    this.norm = new LayerNorm(dModel);
    this.head = new Linear(dModel, vocabulary.size);
  }

  get contextLength(): number {
    return this.sizes.contextLength;
  }

  forward(ids: Tensor): Variable {
    checkIds("CharTransformer", ids, this.contextLength);
    const t = ids.shape[1]!;
    const positions = arange(0, t, 1, { dtype: "int32" });
    const x = this.embeddingDropout.forward(add(this.tokenEmbedding.forward(ids), this.positionEmbedding.forward(positions)));
    const h = this.encoder.forward(x, { isCausal: true });
    return this.head.forward(this.norm.forward(h));
  }
}

/** Sizes of {@link CharLSTM}. */
export interface LstmSizes {
  contextLength: number;
  embeddingDim: number;
  hiddenSize: number;
  numLayers: number;
  dropout: number;
}

/** Embedding → LSTM (`numLayers`, batch-first, dropout between layers) → Linear to the vocabulary. */
export class CharLSTM extends Module<[Tensor], Variable> implements CharModel {
  readonly vocabulary: Vocabulary;
  readonly sizes: LstmSizes;
  readonly embedding: Embedding;
  readonly lstm: LSTM;
  readonly head: Linear;

  constructor(vocabulary: Vocabulary, sizes: LstmSizes) {
    super();
    this.vocabulary = vocabulary;
    this.sizes = { ...sizes };
    const { embeddingDim, hiddenSize, numLayers, dropout } = sizes;
    this.embedding = new Embedding(vocabulary.size, embeddingDim);
    this.lstm = new LSTM(embeddingDim, hiddenSize, { numLayers, batchFirst: true, dropout });
    this.head = new Linear(hiddenSize, vocabulary.size);
  }

  /** The window length it was trained on: sampling restarts it from a zero state on the last characters, as in training. */
  get contextLength(): number {
    return this.sizes.contextLength;
  }

  forward(ids: Tensor): Variable {
    checkIds("CharLSTM", ids, this.contextLength);
    const [output] = this.lstm.forward(this.embedding.forward(ids));
    return this.head.forward(output);
  }
}

const size = (max: number) => field.integer({ min: 1, max });
const vocabularyField = field.string({ maxLength: 65536 });
const dropoutField = field.number({ min: 0, max: 1, what: "a dropout probability" });

registerLayer(CharTransformer, {
  type: "char-lm.CharTransformer",
  fields: {
    vocabulary: vocabularyField, contextLength: size(1 << 16), dModel: size(1 << 16), numHeads: size(1024),
    numLayers: size(1024), dimFeedforward: size(1 << 20), dropout: dropoutField,
  },
  config: (m) => ({ vocabulary: m.vocabulary.toString(), ...m.sizes }),
  fromConfig: ({ vocabulary, ...sizes }) => new CharTransformer(Vocabulary.fromString(vocabulary), sizes),
});

registerLayer(CharLSTM, {
  type: "char-lm.CharLSTM",
  fields: {
    vocabulary: vocabularyField, contextLength: size(1 << 16), embeddingDim: size(1 << 16), hiddenSize: size(1 << 16),
    numLayers: size(1024), dropout: dropoutField,
  },
  config: (m) => ({ vocabulary: m.vocabulary.toString(), ...m.sizes }),
  fromConfig: ({ vocabulary, ...sizes }) => new CharLSTM(Vocabulary.fromString(vocabulary), sizes),
});

/** The model of `kind` for `vocabulary`, with the default sizes unless overridden. */
export function charModel(kind: "transformer" | "lstm", vocabulary: Vocabulary, sizes: Partial<TransformerSizes & LstmSizes> = {}): CharTransformer | CharLSTM {
  const contextLength = sizes.contextLength ?? 64;
  if (kind === "lstm") {
    return new CharLSTM(vocabulary, { contextLength, embeddingDim: sizes.embeddingDim ?? 64, hiddenSize: sizes.hiddenSize ?? 256, numLayers: sizes.numLayers ?? 2, dropout: sizes.dropout ?? 0.1 });
  }
  const dModel = sizes.dModel ?? 128;
  return new CharTransformer(vocabulary, {
    contextLength, dModel, numHeads: sizes.numHeads ?? 4, numLayers: sizes.numLayers ?? 2, dimFeedforward: sizes.dimFeedforward ?? 4 * dModel, dropout: sizes.dropout ?? 0.1,
  });
}
