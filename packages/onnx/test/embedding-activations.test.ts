// Embedding, Flatten, the activation layers and functions, and dropout, exported and run in ONNX
// Runtime in float32 and float64 at a batch size other than the exported one.
import { erf, gelu, hardtanh, relu6, silu, type Operand, type Variable } from "@strata/autograd";
import {
  Conv2d, Dropout, Dropout2d, Embedding, Flatten, GELU, LeakyReLU, Linear, LogSoftmax, Module, ReLU, Sequential, Sigmoid, Softmax, Tanh,
} from "@strata/nn";
import { toOnnx } from "@strata/onnx";
import { mul, randn, rng, tensor, type DType } from "@strata/tensor";
import { describe, expect, it } from "vitest";
import { opTypesOf } from "./graph-nodes.js";
import { expectOrtMatches, runOnnx } from "./ort.js";

const DTYPES = ["float32", "float64"] as const;

/** Noise with standard deviation 3: the activations' both sides and their saturated ends. */
const noise = (shape: number[], dtype: DType, seed = 7) => mul(randn(shape, { rng: rng(seed), dtype }), 3);

async function exportsAndMatches(model: Module, shape: number[], dtype: DType): Promise<Uint8Array> {
  const { bytes } = await expectOrtMatches(model, { inputShape: shape, inputDtype: dtype as "float32" }, [noise([3, ...shape.slice(1)], dtype)]);
  return bytes;
}

/** int32 ids in [0, n) of `shape`, all of them used. */
const ids = (shape: number[], n: number) => tensor(Int32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => (i * 7 + 3) % n), { dtype: "int32", shape });

describe.each(DTYPES)("embedding in %s", (dtype) => {
  it("Embedding of int32 ids (N, L) is a Gather of the table", async () => {
    const table = new Embedding(10, 4, { rng: rng(1), dtype });
    const { bytes } = await expectOrtMatches(table, { inputShape: [2, 5], inputDtype: "int32" }, [ids([3, 5], 10)]);
    expect(opTypesOf(bytes)).toEqual(["Gather"]);
  });

  it("Embedding with a padding row, feeding Flatten and Linear", async () => {
    const model = new Sequential(new Embedding(7, 3, { paddingIdx: 0, rng: rng(2), dtype }), new Flatten(), new Linear(12, 2, { rng: rng(3), dtype }));
    await expectOrtMatches(model, { inputShape: [2, 4], inputDtype: "int32" }, [ids([5, 4], 7)]);
  });
});

const layerCases: [string, () => Module, number[]][] = [
  ["ReLU", () => new ReLU(), [2, 5]],
  ["LeakyReLU(0.2)", () => new LeakyReLU(0.2), [2, 5]],
  ["Tanh", () => new Tanh(), [2, 5]],
  ["Sigmoid", () => new Sigmoid(), [2, 5]],
  ["GELU", () => new GELU(), [2, 5]],
  ["GELU (tanh approximation)", () => new GELU({ approximate: "tanh" }), [2, 5]],
  ["Softmax(1)", () => new Softmax(1), [2, 5]],
  ["Softmax(-1) on (N, L, K)", () => new Softmax(-1), [2, 3, 4]],
  ["LogSoftmax(1) on (N, K, L)", () => new LogSoftmax(1), [2, 4, 3]],
  ["Flatten", () => new Flatten(), [2, 3, 2, 2]],
  ["Flatten(startDim 2)", () => new Flatten({ startDim: 2 }), [2, 3, 2, 2]],
];

/** A user's module composing functional activations that have no layer. */
class Functional extends Module<[Operand], Variable> {
  forward(x: Operand): Variable {
    return silu(relu6(hardtanh(gelu(x), -0.5, 2)).add(hardtanh(x)));
  }
}

