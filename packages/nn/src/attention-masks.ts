// MultiheadAttention's masks as one additive float constant over the scores (N, h, L, S): a
// boolean true is masked out (−∞), a float mask is added, attnMask and keyPaddingMask are summed,
// and isCausal stands for the causal mask when no attnMask is given.
import { add, type Operand, Variable } from "@strata/autograd";
import * as T from "@strata/tensor";
import { DTypeError, ShapeError, Tensor, ValueError, type DType } from "@strata/tensor";
import { shapeText } from "./layer-input.js";

/**
 * The masks of {@link MultiheadAttention.forward}, PyTorch's in camelCase: `attnMask` `(L, S)` or
 * `(N·numHeads, L, S)` (unbatched: `(numHeads, L, S)`), `keyPaddingMask` `(N, S)` (unbatched:
 * `(S)`), each boolean (`true` is masked out) or float (added to the scores); `isCausal` (default
 * false) masks key j for query i when j > i when no attnMask is given (given one, attnMask is used
 * as it is, PyTorch's hint that it is causal).
 *
 * @example
 * ```ts
 * import { MultiheadAttention, type MaskOptions } from "@strata/nn";
 * import { ones, rng, tensor } from "@strata/tensor";
 * const mha = new MultiheadAttention(2, 1, { rng: rng(0) });
 * const masks: MaskOptions = { keyPaddingMask: tensor([[false, true]]) }; // key 1 is padding
 * console.log(mha.forward(ones([1, 1, 2]), ones([2, 1, 2]), ones([2, 1, 2]), masks)[1]?.toArray()); // [[[1, 0]]]
 * ```
 */
export interface MaskOptions {
  /** `(L, S)` or `(N·numHeads, L, S)`: boolean (true is masked out) or float (added). */
  attnMask?: Tensor | Variable | null;
  /** `(N, S)`: boolean (true marks padding, masked out) or float (added). */
  keyPaddingMask?: Tensor | Variable | null;
  /** Mask key j for query i when j > i, when no attnMask is given (default false). */
  isCausal?: boolean;
}

interface Sizes {
  n: number;
  h: number;
  l: number;
  s: number;
  batched: boolean;
  dtype: DType;
}

/** One mask as an additive operand reshaped to broadcast over (N, h, L, S). */
function additive(label: string, name: string, mask: unknown, shapes: [readonly number[], number[]][], dtype: DType, wanted: string): Operand {
  if (!(mask instanceof Tensor) && !(mask instanceof Variable)) {
    throw new ValueError(`${label}: ${name} must be a bool or float Tensor, got ${typeof mask === "object" ? String(mask) : typeof mask}`);
  }
  const match = shapes.find(([shape]) => shape.length === mask.ndim && shape.every((n, i) => n === mask.shape[i]));
  if (match === undefined) throw new ShapeError(`${label}: expected ${name} ${wanted}, got ${shapeText(mask.shape)}`);
  const target = match[1];
  if (mask.dtype === "bool") {
    const m = mask instanceof Variable ? mask.data : mask;
    return T.where(m, -Infinity, T.zeros([], { dtype })).reshape(target);
  }
  if (mask.dtype !== dtype) throw new DTypeError(`${label}: ${name} is ${mask.dtype}; expected bool or the layer's ${dtype}`);
  return mask.reshape(target);
}

/** The sum of the masks given, as one additive operand broadcasting to (N, h, L, S), or null. @internal */
export function attentionMask(label: string, options: MaskOptions, sizes: Sizes): Operand | null {
  const { n, h, l, s, batched, dtype } = sizes;
  const { attnMask = null, keyPaddingMask = null, isCausal = false } = options;
  if (typeof isCausal !== "boolean") throw new ValueError(`${label}: isCausal must be true or false, got ${String(isCausal)}`);
  const parts: Operand[] = [];
  if (attnMask !== null) {
    const perHead: [readonly number[], number[]] = batched ? [[n * h, l, s], [n, h, l, s]] : [[h, l, s], [1, h, l, s]];
    const wanted = `(L, S) = (${l}, ${s}) or ${batched ? "(N·numHeads, L, S)" : "(numHeads, L, S)"} = ${shapeText(perHead[0])}`;
    parts.push(additive(label, "attnMask", attnMask, [[[l, s], [l, s]], perHead], dtype, wanted));
  } else if (isCausal) {
    const keep = T.le(T.arange(s).reshape([1, s]), T.arange(l).reshape([l, 1]));
    parts.push(T.where(keep, T.zeros([], { dtype }), -Infinity));
  }
  if (keyPaddingMask !== null) {
    const shape = batched ? [n, s] : [s];
    parts.push(additive(label, "keyPaddingMask", keyPaddingMask, [[shape, [batched ? n : 1, 1, 1, s]]], dtype, `${batched ? "(N, S)" : "(S)"} = ${shapeText(shape)}`));
  }
  if (parts.length === 0) return null;
  if (parts.length === 1) return parts[0]!;
  const [a, b] = parts as [Operand, Operand];
  return a instanceof Tensor && b instanceof Tensor ? T.add(a, b) : add(a, b);
}
