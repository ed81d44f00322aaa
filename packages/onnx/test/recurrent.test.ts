// RNN, GRU and LSTM exported as ONNX's own operators (float32) or as their unrolled steps (float64,
// which ONNX Runtime's recurrent kernels lack), run by ONNX Runtime at another batch size (and, in
// float32, another sequence length) and compared with Strata's forward.
import { GRU, LSTM, Module, RNN, type RecurrentOptions } from "@strata/nn";
import { toOnnx } from "@strata/onnx";
import { randn, rng, type Tensor } from "@strata/tensor";
import { slice, type Operand, type Variable } from "@strata/autograd";
import { describe, expect, it } from "vitest";
import { decode, freeLength, opTypes } from "./onnx-file.js";
import { expectClose, expectOrtMatches, runOnnx, strataOutputs, TOLERANCE } from "./ort.js";

type Kind = "RNN" | "GRU" | "LSTM";
type Dtype = "float32" | "float64";
const [L, F, H] = [5, 3, 4];

function layer(kind: Kind, dtype: Dtype, options: RecurrentOptions = {}): RNN | GRU | LSTM {
  const all = { ...options, rng: rng(7), dtype };
  if (kind === "RNN") return new RNN(F, H, all);
  const { nonlinearity: _, ...rest } = all;
  return kind === "GRU" ? new GRU(F, H, rest) : new LSTM(F, H, rest);
}

/** An input of `shape`, normal noise from `seed`. */
const noise = (shape: number[], dtype: Dtype, seed = 1): Tensor => randn(shape, { rng: rng(seed), dtype });

/** Exported at batch 2, run at batch 3 (axis 1 in the default layout, 0 with batchFirst). */
async function check(model: Module, dtype: Dtype, batchFirst = false): Promise<Uint8Array> {
  const shape = (n: number): number[] => (batchFirst ? [n, L, F] : [L, n, F]);
  const { bytes } = await expectOrtMatches(model, { inputShape: shape(2), batchAxis: batchFirst ? 0 : 1 }, [noise(shape(3), dtype)]);
  return bytes;
}

const configs: [string, Kind, RecurrentOptions][] = [
  ["RNN tanh", "RNN", {}],
  ["RNN relu", "RNN", { nonlinearity: "relu" }],
  ["GRU", "GRU", {}],
  ["LSTM", "LSTM", {}],
];

describe.each(["float32", "float64"] as const)("recurrent layers in %s", (dtype) => {
  // float32 uses ONNX's operator (one node per layer); float64 the unrolled steps, no such node
  const nodesPerLayer = dtype === "float32" ? 1 : 0;
  describe.each(configs)("%s", (_, kind, options) => {
    it("one layer: ONNX Runtime's outputs and final states match forward's at another batch size", async () => {
      const bytes = await check(layer(kind, dtype, options), dtype);
      expect(opTypes(bytes).filter((t) => t === kind).length).toBe(nodesPerLayer);
    });

    it("two layers, bidirectional: each layer one node, directions side by side", async () => {
      const bytes = await check(layer(kind, dtype, { ...options, numLayers: 2, bidirectional: true }), dtype);
      expect(opTypes(bytes).filter((t) => t === kind).length).toBe(2 * nodesPerLayer);
    });

    it("batchFirst, no bias", async () => {
      await check(layer(kind, dtype, { ...options, batchFirst: true, bias: false }), dtype, true);
    });

    it("dropout between layers is not in the exported (evaluation) graph", async () => {
      const model = layer(kind, dtype, { ...options, numLayers: 2, dropout: 0.5 });
      model.train();
      await check(model, dtype);
      expect(model.training).toBe(true); // the export restores the mode
    });
  });

  it.each(["RNN", "GRU"] as const)("%s with h0 given as a second graph input", async (kind) => {
    const model = layer(kind, dtype, { numLayers: 2, bidirectional: true });
    await expectOrtMatches(model, { inputShape: [[L, 2, F], [4, 2, H]], batchAxis: 1 }, [noise([L, 3, F], dtype), noise([4, 3, H], dtype, 2)]);
  });

  it("LSTM with (h0, c0) given: forward's tuple argument becomes two graph inputs", async () => {
    const lstm = layer("LSTM", dtype, { numLayers: 2, bidirectional: true }) as LSTM;
    class WithState extends Module<[Operand, Operand, Operand], [Variable, [Variable, Variable]]> {
      lstm = lstm;
      forward(x: Operand, h0: Operand, c0: Operand): [Variable, [Variable, Variable]] {
        return this.lstm.forward(x, [h0, c0]);
      }
    }
    // x (L, N, F) and the states (layers·dirs, N, H): the batch is axis 1 of all three (toOnnx takes one batchAxis)
    const model = new WithState();
    const inputs = (n: number, seed: number): Tensor[] => [noise([L, n, F], dtype, seed), noise([4, n, H], dtype, seed + 1), noise([4, n, H], dtype, seed + 2)];
    const { outputs } = await expectOrtMatches(model, { inputShape: [[L, 2, F], [4, 2, H], [4, 2, H]], batchAxis: 1, example: inputs(2, 1) }, inputs(3, 4));
    expect(outputs.map((o) => o.shape)).toEqual([[L, 3, 2 * H], [4, 3, H], [4, 3, H]]);
  });

  it("an LSTM stepped one token at a time (a decoder's loop) writes its weights once", async () => {
    const lstm = layer("LSTM", dtype, { batchFirst: true }) as LSTM;
    class Stepped extends Module<[Operand], Variable> {
      lstm = lstm;
      forward(x: Operand): Variable {
        let state: [Variable, Variable] | undefined;
        let out: Variable | undefined;
        for (let t = 0; t < L; t++) [out, state] = this.lstm.forward(slice(x, null, [t, t + 1]), state);
        return out!;
      }
    }
    const { bytes } = await expectOrtMatches(new Stepped(), { inputShape: [2, L, F] }, [noise([3, L, F], dtype)]);
    const names = decode(bytes).graph!.initializer!.map((t) => t.name!).filter((n) => n.startsWith("LSTM_"));
    expect(names).toEqual(dtype === "float32" ? ["LSTM_l0_W", "LSTM_l0_R", "LSTM_l0_B"] : ["LSTM_l0_Wih_T", "LSTM_l0_bias", "LSTM_l0_Whh_T"]);
  });
});

