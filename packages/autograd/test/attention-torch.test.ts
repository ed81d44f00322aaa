// Values and gradients of layerNorm and scaledDotProductAttention against PyTorch 1.13's
// F.layer_norm and a hand-written sdpa (its formula; 1.13 has no F.scaled_dot_product_attention),
// float64, 1e-6 relative. The fixtures come from scripts/torch_attention.py (run it to regenerate
// fixtures/attention-torch.json); each case holds the inputs, a cotangent r, the output and the
// gradients of sum(y·r).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gradients, layerNorm, mul, scaledDotProductAttention, sum, variable, type Variable } from "@strata/autograd";
import { tensor, type Tensor } from "@strata/tensor";

interface Flat { shape: number[]; data: (number | boolean)[]; dtype?: "bool" }
interface Case {
  name: string;
  op: "layerNorm" | "sdpa";
  options: Record<string, unknown>;
  inputs: Record<string, Flat>;
  cotangent: Flat;
  output: Flat;
  grads: Record<string, Flat>;
}

const fixtures = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "attention-torch.json"), "utf8")) as { torch: string; cases: Case[] };
const asTensor = ({ shape, data, dtype }: Flat): Tensor => tensor(data as number[], { dtype: dtype ?? "float64" }).reshape(shape);
const close = { rtol: 1e-6, atol: 1e-9 };

function apply(c: Case, v: Record<string, Variable>, masks: Record<string, Tensor>): Variable {
  if (c.op === "layerNorm") {
    const { normalizedShape, eps } = c.options as { normalizedShape: number[]; eps: number };
    return layerNorm(v.x!, normalizedShape, v.weight ?? null, v.bias ?? null, { eps });
  }
  const mask = masks.attnMask ?? v.attnMask;
  return scaledDotProductAttention(v.q!, v.k!, v.v!, { ...c.options, ...(mask !== undefined && { attnMask: mask }) });
}

describe(`layerNorm and scaledDotProductAttention against PyTorch ${fixtures.torch}`, () => {
  it("has the cases the script writes", () => {
    expect(fixtures.cases.filter((c) => c.op === "layerNorm").length).toBe(5);
    expect(fixtures.cases.filter((c) => c.op === "sdpa").length).toBe(7);
  });
  for (const c of fixtures.cases) {
    it(c.name, () => {
      const vars: Record<string, Variable> = {};
      const masks: Record<string, Tensor> = {};
      for (const [k, f] of Object.entries(c.inputs)) {
        if (f.dtype === "bool") masks[k] = asTensor(f);
        else vars[k] = variable(asTensor(f), { requiresGrad: true });
      }
      const y = apply(c, vars, masks);
      expect(y.data.allClose(asTensor(c.output), close)).toBe(true);
      const names = Object.keys(c.grads);
      const gs = gradients([sum(mul(y, asTensor(c.cotangent)))], names.map((k) => vars[k]!));
      names.forEach((k, i) => expect(gs[i]!.data.allClose(asTensor(c.grads[k]!), close), `d/d${k}`).toBe(true));
    });
  }
});
