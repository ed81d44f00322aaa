// Plain SGD in jax-js as the peers' training steps use it: forward, backward and update in one
// jitted function (jax-js then fuses the elementwise work and skips per-op dispatch), timed up to
// reading the new parameters back.
import { jit, numpy as np, tree, valueAndGrad } from "@jax-js/jax";
import type { Prepared } from "./types.js";

// A network's parameters as jax-js takes them: any tree of arrays (objects, lists). jax-js's
// types map each tree's own shape, which a function generic over the tree cannot name.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Params = any;

/**
 * One jitted SGD step of `loss(params, X, target)` with rate `lr`, starting from `params` (owned
 * from then on); `run` returns the loss before the update.
 */
export function jittedSgd(params: Params, X: np.Array, target: np.Array, lr: number, loss: (p: Params, x: np.Array, y: np.Array) => np.Array): Prepared<number> {
  const step = jit((p: Params, x: np.Array, y: np.Array): [np.Array, Params] => {
    const [value, grads] = valueAndGrad(loss)(tree.ref(p), x, y);
    return [value, tree.map((w: np.Array, g: np.Array) => w.sub(g.mul(lr)), p, grads)];
  });
  let current: Params = params;
  return {
    run: () => {
      const [value, next] = step(current, X.ref, target.ref);
      current = next;
      const cost = value.dataSync()[0]!;
      // Reading the loss need not run the update kernels; reading the new parameters does, so the
      // timing covers the whole step (a copy of about 1 MB, noise next to the step).
      for (const leaf of tree.leaves(current) as np.Array[]) leaf.ref.dataSync();
      return cost;
    },
    dispose: () => {
      tree.dispose([current, X, target]);
      step.dispose();
    },
  };
}
