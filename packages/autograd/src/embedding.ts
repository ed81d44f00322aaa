// embedding: rows of a weight matrix picked by integer ids, as torch.nn.functional.embedding. One
// recorded op: the forward gathers rows, the backward adds the gradient's rows back into a zero
// matrix at the ids (index-add), skipping the padding row; written with autograd ops, so it is
// differentiable again with respect to the incoming gradient.
import * as T from "@strata/tensor";
import { DTypeError, ShapeError, Tensor, ValueError, formatShape, isFloatDType } from "@strata/tensor";
import { indexAdd } from "./structural.js";
import { where } from "./elementwise.js";
import { defineFunction } from "./function.js";
import { Variable, type Operand } from "./variable.js";
import { tracedCall } from "./trace.js";

/**
 * Options of {@link embedding}: `paddingIdx`, the row that gets no gradient (as PyTorch's
 * `padding_idx`; negative counts from the end).
 *
 * @example
 * ```ts
 * import { embedding, variable, type EmbeddingOptions } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * const options: EmbeddingOptions = { paddingIdx: -1 }; // the last row, 2
 * const w = variable([[1, 1], [2, 2], [0, 0]], { requiresGrad: true });
 * embedding(tensor([2, 0], { dtype: "int32" }), w, options).sum().backward();
 * console.log(w.grad?.toArray()); // [[1, 1], [0, 0], [0, 0]]
 * ```
 */
export interface EmbeddingOptions {
  /** The id whose row gets no gradient (default none); in `[-numEmbeddings, numEmbeddings)`. */
  paddingIdx?: number | null;
}

/** The row-major position of element `k` of `shape`, as `[i, j, …]`. */
function positionOf(k: number, shape: readonly number[]): string {
  const idx = new Array<number>(shape.length);
  for (let ax = shape.length - 1; ax >= 0; ax--) {
    idx[ax] = k % shape[ax]!;
    k = Math.floor(k / shape[ax]!);
  }
  return `[${idx.join(", ")}]`;
}

/** `paddingIdx` made non-negative, after checking it is an integer in `[-num, num)`. */
function paddingRow(op: string, paddingIdx: number | null | undefined, num: number): number | null {
  if (paddingIdx === undefined || paddingIdx === null) return null;
  if (!Number.isInteger(paddingIdx) || paddingIdx < -num || paddingIdx >= num) {
    throw new ValueError(`${op}: paddingIdx must be an integer in [-${num}, ${num}) for ${num} embeddings, got ${String(paddingIdx)}`);
  }
  return paddingIdx < 0 ? paddingIdx + num : paddingIdx;
}

/** Checks ids and weight for `op` and returns the ids as a contiguous int32 tensor. */
function checkArguments(op: string, ids: Operand, weight: Operand): Tensor {
  if (typeof ids === "number" || typeof weight === "number") {
    throw new DTypeError(`${op}: expected ids as an int32 tensor and weight as a (numEmbeddings, embeddingDim) tensor, got a number`);
  }
  const w = weight instanceof Variable ? weight.data : weight;
  if (w.ndim !== 2) throw new ShapeError(`${op}: expected weight (numEmbeddings, embeddingDim), got ${formatShape(w.shape)}`);
  if (!isFloatDType(w.dtype)) throw new DTypeError(`${op}: weight is ${w.dtype}; expected float32 or float64`);
  const t = ids instanceof Variable ? ids.data : ids;
  if (t.dtype !== "int32") {
    throw new DTypeError(`${op}: ids must be int32, got ${t.dtype} of shape ${formatShape(t.shape)}; cast them (ids.cast("int32")) if they are whole numbers`);
  }
  const flat = t.contiguous();
  const num = w.shape[0]!;
  // work, so that a replay of a compiled step checks the ids it is given then
  T.compute(() => {
    const values = flat.data as Int32Array;
    for (let k = 0; k < flat.size; k++) {
      const id = values[flat.offset + k]!;
      if (id < 0 || id >= num) {
        throw new ValueError(`${op}: id ${id} at position ${positionOf(k, t.shape)} of ids ${formatShape(t.shape)} is out of range for ${num} embeddings; expected 0 <= id < ${num}`);
      }
    }
  });
  return flat;
}

/**
 * The rows of `weight` that `ids` name, as `torch.nn.functional.embedding`: for int32 ids of any
 * shape `(…)` and weight `(numEmbeddings, embeddingDim)`, `y[…, :] = weight[ids[…], :]`, shape
 * `(…, embeddingDim)`, weight's dtype. Gradient to weight: the rows of `g` added at their ids
 * (an id that repeats gets the sum), except that the row `paddingIdx` gets zero, as in PyTorch;
 * ids have no gradient. Recorded as one op, differentiable again with respect to `g`.
 *
 * @throws DTypeError when ids are not int32 (or a number), or weight is not float32 or float64.
 * @throws ShapeError when weight is not 2-D.
 * @throws ValueError naming the id, its position in `ids` and the range, when an id is outside
 *   `[0, numEmbeddings)`; when `paddingIdx` is not an integer in `[-numEmbeddings, numEmbeddings)`.
 * @example
 * ```ts
 * import { embedding, variable } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * const weight = variable([[0, 0], [1, 2], [3, 4]], { requiresGrad: true });
 * const ids = tensor([[1, 2], [1, 0]], { dtype: "int32" });
 * const y = embedding(ids, weight, { paddingIdx: 0 });
 * console.log(y.shape, y.toArray()); // [2, 2, 2] [[[1, 2], [3, 4]], [[1, 2], [0, 0]]]
 * y.sum().backward(); // row 1 is used twice; row 0, the padding, gets nothing
 * console.log(weight.grad?.toArray()); // [[0, 0], [2, 2], [1, 1]]
 * ```
 */
export function embedding(ids: Operand, weight: Operand, options: EmbeddingOptions = {}): Variable {
  return tracedCall("op", "embedding", [ids, weight], { paddingIdx: options.paddingIdx ?? null }, () => embeddingOp(ids, weight, options));
}

function embeddingOp(ids: Operand, weight: Operand, options: EmbeddingOptions): Variable {
  const flat = checkArguments("embedding", ids, weight);
  const [num, dim] = (weight as Tensor | Variable).shape as [number, number];
  const padding = paddingRow("embedding", options.paddingIdx, num);
  const rows = flat.reshape([flat.size]);
  const outShape = [...flat.shape, dim];
  const op = defineFunction({
    name: "embedding",
    forward: (_ctx, w) => T.gather(w as Tensor, rows, { axis: 0 }).reshape(outShape),
    backward(_ctx, g) {
      const gRows = g.reshape([rows.size, dim]);
      const updates = padding === null ? gRows : where(T.eq(rows, padding).reshape([rows.size, 1]), 0, gRows);
      return [indexAdd(T.zeros([num, dim], { dtype: g.dtype }), rows, updates, { axis: 0 })];
    },
  });
  return op(weight);
}
