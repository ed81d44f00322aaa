// A fused op (one recorded node over kernels) returns, when its backward is itself recorded,
// the gradient of the composite it fuses. That gradient must be the partial one in each argument:
// when one input is computed from another (a norm's weight from x, a GRU's gh from h), the engine
// adds the path between them, and a fused op that returned the total derivative would count it
// twice. Reference: the same gradient taken without createGraph (the kernels' closed forms).
import { describe, expect, it } from "vitest";
import {
  add, batchNorm, gradients, gruCellPointwise, layerNorm, lstmCellPointwise, matmul, mul, slice, sum, variable, type Variable,
} from "@strata/autograd";
import { randn, rng } from "@strata/tensor";

const r = rng(18);
const data = (shape: number[]) => randn(shape, { rng: r, dtype: "float64" });

function bothWays(x: Variable, loss: (x: Variable) => Variable): void {
  const [plain] = gradients([loss(x)], [x]);
  const [recorded] = gradients([loss(x)], [x], { createGraph: true });
  expect(recorded!.data.allClose(plain!.data, { rtol: 1e-10, atol: 1e-12 })).toBe(true);
  // the recorded gradient differentiates again
  expect(recorded!.requiresGrad).toBe(true);
}

describe("fused ops under createGraph give partial derivatives when inputs depend on each other", () => {
  it("layerNorm with its weight and bias computed from x", () => {
    const x = variable(data([4, 5]), { requiresGrad: true });
    const c = data([4, 5]);
    bothWays(x, (v) => sum(mul(layerNorm(v, [5], slice(v, 0), mul(slice(v, 1), 2)), c)));
  });

  it("batchNorm (training) with its weight computed from x", () => {
    const x = variable(data([6, 3]), { requiresGrad: true });
    const c = data([6, 3]);
    bothWays(x, (v) => sum(mul(batchNorm(v, null, null, slice(v, 2), slice(v, 3), { training: true }), c)));
  });

  it("gruCellPointwise with gh computed from h", () => {
    const h = variable(data([3, 2]), { requiresGrad: true });
    const [gi, w, k] = [data([3, 6]), data([2, 6]), data([3, 2])];
    bothWays(h, (v) => sum(mul(gruCellPointwise(gi, matmul(v, w), v), k)));
  });

  it("lstmCellPointwise with the gates computed from c", () => {
    const c = variable(data([3, 2]), { requiresGrad: true });
    const w = data([2, 8]);
    const k = data([3, 2]);
    bothWays(c, (v) => {
      const [h, cNext] = lstmCellPointwise(add(matmul(v, w), 0.5), v);
      return add(sum(mul(h, k)), sum(mul(cNext, cNext)));
    });
  });
});
