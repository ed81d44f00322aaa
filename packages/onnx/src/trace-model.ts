// Running a model's forward under a trace, as torch.onnx.export does: every op autograd applies is
// reported in order, and the layers that lower as a whole (recurrent layers, say) are reported as
// one unit each, hiding what they compute inside.
import { noGrad, traceCalls, tracedCall, Variable, type TracedCall } from "@strata/autograd";
import type { Module } from "@strata/nn";
import { ValueError, type Tensor } from "@strata/tensor";

/** One run of forward: the calls in order, the inputs as variables, the outputs flattened. */
export interface TraceRun {
  readonly calls: readonly TracedCall[];
  readonly inputs: readonly Variable[];
  readonly outputs: readonly Variable[];
}

/** The result's variables in order (nested arrays flattened); anything else is refused. */
function flattenOutput(result: unknown, into: Variable[], where: string): void {
  if (result instanceof Variable) {
    into.push(result);
    return;
  }
  if (Array.isArray(result)) {
    result.forEach((r, k) => flattenOutput(r, into, `${where}[${k}]`));
    return;
  }
  const what = result === null ? "null" : typeof result === "object" ? (result.constructor?.name ?? "an object") : typeof result;
  throw new ValueError(`toOnnx: forward returned ${what} at ${where}; an exported model must return a Variable or arrays of Variables`);
}

/** Replaces each unit module's forward, on the instance, by one reported as a whole; returns the undo. */
function reportUnits(units: ReadonlyMap<Module, string>): () => void {
  const undo: (() => void)[] = [];
  for (const [module, op] of units) {
    const own = Object.getOwnPropertyDescriptor(module, "forward");
    const inner = module.forward as (...args: unknown[]) => unknown;
    const unit = (...args: unknown[]): unknown => tracedCall("unit", op, args, module, () => inner.apply(module, args));
    Object.defineProperty(module, "forward", { value: unit, writable: true, enumerable: false, configurable: true });
    undo.push(() => {
      if (own) Object.defineProperty(module, "forward", own);
      else delete (module as { forward?: unknown }).forward;
    });
  }
  return () => undo.reverse().forEach((u) => u());
}

/**
 * Runs `model.forward(...examples)` once under a trace, without recording gradients, with the
 * modules of `units` reported as whole calls (their op names the lowering).
 */
export function traceForward(model: Module, examples: readonly Tensor[], units: ReadonlyMap<Module, string>): TraceRun {
  const inputs = examples.map((t) => new Variable(t));
  const calls: TracedCall[] = [];
  const restore = reportUnits(units);
  let result: unknown;
  try {
    result = noGrad(() => traceCalls((call) => calls.push(call), () => model.forward(...inputs)));
  } finally {
    restore();
  }
  const outputs: Variable[] = [];
  flattenOutput(result, outputs, "output");
  return { calls, inputs, outputs };
}
