// Custom ops with a hand-written backward, recorded like primitives.
import { Tensor, ValueError } from "@strata/tensor";
import type { GradValue } from "./node.js";
import { isGradEnabled, noGrad } from "./mode.js";
import { guardValuesOnly, recordingGrad } from "./values-only.js";
import { nodeFor, tracks, valueOf } from "./record.js";
import type { OnnxLowering } from "./onnx-lowering.js";
import { reportCall, untraced } from "./trace.js";
import { Variable, type Operand } from "./variable.js";

/**
 * What a custom function's `forward` and `backward` share for one call.
 *
 * @typeParam S - the type of {@link FunctionContext.state}.
 * @example
 * ```ts
 * import { defineFunction, mul, variable, type FunctionContext } from "@strata/autograd";
 * import type { Tensor } from "@strata/tensor";
 * const scale = defineFunction<number>({
 *   name: "scale",
 *   forward(ctx: FunctionContext<number>, x, k) {
 *     ctx.state = k as number; // plain values travel in state
 *     return (x as Tensor).mul(k);
 *   },
 *   backward: (ctx, g) => [mul(g, ctx.state!), null],
 * });
 * console.log(scale(variable([1, 2]), 3).toArray()); // [3, 6]
 * ```
 */
export interface FunctionContext<S = unknown> {
  /** Keeps tensors for backward: inputs and the output keep their place in the graph; the change of a saved tensor in place is detected. */
  save(...tensors: Tensor[]): void;
  /** The saved tensors as variables, in the order saved (in backward). */
  readonly saved: readonly Variable[];
  /** For each input, whether its gradient is wanted (in backward): skip the others. */
  readonly needsInputGrad: readonly boolean[];
  /** Any other values forward wants backward to have. */
  state: S | undefined;
}

/**
 * The definition of a custom op; see {@link defineFunction}. Contract: `forward` maps the inputs'
 * values to one output tensor; `backward` maps `grad` (the output's shape) to one entry per input:
 * a gradient of that input's shape or one it broadcasts to; {@link noGradient}(reason) for an
 * input that has none; or null for an input whose gradient is not wanted
 * (`ctx.needsInputGrad[i]` false). A wanted gradient returned as null, or refused with
 * noGradient, makes backward throw a ValueError naming the function and the input.
 *
 * @typeParam S - the type of {@link FunctionContext.state}.
 * @example
 * ```ts
 * import { defineFunction, mul, sub, variable, type FunctionSpec } from "@strata/autograd";
 * import type { Tensor } from "@strata/tensor";
 * // tanh, whose derivative 1 - y² reads the saved output y
 * const spec: FunctionSpec = {
 *   name: "myTanh",
 *   forward(ctx, x) {
 *     const y = (x as Tensor).tanh();
 *     ctx.save(y);
 *     return y;
 *   },
 *   backward(ctx, g) {
 *     const [y] = ctx.saved;
 *     return [mul(g, sub(1, mul(y!, y!)))];
 *   },
 * };
 * const x = variable([0, 0], { requiresGrad: true });
 * defineFunction(spec)(x).sum().backward();
 * console.log(x.grad?.toArray()); // [1, 1]
 * ```
 */
export interface FunctionSpec<S = unknown> {
  /** Names the op in graphs and messages. */
  name: string;
  /** Computes the output from the inputs' values (tensors, or numbers passed as such); runs without recording. */
  forward(ctx: FunctionContext<S>, ...inputs: (Tensor | number)[]): Tensor;
  /**
   * Returns dL/d(input) for each input from `grad` = dL/d(output): null only where
   * `ctx.needsInputGrad[i]` is false, noGradient(reason) for an input that has no gradient.
   * Written with this package's ops, the gradients can themselves be differentiated
   * (`createGraph`; `grad` then always requires gradients, so such a gradient does too). A
   * gradient computed from values instead (a plain tensor, or a variable that does not depend on
   * `grad`, as one made from `.data`) cannot be: under `createGraph` it is marked so, and a later
   * backward pass that must differentiate through it throws a ValueError naming the function,
   * never a silent zero. (A factor computed from `.data` times `grad` cannot be told apart from a
   * locally constant derivative such as relu's mask, and is taken as one.)
   * A gradient may have the output's broadcast shape; it is summed down to the input's shape.
   */
  backward(ctx: FunctionContext<S>, grad: Variable): readonly GradValue[];
  /**
   * The function's form in an ONNX graph, for `@strata/onnx`'s export: nodes computing the output
   * from the inputs. Without it, exporting a model that calls the function is refused with an
   * error naming it.
   */
  onnx?: OnnxLowering;
}

