// Checks analytic gradients against central finite differences, in float64, element by element
// of the inputs' storage (so transposed, strided and broadcast views are checked as they are).
import { Tensor, ValueError, formatShape, isFloatDType, zeros } from "@strata/tensor";
import { gradients } from "./engine.js";
import { enableGrad } from "./mode.js";
import { asVariable } from "./record.js";
import { Variable, type Operand } from "./variable.js";

/**
 * Options of {@link gradcheck}: the finite-difference step and the tolerances of the test
 * `|analytic - numeric| <= atol + rtol·|numeric|`. `eps` must be finite and greater than 0,
 * `atol` and `rtol` finite and at least 0; gradcheck throws a ValueError otherwise.
 *
 * @example
 * ```ts
 * import { gradcheck, sum, exp, type GradcheckOptions } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * const strict: GradcheckOptions = { eps: 1e-7, atol: 1e-12, rtol: 1e-12, throwOnFailure: false };
 * const x = tensor([0.5, 1], { dtype: "float64" });
 * console.log(gradcheck((x) => sum(exp(x)), [x]).passed, gradcheck((x) => sum(exp(x)), [x], strict).passed); // true false
 * ```
 */
export interface GradcheckOptions {
  /** Step of the central differences (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance, times |numeric| (default 1e-3). */
  rtol?: number;
  /** Throw a ValueError describing the worst element on failure (default true); otherwise return the result. */
  throwOnFailure?: boolean;
}

/**
 * The pair where analytic and numeric derivatives disagree most, relative to the tolerance:
 * `analytic` and `numeric` are `∂ output[output] / ∂ inputs[input][index]`.
 *
 * @example
 * ```ts
 * import { defineFunction, gradcheck, mul, sum, type GradcheckWorst } from "@strata/autograd";
 * import { tensor, type Tensor } from "@strata/tensor";
 * // x² with a wrong derivative: x instead of 2x
 * const square = defineFunction({
 *   name: "square",
 *   forward(ctx, x) {
 *     ctx.save(x as Tensor);
 *     return (x as Tensor).mul(x as Tensor);
 *   },
 *   backward: (ctx, g) => [mul(g, ctx.saved[0]!)],
 * });
 * const x = tensor([1, 3], { dtype: "float64" });
 * const w: GradcheckWorst | null = gradcheck((x) => sum(square(x)), [x], { throwOnFailure: false }).worst;
 * console.log(w?.input, w?.index, w?.output, w?.analytic, w?.numeric.toFixed(4)); // 0 [1] [] 3 6.0000
 * ```
 */
export interface GradcheckWorst {
  /** Which argument of `fn`. */
  input: number;
  /** The element of that input (the first one, for a storage element a broadcast view repeats). */
  index: number[];
  /** The element of the output. */
  output: number[];
  analytic: number;
  numeric: number;
}

/**
 * What {@link gradcheck} found: whether every (input element, output element) pair passed, the
 * largest absolute difference, how many pairs were compared, and the worst one.
 *
 * @example
 * ```ts
 * import { gradcheck, mul, type GradcheckResult } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * const x = tensor([1, 2, 3], { dtype: "float64" });
 * const r: GradcheckResult = gradcheck((x) => mul(x, x), [x]); // a (3) output: 3 × 3 pairs
 * console.log(r.passed, r.checked, r.maxError < 1e-6); // true 9 true
 * ```
 */
export interface GradcheckResult {
  passed: boolean;
  /** The largest |analytic - numeric| over all checked pairs. */
  maxError: number;
  /** Number of (input element, output element) pairs compared. */
  checked: number;
  /** The worst pair, or null when nothing was compared. */
  worst: GradcheckWorst | null;
}

function unravel(k: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let ax = shape.length - 1; ax >= 0; ax--) {
    idx[ax] = k % shape[ax]!;
    k = Math.floor(k / shape[ax]!);
  }
  return idx;
}

/** For each distinct buffer address a view reaches, the row-major positions that read it. */
function addresses(t: Tensor): Map<number, number[]> {
  const map = new Map<number, number[]>();
  for (let k = 0; k < t.size; k++) {
    const idx = unravel(k, t.shape);
    const address = idx.reduce((a, i, ax) => a + i * t.strides[ax]!, t.offset);
    const list = map.get(address);
    if (list) list.push(k);
    else map.set(address, [k]);
  }
  return map;
}

function flat(v: Variable): Float64Array {
  return Float64Array.from(v.data.toTypedArray() as ArrayLike<number>);
}

