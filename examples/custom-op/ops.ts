// Two user-defined ops with hand-written backwards, built on defineFunction.
import { clip, defineFunction, mul, neg, sub, tanh, type FunctionContext } from "@strata/autograd";
import { log1p, where, type Tensor } from "@strata/tensor";

/**
 * logCosh(x) = log(cosh x), computed as |x| + log1p(e^{−2|x|}) − log 2: cosh overflows float64 for
 * |x| > ~710 and float32 for |x| > ~89, while e^{−2|x|} ≤ 1 never does. d/dx = tanh x.
 */
export const logCosh = defineFunction({
  name: "logCosh",
  forward(ctx, x) {
    const t = x as Tensor;
    ctx.save(t);
    const a = t.abs();
    return a.add(log1p(a.mul(-2).exp())).sub(Math.LN2);
  },
  // Written with autograd ops (not tensor methods), so that this backward is itself recorded and
  // grad(grad(logCosh)) gives the second derivative 1 − tanh² x.
  backward(ctx, g) {
    const [x] = ctx.saved;
    return [mul(g, tanh(x!))];
  },
});

/**
 * huber(pred, target, δ) elementwise: ½r² for |r| ≤ δ, δ(|r| − ½δ) beyond, with r = pred − target.
 * Quadratic near zero and linear in the tails, so outliers pull on a fit with a bounded force.
 * Two tensor inputs (either may want gradients) and a plain number δ kept in ctx.state.
 */
export const huber = defineFunction<number>({
  name: "huber",
  forward(ctx: FunctionContext<number>, pred, target, delta) {
    const d = delta as number;
    if (!(d > 0)) throw new RangeError(`huber: delta must be > 0, got ${d}`);
    // Save the inputs themselves, not r: a saved input comes back in backward as that input's
    // variable, still in the graph, so the gradient below can be differentiated again. A saved
    // intermediate would come back as a constant and the second derivative would be lost.
    ctx.save(pred as Tensor, target as Tensor);
    ctx.state = d;
    const r = (pred as Tensor).sub(target as Tensor);
    const a = r.abs();
    return where(a.le(d), r.mul(r).mul(0.5), a.sub(0.5 * d).mul(d));
  },
  backward(ctx, g) {
    const [pred, target] = ctx.saved;
    const d = ctx.state!;
    // dL/dpred = clip(r, −δ, δ) = −dL/dtarget.
    const slope = mul(g, clip(sub(pred!, target!), -d, d));
    // Skip the work for an input that does not want a gradient (a constant target, say).
    return [ctx.needsInputGrad[0] ? slope : null, ctx.needsInputGrad[1] ? neg(slope) : null, null];
  },
});
