// RNN, GRU, LSTM and their cells against PyTorch 1.13 (fixtures written by
// test/scripts/recurrent_reference.py, float64): each case loads PyTorch's state dict unchanged
// under PyTorch's names, then compares the output, the final states and the gradients of
// sum(output·r) + Σ sum(final·r_final) with respect to the input, the initial states and every
// parameter, to 1e-6 relative. Also the printed forms, and save/load through the layer registry.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { mul, sum, variable, type Variable } from "@strata/autograd";
import { GRU, GRUCell, LSTM, LSTMCell, RNN, RNNCell, loadFromBytes, saveToBytes, type Module } from "@strata/nn";
import { Tensor, rng } from "@strata/tensor";

interface Values { shape: number[]; data: number[] }
interface Case {
  name: string;
  kind: "RNN" | "GRU" | "LSTM" | "RNNCell" | "GRUCell" | "LSTMCell";
  options: { inputSize: number; hiddenSize: number; [k: string]: unknown };
  state: Record<string, Values>;
  x: Values;
  initial: Values[];
  r?: Values;
  rFinal: Values[];
  output?: Values;
  final: Values[];
  grads: { x: Values; initial: Values[]; params: Record<string, Values> };
  printed: string;
}

const fixture = JSON.parse(readFileSync(new URL("./fixtures/recurrent-reference.json", import.meta.url), "utf8")) as { torch: string; cases: Case[] };
const t = (v: Values): Tensor => new Tensor(Float64Array.from(v.data), v.shape);
const close = { rtol: 1e-6, atol: 1e-9 };

function build(c: Case): Module {
  const { inputSize, hiddenSize, ...rest } = c.options;
  const options = { ...rest, dtype: "float64" as const, rng: rng(0) };
  switch (c.kind) {
    case "RNN": return new RNN(inputSize, hiddenSize, options);
    case "GRU": return new GRU(inputSize, hiddenSize, options);
    case "LSTM": return new LSTM(inputSize, hiddenSize, options);
    case "RNNCell": return new RNNCell(inputSize, hiddenSize, options);
    case "GRUCell": return new GRUCell(inputSize, hiddenSize, options);
    case "LSTMCell": return new LSTMCell(inputSize, hiddenSize, options);
  }
}

/** Runs the case's forward: the output (sequence layers only) and the final states. */
function run(m: Module, c: Case, x: Variable, initial: Variable[]): { output: Variable | null; finals: Variable[] } {
  const state = initial.length === 0 ? undefined : initial.length === 2 ? [initial[0], initial[1]] : initial[0];
  if (c.kind === "LSTM") {
    const [output, [h, cN]] = (m as LSTM).forward(x, state as [Variable, Variable] | undefined);
    return { output, finals: [h, cN] };
  }
  if (c.kind === "RNN" || c.kind === "GRU") {
    const [output, h] = (m as RNN).forward(x, state as Variable | undefined);
    return { output, finals: [h] };
  }
  if (c.kind === "LSTMCell") return { output: null, finals: (m as LSTMCell).forward(x, state as [Variable, Variable] | undefined) };
  return { output: null, finals: [(m as RNNCell).forward(x, state as Variable | undefined)] };
}

describe(`recurrent layers against PyTorch ${fixture.torch}`, () => {
  for (const c of fixture.cases) {
    it(`${c.name}: outputs, final states and every gradient`, () => {
      const m = build(c);
      // PyTorch's state dict, under its own names, loads unchanged (strict: same keys, shapes)
      m.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, t(v)])));
      expect(m.namedParameters().map(([k]) => k)).toEqual(Object.keys(c.grads.params));
      const x = variable(t(c.x), { requiresGrad: true });
      const initial = c.initial.map((v) => variable(t(v), { requiresGrad: true }));
      const { output, finals } = run(m, c, x, initial);
      let loss = finals.map((f, k) => sum(mul(f, t(c.rFinal[k]!)))).reduce((a, b) => a.add(b));
      if (output !== null) {
        expect(output.data).toAllClose(t(c.output!), close);
        loss = loss.add(sum(mul(output, t(c.r!))));
      }
      finals.forEach((f, k) => expect(f.data).toAllClose(t(c.final[k]!), close));
      loss.backward();
      expect(x.grad!).toAllClose(t(c.grads.x), close);
      initial.forEach((v, k) => expect(v.grad!).toAllClose(t(c.grads.initial[k]!), close));
      for (const [name, p] of m.namedParameters()) expect(p.grad!, name).toAllClose(t(c.grads.params[name]!), close);
    });
  }

  it("prints as PyTorch does, in the camelCase of the other layers", () => {
    const printed = fixture.cases.map((c) => [c.printed, String(build(c))]);
    const camel = (s: string) => s.replace(/num_layers/g, "numLayers").replace(/batch_first/g, "batchFirst").replace(/True/g, "true").replace(/False/g, "false");
    // PyTorch's RNN does not print its nonlinearity; Strata's says relu when it is not tanh
    for (const [torch, ours] of printed) expect(ours!.replace(/, nonlinearity=relu/, "")).toBe(camel(torch!).replace(/, nonlinearity=relu/, ""));
    expect(String(new RNN(2, 3, { nonlinearity: "relu" }))).toBe("RNN(2, 3, nonlinearity=relu)");
    expect(String(new LSTM(64, 256, { numLayers: 2, batchFirst: true }))).toBe("LSTM(64, 256, numLayers=2, batchFirst=true)");
  });

  it("saves and loads through the layer registry, with the same outputs", () => {
    for (const c of fixture.cases) {
      const m = build(c);
      m.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, t(v)])));
      const back = loadFromBytes(saveToBytes(m)).model;
      expect(back.constructor).toBe(m.constructor);
      expect(String(back)).toBe(String(m));
      const x = t(c.x);
      const ours = run(m, c, variable(x), []);
      const theirs = run(back, c, variable(x), []);
      ours.finals.forEach((f, k) => expect(theirs.finals[k]!.data.equals(f.data)).toBe(true));
    }
  });
});
