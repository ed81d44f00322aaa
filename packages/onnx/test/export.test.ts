// toOnnx's contract: the graph's inputs, outputs and initializers, the dynamic batch axis, the
// course's column layout, custom functions, and the errors for what cannot be exported.
import { add, defineFunction, mul, relu, reshape, Variable, type Operand } from "@strata/autograd";
import { ActivationLayer, Dense, Dropout, Linear, Module, ModuleDict, ModuleList, RNN, ReLU, Sequential, deepNetwork, type ActivationName } from "@strata/nn";
import { toOnnx } from "@strata/onnx";
import { ValueError, full, randn, rng, tensor, zeros, type Tensor } from "@strata/tensor";
import onnxProto from "onnx-proto";
import { describe, expect, it } from "vitest";
import { expectOrtMatches, runOnnx } from "./ort.js";

const { onnx } = onnxProto;

/** The decoded model's graph (always present in what toOnnx writes). */
function decode(bytes: Uint8Array) {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph!;
  return { opsetImport: model.opsetImport, graph: { input: graph.input ?? [], output: graph.output ?? [], initializer: graph.initializer ?? [], node: graph.node ?? [] } };
}

function dims(value: { type?: { tensorType?: { shape?: { dim?: { dimValue?: unknown; dimParam?: string | null }[] | null } | null } | null } | null }): (number | string)[] {
  return (value.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue)));
}

const mlp = () => new Sequential(new Linear(4, 8, { rng: rng(0) }), new ReLU(), new Dropout(0.5), new Linear(8, 3, { rng: rng(1) }));

