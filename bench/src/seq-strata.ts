// Strata's side of the sequence rows (issue 18): the two language models built from @strata/nn's
// layers as a PyTorch user would write them (the same module names, so PyTorch's state-dict keys
// load unchanged), their initial weights loaded with loadStateDict, one SGD step timed.
import { compile, crossEntropy, variable, type Variable } from "@strata/autograd";
import { Embedding, LSTM, Linear, Module, TransformerEncoder, TransformerEncoderLayer } from "@strata/nn";
import { SGD } from "@strata/optim";
import { tensor, type Tensor } from "@strata/tensor";
import { inputIds, targetIds, type LstmLmSpec, type SeqLmSpec, type TransformerLmSpec } from "./peers/seq-types.js";
import type { Prepared } from "./peers/types.js";

class LstmLm extends Module<[Tensor], Variable> {
  embedding: Embedding;
  lstm: LSTM;
  head: Linear;
  constructor(private readonly spec: LstmLmSpec) {
    super();
    this.embedding = new Embedding(spec.vocab, spec.embeddingDim);
    this.lstm = new LSTM(spec.embeddingDim, spec.hiddenSize, { numLayers: spec.numLayers, batchFirst: true });
    this.head = new Linear(spec.hiddenSize, spec.vocab);
  }
  /** Ids (B, L) → logits (B·L, V). */
  forward(ids: Tensor): Variable {
    const { batch: B, seqLen: L, hiddenSize: H } = this.spec;
    const [output] = this.lstm.forward(this.embedding.forward(ids));
    return this.head.forward(output.reshape([B * L, H]));
  }
}

class TransformerLm extends Module<[Tensor], Variable> {
  embedding: Embedding;
  pos: Variable;
  encoder: TransformerEncoder;
  head: Linear;
  constructor(private readonly spec: TransformerLmSpec) {
    super();
    const { vocab, seqLen, dModel, nhead, dimFeedforward, numLayers } = spec;
    this.embedding = new Embedding(vocab, dModel);
    this.pos = variable(tensor(new Float32Array(seqLen * dModel), { shape: [seqLen, dModel] }), { requiresGrad: true });
    const layer = new TransformerEncoderLayer(dModel, nhead, { dimFeedforward, dropout: 0, activation: "relu", batchFirst: true, normFirst: false });
    this.encoder = new TransformerEncoder(layer, numLayers);
    this.head = new Linear(dModel, vocab);
  }
  /** Ids (B, L) → logits (B·L, V), position i attending to 0..i. */
  forward(ids: Tensor): Variable {
    const { batch: B, seqLen: L, dModel: d } = this.spec;
    const x = this.embedding.forward(ids).add(this.pos);
    return this.head.forward(this.encoder.forward(x, { isCausal: true }).reshape([B * L, d]));
  }
}

/**
 * One SGD step of the language model `spec` describes; `run` returns the loss before the update.
 * "compiled" runs the same step through compile (recorded on its first call, replayed after).
 */
export function strataSeqStep(spec: SeqLmSpec, mode: "eager" | "compiled" = "eager"): Prepared<number> {
  const model = spec.kind === "lstm" ? new LstmLm(spec) : new TransformerLm(spec);
  model.loadStateDict(Object.fromEntries(Object.entries(spec.params).map(([name, p]) => [name, tensor(p.data, { shape: p.shape })])));
  const rows = spec.batch * spec.seqLen;
  const ids = tensor(inputIds(spec), { shape: [spec.batch, spec.seqLen], dtype: "int32" });
  const targets = tensor(targetIds(spec), { shape: [rows], dtype: "int32" });
  const opt = new SGD(model.parameters(), { lr: spec.lr });
  const step = (x: Tensor, y: Tensor): Variable => {
    opt.zeroGrad();
    const loss = crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    return loss;
  };
  const call = mode === "eager" ? step : compile(step, { onRefusal: "error" });
  return { run: () => call(ids, targets).item(), dispose: () => {} };
}
