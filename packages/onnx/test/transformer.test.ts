// TransformerEncoderLayer and TransformerEncoder exported by tracing (their attention written out,
// their LayerNorms and activations lowered as ops), and a user's Embedding → LSTM → Linear model
// taking int32 token ids: ONNX Runtime's outputs against Strata's forward at another batch size.
import { slice, type Operand, type Variable } from "@strata/autograd";
import { Embedding, LayerNorm, Linear, LSTM, Module, TransformerEncoder, TransformerEncoderLayer, type TransformerEncoderLayerForwardOptions } from "@strata/nn";
import { randint, randn, rng, type Tensor } from "@strata/tensor";
import { describe, expect, it } from "vitest";
import { opTypes } from "./onnx-file.js";
import { expectOrtMatches } from "./ort.js";

type Dtype = "float32" | "float64";
const [S, D] = [5, 8];
const noise = (shape: number[], dtype: Dtype, seed: number): Tensor => randn(shape, { rng: rng(seed), dtype });

/** A layer or encoder called with fixed forward options (isCausal), as a user's model would. */
class Encode extends Module<[Operand], Variable> {
  constructor(readonly inner: TransformerEncoderLayer | TransformerEncoder, readonly options: TransformerEncoderLayerForwardOptions = {}) {
    super();
  }
  forward(x: Operand): Variable {
    return (this.inner.forward as (x: Operand, o: TransformerEncoderLayerForwardOptions) => Variable)(x, this.options);
  }
}

describe.each(["float32", "float64"] as const)("transformer encoders in %s", (dtype) => {
  const layer = (activation: "relu" | "gelu", normFirst: boolean, batchFirst = true): TransformerEncoderLayer =>
    new TransformerEncoderLayer(D, 2, { dimFeedforward: 16, activation, normFirst, batchFirst, rng: rng(3), dtype });

  it.each([
    ["relu", false],
    ["relu", true],
    ["gelu", false],
    ["gelu", true],
  ] as const)("TransformerEncoderLayer, %s, normFirst %s (dropout 0.1 left out in eval)", async (activation, normFirst) => {
    const { bytes } = await expectOrtMatches(layer(activation, normFirst), { inputShape: [2, S, D] }, [noise([3, S, D], dtype, 1)]);
    expect(opTypes(bytes)).toContain("Softmax");
  });

  it("TransformerEncoderLayer, sequence first (S, N, E), causal", async () => {
    await expectOrtMatches(new Encode(layer("relu", false, false), { isCausal: true }), { inputShape: [S, 2, D], batchAxis: 1 }, [noise([S, 3, D], dtype, 2)]);
  });

  it("TransformerEncoder: two layers and a final LayerNorm, causal", async () => {
    const encoder = new TransformerEncoder(layer("gelu", true), 2, { norm: new LayerNorm(D, { dtype }) });
    await expectOrtMatches(new Encode(encoder, { isCausal: true }), { inputShape: [2, S, D] }, [noise([3, S, D], dtype, 4)]);
  });
});

/** Issue 19's example: token ids → Embedding → LSTM (batch first) → Linear on the last step. */
class Tagger extends Module<[Operand], Variable> {
  embed = new Embedding(20, 6, { rng: rng(1) });
  lstm = new LSTM(6, 8, { batchFirst: true, numLayers: 2, rng: rng(2) });
  head = new Linear(8, 3, { rng: rng(3) });
  forward(ids: Operand): Variable {
    const [out] = this.lstm.forward(this.embed.forward(ids));
    return this.head.forward(slice(out, null, -1)); // (N, L, H) → the last step (N, H)
  }
}

describe("a user's sequence model", () => {
  it("Embedding → LSTM → Linear exports with inputDtype int32 and no extra work", async () => {
    const model = new Tagger();
    const ids = randint(0, 20, [3, 7], { rng: rng(5) });
    const { bytes, outputs } = await expectOrtMatches(model, { inputShape: [2, 7], inputDtype: "int32" }, [ids]);
    expect(outputs[0]!.shape).toEqual([3, 3]);
    expect(opTypes(bytes).filter((t) => t === "LSTM").length).toBe(2);
  });
});
