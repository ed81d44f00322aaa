// Strata's side of the sequence rows (issue 18): the two language models built from @strata/nn's
// layers as a PyTorch user would write them, their initial weights loaded as a PyTorch state dict.
import type { SeqLmSpec } from "./peers/seq-types.js";
import type { Prepared } from "./peers/types.js";

/** One SGD step of the language model `spec` describes; `run` returns the loss before the update. */
export function strataSeqStep(spec: SeqLmSpec): Prepared<number> {
  throw new Error(`${spec.kind === "lstm" ? "Embedding, LSTM" : "Embedding, TransformerEncoderLayer"}: not on this branch yet`);
}
