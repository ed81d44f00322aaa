// Replaying PyTorch's reference steps (fixtures of test/scripts/layers_reference.py) on a Strata
// layer: shared by the layer tests and the CNN test.
import { expect } from "vitest";
import { variable } from "@strata/autograd";
import type { Module } from "@strata/nn";
import { tensor, type Tensor } from "@strata/tensor";

/** A tensor as the script writes it. */
export interface Values { shape: number[]; data: number[] }
/** One forward and backward of the script: input, upstream gradient, and what PyTorch computed. */
export interface Step { mode: "train" | "eval"; x: Values; r: Values; y: Values; dx: Values; grads: Record<string, Values>; buffers: Record<string, Values> }

export const asTensor = (v: Values, dtype: "float64" | "int32" = "float64"): Tensor => tensor(v.data, { dtype }).reshape(v.shape);

/** Checks `actual` against PyTorch's `expected`, elementwise to 1e-6 relative (1e-9 absolute near 0). */
export function expectClose(actual: Tensor | null | undefined, expected: Values, what: string): void {
  expect(actual, what).toBeTruthy();
  expect(actual!.shape, `${what} shape`).toEqual(expected.shape);
  const a = actual!.toTypedArray();
  let worst = 0;
  expected.data.forEach((e, i) => {
    worst = Math.max(worst, Math.abs(Number(a[i]) - e) / (Math.abs(e) + 1e-3));
  });
  expect(worst, what).toBeLessThan(1e-6);
}

/** Runs the fixture's steps on `layer` (whose state is loaded first), checking each against PyTorch. */
export function replay(layer: Module, c: { initial: Record<string, Values>; steps: Step[] }): void {
  const state: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(c.initial)) state[k] = asTensor(v, k.endsWith("num_batches_tracked") ? "int32" : "float64");
  layer.loadStateDict(state);
  const params = new Map(layer.namedParameters());
  for (const [i, step] of c.steps.entries()) {
    const where = `step ${i} (${step.mode})`;
    layer.train(step.mode === "train");
    layer.zeroGrad();
    const x = variable(asTensor(step.x), { requiresGrad: true });
    const y = layer.forward(x);
    expectClose(y.data, step.y, `${where} y`);
    y.mul(asTensor(step.r)).sum().backward();
    expectClose(x.grad, step.dx, `${where} dx`);
    expect([...params.keys()].sort(), `${where} parameters`).toEqual(Object.keys(step.grads).sort());
    for (const [k, g] of Object.entries(step.grads)) expectClose(params.get(k)!.grad, g, `${where} d${k}`);
    const buffers = new Map(layer.namedBuffers());
    expect([...buffers.keys()].sort(), `${where} buffers`).toEqual(Object.keys(step.buffers).sort());
    for (const [k, b] of Object.entries(step.buffers)) {
      if (k.endsWith("num_batches_tracked")) expect(buffers.get(k)!.item(), `${where} ${k}`).toBe(b.data[0]);
      else expectClose(buffers.get(k), b, `${where} ${k}`);
    }
  }
}

/** PyTorch's printed form in Strata's words: snake_case names in camelCase, True/False/None as true/false/null. */
export function camelCase(text: string): string {
  return text.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()).replace(/\bTrue\b/g, "true").replace(/\bFalse\b/g, "false").replace(/\bNone\b/g, "null");
}
