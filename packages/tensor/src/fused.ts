// A Dense layer's forward and backward as single operations, so that the WebAssembly kernels can
// stage the operands once and apply the bias, the activation and its derivative in the same pass
// as the products (backends/wasm/dense.ts). When no backend has a fused kernel for the operands
// (the dispatcher says which), the ordinary ops are composed: that path is the reference. Both
// read the activation, its derivative and its kernel code from one table (./activations.ts).
import { denseActivations, tensorAlgebra } from "./activations.js";
import { allocate, isFloatDType } from "./dtype.js";
import type { FloatArray } from "./backends/backend.js";
import { mul } from "./elementwise.js";
import { DTypeError, ShapeError, ValueError } from "./errors.js";
import { denseBackwardKernel, denseForwardKernel } from "./dispatch/dispatch.js";
import { matmul } from "./linalg.js";
import { compute } from "./record.js";
import { sum } from "./reduce.js";
import { formatShape } from "./shape.js";
import { Tensor } from "./tensor.js";

/**
 * The activations {@link denseForward} applies, g in `A = g(W·X + b)`, and whose derivative
 * {@link denseBackward} uses: `"identity"` (`g(z) = z`), `"relu"` (`max(z, 0)`), `"leakyRelu"`
 * (`z > 0 ? z : alpha·z`), `"sigmoid"` (`1 / (1 + e^-z)`) and `"tanh"`. Each is elementwise, so
 * A has Z's shape.
 *
 * @example
 * ```ts
 * import { denseForward, tensor, type DenseActivation } from "@strata/tensor";
 * const g: DenseActivation = "sigmoid";
 * const { Z, A } = denseForward(tensor([[1, -1]]), tensor([[3, 5], [1, 1]]), tensor([[-2]]), g);
 * console.log(Z.toArray(), A.toArray()); // [[0, 2]] [[0.5, 0.8807970881462097]]
 * ```
 */
export type DenseActivation = keyof typeof denseActivations;

const ACTIVATIONS = Object.keys(denseActivations) as readonly DenseActivation[];

/**
 * Options of {@link denseForward} (and, extended, of {@link denseBackward}).
 *
 * @example
 * ```ts
 * import { denseForward, tensor, type DenseForwardOptions } from "@strata/tensor";
 * const gentle: DenseForwardOptions = { alpha: 0.5 };
 * const { A } = denseForward(tensor([[1, -1]]), tensor([[2, 1], [3, 0]]), tensor([[0.5]]), "leakyRelu", gentle);
 * console.log(A.toArray()); // [[-0.25, 1.5]]
 * ```
 */
export interface DenseForwardOptions {
  /** leakyRelu's slope for negative inputs; 0.01 by default. */
  alpha?: number;
}

/**
 * Options of {@link denseBackward}: the leakyRelu slope `alpha`, the factor `scale` on dW and db,
 * and which gradients to compute (`needs[0]` for dX, `needs[1]` for dW, `needs[2]` for db; a
 * missing or false entry skips it).
 *
 * @example
 * ```ts
 * import { denseBackward, denseForward, tensor, type DenseBackwardOptions } from "@strata/tensor";
 * const [W, X, b] = [tensor([[1, -1]]), tensor([[2, 1], [3, 0]]), tensor([[0.5]])];
 * const { Z, A } = denseForward(W, X, b, "relu");
 * const opts: DenseBackwardOptions = { scale: 0.5, needs: [false, true, true] };
 * const { dX, dW, db } = denseBackward(tensor([[1, 1]]), X, W, Z, A, "relu", opts);
 * console.log(dX, dW!.toArray(), db!.toArray()); // null [[0.5, 0]] [[0.5]]
 * ```
 */
export interface DenseBackwardOptions extends DenseForwardOptions {
  /** Multiplies dW and db (the course's 1/m); 1 by default. */
  scale?: number;
  /** Which of [dX, dW, db] to compute; all by default. */
  needs?: readonly boolean[];
}

