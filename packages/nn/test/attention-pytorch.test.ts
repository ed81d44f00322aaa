// MultiheadAttention, TransformerEncoderLayer and a 2-layer TransformerEncoder against PyTorch
// 1.13 (float64, 1e-6 relative): each module is built with the case's arguments, loads PyTorch's
// state dict unchanged (the same keys and shapes), and gives PyTorch's outputs, attention weights
// and gradients of every input and parameter. Fixtures from scripts/attention_reference.py.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { add, gradients, mul, sum, variable, type Variable } from "@strata/autograd";
import { LayerNorm, MultiheadAttention, TransformerEncoder, TransformerEncoderLayer, type Module } from "@strata/nn";
import { tensor, type Tensor } from "@strata/tensor";

interface Flat { shape: number[]; data: (number | boolean)[]; dtype?: "bool" }
interface Case {
  name: string;
  kind: "MultiheadAttention" | "TransformerEncoderLayer" | "TransformerEncoder";
  args: Record<string, unknown>;
  mode: "train" | "eval";
  options: Record<string, unknown>;
  state: Record<string, Flat>;
  inputs: Record<string, Flat>;
  masks: Record<string, Flat>;
  y: Flat;
  r: Flat;
  w?: Flat;
  rw?: Flat;
  grads: Record<string, Flat>;
}

const fixtures = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "attention-reference.json"), "utf8")) as { torch: string; cases: Case[] };
const asTensor = ({ shape, data, dtype }: Flat): Tensor => tensor(data as number[], { dtype: dtype ?? "float64" }).reshape(shape);
const close = { rtol: 1e-6, atol: 1e-9 };

function build(c: Case): Module {
  const a = c.args as { embedDim: number; numHeads: number; dModel: number; nhead: number; numLayers: number; norm?: boolean };
  const common = { dtype: "float64" as const };
  switch (c.kind) {
    case "MultiheadAttention":
      return new MultiheadAttention(a.embedDim, a.numHeads, { ...c.args, ...common });
    case "TransformerEncoderLayer":
      return new TransformerEncoderLayer(a.dModel, a.nhead, { ...c.args, ...common });
    case "TransformerEncoder": {
      const layer = new TransformerEncoderLayer(a.dModel, a.nhead, { ...c.args, ...common });
      return new TransformerEncoder(layer, a.numLayers, { norm: a.norm ? new LayerNorm(a.dModel, common) : null });
    }
  }
}

function run(c: Case, m: Module, v: Record<string, Variable>, masks: Record<string, Tensor>): [Variable, Variable | null] {
  switch (c.kind) {
    case "MultiheadAttention":
      return (m as MultiheadAttention).forward(v.query!, v.key!, v.value!, { ...c.options, ...masks });
    case "TransformerEncoderLayer":
      return [(m as TransformerEncoderLayer).forward(v.src!, masks), null];
    case "TransformerEncoder":
      return [(m as TransformerEncoder).forward(v.src!, masks), null];
  }
}

describe(`attention layers against PyTorch ${fixtures.torch}`, () => {
  it("has the cases the script writes", () => {
    expect(fixtures.cases.map((c) => c.kind)).toEqual([...Array(7).fill("MultiheadAttention"), ...Array(4).fill("TransformerEncoderLayer"), "TransformerEncoder"]);
  });
  for (const c of fixtures.cases) {
    it(`${c.kind}: ${c.name}`, () => {
      const m = build(c);
      m.train(c.mode === "train");
      // PyTorch's state dict: the same keys, in the same order, and shapes
      expect(Object.keys(m.stateDict())).toEqual(Object.keys(c.state));
      const result = m.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, f]) => [k, asTensor(f)])));
      expect(result).toEqual({ missing: [], unexpected: [] });
      const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, f]) => [k, variable(asTensor(f), { requiresGrad: true })]));
      const masks = Object.fromEntries(Object.entries(c.masks).map(([k, f]) => [k, asTensor(f)]));
      const [y, w] = run(c, m, inputs, masks);
      expect(y.shape).toEqual(c.y.shape);
      expect(y.data.allClose(asTensor(c.y), close)).toBe(true);
      let loss = sum(mul(y, asTensor(c.r)));
      if (c.w) {
        expect(w!.shape).toEqual(c.w.shape);
        expect(w!.data.allClose(asTensor(c.w), close)).toBe(true);
        loss = add(loss, sum(mul(w!, asTensor(c.rw!))));
      } else if (c.kind === "MultiheadAttention") {
        expect(w).toBeNull();
      }
      const params = Object.fromEntries(m.namedParameters());
      const names = Object.keys(c.grads);
      const wrt = names.map((k) => inputs[k] ?? params[k]!);
      const gs = gradients([loss], wrt);
      names.forEach((k, i) => expect(gs[i]!.data.allClose(asTensor(c.grads[k]!), close), `d/d${k}`).toBe(true));
    });
  }
});