describe("recurrent layers' free axes (float32, ONNX's operators)", () => {
  it.each(["RNN", "GRU", "LSTM"] as const)("%s runs at another sequence length once the file leaves it free", async (kind) => {
    const model = layer(kind, "float32", { numLayers: 2, bidirectional: true });
    const { bytes } = await expectOrtMatches(model, { inputShape: [7, 2, F], batchAxis: 1 }, [noise([7, 3, F], "float32")]);
    const x = noise([11, 3, F], "float32", 6);
    const got = await runOnnx(freeLength(bytes, 7), [x]);
    strataOutputs(model, [x]).forEach((want, k) => expectClose(got[k]!, want, TOLERANCE.float32!, `output ${k}`));
  });

  it.each(["RNN", "GRU", "LSTM"] as const)("%s with unbatched input (L, F): the exported free axis is the sequence", async (kind) => {
    const model = layer(kind, "float32", { numLayers: 2, bidirectional: true });
    const { outputs } = await expectOrtMatches(model, { inputShape: [L, F], batchAxis: 0 }, [noise([L + 3, F], "float32")]);
    expect(outputs[0]!.shape).toEqual([L + 3, 2 * H]);
  });

  it("LSTM with unbatched input (L, F) and fixed unbatched states (layers·dirs, H): the states get the batch axis of one too", async () => {
    const lstm = layer("LSTM", "float32", { numLayers: 2, bidirectional: true }) as LSTM;
    const [h0, c0] = [noise([4, H], "float32", 8), noise([4, H], "float32", 9)];
    class FixedState extends Module<[Operand], [Variable, [Variable, Variable]]> {
      lstm = lstm;
      forward(x: Operand): [Variable, [Variable, Variable]] {
        return this.lstm.forward(x, [h0, c0]);
      }
    }
    const { outputs } = await expectOrtMatches(new FixedState(), { inputShape: [L, F], batchAxis: 0 }, [noise([L + 3, F], "float32")]);
    expect(outputs.map((o) => o.shape)).toEqual([[L + 3, 2 * H], [4, H], [4, H]]);
  });

  it("float64 unbatched input is refused: its steps are unrolled, so its length cannot follow the batch", () => {
    const model = layer("GRU", "float64");
    expect(() => toOnnx(model, { inputShape: [L, F], batchAxis: 0 })).toThrow(
      /layer GRU in float64 is written as its steps unrolled.*sequence length \(5\) cannot follow the batch size/,
    );
  });
});
