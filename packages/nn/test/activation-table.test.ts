// The one activation table (the tensor package's denseActivations) and its three readers: the
// fused Dense kernels, @strata/autograd's activation ops and @strata/nn's activations. Each
// formula is checked against float64 central differences of the activation's own value, first and
// second derivatives, and each reader against the formula.
import { describe, expect, it } from "vitest";
import { gradients, leakyRelu, relu, sigmoid, tanh, variable, type Variable } from "@strata/autograd";
import { activation } from "@strata/nn";
import { denseActivations, denseBackward, denseForward, setKernelOptions, kernelOptions, tensor, tensorAlgebra, type Tensor } from "@strata/tensor";

const ALPHA = 0.2;
const NAMES = ["identity", "relu", "leakyRelu", "sigmoid", "tanh"] as const;
// away from relu's kink at 0, where the difference quotient is not the derivative
const Z = [-3.1, -1.2, -0.4, 0.3, 0.9, 2.7];
const H = 1e-6;

const value = (name: (typeof NAMES)[number], z: number[]): number[] =>
  Array.from(denseActivations[name].value(tensor(z, { dtype: "float64" }), ALPHA).toTypedArray());

describe("the activation table", () => {
  it.each(NAMES)("%s: dZ = dA·g'(·) matches central differences of g in float64, read from Z or from A as `from` says", (name) => {
    const def = denseActivations[name];
    const z = tensor(Z, { dtype: "float64" });
    const a = def.value(z, ALPHA);
    const dA = tensor([1, 2, -1, 0.5, 3, -2], { dtype: "float64" });
    const dZ = def.grad(tensorAlgebra, dA, def.from === "A" ? a : z, ALPHA).toArray() as number[];
    const up = value(name, Z.map((v) => v + H));
    const down = value(name, Z.map((v) => v - H));
    const numeric = Z.map((_, i) => ((up[i]! - down[i]!) / (2 * H)) * (dA.toArray() as number[])[i]!);
    dZ.forEach((g, i) => expect(g, `${name} at ${Z[i]}`).toBeCloseTo(numeric[i]!, 6));
  });

  it.each(NAMES)("%s: the fused Dense kernels (WebAssembly and composed) give the table's forward and backward", (name) => {
    const W = tensor([[0.5, -1, 0.25], [1.5, 0.1, -0.7]], { dtype: "float64" });
    const X = tensor([[1, -2, 0.5, 3], [0.2, 0.4, -1, 1], [-0.3, 2, 1, -1]], { dtype: "float64" });
    const b = tensor([[0.1], [-0.2]], { dtype: "float64" });
    const dA = tensor([[1, -1, 2, 0.5], [0.3, 1, -2, 1]], { dtype: "float64" });
    const def = denseActivations[name];
    const initial = kernelOptions();
    for (const wasm of initial.wasmAvailable ? [true, false] : [false]) {
      setKernelOptions({ wasm });
      try {
        const { Z: z, A } = denseForward(W, X, b, name, { alpha: ALPHA });
        const zRef = W.matmul(X).add(b);
        expect(z).toAllClose(zRef, { rtol: 1e-12 });
        expect(A).toAllClose(def.value(zRef, ALPHA), { rtol: 1e-12, atol: 1e-15 });
        const { dX } = denseBackward(dA, X, W, z, A, name, { alpha: ALPHA });
        const dZ = def.grad(tensorAlgebra, dA, def.from === "A" ? A : z, ALPHA);
        expect(dX!, `${name}, wasm ${wasm}`).toAllClose(W.T.matmul(dZ), { rtol: 1e-12, atol: 1e-15 });
      } finally {
        setKernelOptions({ wasm: initial.wasm });
      }
    }
  });

  const autogradOps: Record<string, (x: Variable) => Variable> = { relu, leakyRelu: (x) => leakyRelu(x, ALPHA), sigmoid, tanh };
  it.each(Object.keys(autogradOps))("autograd's %s: first and second derivatives against central differences", (name) => {
    const op = autogradOps[name]!;
    const f = (v: number): number => (op(variable([v], { dtype: "float64" })).toArray() as number[])[0]!;
    for (const v of Z) {
      const x = variable([v], { dtype: "float64", requiresGrad: true });
      const [g] = gradients([op(x).sum()], [x], { createGraph: true });
      // relu's and leakyRelu's gradients are constant masks: their second derivative is 0 and not recorded
      const g2 = g!.requiresGrad ? gradients([g!.sum()], [x])[0] : undefined;
      const d1 = (f(v + H) - f(v - H)) / (2 * H);
      const d2 = (f(v + 1e-4) - 2 * f(v) + f(v - 1e-4)) / 1e-8;
      expect((g!.toArray() as number[])[0], `${name}' at ${v}`).toBeCloseTo(d1, 6);
      expect((g2?.toArray() as number[] | undefined)?.[0] ?? 0, `${name}'' at ${v}`).toBeCloseTo(d2, 3);
    }
  });

  it.each(NAMES)("nn's %s: backward and derivative are the table's formula", (name) => {
    const g = activation(name === "leakyRelu" ? { name, alpha: ALPHA } : name);
    const z = tensor(Z, { dtype: "float64" });
    const dA = tensor([1, 2, -1, 0.5, 3, -2], { dtype: "float64" });
    const def = denseActivations[name];
    const want: Tensor = def.grad(tensorAlgebra, dA, def.from === "A" ? def.value(z, ALPHA) : z, ALPHA);
    expect(g.backward(dA, z).data).toAllClose(want, { rtol: 1e-15 });
    expect(g.derivative!(z).data).toAllClose(def.grad(tensorAlgebra, tensor(Z.map(() => 1), { dtype: "float64" }), def.from === "A" ? def.value(z, ALPHA) : z, ALPHA), { rtol: 1e-15 });
  });
});
