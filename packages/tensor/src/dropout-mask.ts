// Inverted dropout's mask in one pass: each element draws its float64 uniform and is written as
// 1/(1 − p) or 0 directly, where rand, lt, cast and mul took four passes and as many arrays; the
// draws and values are the same, so the masks are too.
import { allocate } from "./dtype.js";
import { DTypeError, ValueError } from "./errors.js";
import { Rng } from "./rng.js";
import { defaultRng } from "./random.js";
import { formatShape, type Shape } from "./shape.js";
import { Tensor } from "./tensor.js";
import { compute } from "./record.js";

/**
 * The mask of inverted dropout with probability `p`: each element is `1/(1 − p)` (kept) when its
 * draw `u = rng.uniform()` (one float64 uniform per element, in order) is below `1 − p`, else 0;
 * all zeros when `p = 1`. Without `rng`, the draws come from the default stream as it is when the
 * work runs (so a replayed step after `manualSeed` draws from the new stream). The same values as
 * `lt(rand(shape, { rng, dtype: "float64" }), 1 − p).cast(dtype).mul(1 / (1 − p))`, in one pass.
 *
 * @throws ValueError when p is not in [0, 1], rng is given and not an Rng or the shape is not a list of sizes.
 * @throws DTypeError when dtype is not float32 or float64.
 * @example
 * ```ts
 * import { dropoutMask, rng } from "@strata/tensor";
 * console.log(dropoutMask([2, 4], 0.5, rng(3), "float64").toArray()); // [[2, 0, 2, 0], [0, 0, 2, 0]]
 * ```
 */
export function dropoutMask(shape: Shape, p: number, rng: Rng | undefined, dtype: "float32" | "float64" = "float32"): Tensor {
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new ValueError(`dropoutMask: p must be a probability in [0, 1], got ${String(p)}`);
  if (rng !== undefined && !(rng instanceof Rng)) throw new ValueError(`dropoutMask: rng must be an Rng from rng(seed), got ${typeof rng}`);
  if (dtype !== "float32" && dtype !== "float64") throw new DTypeError(`dropoutMask: dtype must be float32 or float64, got ${String(dtype)}`);
  if (!Array.isArray(shape) || !shape.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new ValueError(`dropoutMask: shape must be a list of sizes (integers ≥ 0), got ${Array.isArray(shape) ? formatShape(shape) : String(shape)}`);
  }
  const out = allocate(dtype, shape, "dropoutMask") as Float32Array | Float64Array;
  const keep = 1 - p;
  // the generator is read when the work runs: a replay draws the next mask, as another call would
  compute(() => {
    if (keep > 0) {
      const scale = 1 / keep;
      const g = rng ?? defaultRng();
      for (let i = 0; i < out.length; i++) out[i] = g.uniform() < keep ? scale : 0;
    } else {
      out.fill(0);
    }
  });
  return new Tensor(out, shape);
}
