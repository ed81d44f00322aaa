// Every primitive that a forward pass can apply, exported through a user's Module and run by ONNX
// Runtime at another batch size than the traced one, in float64 and float32.
import {
  abs, add, broadcastTo, cast, ceil, concat, cos, erf, exp, floor, gather, log, log1p, matmul, max, maximum, mean, min, minimum,
  mul, neg, pow, reciprocal, reshape, round, sign, sin, slice, softplus, sqrt, sum, tanh, transpose, Variable, where, type Operand,
} from "@strata/autograd";
import { Linear, Module } from "@strata/nn";
import { randn, rng, tensor } from "@strata/tensor";
import { describe, expect, it } from "vitest";
import { onlyNode } from "./graph-nodes.js";
import { expectOrtMatches } from "./ort.js";

/** A forward applying the elementwise primitives to (N, 6). */
class Elementwise extends Module<[Operand], Variable[]> {
  forward(x: Operand): Variable[] {
    const positive = add(abs(x), 0.5);
    return [
      neg(x), exp(x), log(positive), log1p(positive), sqrt(positive), reciprocal(positive), abs(x), sin(x), cos(x), tanh(x),
      softplus(x), sign(x), floor(mul(x, 3)), ceil(mul(x, 3)), round(mul(x, 3)), erf(x),
      add(x, 2), mul(x, x), pow(positive, 1.5), pow(positive, x), maximum(x, 0.1), minimum(x, mul(x, 0.5)),
      where(tensor([true, false, true, false, true, false], { dtype: "bool" }), x, neg(x)),
    ];
  }
}

/** A forward applying the structural primitives and reductions to (N, 12). */
class Structural extends Module<[Operand], Variable[]> {
  readonly table = new Linear(4, 3, { rng: rng(3) });
  forward(x: Operand): Variable[] {
    const n = (x as Variable).shape[0]!;
    const cube = reshape(x, [n, 3, 4]);
    const t = transpose(cube, [0, 2, 1]);
    return [
      t,
      reshape(t, [-1, 12]),
      reshape(cube, [n, -1]),
      sum(cube, { axis: [1, 2] }),
      sum(cube, { axis: 1, keepDims: true }),
      max(cube, { axis: 2 }),
      min(cube, { axis: [0] }),
      mean(cube, { axis: -1 }),
      slice(cube, null, [1, 3], [null, null, 2]),
      slice(cube, null, -1),
      slice(cube, null, 0, [1, null]),
      concat([cube, mul(cube, 2)], { axis: 1 }),
      gather(cube, tensor([3, 0, 3], { dtype: "int32" }), { axis: 2 }),
      broadcastTo(reshape(sum(cube, { axis: [0, 1, 2] }), [1, 1, 1]), [1, 3, 4]),
      add(cube, broadcastTo(tensor([[1], [2], [3]], { dtype: cube.dtype }), [3, 4])),
      matmul(cube, transpose(this.table.weight)),
      cast(cast(mul(cube, 3), "int32"), cube.dtype),
    ];
  }
}

describe.each(["float64", "float32"] as const)("primitives in %s", (dtype) => {
  it("elementwise ops run in ONNX Runtime as in Strata, at another batch size", async () => {
    await expectOrtMatches(new Elementwise(), { inputShape: [2, 6], inputDtype: dtype }, [randn([5, 6], { rng: rng(1), dtype })]);
  });

  it("reshapes, transposes, slices, reductions, gathers and products follow the batch size", async () => {
    const model = new Structural().to(dtype);
    await expectOrtMatches(model, { inputShape: [2, 12], inputDtype: dtype }, [randn([7, 12], { rng: rng(2), dtype })]);
  });
});

describe("reductions by opset", () => {
  it("writes ReduceMax's axes as an attribute before opset 18 and as an input from 18 on", async () => {
    for (const opset of [17, 18, 21]) {
      await expectOrtMatches(new Structural(), { inputShape: [2, 12], opset }, [randn([3, 12], { rng: rng(opset) })]);
    }
  });
});

describe("an empty list attribute", () => {
  it("is written as INTS: the transpose of a 0-d sum (perm []) runs in ONNX Runtime", async () => {
    class TransposedTotal extends Module<[Operand], Variable> {
      forward(x: Operand): Variable {
        return transpose(sum(x));
      }
    }
    const { bytes } = await expectOrtMatches(new TransposedTotal(), { inputShape: [2, 6] }, [randn([5, 6], { rng: rng(4) })]);
    // graph-nodes reads INT and INTS attributes only: perm is found when it is INTS
    expect(onlyNode(bytes, "Transpose").ints.perm).toEqual([]);
  });
});
