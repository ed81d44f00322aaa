// The recurrent cells exported by tracing (their fused pointwise ops lowered to Split, Sigmoid,
// Tanh, Mul, Add), and the loop helpers unbind and sharedLinear in a user's own recurrence: ONNX
// Runtime's outputs against Strata's forward, at a batch size other than the exported one.
import { gruCellPointwise, lstmCellPointwise, matmul, sharedLinear, stack, tanh, unbind, variable, type Operand, type Variable } from "@strata/autograd";
import { GRUCell, LSTMCell, Module, RNNCell } from "@strata/nn";
import { randn, rng, type Tensor } from "@strata/tensor";
import { describe, expect, it } from "vitest";
import { opTypes } from "./onnx-file.js";
import { expectOrtMatches } from "./ort.js";

type Dtype = "float32" | "float64";
const [F, H] = [3, 4];
const noise = (shape: number[], dtype: Dtype, seed: number): Tensor => randn(shape, { rng: rng(seed), dtype });

/** A cell stepped twice over (x1, x2) from given states: the states are graph inputs, as is x. */
class TwoSteps extends Module<Operand[], Variable | Variable[]> {
  constructor(readonly cell: RNNCell | GRUCell | LSTMCell) {
    super();
  }
  forward(x1: Operand, x2: Operand, h: Operand, c?: Operand): Variable | Variable[] {
    if (this.cell instanceof LSTMCell) {
      const s1 = this.cell.forward(x1, [h, c!]);
      return this.cell.forward(x2, s1);
    }
    const cell = this.cell as RNNCell | GRUCell;
    return cell.forward(x2, cell.forward(x1, h));
  }
}

describe.each(["float32", "float64"] as const)("cells in %s", (dtype) => {
  it.each([
    ["RNNCell tanh", () => new RNNCell(F, H, { rng: rng(3), dtype }), 3],
    ["RNNCell relu, no bias", () => new RNNCell(F, H, { rng: rng(3), dtype, nonlinearity: "relu", bias: false }), 3],
    ["GRUCell", () => new GRUCell(F, H, { rng: rng(3), dtype }), 3],
    ["LSTMCell", () => new LSTMCell(F, H, { rng: rng(3), dtype }), 4],
    ["LSTMCell, no bias", () => new LSTMCell(F, H, { rng: rng(3), dtype, bias: false }), 4],
  ] as const)("%s stepped twice from given states", async (_, make, count) => {
    const model = new TwoSteps(make());
    const shapes = (n: number): number[][] => [[n, F], [n, F], [n, H], [n, H]].slice(0, count);
    const inputs = (n: number, seed: number): Tensor[] => shapes(n).map((s, k) => noise(s, dtype, seed + k));
    const { bytes } = await expectOrtMatches(model, { inputShape: shapes(2), example: inputs(2, 1) }, inputs(5, 10));
    // the fused ops are written as their formulas: no recurrent operator in the graph
    expect(opTypes(bytes).some((t) => t === "LSTM" || t === "GRU" || t === "RNN")).toBe(false);
  });

  it.each([
    ["RNNCell", () => new RNNCell(F, H, { rng: rng(4), dtype })],
    ["GRUCell", () => new GRUCell(F, H, { rng: rng(4), dtype })],
    ["LSTMCell", () => new LSTMCell(F, H, { rng: rng(4), dtype })],
  ] as const)("%s called without a state starts from zeros of the graph's batch size", async (_, make) => {
    const { bytes } = await expectOrtMatches(make(), { inputShape: [2, F], inputDtype: dtype }, [noise([7, F], dtype, 8)]);
    expect(opTypes(bytes)).toContain("ConstantOfShape");
  });

  it("lstmCellPointwise and gruCellPointwise called directly, their gates from a product", async () => {
    const w = variable(noise([F, 4 * H], dtype, 2));
    const u = variable(noise([F, 3 * H], dtype, 3));
    class Fused extends Module<[Operand, Operand], Variable[]> {
      w = w;
      u = u;
      forward(x: Operand, state: Operand): Variable[] {
        const [h, c] = lstmCellPointwise(matmul(x, this.w), state);
        const g = gruCellPointwise(matmul(x, this.u), matmul(x, this.u).mul(0.5), h);
        return [h, c, g];
      }
    }
    const { bytes } = await expectOrtMatches(new Fused(), { inputShape: [[2, F], [2, H]], inputDtype: dtype }, [noise([6, F], dtype, 4), noise([6, H], dtype, 5)]);
    expect(opTypes(bytes).filter((t) => t === "Split").length).toBe(3); // the LSTM's gates, and the GRU's gi and gh
  });

  it("unbind and sharedLinear in a user's loop over time steps", async () => {
    const weight = variable(noise([H, F], dtype, 6));
    class Loop extends Module<[Operand], Variable> {
      weight = weight;
      forward(x: Operand): Variable {
        const apply = sharedLinear(this.weight);
        return stack(unbind(x, { axis: 1 }).map((step) => tanh(apply(step))), { axis: 1 });
      }
    }
    // x (N, L, F): the batch is axis 0, the unbound axis 1 keeps its length
    const { bytes, outputs } = await expectOrtMatches(new Loop(), { inputShape: [2, 5, F], inputDtype: dtype }, [noise([3, 5, F], dtype, 7)]);
    expect(outputs[0]!.shape).toEqual([3, 5, H]);
    expect(opTypes(bytes).filter((t) => t === "Gemm").length).toBe(5);
  });
});
