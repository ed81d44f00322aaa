// Reverse mode: sort the graph iteratively, push gradients from the outputs to the inputs in
// topological order, reduce broadcast gradients to their input's shape (here, once, for every op),
// and free what the graph saved.
import { Tensor, ShapeError, ValueError, formatShape, full, refuseRecording, type Shape } from "@strata/tensor";
import { Variable, type BackwardOptions, type Operand } from "./variable.js";
import type { GradValue, InputMeta, Node } from "./node.js";
import { NoGradient } from "./no-gradient.js";
import { withGradMode } from "./mode.js";
import { add, cast, reshape, sum } from "./ops.js";

/**
 * Options of {@link gradients}: the weights of the outputs, and what happens to the graph.
 *
 * @example
 * ```ts
 * import { gradients, variable, mul, type GradientsOptions } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * const x = variable([1, 2], { requiresGrad: true });
 * const y = mul(x, x); // not a scalar: it needs a weight per element
 * const options: GradientsOptions = { gradOutputs: [tensor([1, 10])] };
 * console.log(gradients([y], [x], options)[0]!.toArray()); // [2, 40]
 * ```
 */
export interface GradientsOptions {
  /** dL/d(output) for each output; optional for one-element outputs (1). */
  gradOutputs?: readonly (Operand | null | undefined)[];
  /** Keep the graph for another backward pass (default: `createGraph`). */
  retainGraph?: boolean;
  /** Record the backward pass, so the returned gradients can be differentiated again (default false). */
  createGraph?: boolean;
}

interface Plan {
  /** Reachable nodes, each after every node its edges lead to (inputs before consumers). */
  order: Node[];
  needed: Set<Node>;
  deps: Map<Node, number>;
}

function plan(roots: readonly Node[], targets: ReadonlySet<Node> | "leaves"): Plan {
  const order: Node[] = [];
  const seen = new Set<Node>();
  for (const root of roots) {
    if (seen.has(root)) continue;
    seen.add(root);
    const stack: [Node, number][] = [[root, 0]];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [node, k] = top;
      if (k < node.next.length) {
        top[1] = k + 1;
        const child = node.next[k];
        if (child && !seen.has(child)) {
          seen.add(child);
          stack.push([child, 0]);
        }
      } else {
        stack.pop();
        order.push(node);
      }
    }
  }
  const needed = new Set<Node>();
  for (const node of order) {
    const isTarget = targets === "leaves" ? node.leaf !== null : targets.has(node);
    if (isTarget || node.next.some((m) => m !== null && needed.has(m))) needed.add(node);
  }
  const deps = new Map<Node, number>();
  for (const node of order) {
    if (!needed.has(node)) continue;
    for (const m of node.next) if (m && needed.has(m)) deps.set(m, (deps.get(m) ?? 0) + 1);
  }
  return { order, needed, deps };
}

/** Sums `g` over the axes that broadcasting added or stretched, so it gets the input's shape. */
function reduceTo(g: Variable, meta: InputMeta, op: string, i: number): Variable {
  const target = meta.shape;
  let out = g;
  if (g.shape.length !== target.length || g.shape.some((n, k) => n !== target[k])) {
    const lead = g.shape.length - target.length;
    const bad = () => new ShapeError(
      `backward: ${op} returned a gradient of shape ${formatShape(g.shape)} for its input ${i} of shape ${formatShape(target)}; expected that shape or one it broadcasts to`,
    );
    if (lead < 0) throw bad();
    const axes: number[] = [];
    for (let k = 0; k < g.shape.length; k++) {
      if (k < lead) axes.push(k);
      else if (target[k - lead] === 1 && g.shape[k] !== 1) axes.push(k);
      else if (target[k - lead] !== g.shape[k]) throw bad();
    }
    out = reshape(axes.length > 0 ? sum(g, { axis: axes, keepDims: true }) : g, target);
  }
  // A gradient that overflows the input's dtype becomes ±Infinity, as arithmetic would.
  return out.dtype === meta.dtype ? out : cast(out, meta.dtype, { unchecked: true });
}

/**
 * Input `i`'s gradient from what `node`'s backward returned for it, its gradient being needed: a
 * marker of no gradient, or nothing at all, is an error rather than a zero that would leave the
 * input untrained without a word.
 */
