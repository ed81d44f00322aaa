// A first-order backward through relu, leakyRelu, sigmoid and tanh takes the table's derivative
// kernel (values only); with createGraph it evaluates the same formula over variables. Both must
// give the same gradient, large enough for the WebAssembly kernel, and the second path stays
// differentiable.
import { describe, expect, it } from "vitest";
import { gradients, leakyRelu, mul, relu, sigmoid, sum, tanh, variable, type Variable } from "@strata/autograd";
import { tensor } from "@strata/tensor";

function values(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 6 - 3);
}

const n = 20_000;
const ops: [string, (x: Variable) => Variable][] = [
  ["relu", relu], ["leakyRelu", (x) => leakyRelu(x, 0.1)], ["sigmoid", sigmoid], ["tanh", tanh],
];

describe("activation backward: the values-only kernel and the differentiable formula agree", () => {
  for (const [name, op] of ops) {
    it(name, () => {
      const w = tensor(values(n, 2));
      const first = variable(values(n, 1), { requiresGrad: true });
      sum(mul(op(first), w)).backward();
      const second = variable(values(n, 1), { requiresGrad: true });
      const [g] = gradients([sum(mul(op(second), w))], [second], { createGraph: true });
      const a = first.grad!.toTypedArray();
      const b = g!.data.toTypedArray();
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
      expect(worst).toBeLessThan(1e-6);
      // sigmoid's and tanh's derivatives depend on x through A: their gradient is itself differentiable
      // (relu's and leakyRelu's are constant masks times w, so they need no graph)
      if (name === "sigmoid" || name === "tanh") expect(g!.requiresGrad).toBe(true);
    });
  }
});
