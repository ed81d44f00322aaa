// Applying a primitive: run its forward kernel on the values and, when a gradient can flow, record
// a node whose backward is the primitive's row of the derivative table.
import { Tensor, isFloatDType, type Shape } from "@strata/tensor";
import { Node, type Backward, type InputMeta } from "./node.js";
import { isGradEnabled } from "./mode.js";
import { Variable, type Operand } from "./variable.js";
import { rules, type Primitive, type PrimitiveAttrs, type Rule, type Saved, type VjpContext } from "./rules.js";

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

/**
 * The backward of one recorded primitive: its row, and what the row's vector-Jacobian products
 * read. One object per op rather than a closure, and it holds only what the row saves: anything
 * else it held would stay alive with the graph.
 */
class RowBackward<A> implements VjpContext<A>, Backward {
  y = undefined as unknown as Variable;
  constructor(
    readonly rule: Rule<A>,
    readonly x: VjpContext<A>["x"],
    readonly attrs: A,
    readonly shapes: readonly Shape[],
  ) {}

  grads(g: Variable, needs: readonly boolean[]): (Variable | Tensor | null)[] {
    const { vjp } = this.rule;
    const grads = new Array<Variable | Tensor | null>(needs.length).fill(null);
    for (let i = 0; i < needs.length; i++) {
      const f = typeof vjp === "function" ? vjp : vjp[i];
      if (needs[i] && f) grads[i] = f(g, this, i);
    }
    return grads;
  }
}

/** Applies primitive `name` to `operands` and records it when some operand requires a gradient. @internal */
export function record<P extends Primitive>(name: P, operands: readonly Operand[], attrs: PrimitiveAttrs[P]): Variable {
  const rule = rules[name] as Rule<PrimitiveAttrs[P]>;
  const out = rule.forward(operands.map(valueOf), attrs);
  if (!tracks(operands, out)) return new Variable(out);

  const saves = rule.saves ?? [];
  const x = operands.map((o, i) => (saves.includes(i) ? (o instanceof Tensor ? new Variable(o) : o) : undefined));
  const shapes = operands.map((o) => (typeof o === "number" ? [] : o.shape));
  const backward = new RowBackward(rule, x as readonly Saved[] as VjpContext<PrimitiveAttrs[P]>["x"], attrs, shapes);
  const node = nodeFor(name, operands, out, backward, x.filter((s): s is Variable => s instanceof Variable));
  const y = new Variable(out, node);
  if (saves.includes("y")) {
    backward.y = y;
    node.save(y);
  }
  return y;
}
