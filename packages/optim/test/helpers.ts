// Shared fixtures of the optimiser tests: a parameter, three steps of fixed gradients (different
// each step, one element zero in the second), and small utilities.
import { variable, type Variable } from "@strata/autograd";
import { Tensor, tensor, type DType } from "@strata/tensor";
import type { Optimizer } from "@strata/optim";

/** Initial parameter values, laid out as a (2, 3) matrix. */
export const P0 = [0.5, -1.25, 2, 0.1, -0.3, 1.7];
export const SHAPE = [2, 3];
/** The gradient given at steps 1, 2 and 3. */
export const GRADS = [
  [0.3, -0.2, 1.1, -0.7, 0.05, 0.4],
  [-0.1, 0.25, 0.9, -0.6, 0, -0.35],
  [0.45, -0.15, -0.8, 0.2, 0.12, 0.6],
];

export const param = (values: number[] = P0, dtype: DType = "float64"): Variable =>
  variable(tensor(values, { dtype, shape: SHAPE }), { requiresGrad: true });

export const grad = (values: number[], dtype: DType = "float64"): Tensor => tensor(values, { dtype, shape: SHAPE });

/** The elements of a variable or tensor in row-major order. */
export const values = (x: Variable | Tensor): number[] => Array.from((x instanceof Tensor ? x : x.data).toTypedArray());

/** Runs `opt` over `p` for the given gradients and returns p's values after each step. */
export function trajectory(opt: Optimizer, p: Variable, grads: number[][] = GRADS): number[][] {
  return grads.map((g) => {
    p.grad = grad(g, p.dtype);
    opt.step();
    return values(p);
  });
}

/** The error `fn` throws (fails the test when it does not throw). */
export { thrown } from "../../tensor/test/reference.js";