describe.each(DTYPES)("activations in %s", (dtype) => {
  it.each(layerCases)("%s", async (_, make, shape) => {
    await exportsAndMatches(make(), shape, dtype);
  });

  it("hardtanh, relu6, silu and gelu as functions (hardtanh and relu6 as Clip)", async () => {
    const ops = opTypesOf(await exportsAndMatches(new Functional(), [2, 6], dtype));
    expect(ops.filter((t) => t === "Clip")).toHaveLength(3);
  });
});

describe("float64 erf (ONNX Runtime has no float64 Erf: written as its series and continued fraction)", () => {
  class Erf extends Module<[Operand], Variable> {
    forward(x: Operand): Variable {
      return erf(x);
    }
  }
  // math.erf of Python 3 (correctly rounded to within an ulp) at these points
  const points = [-3.5, -1e-8, 0.25, 1, 1.9999, 2, 2.5, 4, 5.9];
  const values = [-0.9999992569016276, -1.1283791670955126e-8, 0.2763263901682369, 0.8427007929497149, 0.9953201979070294, 0.9953222650189527, 0.999593047982555, 0.9999999845827421, 0.9999999999999999];

  it("matches reference values and Strata's erf to a few units in the last place, infinities and saturation included", async () => {
    const bytes = toOnnx(new Erf(), { inputShape: [2, 1], inputDtype: "float64" });
    expect(opTypesOf(bytes)).not.toContain("Erf");
    const extremes = [0, 6, -6, 7, 1e300, -1e300, Infinity, -Infinity];
    const xs = [...points, ...extremes];
    const [out] = await runOnnx(bytes, [tensor(xs, { dtype: "float64", shape: [xs.length, 1] })]);
    const got = out!.toTypedArray();
    points.forEach((x, i) => expect(Math.abs(got[i]! - values[i]!), `erf(${x})`).toBeLessThanOrEqual(4 * Number.EPSILON * Math.abs(values[i]!)));
    expect([...got.slice(points.length)]).toEqual([0, 1, -1, 1, 1, -1, 1, -1]);
    // on a fine grid, against Strata's own float64 erf
    const grid = Float64Array.from({ length: 4001 }, (_, i) => -8 + i * 0.004);
    const [ort] = await runOnnx(bytes, [tensor(grid, { dtype: "float64", shape: [grid.length, 1] })]);
    const want = erf(tensor(grid, { dtype: "float64", shape: [grid.length, 1] })).data.toTypedArray();
    const worst = Math.max(...ort!.toTypedArray().map((v, i) => Math.abs(v - want[i]!)));
    expect(worst).toBeLessThanOrEqual(4 * Number.EPSILON);
  });
});

describe("dropout at export", () => {
  it.each(DTYPES)("Dropout and Dropout2d are the identity in the graph of a model in training mode, and the modes are restored (%s)", async (dtype) => {
    const model = new Sequential(
      new Conv2d(2, 3, 3, { padding: 1, rng: rng(1), dtype }), new Dropout2d(0.3, { rng: rng(2) }), new Flatten(),
      new Dropout(0.5, { rng: rng(3) }), new Linear(3 * 4 * 4, 2, { rng: rng(4), dtype }), new Dropout(0.2),
    );
    model.train();
    model.children()[5]!.eval(); // a mix of modes, to be restored as it was
    const modes = model.modules().map((m) => m.training);
    const bytes = toOnnx(model, { inputShape: [2, 2, 4, 4], inputDtype: dtype as "float32" });
    expect(model.modules().map((m) => m.training)).toEqual(modes);
    expect(opTypesOf(bytes).filter((t) => !["Conv", "Gather", "MatMul", "Reshape", "Pad", "Add", "Transpose", "Gemm"].includes(t))).toEqual([]);
    // the graph computes evaluation: ORT equals Strata's eval forward on another batch
    await expectOrtMatches(model, { inputShape: [2, 2, 4, 4], inputDtype: dtype as "float32" }, [noise([3, 2, 4, 4], dtype)]);
  });
});
