// The recurrent layers' behaviour beyond PyTorch's numbers (recurrent-torch.test.ts has those):
// dropout between layers (evaluation deterministic, p = 0 in training equals evaluation, p > 0
// differs and only between layers), PyTorch's initialisation bounds, gradients of gradients
// through a whole layer (the fused ops' createGraph fallback) against finite differences, the
// fused and composite paths agreeing, the errors, and summary over layers with several outputs.
import { describe, expect, it } from "vitest";
import { gradcheck, grad, mul, sum, variable, type Variable } from "@strata/autograd";
import { GRU, GRUCell, LSTM, LSTMCell, RNN, RNNCell, Sequential, summaryRows } from "@strata/nn";
import { DTypeError, ShapeError, ValueError, ones, randn, rng, type Tensor } from "@strata/tensor";
import { useFusedCells } from "../../autograd/src/cell-kernels.js";

const f64 = { dtype: "float64" as const };

describe("dropout between layers", () => {
  const x = randn([6, 3, 4], { rng: rng(1), ...f64 });
  const outputOf = (m: LSTM) => m.forward(x)[0].data;

  it("is deterministic in evaluation, and with p = 0 training equals evaluation", () => {
    const m = new LSTM(4, 5, { numLayers: 2, dropout: 0.5, rng: rng(2), ...f64 });
    m.eval();
    expect(outputOf(m).equals(outputOf(m))).toBe(true);
    const plain = new LSTM(4, 5, { numLayers: 2, rng: rng(2), ...f64 });
    expect(plain.training).toBe(true);
    expect(outputOf(plain).equals(outputOf(m))).toBe(true);
  });

  it("with p > 0 changes the training output, differently per call, only between layers", () => {
    const m = new GRU(4, 5, { numLayers: 2, dropout: 0.5, rng: rng(3), ...f64 });
    const [a, b] = [outputOf(m as unknown as LSTM), outputOf(m as unknown as LSTM)];
    m.eval();
    const evaluated = outputOf(m as unknown as LSTM);
    expect(a.equals(evaluated)).toBe(false);
    expect(a.equals(b)).toBe(false);
    // one layer: nothing to drop between, so training equals evaluation
    const single = new RNN(4, 5, { dropout: 0.5, rng: rng(4), ...f64 });
    const trained = single.forward(x)[0].data;
    single.eval();
    expect(trained.equals(single.forward(x)[0].data)).toBe(true);
  });
});

describe("initialisation", () => {
  it("draws every parameter uniform in ±1/√H, as PyTorch", () => {
    const m = new LSTM(3, 16, { numLayers: 2, bidirectional: true, rng: rng(5), ...f64 });
    const bound = 1 / Math.sqrt(16);
    for (const [name, p] of m.namedParameters()) {
      const values = Array.from(p.data.toTypedArray() as Float64Array);
      expect(Math.max(...values.map(Math.abs)), name).toBeLessThan(bound);
      // spread over the interval, not a constant fill
      expect(Math.max(...values) - Math.min(...values), name).toBeGreaterThan(bound);
    }
    expect(m.namedParameters().length).toBe(16);
    expect(m.weight_ih_l1!.shape).toEqual([64, 32]);
    expect(m.allWeights[3]![0]).toBe(m.weight_ih_l1_reverse);
  });
});

describe("gradients of gradients through a layer", () => {
  it("LSTM: the first derivative in x passes gradcheck (createGraph through the fused op's fallback)", () => {
    const m = new LSTM(2, 3, { rng: rng(6), ...f64 });
    const w = randn([3, 2, 3], { rng: rng(7), ...f64 });
    const dx = grad((x: Variable) => sum(mul(m.forward(x)[0], w)));
    expect(gradcheck((x) => sum(mul(dx(x), dx(x))), [randn([3, 2, 2], { rng: rng(8), ...f64 })]).passed).toBe(true);
  });

  it("GRU: the first derivative in h0 passes gradcheck", () => {
    const m = new GRU(2, 3, { bidirectional: true, rng: rng(9), ...f64 });
    const x = randn([3, 2, 2], { rng: rng(10), ...f64 });
    const dh = grad((h0: Variable) => sum(mul(m.forward(x, h0)[0], m.forward(x, h0)[0])));
    expect(gradcheck((h0) => sum(mul(dh(h0), dh(h0))), [randn([2, 2, 3], { rng: rng(11), ...f64 })]).passed).toBe(true);
  });
});

