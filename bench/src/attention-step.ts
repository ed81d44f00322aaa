// The transformer workload of bench/src/attention.ts: one training step (forward, backward, SGD)
// of a 2-layer TransformerEncoder, d 128, 4 heads, feed-forward 512, sequence 64, batch 32,
// batch-first, float32, loss Σ y·g against a fixed cotangent g.
import { mul, sum } from "@strata/autograd";
import { TransformerEncoder, TransformerEncoderLayer } from "@strata/nn";
import { SGD } from "@strata/optim";
import { randn, rng, type Tensor } from "@strata/tensor";

/** The workload's sizes, shared with bench/python/transformer_step.py. */
export const WORKLOAD = { dModel: 128, nhead: 4, dimFeedforward: 512, seq: 64, batch: 32, layers: 2, dropout: 0.1, lr: 0.01 };

/** A fresh model, input and cotangent, and a function running one training step. */
export function transformerStep(options: { dropout?: number } = {}): { step: () => void; x: Tensor } {
  const w = WORKLOAD;
  const r = rng(0);
  const layer = new TransformerEncoderLayer(w.dModel, w.nhead, { dimFeedforward: w.dimFeedforward, dropout: options.dropout ?? w.dropout, batchFirst: true, rng: r });
  const model = new TransformerEncoder(layer, w.layers);
  const x = randn([w.batch, w.seq, w.dModel], { rng: r });
  const g = randn([w.batch, w.seq, w.dModel], { rng: r });
  const opt = new SGD(model.parameters(), { lr: w.lr });
  return {
    x,
    step: () => {
      opt.zeroGrad();
      sum(mul(model.forward(x), g)).backward();
      opt.step();
    },
  };
}
