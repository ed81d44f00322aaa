// Functional differentiation: functions that return gradients instead of filling `.grad`.
import { DTypeError, ValueError, formatShape, full, isFloatDType } from "@strata/tensor";
import { gradients, reachesLeafOutside } from "./engine.js";
import { enableGrad, isGradEnabled } from "./mode.js";
import { asVariable } from "./record.js";
import { Variable, type Operand } from "./variable.js";

/**
 * Options of {@link grad} and {@link valueAndGrad}: which arguments to differentiate. A number
 * gives one gradient, a list one per listed argument ({@link GradResult}).
 *
 * @example
 * ```ts
 * import { grad, mul, sum, type GradOptions } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * const second: GradOptions<number> = { argnums: 1 };
 * const f = grad((x, y) => sum(mul(x, y)), second); // d/dy Σ x·y = x
 * console.log(f(tensor([1, 2]), tensor([3, 4])).toArray()); // [1, 2]
 * ```
 */
export interface GradOptions<N extends number | readonly number[] = number | readonly number[]> {
  /** Which arguments to differentiate with respect to: one index (default 0) or a list. */
  argnums?: N;
}

/**
 * What the function made by {@link grad} returns: one gradient for a single `argnums`, a list (in
 * `argnums` order) for a list. Each gradient has its argument's shape and dtype.
 *
 * @example
 * ```ts
 * import { grad, mul, sum, type GradResult } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * const both: GradResult<number[]> = grad((x, y) => sum(mul(x, y)), { argnums: [0, 1] })(tensor([1, 2]), tensor([3, 4]));
 * console.log(both.map((g) => g.toArray())); // [[3, 4], [1, 2]]
 * ```
 */
export type GradResult<N> = N extends readonly number[] ? Variable[] : Variable;

type ScalarFn = (...args: Variable[]) => Variable;

const asVariableOrNull = (a: Operand | undefined): Variable | null => (a instanceof Variable ? a : null);

function evaluate(fn: ScalarFn, args: readonly Operand[], argnums: number | readonly number[]): { value: Variable; grads: Variable[] } {
  const picks = typeof argnums === "number" ? [argnums] : [...argnums];
  picks.forEach((k) => {
    if (!Number.isInteger(k) || k < 0 || k >= args.length) {
      throw new ValueError(`grad: argnums ${k} is out of range for ${args.length} arguments`);
    }
  });
  // A variable that already requires gradients is used as it is, so that an enclosing grad sees
  // through this one (gradients of gradients); anything else becomes a fresh leaf.
  const inputs = args.map((a, k) => {
    const v = asVariable(a);
    if (!picks.includes(k) || v.requiresGrad) return v;
    if (!isFloatDType(v.dtype)) throw new DTypeError(`grad: argument ${k} is ${v.dtype}; only float32 and float64 arguments can be differentiated`);
    return new Variable(v.data, null, true);
  });
  const fresh = new Set(inputs.filter((v, k) => picks.includes(k) && v !== asVariableOrNull(args[k])).map((v) => v.accumulator()));
  const value = enableGrad(() => fn(...inputs));
  if (!(value instanceof Variable) || value.size !== 1) {
    throw new ValueError(`grad: the function must return a one-element Variable, got ${value instanceof Variable ? `shape ${formatShape(value.shape)}` : String(value)}; reduce it (sum, mean), or use gradients() with gradOutputs`);
  }
  // Keep the graph of the gradients when the value depends on a leaf this call did not create
  // (an enclosing grad's argument, a parameter the function closes over): something outside may
  // differentiate them again.
  const createGraph = isGradEnabled() && value.requiresGrad && reachesLeafOutside(value, fresh);
  const wrt = picks.map((k) => inputs[k]!);
  const grads = value.requiresGrad
    ? gradients([value], wrt, { createGraph })
    : wrt.map((v) => new Variable(full(v.shape, 0, { dtype: v.dtype })));
  return { value: createGraph ? value : value.detach(), grads };
}

/**
 * Turns a scalar function into the function that returns its gradient (JAX's `grad`): with
 * `argnums` a number (default 0) one gradient, with a list one per listed argument. The function
 * receives every argument as a variable. Gradients nest: `grad(grad(f))` differentiates twice,
 * because a differentiated argument that already requires gradients keeps its graph.
 *
 * Shapes: `fn` must return a one-element variable (any shape of size 1); each gradient has the
 * shape and dtype of its argument. `grad` itself only builds the function; the errors below come
 * from calling it, as do any errors `fn` throws.
 *
 * @throws ValueError when `fn` does not return a one-element variable or `argnums` is out of range.
 * @throws DTypeError when a differentiated argument is not float.
 * @example
 * ```ts
 * import { grad, mul, sum, type Variable } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * const f = (x: Variable) => sum(mul(mul(x, x), x)); // Σ x³
 * console.log(grad(f)(tensor([1, 2])).toArray()); // [3, 12]
 * console.log(grad((x) => sum(grad(f)(x)))(tensor([1, 2])).toArray()); // [6, 12]
 * ```
 */
export function grad<N extends number | readonly number[] = number>(fn: ScalarFn, options: GradOptions<N> = {}): (...args: Operand[]) => GradResult<N> {
  const argnums = options.argnums ?? 0;
  return (...args) => {
    const { grads } = evaluate(fn, args, argnums);
    return (typeof argnums === "number" ? grads[0]! : grads) as GradResult<N>;
  };
}

/**
 * Like {@link grad}, and also returns the function's value: `{ value, grad }`, with `value` the
 * one-element variable `fn` returned (detached, unless it depends on a variable requiring
 * gradients from outside the call, such as a closed-over parameter) and `grad` as {@link grad}
 * gives it. The errors come from calling the returned function.
 *
 * @throws ValueError when `fn` does not return a one-element variable or `argnums` is out of range.
 * @throws DTypeError when a differentiated argument is not float.
 * @example
 * ```ts
 * import { valueAndGrad, mul, sum } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * const { value, grad } = valueAndGrad((x) => sum(mul(x, x)))(tensor([3, 4]));
 * console.log(value.item(), grad.toArray()); // 25 [6, 8]
 * ```
 */
export function valueAndGrad<N extends number | readonly number[] = number>(fn: ScalarFn, options: GradOptions<N> = {}): (...args: Operand[]) => { value: Variable; grad: GradResult<N> } {
  const argnums = options.argnums ?? 0;
  return (...args) => {
    const { value, grads } = evaluate(fn, args, argnums);
    return { value, grad: (typeof argnums === "number" ? grads[0]! : grads) as GradResult<N> };
  };
}
