// An activation's backward over whole tensors, dZ = dA·g'(·), with the derivative from the one
// activation table: autograd's relu, leakyRelu, sigmoid and tanh use it in a first-order backward,
// where one pass of the SIMD kernel replaces a mask and a select over the TypeScript loops.
import { denseActivations, tensorAlgebra } from "./activations.js";
import { activationGradKernel } from "./dispatch/dispatch.js";
import { allocate, isFloatDType } from "./dtype.js";
import type { FloatArray } from "./backends/backend.js";
import { compute } from "./record.js";
import { DTypeError, ShapeError, ValueError } from "./errors.js";
import type { DenseActivation } from "./fused.js";
import { formatShape } from "./shape.js";
import { Tensor } from "./tensor.js";

/**
 * dZ = dA·g'(·) elementwise for the activation `activation` of {@link denseActivations}, where
 * `saved` is what the derivative reads: the activation's input Z for relu and leakyRelu, its
 * output A = g(Z) for sigmoid (g' = A(1 − A)) and tanh (g' = 1 − A²); for relu g' is 1 where Z > 0
 * and 0 elsewhere, for leakyRelu 1 or `alpha`. The result has dA's shape and dtype, contiguous.
 *
 * @throws ValueError for an activation not in the table.
 * @throws ShapeError unless dA and saved have the same shape.
 * @throws DTypeError unless both are float32 or both float64.
 * @example
 * ```ts
 * import { activationGradient, tensor } from "@strata/tensor";
 * const Z = tensor([-1, 0, 2]);
 * console.log(activationGradient("relu", tensor([5, 5, 5]), Z).toArray()); // [0, 0, 5]
 * const A = tensor([0.5]);
 * console.log(activationGradient("sigmoid", tensor([1]), A).toArray()); // [0.25]
 * ```
 */
export function activationGradient(activation: DenseActivation, dA: Tensor, saved: Tensor, alpha = 0): Tensor {
  const def = Object.hasOwn(denseActivations, activation) ? denseActivations[activation] : undefined;
  if (def === undefined) throw new ValueError(`activationGradient: unknown activation ${JSON.stringify(activation)}; expected one of ${Object.keys(denseActivations).join(", ")}`);
  if (dA.shape.length !== saved.shape.length || dA.shape.some((d, i) => d !== saved.shape[i])) {
    throw new ShapeError(`activationGradient(${activation}): dA ${formatShape(dA.shape)} and the saved ${def.from ?? "Z"} ${formatShape(saved.shape)} must have the same shape`);
  }
  if (!isFloatDType(dA.dtype) || dA.dtype !== saved.dtype) {
    throw new DTypeError(`activationGradient(${activation}): expected dA and the saved tensor both float32 or both float64, got ${dA.dtype} and ${saved.dtype}`);
  }
  if (def.from === null) return dA;
  const kernel = activationGradKernel({ activation: def, alpha, dA, saved });
  if (kernel !== null) {
    const out = allocate(dA.dtype, dA.shape, "activationGradient") as FloatArray;
    compute(() => kernel(out));
    return new Tensor(out, dA.shape);
  }
  return def.grad(tensorAlgebra, dA, saved, alpha);
}
