// Forward hooks: while a module has hooks, `forward` on the instance is a wrapper around the
// class's (or an own field's) forward that runs them after it, so every call is seen, whoever
// makes it; without hooks the instance is untouched and calls cost nothing extra.
import { invalidateRecordings, type HookHandle } from "@strata/autograd";
import { ValueError, refuseRecording } from "@strata/tensor";
import { show } from "./checks.js";
import type { Module } from "./module.js";

/**
 * A function {@link Module.registerForwardHook} calls after each `forward` of its module, with the
 * module, the arguments `forward` got and what it returned. Returning something other than
 * `undefined` replaces the output, as in PyTorch.
 *
 * @example
 * ```ts
 * import { Dense, type ForwardHook } from "@strata/nn";
 * import { ones, rng } from "@strata/tensor";
 * const layer = new Dense(3, 2, { rng: rng(0) });
 * const seen: number[][] = [];
 * const record: ForwardHook<Dense> = (_module, [x], y) => void seen.push([...(typeof x === "number" ? [] : x.shape), ...y.shape]);
 * const handle = layer.registerForwardHook(record);
 * layer.forward(ones([3, 5]));
 * handle.remove();
 * layer.forward(ones([3, 1]));
 * console.log(seen); // [[3, 5, 2, 5]]
 * ```
 */
export type ForwardHook<M extends Module = Module> = (module: M, inputs: Parameters<M["forward"]>, output: ReturnType<M["forward"]>) => unknown;

interface Hooks {
  list: ((module: Module, inputs: unknown[], output: unknown) => unknown)[];
  unwrap: () => void;
}

const installed = new WeakMap<Module, Hooks>();

function wrap(module: Module): Hooks {
  const own = Object.getOwnPropertyDescriptor(module, "forward");
  const inner = module.forward as (...args: unknown[]) => unknown;
  const hooks: Hooks = {
    list: [],
    unwrap: () => {
      if (own) Object.defineProperty(module, "forward", own);
      else delete (module as { forward?: unknown }).forward;
      installed.delete(module);
    },
  };
  const wrapped = (...args: unknown[]): unknown => {
    refuseRecording(`forward hooks on ${module.constructor.name} run JavaScript on every call, which a compiled step's replay would skip; remove them, or train without compiling`);
    let out = inner.apply(module, args);
    for (const hook of [...hooks.list]) {
      const replaced = hook(module, args, out);
      if (replaced !== undefined) out = replaced;
    }
    return out;
  };
  // Not enumerable: field discovery (parameters, children) never sees it.
  Object.defineProperty(module, "forward", { value: wrapped, writable: true, enumerable: false, configurable: true });
  installed.set(module, hooks);
  return hooks;
}

/** {@link Module.registerForwardHook}'s work: adds `hook` to `module`'s hooks, wrapping its forward for the first. */
export function addForwardHook<M extends Module>(module: M, hook: ForwardHook<M>): HookHandle {
  if (typeof hook !== "function") throw new ValueError(`registerForwardHook: expected a function (module, inputs, output) => …, got ${show(hook)}`);
  const hooks = installed.get(module) ?? wrap(module);
  const fn = hook as unknown as Hooks["list"][number];
  hooks.list.push(fn);
  // a compiled step recorded without this hook would skip it: record afresh (and be refused)
  invalidateRecordings();
  return {
    remove: () => {
      const at = hooks.list.indexOf(fn);
      if (at < 0) return;
      hooks.list.splice(at, 1);
      invalidateRecordings();
      if (hooks.list.length === 0) hooks.unwrap();
    },
  };
}
