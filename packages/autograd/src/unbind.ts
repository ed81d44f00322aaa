// Splitting a tensor into its slices along one axis as views, each recorded as its own small op,
// whose gradients meet again in one stack: a recurrent layer reads its input projection one time
// step at a time, and L slices each scattering a full-size gradient would cost O(L²).
import * as T from "@strata/tensor";
import { ShapeError, normalizeAxes, type Tensor } from "@strata/tensor";
import { defineFunction } from "./function.js";
import { asVariable } from "./record.js";
import { stack } from "./shapes.js";
import type { Operand, Variable } from "./variable.js";
import { tracedCall } from "./trace.js";

/**
 * The slices of `x` along `axis` (default 0), as PyTorch's `torch.unbind`: `L = x.shape[axis]`
 * variables of `x`'s shape without that axis, each a view of `x`'s values (no copy). The gradient
 * of `x` is the stack of the slices' gradients (zeros for a slice that gets none), formed once
 * when the backward pass reaches `x`, so unbinding costs O(size of x) in backward, not one
 * full-size scatter per slice. Under `createGraph` the stack is recorded, so the gradient
 * differentiates again.
 * @throws ShapeError when `x` is 0-d (a number included).
 * @throws ValueError when `axis` is out of range.
 * @example
 * ```ts
 * import { mul, unbind, variable } from "@strata/autograd";
 * const x = variable([[1, 2], [3, 4], [5, 6]], { requiresGrad: true });
 * const [a, , c] = unbind(x);
 * console.log(a!.toArray(), c!.toArray()); // [1, 2] [5, 6]
 * mul(c!, 10).sum().backward();
 * console.log(x.grad?.toArray()); // [[0, 0], [0, 0], [10, 10]]
 * ```
 */
export function unbind(x: Operand, options: { axis?: number } = {}): Variable[] {
  const v = asVariable(x);
  if (v.ndim === 0) throw new ShapeError(`unbind: expected a tensor with at least one axis, got a 0-d one`);
  const axis = normalizeAxes("unbind", options.axis ?? 0, v.ndim)[0]!;
  return tracedCall("op", "unbind", [v], { axis }, () => unbindAxis(v, axis));
}

function unbindAxis(v: Variable, axis: number): Variable[] {
  const length = v.shape[axis]!;
  const pick = (t: Tensor, k: number): Tensor => t.slice(...Array<null>(axis).fill(null), k);
  if (!v.requiresGrad) return Array.from({ length }, (_, k) => asVariable(pick(v.data, k)));
  // The gradients the slices hand back, by index; the collector stacks them and starts afresh.
  const arrived: (Variable | null)[] = Array<Variable | null>(length).fill(null);
  const sliceShape = v.shape.filter((_, k) => k !== axis);
  const collector = defineFunction({
    name: "unbind",
    forward: () => T.zeros([], { dtype: v.dtype }),
    backward() {
      const parts = arrived.map((g) => g ?? T.zeros(sliceShape, { dtype: v.dtype }));
      arrived.fill(null);
      return [stack(parts, { axis })];
    },
  })(v);
  return Array.from({ length }, (_, k) =>
    defineFunction({
      name: "unbindSlice",
      forward: () => pick(v.data, k),
      backward(_ctx, g) {
        arrived[k] = g; // the engine sums a node's incoming gradients before it runs
        return [T.zeros([], { dtype: v.dtype })];
      },
    })(collector),
  );
}