function asGradient(value: GradValue, node: Node, i: number): Variable {
  if (value instanceof Variable) return value;
  if (value instanceof Tensor) return new Variable(value);
  const name = node.inputName(i);
  if (value instanceof NoGradient) {
    throw new ValueError(
      `backward: ${node.name} has no gradient with respect to input ${i} (${name === undefined ? "" : `${name}: `}${value.reason}); a gradient was asked of it because it requires gradients: pass it as a constant instead (detach() it, or pass a tensor)`,
    );
  }
  const input = name === undefined ? `input ${i}` : `input ${i} (${name})`;
  if (value === null || value === undefined) {
    throw new ValueError(
      `backward: ${node.name} returned ${String(value)} for its ${input}, whose gradient is needed; return a gradient (zeros where it is mathematically zero), or noGradient(reason) if the input has none`,
    );
  }
  throw new ValueError(`backward: ${node.name} returned ${String(value)} as the gradient of its ${input}; expected a Variable or a Tensor`);
}

function applyHooks(node: Node, g: Variable): Variable {
  if ((node.hooks?.length ?? 0) > 0) refuseRecording(`backward: gradient hooks on ${node.name} run JavaScript on every backward, which a compiled step's replay would skip; remove them, or do not compile this step`);
  let out = g;
  for (const hook of node.hooks ?? []) {
    const replaced = hook(out.data);
    if (replaced === undefined) continue;
    if (!(replaced instanceof Tensor) || replaced.shape.join() !== out.shape.join()) {
      throw new ShapeError(`hook: a hook on a variable of shape ${formatShape(out.shape)} returned ${replaced instanceof Tensor ? `a tensor of shape ${formatShape(replaced.shape)}` : String(replaced)}; expected a tensor of the same shape or nothing`);
    }
    out = new Variable(replaced.dtype === out.dtype ? replaced : replaced.cast(out.dtype, { unchecked: true }));
  }
  return out;
}

/**
 * Runs reverse mode from `roots` (each with the gradient of its output). In "leaves" mode every
 * reachable leaf accumulates into `.grad`; otherwise only the gradients arriving at `targets` are
 * computed, returned and not accumulated.
 */
function run(roots: readonly [Node, Variable][], targets: ReadonlySet<Node> | "leaves", createGraph: boolean, retainGraph: boolean): Map<Node, Variable> {
  const { needed, deps } = plan(roots.map(([n]) => n), targets);
  const buffers = new Map<Node, Variable>();
  const captured = new Map<Node, Variable>();
  // Check every node before running any, so that a stale or freed graph fails before any .grad
  // changes; accumulate only once the whole pass has succeeded. Nodes are freed as they run, so
  // the activations they saved go while backward moves on to earlier layers.
  for (const node of needed) if (node.leaf === null && node.next.some((m) => m !== null && needed.has(m))) node.check();
  const accumulations: [Variable, Variable][] = [];
  const result = withGradMode(createGraph, () => {
    const push = (node: Node, g: Variable | null) => {
      if (g !== null) {
        const prev = buffers.get(node);
        buffers.set(node, prev ? add(prev, g) : g);
      }
    };
    for (const [node, g] of roots) push(node, g);
    const ready = roots.map(([n]) => n).filter((n, k, all) => needed.has(n) && !deps.get(n) && all.indexOf(n) === k).sort((a, b) => a.id - b.id);
    while (ready.length > 0) {
      const node = ready.pop()!;
      let g = buffers.get(node) ?? null;
      buffers.delete(node);
      if (g !== null) g = applyHooks(node, g);
      if (g !== null && targets !== "leaves" && targets.has(node)) captured.set(node, g);
      if (g !== null && node.leaf !== null && targets === "leaves") accumulations.push([node.leaf, g]);
      if (g !== null && node.retained !== null && targets === "leaves") accumulations.push([node.retained, g]);
      const needs = node.next.map((m) => m !== null && needed.has(m));
      if (g !== null && node.leaf === null && needs.some(Boolean)) {
        const grads = node.run(g, needs);
        node.next.forEach((m, i) => {
          if (m && needs[i]) push(m, reduceTo(asGradient(grads[i], node, i), node.inputs[i]!, node.name, i));
        });
      }
      if (!retainGraph) node.release();
      // Sorted by creation, so that among the nodes ready the most recent runs first and the
      // buffers of a deep chain are freed as it goes.
      for (const m of node.next) {
        if (!m || !needed.has(m)) continue;
        const left = deps.get(m)! - 1;
        deps.set(m, left);
        if (left === 0) insertById(ready, m);
      }
    }
    return captured;
  });
  withGradMode(createGraph, () => accumulations.forEach(([v, g]) => v.accumulateGrad(g, createGraph)));
  return result;
}