describe("fused and composite cells", () => {
  it("give the same training step for a two-layer LSTM", () => {
    const x = randn([5, 3, 4], { rng: rng(12), ...f64 });
    const step = (fused: boolean): Tensor[] => {
      const was = useFusedCells(fused);
      try {
        const m = new LSTM(4, 6, { numLayers: 2, rng: rng(13), ...f64 });
        const [out, [h, c]] = m.forward(x);
        sum(mul(out, out)).add(sum(h)).add(sum(mul(c, c))).backward();
        return [out.data, ...m.parameters().map((p) => p.grad!)];
      } finally {
        useFusedCells(was);
      }
    };
    const [fused, composite] = [step(true), step(false)];
    fused.forEach((t, k) => expect(t).toAllClose(composite[k]!, { rtol: 1e-12, atol: 1e-14 }));
  });
});

describe("errors", () => {
  it("name the layer, its position, the shape expected and the shape given", () => {
    const model = new Sequential(new LSTM(64, 8), new LSTM(64, 8));
    const second = model.children()[1] as LSTM;
    expect(() => second.forward(ones([32, 64, 65]))).toThrow(new ShapeError("LSTM(layer 1): expected input (L, N, 64) (batchFirst false), got (32, 64, 65)"));
    expect(() => new GRU(4, 3, { batchFirst: true }).forward(ones([2, 5, 3]))).toThrow(new ShapeError("GRU: expected input (N, L, 4) (batchFirst true), got (2, 5, 3)"));
    expect(() => new RNN(4, 3).forward(ones([2, 5, 3, 1]))).toThrow(new ShapeError("RNN: expected input (L, N, 4) (batchFirst false) or unbatched (L, 4), got (2, 5, 3, 1)"));
    expect(() => new LSTM(4, 3, { numLayers: 2 }).forward(ones([5, 2, 4]), [ones([1, 2, 3]), ones([2, 2, 3])])).toThrow(
      new ShapeError("LSTM: expected h0 (2, 2, 3) (numLayers·numDirections, N, hiddenSize), got (1, 2, 3)"),
    );
    expect(() => new LSTM(4, 3).forward(ones([5, 4]), [ones([1, 3]), ones([1, 2, 3])])).toThrow(
      new ShapeError("LSTM: expected c0 (1, 3) (numLayers·numDirections, hiddenSize), got (1, 2, 3)"),
    );
    expect(() => new LSTMCell(4, 3).forward(ones([2, 5]))).toThrow(new ShapeError("LSTMCell: expected input (N, 4) or unbatched (4), got (2, 5)"));
    expect(() => new GRUCell(4, 3).forward(ones([2, 4]), ones([3, 3]))).toThrow(new ShapeError("GRUCell: expected h (2, 3), got (3, 3)"));
  });

  it("refuse a wrong dtype for the input and for the state", () => {
    expect(() => new LSTM(4, 3).forward(ones([5, 2, 4], f64))).toThrow(DTypeError);
    expect(() => new GRU(4, 3).forward(ones([5, 2, 4]), ones([1, 2, 3], f64))).toThrow(new DTypeError(`GRU: h0 is float64 but the layer's weights are float32; cast it with .cast("float32")`));
    expect(() => new RNNCell(4, 3).forward(ones([2, 4]), ones([2, 3], f64))).toThrow(DTypeError);
  });

  it("refuse bad options in the constructor", () => {
    expect(() => new LSTM(4, 3, { numLayers: 0 })).toThrow(new ValueError("LSTM: numLayers must be an integer ≥ 1, got 0"));
    expect(() => new GRU(4, 3, { dropout: 1.5 })).toThrow(new ValueError("GRU: dropout must be a probability in [0, 1], got 1.5"));
    expect(() => new RNN(4, 3, { nonlinearity: "sigmoid" as "relu" })).toThrow(ValueError);
    expect(() => new LSTM(4, 3, { nonlinearity: "relu" } as object)).toThrow(new ValueError(`LSTM: nonlinearity is an option of RNN and RNNCell only, got "relu"`));
    expect(() => new RNNCell(0, 3)).toThrow(ValueError);
  });
});

describe("summary", () => {
  it("shows a recurrent layer's outputs and parameter count", () => {
    const rows = summaryRows(new LSTM(4, 3, { batchFirst: true }), [2, 5, 4]);
    const row = rows.find((r) => r.layer.startsWith("LSTM"))!;
    expect(row.output).toBe("[(2, 5, 3), [(1, 2, 3), (1, 2, 3)]]");
    expect(row.parameters).toBe(4 * 3 * (4 + 3 + 2));
  });
});
