// Applying a primitive: run its forward kernel on the values and, when a gradient can flow, record
// a node whose backward is the primitive's row of the derivative table.
import { Tensor, isFloatDType, type Shape } from "@strata/tensor";
import { Node, type Backward, type GradValue, type InputMeta } from "./node.js";
import { isGradEnabled } from "./mode.js";
import { Variable, type Operand } from "./variable.js";
import { primitiveInputs, rules, type InputsOf, type Primitive, type PrimitiveAttrs } from "./rules.js";
import { reportCall } from "./trace.js";
import { inputName, type Inputs, type PerInput, type Rule, type Saved } from "./rule.js";

/** The tensor or number inside an operand. @internal */
export function valueOf(x: Operand): Tensor | number {
  return x instanceof Variable ? x.data : x;
}

/** The operand as a variable: tensors and numbers become constants. @internal */
export function asVariable(x: Operand): Variable {
  if (x instanceof Variable) return x;
  return new Variable(x instanceof Tensor ? x : new Tensor(Float32Array.of(x), []));
}

/** Whether an op on `operands` that gave `out` is recorded: grad mode on, a float result, an input requiring gradients. @internal */
export function tracks(operands: readonly Operand[], out: Tensor): boolean {
  return isGradEnabled() && isFloatDType(out.dtype) && operands.some((o) => o instanceof Variable && o.requiresGrad);
}

/** The node of an op on `operands` that gave `out`: edges to the inputs that require gradients, their shapes and dtypes. @internal */
export function nodeFor(name: string, operands: readonly Operand[], out: Tensor, backward: Backward, saved: readonly Variable[]): Node {
  const next = operands.map((o) => (o instanceof Variable && o.requiresGrad ? o.accumulator() : null));
  const metas: (InputMeta | null)[] = operands.map((o) => (typeof o === "number" ? null : { shape: o.shape, dtype: o.dtype }));
  return new Node(name, next, metas, { shape: out.shape, dtype: out.dtype }, backward, saved);
}

/** What a row's products see at run time: attributes, shapes, and the saved values by name. */
type Context = { attrs: unknown; shapes: readonly Shape[]; y?: Variable } & { [name: string]: unknown };

/**
 * The backward of one recorded primitive: its row, and the context its vector-Jacobian products
 * read. It holds only what the row saves: anything else it held would stay alive with the graph.
 * An input marked noGradient is handed back as the marker, for the engine to refuse if needed.
 */
class RowBackward implements Backward {
  constructor(
    readonly rule: Rule<Inputs, unknown>,
    readonly ctx: Context,
    readonly names: Inputs,
  ) {}

  grads(g: Variable, needs: readonly boolean[]): GradValue[] {
    const { vjp } = this.rule;
    return needs.map((need, i) => {
      if (!need) return null;
      const f: unknown = typeof vjp === "function" ? vjp : vjp[i];
      return typeof f === "function" ? (f as (g: Variable, ctx: Context, i: number) => GradValue)(g, this.ctx, i) : (f as GradValue);
    });
  }

  inputName(i: number): string {
    return inputName(this.names, i);
  }
}

/** The operands of primitive `P`: one per input it declares. @internal */
export type OperandsOf<P extends Primitive> = PerInput<InputsOf<P>, Operand>;

/** Applies primitive `name` to `operands` and records it when some operand requires a gradient. @internal */
export function record<P extends Primitive>(name: P, operands: OperandsOf<P>, attrs: PrimitiveAttrs[P]): Variable {
  const rule = rules[name] as unknown as Rule<Inputs, unknown>;
  const xs = operands as readonly Operand[];
  const y = recorded(name, rule, xs, attrs, rule.forward(xs.map(valueOf), attrs));
  reportCall("primitive", name, xs, attrs, y);
  return y;
}

/**
 * {@link record} for a primitive whose forward value `out` another kernel has already computed
 * (max pooling's values are the gather at its indices): the same node, without running the
 * forward a second time. `out` must equal what the row's forward gives for these operands. @internal
 */
export function recordComputed<P extends Primitive>(name: P, operands: OperandsOf<P>, attrs: PrimitiveAttrs[P], out: Tensor): Variable {
  const rule = rules[name] as unknown as Rule<Inputs, unknown>;
  const xs = operands as readonly Operand[];
  const y = recorded(name, rule, xs, attrs, out);
  reportCall("primitive", name, xs, attrs, y);
  return y;
}

function recorded(name: Primitive, rule: Rule<Inputs, unknown>, xs: readonly Operand[], attrs: unknown, out: Tensor): Variable {
  if (!tracks(xs, out)) return new Variable(out);

  const names: Inputs = primitiveInputs[name];
  const ctx: Context = { attrs, shapes: xs.map((o) => (typeof o === "number" ? [] : o.shape)) };
  const saved: Variable[] = [];
  for (const s of rule.saves) {
    if (s === "y") continue;
    const o = xs[names.indexOf(s)]!;
    const v: Saved = o instanceof Tensor ? new Variable(o) : o;
    ctx[s] = v;
    if (v instanceof Variable) saved.push(v);
  }
  const node = nodeFor(name, xs, out, new RowBackward(rule, ctx, names), saved);
  const y = new Variable(out, node);
  if (rule.saves.includes("y")) {
    ctx.y = y;
    node.save(y);
  }
  return y;
}