describe("the exported graph", () => {
  it("has a dynamic batch axis, opset 17, and the parameters under their state-dict keys", () => {
    const model = mlp();
    const m = decode(toOnnx(model, { inputShape: [2, 4] }));
    expect(m.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([["", 17]]);
    expect(m.graph.input.map((i) => [i.name, dims(i)])).toEqual([["input", ["batch", 4]]]);
    expect(m.graph.output.map((o) => [o.name, dims(o)])).toEqual([["output", ["batch", 3]]]);
    const names = m.graph.initializer.map((t) => t.name ?? "").filter((n) => n.includes("."));
    expect(names.sort()).toEqual(Object.keys(model.stateDict()).sort());
  });

  it("runs in ONNX Runtime at batch sizes other than the traced one, float32 and float64", async () => {
    const model = mlp();
    for (const n of [1, 5, 64]) await expectOrtMatches(model, { inputShape: [2, 4] }, [randn([n, 4], { rng: rng(n) })]);
    const double = mlp().to("float64");
    await expectOrtMatches(double, { inputShape: [3, 4] }, [randn([9, 4], { rng: rng(9), dtype: "float64" })]);
  });

  it("exports in evaluation mode and restores each module's mode afterwards", async () => {
    const model = mlp().train();
    (model.children()[2] as Module).training = false; // a mixed state comes back as it was
    const { outputs } = await expectOrtMatches(model, { inputShape: [2, 4] }, [randn([4, 4], { rng: rng(4) })]);
    expect(outputs[0]!.shape).toEqual([4, 3]);
    expect(model.modules().map((m) => m.training)).toEqual([true, true, true, false, true]);
  });

  it("keeps output names that an op's own nodes would otherwise take", async () => {
    const { bytes } = await expectOrtMatches(mlp(), { inputShape: [2, 4], outputNames: ["Relu"] }, [randn([3, 4], { rng: rng(3) })]);
    expect(decode(bytes).graph.output.map((o) => o.name)).toEqual(["Relu"]);
  });

  it("leaves out the nodes and constants that no output needs", () => {
    class Dead extends Module<[Operand], Variable> {
      forward(x: Operand): Variable {
        mul(x, 3); // computed, then dropped
        return add(x, 1);
      }
    }
    const m = decode(toOnnx(new Dead(), { inputShape: [1, 2] }));
    expect(m.graph.node.map((n) => n.opType)).toEqual(["Add", "Identity"]);
    expect(m.graph.initializer).toHaveLength(1);
  });

  it("takes several inputs and gives several outputs, an output that is an input included", async () => {
    class Two extends Module<[Operand, Operand], Variable[]> {
      readonly fc = new Linear(3, 2, { rng: rng(5) });
      forward(a: Operand, b: Operand): Variable[] {
        const y = this.fc.forward(a);
        return [y, add(y, b), b as Variable, y];
      }
    }
    const bytes = toOnnx(new Two(), { inputShape: [[2, 3], [2, 2]], outputNames: ["y", "sum", "b", "y_again"] });
    expect(decode(bytes).graph.output.map((o) => o.name)).toEqual(["y", "sum", "b", "y_again"]);
    await expectOrtMatches(new Two(), { inputShape: [[2, 3], [2, 2]] }, [randn([6, 3], { rng: rng(1) }), randn([6, 2], { rng: rng(2) })]);
  });
});

describe("the course's column layout", () => {
  it.each<ActivationName>(["relu", "leakyRelu", "sigmoid", "tanh", "softmax", "identity"])("Dense with %s takes (n_x, batch) and gives (n_y, batch)", async (g) => {
    const layer = new Dense(5, 3, { activation: g, rng: rng(2), dtype: "float64" });
    const m = decode(toOnnx(layer, { inputShape: [5, 2] }));
    expect(dims(m.graph.input[0]!)).toEqual([5, "batch"]);
    expect(dims(m.graph.output[0]!)).toEqual([3, "batch"]);
    await expectOrtMatches(layer, { inputShape: [5, 2] }, [randn([5, 7], { rng: rng(3), dtype: "float64" })]);
  });

  it("exports a Sequential of Dense and ActivationLayer (softmax over the rows)", async () => {
    const net = new Sequential(new Dense(6, 4, { rng: rng(6) }), new ActivationLayer("tanh"), new Dense(4, 3, { rng: rng(7) }), new ActivationLayer("softmax"));
    await expectOrtMatches(net, { inputShape: [6, 1] }, [randn([6, 9], { rng: rng(8) })]);
  });

  it("exports deepNetwork with the examples as columns", async () => {
    const net = deepNetwork([12, 7, 5, 1], { hidden: "relu", output: "sigmoid", rng: rng(4) });
    await expectOrtMatches(net, { inputShape: [12, 1] }, [randn([12, 33], { rng: rng(5) })]);
  });

  it("refuses a Dense whose custom activation has no ONNX form, naming it", () => {
    const base = new Dense(2, 2, { activation: "relu", rng: rng(0) });
    const custom = new Dense(2, 2, { activation: { ...base.activation, onnx: undefined }, rng: rng(0) });
    expect(() => toOnnx(custom, { inputShape: [2, 3] })).toThrow("dense: the activation relu has no ONNX form (give the Activation an onnx(graph, z, dtype) method)");
  });
});

describe("containers", () => {
  it("a Module whose forward walks a ModuleList and a ModuleDict", async () => {
    class Tower extends Module<[Operand], Variable> {
      readonly blocks = new ModuleList([new Linear(4, 4, { rng: rng(1) }), new Linear(4, 4, { rng: rng(2) })]);
      readonly heads = new ModuleDict({ mean: new Linear(4, 2, { rng: rng(3) }), spread: new Linear(4, 2, { rng: rng(4) }) });
      forward(x: Operand): Variable {
        let h = x as Variable;
        for (const block of this.blocks) h = relu(block.forward(h));
        return add(this.heads.get("mean")!.forward(h), this.heads.get("spread")!.forward(h));
      }
    }
    const model = new Tower();
    const m = decode(toOnnx(model, { inputShape: [1, 4] }));
    expect(m.graph.initializer.map((t) => t.name).filter((n) => n?.includes("."))).toEqual(expect.arrayContaining(["blocks.0.weight", "heads.spread.bias"]));
    await expectOrtMatches(model, { inputShape: [1, 4] }, [randn([5, 4], { rng: rng(5) })]);
  });
});

describe("custom functions", () => {
  const cubeSpec = {
    name: "cube",
    forward: (_ctx: unknown, x: Tensor | number) => (x as Tensor).mul(x as Tensor).mul(x as Tensor),
    backward: (_ctx: unknown, g: Variable) => [g],
  };

  /** 2·f(x) for a custom function f. */
  class Twice extends Module<[Operand], Variable> {
    constructor(readonly cube: (x: Operand) => Variable) {
      super();
    }
    forward(x: Operand): Variable {
      return mul(this.cube(x), 2);
    }
  }

  it("export through the ONNX form their spec declares", async () => {
    const cube = defineFunction({ ...cubeSpec, onnx: (graph, { inputs: [x] }) => graph.node("Mul", [graph.node("Mul", [x!, x!])[0]!, x!])[0]! });
    await expectOrtMatches(new Twice(cube), { inputShape: [2, 3] }, [randn([4, 3], { rng: rng(6) })]);
  });

  // (N, 6) as (N, 2, 3): the lowering writes Reshape's target with int64s, 0 copying the batch axis
  const pairsSpec = {
    name: "pairs",
    forward: (_ctx: unknown, x: Tensor | number) => (x as Tensor).reshape([(x as Tensor).shape[0]!, 2, 3]),
    backward: (_ctx: unknown, g: Variable) => [reshape(g, [g.shape[0]!, 6])],
  };

  it("write the int64 arguments of Reshape (and Slice, Unsqueeze, …) with graph.int64s", async () => {
    const pairs = defineFunction({ ...pairsSpec, onnx: (graph, { inputs: [x] }) => graph.node("Reshape", [x!, graph.int64s([0, 2, 3])])[0]! });
    const { outputs } = await expectOrtMatches(new Twice(pairs), { inputShape: [2, 6] }, [randn([5, 6], { rng: rng(7) })]);
    expect(outputs[0]!.shape).toEqual([5, 2, 3]);
  });

  it("are told which int64s they got wrong", () => {
    const fractional = defineFunction({ ...pairsSpec, onnx: (graph, { inputs: [x] }) => graph.node("Reshape", [x!, graph.int64s([0, 2.5, 3])])[0]! });
    expect(() => toOnnx(new Twice(fractional), { inputShape: [2, 6] })).toThrow("toOnnx: int64s takes integers, got [0, 2.5, 3]");
    const misshapen = defineFunction({ ...pairsSpec, onnx: (graph, { inputs: [x] }) => graph.node("Reshape", [x!, graph.int64s([0, 2, 3], [2])])[0]! });
    expect(() => toOnnx(new Twice(misshapen), { inputShape: [2, 6] })).toThrow("toOnnx: int64s of shape (2) needs 2 values, got 3");
  });

  it("are refused without one, with the function's name and how to add it", () => {
    const cube = defineFunction(cubeSpec);
    expect(() => toOnnx(new Twice(cube), { inputShape: [2, 3] })).toThrow(
      /^toOnnx: custom function cube \(defineFunction\) has no ONNX form; declare its ONNX form in the spec, e\.g\. defineFunction\(\{ name, forward, backward, onnx: /,
    );
  });
});

describe("constants that follow the batch size", () => {
  it("a tensor filled with one value, as a loop's zero state, is computed from the graph's batch size", async () => {
    class FromZeros extends Module<[Operand], Variable> {
      readonly fc = new Linear(3, 4, { rng: rng(1) });
      forward(x: Operand): Variable {
        const v = x as Variable;
        const n = v.shape[0]!;
        const state = zeros([n, 4]); // as a recurrent loop starts
        const twice = full([2 * n, 1], 0.5); // a multiple of the batch
        return add(add(this.fc.forward(v), state), reshape(twice, [n, 2]).sum({ axis: 1, keepDims: true }));
      }
    }
    const m = decode(toOnnx(new FromZeros(), { inputShape: [2, 3] }));
    expect(m.graph.node.filter((n) => n.opType === "ConstantOfShape")).toHaveLength(2);
    await expectOrtMatches(new FromZeros(), { inputShape: [2, 3] }, [randn([5, 3], { rng: rng(2) })]);
  });

  it("one batch axis per input: a batch-first RNN given h0, whose batch axis is 1", async () => {
    const rnn = new RNN(3, 4, { batchFirst: true, rng: rng(3) });
    await expectOrtMatches(rnn, { inputShape: [[2, 5, 3], [1, 2, 4]], batchAxis: [0, 1] }, [randn([6, 5, 3], { rng: rng(4) }), randn([1, 6, 4], { rng: rng(5) })]);
    expect(() => toOnnx(rnn, { inputShape: [[2, 5, 3], [1, 2, 4]], batchAxis: [0] })).toThrow("toOnnx: batchAxis must be one axis, or one per input (2), got [0]");
  });
});

describe("what cannot be exported", () => {
  it("a constant made from the batch size outside Strata's ops", () => {
    class Shifted extends Module<[Operand], Variable> {
      forward(x: Operand): Variable {
        const v = x as Variable;
        return add(v, randn(v.shape, { rng: rng(0) })); // noise of the traced batch size, not a graph value
      }
    }
    expect(() => toOnnx(new Shifted(), { inputShape: [2, 3] })).toThrow(
      "toOnnx: input 1 of add is a tensor computed outside Strata's ops that changes with the batch size (shape (2,3) at one batch size, (7,3) at the other); compute it from the input with @strata/autograd ops (not from .data or x.shape), so that the graph can compute it for any batch",
    );
  });

  it("a forward whose ops depend on the batch size", () => {
    class Branchy extends Module<[Operand], Variable> {
      forward(x: Operand): Variable {
        const v = x as Variable;
        return v.shape[0]! % 2 === 0 ? mul(v, 2) : add(v, 2);
      }
    }
    expect(() => toOnnx(new Branchy(), { inputShape: [2, 3] })).toThrow(/forward applies different ops at two batch sizes .*the first difference at op 0: mul vs add/);
  });

  it("an output that does not depend on the input", () => {
    class Constant extends Module<[Operand], Variable> {
      forward(): Variable {
        return new Variable(tensor([1, 2]));
      }
    }
    expect(() => toOnnx(new Constant(), { inputShape: [2, 3] })).toThrow(/output 0 of forward was not computed by Strata's ops from the input/);
  });

  it("bad options, each with what was expected", () => {
    const model = mlp();
    expect(() => toOnnx(model, { inputShape: [] })).toThrow(ValueError);
    expect(() => toOnnx(model, { inputShape: [0, 4] })).toThrow("toOnnx: each input shape must list positive integer lengths, batch axis included, got [0,4]");
    expect(() => toOnnx(model, { inputShape: [2, 4], opset: 16 })).toThrow("toOnnx: opset must be an integer from 17 to 21, got 16");
    expect(() => toOnnx(model, { inputShape: [2, 4], inputDtype: "bool" as never })).toThrow(/inputDtype must be "float32", "float64" or "int32"/);
    expect(() => toOnnx(model, { inputShape: [2, 4], batchAxis: 3 })).toThrow("toOnnx: batchAxis 3 is out of range for an input of shape [2, 4]");
    expect(() => toOnnx(model, { inputShape: [2, 4], inputNames: ["a", "b"] })).toThrow(/inputNames must be 1 distinct non-empty names/);
    expect(() => toOnnx({} as Module, { inputShape: [2, 4] })).toThrow(/toOnnx: expected a Module/);
    expect(() => toOnnx(model, { inputShape: [2, 4], inputNames: ["0.weight"] })).toThrow(
      "toOnnx: the name 0.weight is used twice in the graph (input and output names must differ from each other and from the parameters' state-dict keys)",
    );
  });

  it("leaves the model's modes as they were when the export fails", () => {
    const model = new Sequential(new Linear(3, 3, { rng: rng(0) }), new Branch()).train();
    expect(() => toOnnx(model, { inputShape: [2, 3] })).toThrow(ValueError);
    expect(model.modules().every((m) => m.training)).toBe(true);
  });
});

class Branch extends Module<[Operand], Variable> {
  forward(x: Operand): Variable {
    const v = x as Variable;
    return v.shape[0]! > 2 ? mul(v, 2) : add(v, 2);
  }
}

describe("the example input", () => {
  it("may be given, and is checked against the shape and dtype", async () => {
    const model = mlp();
    const example = randn([3, 4], { rng: rng(7) });
    const bytes = toOnnx(model, { inputShape: [3, 4], example });
    const [out] = await runOnnx(bytes, [randn([2, 4], { rng: rng(8) })]);
    expect(out!.shape).toEqual([2, 3]);
    expect(() => toOnnx(model, { inputShape: [2, 4], example })).toThrow(/example must be 1 tensor\(s\) of shapes \[\[2,4\]\]/);
  });
});
