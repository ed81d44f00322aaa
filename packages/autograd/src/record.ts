// Applying a primitive: run its forward kernel on the values and, when a gradient can flow, record
// a node whose backward is the primitive's row of the derivative table.
import { Tensor, isFloatDType } from "@strata/tensor";
import { Node, type BackwardFn, type InputMeta } from "./node.js";
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

function metaOf(x: Operand): InputMeta | null {
  return typeof x === "number" ? null : { shape: x.shape, dtype: x instanceof Variable ? x.dtype : x.dtype };
}

/** Applies primitive `name` to `operands` and records it when some operand requires a gradient. @internal */
export function record<P extends Primitive>(name: P, operands: readonly Operand[], attrs: PrimitiveAttrs[P]): Variable {
  const rule = rules[name] as Rule<PrimitiveAttrs[P]>;
  const out = rule.forward(operands.map(valueOf), attrs);
  const tracks = isGradEnabled() && isFloatDType(out.dtype) && operands.some((o) => o instanceof Variable && o.requiresGrad);
  if (!tracks) return new Variable(out);

  const saves = rule.saves ?? [];
  // Keep only what the row saves: anything else the closure held would stay alive with the graph.
  const x = operands.map((o, i) => (saves.includes(i) ? (o instanceof Tensor ? new Variable(o) : o) : undefined));
  const shapes = operands.map((o) => (typeof o === "number" ? [] : o.shape));
  const arity = operands.length;
  const ctx = { x: x as readonly Saved[] as VjpContext<PrimitiveAttrs[P]>["x"], y: undefined as unknown as Variable, attrs, shapes };
  const backward: BackwardFn = (g, needs) => {
    const grads = new Array<Variable | Tensor | null>(arity).fill(null);
    for (let i = 0; i < arity; i++) {
      const vjp = typeof rule.vjp === "function" ? rule.vjp : rule.vjp[i];
      if (needs[i] && vjp) grads[i] = vjp(g, ctx, i);
    }
    return grads;
  };
  const next = operands.map((o) => (o instanceof Variable && o.requiresGrad ? o.accumulator() : null));
  const saved = x.filter((s): s is Variable => s instanceof Variable);
  const node = new Node(name, next, operands.map(metaOf), { shape: out.shape, dtype: out.dtype }, backward, saved);
  const y = new Variable(out, node);
  if (saves.includes("y")) {
    ctx.y = y;
    node.save(y);
  }
  return y;
}