/**
 * The gradients {@link denseBackward} returns, each null where not asked for: for W `(n, k)` and
 * X `(k, m)`, dX is `(k, m)`, dW `(n, k)` and db `(n, 1)`, all of W's dtype.
 *
 * @example
 * ```ts
 * import { denseBackward, denseForward, tensor, type DenseGradients } from "@strata/tensor";
 * const [W, X, b] = [tensor([[1, -1]]), tensor([[2, 1], [3, 0]]), tensor([[0.5]])];
 * const { Z, A } = denseForward(W, X, b, "relu");
 * const grads: DenseGradients = denseBackward(tensor([[1, 1]]), X, W, Z, A, "relu");
 * console.log(grads.dX!.shape, grads.dW!.shape, grads.db!.shape); // [2, 2] [1, 2] [1, 1]
 * ```
 */
export interface DenseGradients {
  /** The gradient with respect to X, `Wᵀ·dZ`, `(k, m)`. */
  dX: Tensor | null;
  /** The gradient with respect to W, `scale·dZ·Xᵀ`, `(n, k)`. */
  dW: Tensor | null;
  /** The gradient with respect to b, `scale·Σ_columns dZ`, `(n, 1)`. */
  db: Tensor | null;
}


function checkInputs(op: string, W: Tensor, X: Tensor, b: Tensor | null, g: DenseActivation, alpha: number): void {
  for (const [name, t] of [["W", W], ["X", X], ...(b ? [["b", b] as const] : [])] as const) {
    if (!(t instanceof Tensor)) throw new ShapeError(`${op}: ${name} must be a tensor`);
    if (t.ndim !== 2) throw new ShapeError(`${op}: ${name} must be a matrix, got shape ${formatShape(t.shape)}`);
    if (t.dtype !== W.dtype || !isFloatDType(t.dtype)) {
      throw new DTypeError(`${op}: W, X${b ? " and b" : ""} must share one float dtype, got W ${W.dtype} and ${name} ${t.dtype}`);
    }
  }
  const [n, k] = W.shape as [number, number];
  if (X.shape[0] !== k) throw new ShapeError(`${op}: W is ${formatShape(W.shape)}, so X needs ${k} rows, got X of shape ${formatShape(X.shape)}`);
  if (b && (b.shape[0] !== n || b.shape[1] !== 1)) throw new ShapeError(`${op}: expected b of shape (${n},1) for W of shape ${formatShape(W.shape)}, got ${formatShape(b.shape)}`);
  if (!ACTIVATIONS.includes(g)) throw new ValueError(`${op}: unknown activation ${JSON.stringify(g)}; expected one of ${ACTIVATIONS.join(", ")}`);
  if (typeof alpha !== "number" || !Number.isFinite(alpha)) throw new ValueError(`${op}: alpha must be a finite number, got ${String(alpha)}`);
}

/**
 * A Dense layer's forward in one operation: `Z = W·X + b`, `A = g(Z)`, for W `(n, k)`, X `(k, m)`
 * (columns are examples) and b `(n, 1)`, all of one float dtype. Returns both, since Z is what
 * the backward needs; for the identity A is Z itself. The same values as
 * `g(add(matmul(W, X), b))`, up to the summation order of the product (see {@link matmul}) and,
 * for sigmoid and tanh in float32, a few units in the last place. On the WebAssembly kernels the
 * operands are staged once and each thread adds the bias and applies g to its block of the
 * product while it is still in cache.
 *
 * @throws ShapeError when W, X or b are not matrices of matching shapes; DTypeError when their
 * dtypes differ or are not float; ValueError for an unknown activation or a non-finite alpha.
 * @example
 * ```ts
 * import { denseForward, tensor } from "@strata/tensor";
 * const W = tensor([[1, -1]]);
 * const { Z, A } = denseForward(W, tensor([[2, 1], [3, 0]]), tensor([[0.5]]), "relu");
 * console.log(Z.toArray(), A.toArray()); // [[-0.5, 1.5]] [[0, 1.5]]
 * ```
 */
export function denseForward(W: Tensor, X: Tensor, b: Tensor, activation: DenseActivation = "identity", options: DenseForwardOptions = {}): { Z: Tensor; A: Tensor } {
  const alpha = options.alpha ?? 0.01;
  checkInputs("denseForward", W, X, b, activation, alpha);
  const g = denseActivations[activation];
  const kernel = denseForwardKernel({ W, X, b, g, alpha });
  if (kernel) {
    const shape = [W.shape[0]!, X.shape[1]!];
    const Z = allocate(W.dtype, shape, "denseForward") as FloatArray;
    const A = g.from === null ? null : (allocate(W.dtype, shape, "denseForward") as FloatArray);
    compute(() => kernel({ Z, A }));
    const z = new Tensor(Z, shape);
    return { Z: z, A: A ? new Tensor(A, shape) : z };
  }
  const Z = matmul(W, X).add(b);
  return { Z, A: g.value(Z, alpha) };
}

