// traceCalls: what an exporter sees of a computation. Each op is reported once at the outermost
// level, built-in ops hide what they are built from, and tracing changes no value or gradient.
import {
  add, attentionWithWeights, defineFunction, gelu, layerNorm, lstmCellPointwise, maxPool2d, mul, relu, sharedLinear, softmax, sum,
  traceCalls, tracedCall, unbind, variable, type TracedCall,
} from "@strata/autograd";
import { ValueError, randn, rng, tensor, type Tensor } from "@strata/tensor";
import { describe, expect, it } from "vitest";

function trace<T>(fn: () => T): { calls: TracedCall[]; result: T } {
  const calls: TracedCall[] = [];
  const result = traceCalls((c) => calls.push(c), fn);
  return { calls, result };
}

const ops = (calls: readonly TracedCall[]): string[] => calls.map((c) => `${c.kind}:${c.op}`);

describe("traceCalls", () => {
  it("reports primitives in order with their inputs, attributes and outputs", () => {
    const x = variable([[1, 2], [3, 4]]);
    const { calls, result } = trace(() => sum(mul(x, 2), { axis: 1 }));
    expect(ops(calls)).toEqual(["primitive:mul", "primitive:sum"]);
    expect(calls[0]!.inputs).toEqual([x, 2]);
    expect(calls[1]!.attrs).toEqual({ axis: [1], keepDims: false });
    expect(calls[1]!.inputs[0]).toBe(calls[0]!.outputs[0]);
    expect(calls[1]!.outputs).toEqual([result]);
  });

  it("reports built-in ops as a whole, hiding the ops they are built from", () => {
    const x = variable(randn([2, 1, 4, 4], { rng: rng(0) }), { requiresGrad: true });
    const { calls } = trace(() => softmax(layerNorm(relu(maxPool2d(x, { kernelSize: 2 })), [2, 2]), { axis: -1 }));
    expect(ops(calls)).toEqual(["op:maxPool2d", "op:relu", "op:layerNorm", "op:softmax"]);
    expect(calls[2]!.attrs).toEqual({ normalizedShape: [2, 2], eps: 1e-5 });
    expect(calls[2]!.inputs.slice(1)).toEqual([null, null]);
  });

  it("reports an op with several outputs once, with each output", () => {
    const gates = variable(randn([3, 8], { rng: rng(1) }));
    const c = variable(randn([3, 2], { rng: rng(2) }));
    const { calls, result } = trace(() => lstmCellPointwise(gates, c));
    expect(ops(calls)).toEqual(["op:lstmCellPointwise"]);
    expect(calls[0]!.outputs).toEqual(result);
    const q = variable(randn([2, 3, 4], { rng: rng(3) }));
    const attended = trace(() => attentionWithWeights(q, q, q));
    expect(ops(attended.calls)).toEqual(["op:attentionWithWeights"]);
    expect(attended.calls[0]!.outputs).toEqual([attended.result.output, attended.result.weights]);
    const parts = trace(() => unbind(q, { axis: 1 }));
    expect(ops(parts.calls)).toEqual(["op:unbind"]);
    expect(parts.calls[0]!.outputs).toEqual(parts.result);
  });

  it("hides the bookkeeping of sharedLinear and reports each call as one op", () => {
    const w = variable(randn([2, 3], { rng: rng(4) }), { requiresGrad: true });
    const x = variable(randn([5, 3], { rng: rng(5) }));
    const { calls } = trace(() => {
      const linear = sharedLinear(w);
      return [linear(x), linear(x)];
    });
    expect(ops(calls)).toEqual(["op:sharedLinear", "op:sharedLinear"]);
    expect(calls[0]!.inputs).toEqual([x, w]);
  });

  it("reports composites as their primitives", () => {
    const { calls } = trace(() => gelu(variable([0.5, -1])));
    expect(calls.length).toBeGreaterThan(1);
    expect(calls.every((c) => c.kind === "primitive")).toBe(true);
    expect(ops(calls)).toContain("primitive:erf");
  });

  it("reports a custom function with its spec, hiding the ops its forward calls", () => {
    const spec = { name: "twice", forward: (_: unknown, x: Tensor | number) => (x as Tensor).mul(2), backward: (_: unknown, g: never) => [g] };
    const twice = defineFunction(spec);
    const viaOps = defineFunction({ ...spec, name: "viaOps", forward: (_: unknown, x: Tensor | number) => relu(variable(x as Tensor)).data });
    const { calls } = trace(() => viaOps(twice(variable([1, -2]))));
    expect(ops(calls)).toEqual(["function:twice", "function:viaOps"]);
    expect(calls[0]!.spec).toBe(spec);
  });

  it("reports a unit once, with what it was given and what it returned", () => {
    const x = variable([1, 2]);
    const { calls, result } = trace(() => tracedCall("unit", "axpy", [x], { a: 3 }, () => add(mul(x, 3), 1)));
    expect(calls).toEqual([{ kind: "unit", op: "axpy", inputs: [x], attrs: { a: 3 }, outputs: [result] }]);
  });

  it("changes no value and no gradient, and reports nothing once it returns", () => {
    const run = () => {
      const x = variable(tensor([[0.5, -1], [2, 0.25]], { dtype: "float64" }), { requiresGrad: true });
      const y = sum(mul(softmax(layerNorm(x, [2]), { axis: 1 }), tensor([[1, 2], [3, 4]], { dtype: "float64" })));
      y.backward();
      return [y.item(), ...(x.grad!.toArray() as number[][]).flat()];
    };
    const plain = run();
    const { calls, result } = trace(run);
    expect(result).toEqual(plain);
    const count = calls.length;
    relu(variable([1]));
    expect(calls.length).toBe(count);
  });

  it("refuses to nest, and ends the first trace cleanly when its function throws", () => {
    expect(() => traceCalls(() => {}, () => traceCalls(() => {}, () => 1))).toThrow(new ValueError("traceCalls: a trace is already running; traces do not nest"));
    expect(() => traceCalls(() => {}, () => { throw new Error("boom"); })).toThrow("boom");
    const { calls } = trace(() => relu(variable([1])));
    expect(ops(calls)).toEqual(["op:relu"]);
  });

  it("runs tracedCall's computation directly outside a trace", () => {
    expect(tracedCall("unit", "u", [], {}, () => 42)).toBe(42);
  });
});