/**
 * Compares the gradients of `fn` at `inputs` with central differences `(f(x+ε) - f(x-ε)) / 2ε`,
 * for every element of every float input and every element of the output: a pair passes when
 * `|analytic - numeric| <= atol + rtol·|numeric|`. float64 inputs are used as they are (views
 * included; a broadcast view is perturbed per buffer element, its gradient summed over the
 * positions that share it); float32 inputs are converted to float64 copies. Numbers and int32 or
 * bool tensors are passed through as constants. Inputs and the output may have any shapes; every
 * (input element, output element) pair is compared, one backward pass per output element.
 *
 * @returns the result; on failure it throws (unless `throwOnFailure: false`) a ValueError naming
 *   the worst element: input, index, output element, analytic and numeric values.
 * @throws ValueError when `eps` is not a finite number > 0 or `atol` or `rtol` not a finite
 *   number >= 0 (checked first), when a pair fails the tolerance (unless `throwOnFailure: false`),
 *   or when `fn` returns something other than a Variable. Errors thrown by `fn` itself pass through.
 * @example
 * ```ts
 * import { gradcheck, mul, sum, sin } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * const x = tensor([0.5, -1, 2], { dtype: "float64" });
 * console.log(gradcheck((x) => sum(mul(sin(x), x)), [x]).passed); // true
 * ```
 */
export function gradcheck(fn: (...inputs: Variable[]) => Variable, inputs: readonly Operand[], options: GradcheckOptions = {}): GradcheckResult {
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  if (!(Number.isFinite(eps) && eps > 0)) throw new ValueError(`gradcheck: eps must be a finite number > 0 (the finite-difference step), got ${String(eps)}`);
  for (const [name, tol] of [["atol", atol], ["rtol", rtol]] as const) {
    if (!(Number.isFinite(tol) && tol >= 0)) throw new ValueError(`gradcheck: ${name} must be a finite number >= 0, got ${String(tol)}`);
  }
  const values = inputs.map((x) => {
    const t = asVariable(x).data;
    return isFloatDType(t.dtype) && t.dtype !== "float64" ? t.cast("float64") : t;
  });
  const checked = values.map((t, k) => typeof inputs[k] !== "number" && isFloatDType(t.dtype));
  const call = (vs: Variable[]): Variable => {
    const out = fn(...vs);
    if (!(out instanceof Variable)) throw new ValueError(`gradcheck: fn returned ${String(out)}; expected a Variable`);
    return out;
  };

  // Analytic: one vector-Jacobian product per output element, J[i][k] = dy_k / dx_i (row-major).
  const leaves = values.map((t, k) => new Variable(t, null, checked[k]));
  const out = enableGrad(() => call(leaves));
  const wrt = leaves.filter((_, k) => checked[k]);
  const jacobian: Float64Array[][] = wrt.map(() => []);
  for (let k = 0; k < out.size; k++) {
    const seed = zeros(out.shape, { dtype: out.dtype });
    seed.data[k] = 1;
    const gs = out.requiresGrad ? gradients([out], wrt, { gradOutputs: [seed], retainGraph: true }) : wrt.map((v) => new Variable(zeros(v.shape)));
    gs.forEach((g, i) => jacobian[i]!.push(flat(g)));
  }

  let worst: GradcheckWorst | null = null;
  let worstRatio = -1;
  let maxError = 0;
  let pairs = 0;
  // Each evaluation gets fresh leaves that require gradients, with grad mode on, so that a
  // function taking gradients inside (a gradient penalty, a derivative of a derivative) runs as
  // it does when differentiated; only the values are kept.
  const evaluate = (): Float64Array => flat(enableGrad(() => call(values.map((t, k) => new Variable(t, null, checked[k])))));
  wrt.forEach((leaf, i) => {
    const input = leaves.indexOf(leaf);
    const t = leaf.data;
    for (const [address, positions] of addresses(t)) {
      const original = t.data[address]!;
      t.data[address] = original + eps;
      const plus = evaluate();
      t.data[address] = original - eps;
      const minus = evaluate();
      t.data[address] = original;
      for (let k = 0; k < out.size; k++) {
        const numeric = (plus[k]! - minus[k]!) / (2 * eps);
        const analytic = positions.reduce((s, p) => s + jacobian[i]![k]![p]!, 0);
        const error = Math.abs(analytic - numeric);
        const bound = atol + rtol * Math.abs(numeric);
        const ratio = Number.isNaN(error) ? (Number.isNaN(analytic) && Number.isNaN(numeric) ? 0 : Infinity) : error / bound;
        pairs++;
        if (!Number.isNaN(error)) maxError = Math.max(maxError, error);
        if (ratio > worstRatio) {
          worstRatio = ratio;
          worst = { input, index: unravel(positions[0]!, t.shape), output: unravel(k, out.shape), analytic, numeric };
        }
      }
    }
  });
  const passed = worstRatio <= 1;
  if (!passed && (options.throwOnFailure ?? true) && worst) {
    const w: GradcheckWorst = worst;
    throw new ValueError(
      `gradcheck: input ${w.input} (shape ${formatShape(values[w.input]!.shape)}) element ${formatShape(w.index)}, output element ${formatShape(w.output)}: analytic ${w.analytic} vs numeric ${w.numeric}; |difference| ${Math.abs(w.analytic - w.numeric)} exceeds atol + rtol·|numeric| = ${atol + rtol * Math.abs(w.numeric)}`,
    );
  }
  return { passed, maxError, checked: pairs, worst };
}