class Context<S> implements FunctionContext<S> {
  saved: Variable[] = [];
  needsInputGrad: readonly boolean[] = [];
  state: S | undefined = undefined;
  #pending: Tensor[] = [];
  save(...tensors: Tensor[]): void {
    this.#pending.push(...tensors);
  }
  /** Maps what forward saved to variables: an input's or the output's own, else a constant. */
  bind(operands: readonly Operand[], output: Variable): void {
    this.saved = this.#pending.map((t) => {
      if (t === output.data) return output;
      const input = operands.find((o): o is Variable => o instanceof Variable && o.data === t);
      return input ?? new Variable(t);
    });
    this.#pending = [];
  }
}

/**
 * Defines an op with its own backward, in the shape of PyTorch's `autograd.Function`: `forward`
 * computes on tensors and saves with `ctx.save(...)` what `backward` needs; `backward` returns
 * one gradient per input (null where it is not wanted, {@link noGradient} where there is none).
 * The result takes variables, tensors and numbers, and returns a variable that records the op
 * when an input requires gradients. One output, of the shape and dtype
 * `forward` gives it; each gradient from `backward` is summed down to its input's shape and cast
 * to its dtype.
 *
 * @throws ValueError (from the returned function) when forward does not return a Tensor, or (from
 *   a later backward pass through its result) when backward does not return one entry per input,
 *   or returns null, undefined or {@link noGradient} for an input whose gradient is needed (never
 *   a silent zero, as for the primitives); or (from a backward pass that differentiates a
 *   gradient recorded with `createGraph`) when that gradient was computed from values only (plain
 *   tensors, `.data`), see {@link FunctionSpec.backward}.
 * @example
 * ```ts
 * import { defineFunction, mul, variable } from "@strata/autograd";
 * import type { Tensor } from "@strata/tensor";
 * // cube(x) = x³, with d/dx = 3x²
 * const cube = defineFunction({
 *   name: "cube",
 *   forward(ctx, x) {
 *     const t = x as Tensor;
 *     ctx.save(t);
 *     return t.mul(t).mul(t);
 *   },
 *   backward(ctx, g) {
 *     const [x] = ctx.saved;
 *     return [mul(g, mul(3, mul(x!, x!)))];
 *   },
 * });
 * const x = variable([1, 2], { requiresGrad: true });
 * cube(x).sum().backward();
 * console.log(x.grad?.toArray()); // [3, 12]
 * ```
 */
export function defineFunction<S = unknown>(spec: FunctionSpec<S>): (...inputs: Operand[]) => Variable {
  return recordedFunction(spec, true);
}

/**
 * {@link defineFunction}, with the check of gradients computed from values only under createGraph
 * (`guard`) optional: this package's own ops whose backward is written with autograd ops and
 * gradchecked to the second order (a relu's locally constant derivative included) pass false.
 *
 * @internal
 */
export function recordedFunction<S = unknown>(spec: FunctionSpec<S>, guard: boolean): (...inputs: Operand[]) => Variable {
  const reported = (operands: readonly Operand[], y: Variable): Variable => {
    reportCall("function", spec.name, operands, undefined, y, spec as FunctionSpec<never>);
    return y;
  };
  return (...operands: Operand[]): Variable => {
    const ctx = new Context<S>();
    // the forward's own ops, if it calls any, are hidden: a trace sees the function as a whole
    const out = untraced(() => noGrad(() => spec.forward(ctx, ...operands.map(valueOf))));
    if (!(out instanceof Tensor)) {
      throw new ValueError(`defineFunction(${spec.name}): forward returned ${String(out)}; expected a Tensor`);
    }
    if (!tracks(operands, out)) return reported(operands, new Variable(out));
    const arity = operands.length;
    const backward = (g: Variable, needs: readonly boolean[]) => {
      ctx.needsInputGrad = needs;
      const recording = guard && isGradEnabled();
      const grads = spec.backward(ctx, recording ? recordingGrad(g) : g);
      if (!Array.isArray(grads) || grads.length !== arity) {
        throw new ValueError(`defineFunction(${spec.name}): backward returned ${Array.isArray(grads) ? `${grads.length} gradients` : String(grads)} for ${arity} inputs; expected an array with one entry (or null) per input, in the order of the inputs`);
      }
      return recording ? guardValuesOnly(spec.name, grads, needs, g, pending.next) : grads;
    };
    const pending = nodeFor(spec.name, operands, out, { grads: backward }, []);
    const y = new Variable(out, pending);
    ctx.bind(operands, y);
    for (const v of ctx.saved) pending.save(v);
    return reported(operands, y);
  };
}
