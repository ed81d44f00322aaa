// Values, gradients and (for the cases marked "double") second derivatives of the convolutions
// and poolings against PyTorch 1.13's, float64, 1e-6 relative. The fixtures come from
// scripts/torch_conv_pool.py (run it to regenerate fixtures/conv-pool-torch.json); each case
// names the op, its options in Strata's spelling, the inputs, a cotangent r, the output and the
// gradients of sum(y·r).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  adaptiveAvgPool2d, avgPool1d, avgPool2d, conv1d, conv2d, gradients, maxPool1d, maxPool2d, mul, sum, variable, type Variable,
} from "@strata/autograd";
import { tensor, type Tensor } from "@strata/tensor";

interface Flat { shape: number[]; data: number[] }
interface Case {
  name: string;
  op: string;
  options: Record<string, unknown>;
  inputs: Record<string, Flat>;
  cotangent: Flat;
  output: Flat;
  grads: Record<string, Flat>;
  double?: { s: Flat; t: Flat; x: Flat; weight: Flat; cotangent: Flat };
}

const fixtures = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "conv-pool-torch.json"), "utf8")) as { torch: string; cases: Case[] };
const asTensor = ({ shape, data }: Flat): Tensor => tensor(data, { dtype: "float64" }).reshape(shape);
const close = { rtol: 1e-6, atol: 1e-9 };

/** The Strata op of a case, applied to its inputs by name (x, weight, bias). */
function apply(c: Case, v: Record<string, Variable>): Variable {
  const o = c.options as never;
  switch (c.op) {
    case "conv2d": return conv2d(v.x!, v.weight!, v.bias ?? null, o);
    case "conv1d": return conv1d(v.x!, v.weight!, v.bias ?? null, o);
    case "maxPool2d": return maxPool2d(v.x!, o);
    case "maxPool1d": return maxPool1d(v.x!, o);
    case "avgPool2d": return avgPool2d(v.x!, o);
    case "avgPool1d": return avgPool1d(v.x!, o);
    case "adaptiveAvgPool2d": return adaptiveAvgPool2d(v.x!, (c.options as { outputSize: number | [number, number] }).outputSize);
  }
  throw new Error(`no op ${c.op}`);
}

describe(`convolutions and poolings against PyTorch ${fixtures.torch}`, () => {
  it("has the cases the script writes", () => {
    expect(fixtures.cases.length).toBeGreaterThanOrEqual(26);
    expect(fixtures.cases.filter((c) => c.double).length).toBeGreaterThanOrEqual(3);
  });

  for (const c of fixtures.cases) {
    it(`${c.name}: value and gradients`, () => {
      const leaves = Object.fromEntries(Object.entries(c.inputs).map(([k, f]) => [k, variable(asTensor(f), { requiresGrad: true })]));
      const y = apply(c, leaves);
      expect(y.data).toAllClose(asTensor(c.output), close);
      const names = Object.keys(leaves);
      const grads = gradients([sum(mul(y, asTensor(c.cotangent)))], names.map((k) => leaves[k]!));
      names.forEach((k, i) => expect(grads[i]!.data, k).toAllClose(asTensor(c.grads[k]!), close));
    });

    if (c.double) {
      const d = c.double;
      it(`${c.name}: second derivatives (double backward)`, () => {
        const leaves = Object.fromEntries(Object.entries(c.inputs).map(([k, f]) => [k, variable(asTensor(f), { requiresGrad: true })]));
        const r = variable(asTensor(c.cotangent), { requiresGrad: true });
        const [gx, gw] = gradients([sum(mul(apply(c, leaves), r))], [leaves.x!, leaves.weight!], { createGraph: true });
        const second = gradients([sum(mul(gx!, asTensor(d.s))).add(sum(mul(gw!, asTensor(d.t))))], [leaves.x!, leaves.weight!, r]);
        expect(second[0]!.data, "x").toAllClose(asTensor(d.x), close);
        expect(second[1]!.data, "weight").toAllClose(asTensor(d.weight), close);
        expect(second[2]!.data, "cotangent").toAllClose(asTensor(d.cotangent), close);
      });
    }
  }
});