function insertById(ready: Node[], node: Node): void {
  let k = ready.length;
  while (k > 0 && ready[k - 1]!.id > node.id) k--;
  ready.splice(k, 0, node);
}

function seedFor(output: Variable, seed: Operand | null | undefined, op: string): Variable {
  if (seed === undefined || seed === null) {
    if (output.size !== 1) {
      throw new ValueError(
        `${op}: the output has shape ${formatShape(output.shape)}, so a seed is needed: pass dL/d(output) with shape ${formatShape(output.shape)} (ones for a plain sum, e.g. backward(onesLike(y.data))), or reduce the output to a scalar first (sum or mean)`,
      );
    }
    return new Variable(full(output.shape, 1, { dtype: output.dtype }));
  }
  const s = seed instanceof Variable ? seed : new Variable(seed instanceof Tensor ? seed : full(output.shape, seed, { dtype: output.dtype }));
  if (s.shape.join() !== output.shape.join()) {
    throw new ShapeError(`${op}: the seed has shape ${formatShape(s.shape)} but the output has shape ${formatShape(output.shape)}; they must be equal`);
  }
  return s.dtype === output.dtype ? s : new Variable(s.data.cast(output.dtype));
}

function requireGrad(v: Variable, op: string, what: string): void {
  if (!v.requiresGrad) {
    throw new ValueError(
      `${op}: ${what} does not require gradients: no input it was computed from has requiresGrad: true, or it was computed inside noGrad()`,
    );
  }
}

/** Whether `v` depends on a leaf requiring gradients other than those in `except`. @internal */
export function reachesLeafOutside(v: Variable, except: ReadonlySet<Node>): boolean {
  const { order } = plan([v.accumulator()], "leaves");
  return order.some((node) => node.leaf !== null && !except.has(node));
}

/** The engine behind {@link Variable.backward}. @internal */
export function backward(output: Variable, seed: Operand | undefined, options: BackwardOptions): void {
  requireGrad(output, "backward", "this variable");
  const g = seedFor(output, seed, "backward");
  const createGraph = options.createGraph ?? false;
  run([[output.accumulator(), g]], "leaves", createGraph, options.retainGraph ?? createGraph);
}

/**
 * The gradients of `outputs` (weighted by `gradOutputs`) with respect to `inputs`, returned rather
 * than accumulated into `.grad`: `Σ_k gradOutputs[k] · ∂outputs[k]/∂inputs[i]`. Inputs may be
 * leaves or intermediate variables; an input the outputs do not depend on gets zeros.
 * With `createGraph` the results are differentiable (gradients of gradients).
 *
 * Shapes: `gradOutputs[k]` has the shape of `outputs[k]` (a number fills that shape; it may be
 * omitted for one-element outputs); the result has one gradient per input, of that input's shape
 * and dtype.
 *
 * @throws ValueError when an output or input does not require gradients, or as {@link Variable.backward}
 *   (a multi-element output without a gradOutputs entry, a freed graph, a saved tensor changed in place).
 * @throws ShapeError when a `gradOutputs` entry's shape differs from its output's.
 *
 * @example
 * ```ts
 * import { gradients, variable, mul, sum } from "@strata/autograd";
 * const x = variable([1, 2, 3], { requiresGrad: true, dtype: "float64" });
 * const y = sum(mul(mul(x, x), x)); // Σ x³
 * const [g] = gradients([y], [x], { createGraph: true }); // 3x²
 * const [h] = gradients([sum(g!)], [x]); // 6x
 * console.log(g!.toArray(), h!.toArray()); // [3, 12, 27] [6, 12, 18]
 * ```
 */
export function gradients(outputs: readonly Variable[], inputs: readonly Variable[], options: GradientsOptions = {}): Variable[] {
  outputs.forEach((o, k) => requireGrad(o, "gradients", `output ${k}`));
  inputs.forEach((v, k) => requireGrad(v, "gradients", `input ${k}`));
  const roots = outputs.map((o, k): [Node, Variable] => [o.accumulator(), seedFor(o, options.gradOutputs?.[k], "gradients")]);
  const targets = new Set(inputs.map((v) => v.accumulator()));
  const createGraph = options.createGraph ?? false;
  const captured = run(roots, targets, createGraph, options.retainGraph ?? createGraph);
  return inputs.map((v) => captured.get(v.accumulator()) ?? new Variable(full(v.shape as Shape, 0, { dtype: v.dtype })));
}