/**
 * A Dense layer's backward in one operation, from the incoming gradient dA `(n, m)` and what
 * {@link denseForward} returned:
 * `dZ = dA·g'(Z)`, `dW = scale·dZ·Xᵀ`, `db = scale·Σ_columns dZ` `(n, 1)`, `dX = Wᵀ·dZ`.
 * g' is read from Z for relu (1 where Z > 0, else 0) and leakyRelu (1 or alpha), and from the
 * output A for sigmoid (`A(1 − A)`) and tanh (`1 − A²`). `scale` is the course's 1/m (its dZ is
 * the gradient of the summed loss); leave it at 1 when dA already carries it. On the WebAssembly
 * kernels the operands are staged once, dZ and db come from one pass, and both products read the
 * staged dZ, X and W through transposed strides.
 *
 * @throws ShapeError when dA, Z or A is not `(n, m)` or W and X do not match; DTypeError when the
 * dtypes differ or are not float; ValueError for an unknown activation or a non-finite alpha or
 * scale.
 * @example
 * ```ts
 * import { denseBackward, denseForward, tensor } from "@strata/tensor";
 * const [W, X, b] = [tensor([[1, -1]]), tensor([[2, 1], [3, 0]]), tensor([[0.5]])];
 * const { Z, A } = denseForward(W, X, b, "relu");
 * const { dX, dW, db } = denseBackward(tensor([[1, 1]]), X, W, Z, A, "relu");
 * console.log(dW!.toArray(), db!.toArray(), dX!.toArray()); // [[1, 0]] [[1]] [[0, 1], [0, -1]]
 * ```
 */
export function denseBackward(
  dA: Tensor, X: Tensor, W: Tensor, Z: Tensor, A: Tensor, activation: DenseActivation = "identity", options: DenseBackwardOptions = {},
): DenseGradients {
  const { alpha = 0.01, scale = 1, needs = [true, true, true] } = options;
  checkInputs("denseBackward", W, X, null, activation, alpha);
  if (typeof scale !== "number" || !Number.isFinite(scale)) throw new ValueError(`denseBackward: scale must be a finite number, got ${String(scale)}`);
  const n = W.shape[0]!;
  const m = X.shape[1]!;
  for (const [name, t] of [["dA", dA], ["Z", Z], ["A", A]] as const) {
    if (!(t instanceof Tensor) || t.ndim !== 2 || t.shape[0] !== n || t.shape[1] !== m) {
      const got = t instanceof Tensor ? formatShape(t.shape) : typeof t;
      throw new ShapeError(`denseBackward: expected ${name} of shape (${n},${m}) (W is ${formatShape(W.shape)}, X ${formatShape(X.shape)}), got ${got}`);
    }
    if (t.dtype !== W.dtype) throw new DTypeError(`denseBackward: ${name} is ${t.dtype}, expected ${W.dtype} like W`);
  }
  const g = denseActivations[activation];
  const kernel = denseBackwardKernel({ dA, X, W, Z, A, g, alpha, scale, needs });
  if (kernel) {
    const k = W.shape[1]!;
    const out = (wanted: boolean | undefined, shape: number[]) => (wanted ? (allocate(W.dtype, shape, "denseBackward") as FloatArray) : null);
    const outs = { dX: out(needs[0], [k, m]), dW: out(needs[1], [n, k]), db: out(needs[2], [n, 1]) };
    compute(() => kernel(outs));
    return {
      dX: outs.dX && new Tensor(outs.dX, [k, m]),
      dW: outs.dW && new Tensor(outs.dW, [n, k]),
      db: outs.db && new Tensor(outs.db, [n, 1]),
    };
  }
  const dZ = g.grad(tensorAlgebra, dA, g.from === "A" ? A : Z, alpha);
  const scaled = (t: Tensor): Tensor => (scale === 1 ? t : mul(t, scale));
  return {
    dX: needs[0] ? matmul(W.T, dZ) : null,
    dW: needs[1] ? scaled(matmul(dZ, X.T)) : null,
    db: needs[2] ? scaled(sum(dZ, { axis: 1, keepDims: true })) : null,
  };
}
