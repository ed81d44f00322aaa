// Initialisers of any rank with PyTorch's names and rules (torch.nn.init): Kaiming and Xavier in
// both distributions from the fans and gains of init-fans.ts, plain uniform/normal/constant fills,
// and the default initialisation of Linear and Conv layers.
// Like the course's initialisers, each draws in float64 and rounds once to the dtype.
import { ValueError, allocate, randn, Tensor, type Shape } from "@strata/tensor";
import { show } from "./checks.js";
import { checkParamOptions, type InitOptions } from "./init.js";
import { calculateGain, checkShape, fans, type Nonlinearity } from "./init-fans.js";

/** Refuses keys an initialiser does not know (a typo would otherwise pass silently). */
function checkKeys(where: string, options: object, known: readonly string[]): void {
  if (options === null || typeof options !== "object") throw new ValueError(`${where}: options must be an object, got ${show(options)}`);
  for (const k of Object.keys(options)) {
    if (!known.includes(k) && (options as Record<string, unknown>)[k] !== undefined) throw new ValueError(`${where}: unknown option "${k}" (known: ${known.join(", ")})`);
  }
}

function finiteOption(where: string, name: string, value: unknown, min = -Infinity): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    throw new ValueError(`${where}: ${name} must be a finite number${min === -Infinity ? "" : ` >= ${min}`}, got ${show(value)}`);
  }
  return value;
}

/** The largest float32 strictly below `x` (finite). */
function below32(x: number): number {
  const f = Math.fround(x);
  if (f < x) return f;
  const buf = new Float32Array([f]);
  const bits = new Int32Array(buf.buffer);
  if (f > 0) bits[0] = bits[0]! - 1;
  else if (f < 0) bits[0] = bits[0]! + 1;
  else bits[0] = 0x80000001 | 0; // the negative subnormal nearest 0
  return buf[0]!;
}

/** U[low, high) in float64, rounded once to the dtype (kept below `high` in float32). */
function drawUniform(where: string, shape: Shape, low: number, high: number, options: InitOptions): Tensor {
  const { rng, dtype } = checkParamOptions(where, options);
  const out = allocate(dtype, shape, where);
  const top = dtype === "float32" && low < high ? below32(high) : high;
  for (let i = 0; i < out.length; i++) {
    const v = low + (high - low) * rng.uniform();
    out[i] = dtype === "float32" && Math.fround(v) >= high && low < high ? top : v;
  }
  return new Tensor(out, shape);
}

/**
 * Options of {@link uniform}: the interval `[a, b)` (default [0, 1)) and, as every initialiser's,
 * the generator and float dtype.
 *
 * @example
 * ```ts
 * import { uniform, type UniformInitOptions } from "@strata/nn";
 * import { rng } from "@strata/tensor";
 * const options: UniformInitOptions = { a: -0.1, b: 0.1, rng: rng(0) };
 * console.log(uniform([2, 2], options).shape); // [2, 2]
 * ```
 */
export interface UniformInitOptions extends InitOptions {
  /** The lower bound, finite (default 0). */
  a?: number;
  /** The upper bound, finite, >= a (default 1). */
  b?: number;
}

/**
 * A tensor of any shape with values uniform in `[a, b)` (PyTorch's `uniform_`): each element
 * `a + (b − a)·u` with `u` from the generator's `uniform()`, in row-major order, rounded once to
 * the dtype (a float32 value that would round up to `b` is kept just below it). `a = b` gives `a`.
 *
 * @throws ShapeError for a shape that is not a list of non-negative integers; ValueError for
 *   bounds that are not finite or with `b < a`, an unknown option, or `options.rng` not an Rng;
 *   DTypeError for a dtype other than float32 or float64.
 *
 * @example
 * ```ts
 * import { uniform } from "@strata/nn";
 * import { rng } from "@strata/tensor";
 * const x = uniform([1000], { a: -2, b: 2, rng: rng(0), dtype: "float64" });
 * console.log(x.min().item() >= -2, x.max().item() < 2); // true true
 * ```
 */
export function uniform(shape: Shape, options: UniformInitOptions = {}): Tensor {
  const where = "uniform";
  checkKeys(where, options, ["a", "b", "rng", "dtype"]);
  checkShape(where, shape);
  const a = finiteOption(where, "a", options.a ?? 0);
  const b = finiteOption(where, "b", options.b ?? 1);
  if (b < a) throw new ValueError(`${where}: b must be >= a, got a ${a} and b ${b}`);
  return drawUniform(where, shape, a, b, options);
}

/**
 * Options of {@link normal}: the mean (default 0) and standard deviation (default 1).
 *
 * @example
 * ```ts
 * import { normal, type NormalInitOptions } from "@strata/nn";
 * import { rng } from "@strata/tensor";
 * const options: NormalInitOptions = { std: 0.02, rng: rng(0) };
 * console.log(normal([3], options).shape); // [3]
 * ```
 */
export interface NormalInitOptions extends InitOptions {
  /** The mean, finite (default 0). */
  mean?: number;
  /** The standard deviation, finite, >= 0 (default 1). */
  std?: number;
}

/**
 * A tensor of any shape with normal values `mean + std·z` (PyTorch's `normal_`), `z` from the
 * generator's `normal()`, in row-major order, rounded once to the dtype.
 *
 * @throws ShapeError for a shape that is not a list of non-negative integers; ValueError for a
 *   mean or std that is not finite, a negative std, an unknown option, or `options.rng` not an
 *   Rng; DTypeError for a dtype other than float32 or float64.
 *
 * @example
 * ```ts
 * import { normal } from "@strata/nn";
 * import { rng } from "@strata/tensor";
 * const x = normal([2, 3], { mean: 1, std: 0, rng: rng(0) });
 * console.log(x.toArray()); // [[1, 1, 1], [1, 1, 1]]
 * ```
 */
export function normal(shape: Shape, options: NormalInitOptions = {}): Tensor {
  const where = "normal";
  checkKeys(where, options, ["mean", "std", "rng", "dtype"]);
  return drawNormal(where, checkShape(where, shape), finiteOption(where, "mean", options.mean ?? 0), finiteOption(where, "std", options.std ?? 1, 0), options);
}

function drawNormal(where: string, shape: Shape, mean: number, std: number, options: InitOptions): Tensor {
  const { rng, dtype } = checkParamOptions(where, options);
  return randn(shape, { mean, std, rng, dtype });
}

/**
 * A tensor of any shape filled with `val` (PyTorch's `constant_`; `constant(shape, 0)` and
 * `constant(shape, 1)` are its `zeros_` and `ones_`, e.g. a BatchNorm's bias and weight).
 *
 * @throws ShapeError for a shape that is not a list of non-negative integers; ValueError for a
 *   `val` that is not a finite number or an unknown option; DTypeError for a dtype other than
 *   float32 or float64.
 *
 * @example
 * ```ts
 * import { constant } from "@strata/nn";
 * console.log(constant([2, 2], 1, { dtype: "float64" }).toArray()); // [[1, 1], [1, 1]]
 * ```
 */
export function constant(shape: Shape, val: number, options: Pick<InitOptions, "dtype"> = {}): Tensor {
  const where = "constant";
  checkKeys(where, options, ["dtype"]);
  checkShape(where, shape);
  finiteOption(where, "val", val);
  const { dtype } = checkParamOptions(where, options);
  const out = allocate(dtype, shape, where);
  out.fill(val);
  return new Tensor(out, shape);
}

/**
 * Options of {@link kaimingUniform} and {@link kaimingNormal}.
 *
 * @example
 * ```ts
 * import { kaimingNormal, type KaimingOptions } from "@strata/nn";
 * import { rng } from "@strata/tensor";
 * const options: KaimingOptions = { mode: "fanOut", nonlinearity: "relu", rng: rng(0) };
 * console.log(kaimingNormal([16, 8, 3, 3], options).shape); // [16, 8, 3, 3]
 * ```
 */
export interface KaimingOptions extends InitOptions {
  /** The negative slope of the leaky ReLU after the layer (read with `leakyRelu` only; default 0). */
  a?: number;
  /** `"fanIn"` (default) keeps the forward pass's variance, `"fanOut"` the backward pass's. */
  mode?: "fanIn" | "fanOut";
  /** The nonlinearity after the layer, for its gain (default `"leakyRelu"`). */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(where: string, shape: Shape, options: KaimingOptions): number {
  checkKeys(where, options, ["a", "mode", "nonlinearity", "rng", "dtype"]);
  const { a = 0, mode = "fanIn", nonlinearity = "leakyRelu" } = options;
  finiteOption(where, "a", a);
  if (mode !== "fanIn" && mode !== "fanOut") throw new ValueError(`${where}: mode must be "fanIn" or "fanOut", got ${show(mode)}`);
  const f = fans(where, shape);
  const fan = mode === "fanIn" ? f.fanIn : f.fanOut;
  let gain: number;
  try {
    gain = calculateGain(nonlinearity, a);
  } catch (e) {
    throw new ValueError(`${where}: ${(e as Error).message}`);
  }
  // a zero fan means an empty tensor: nothing is drawn (PyTorch skips it)
  return fan === 0 ? 0 : gain / Math.sqrt(fan);
}

/**
 * Kaiming (He) uniform initialisation (PyTorch's `kaiming_uniform_`): values uniform in
 * `[−bound, bound)` with `bound = √3·gain/√fan`, the gain {@link calculateGain}`(nonlinearity, a)`
 * and the fan from {@link calculateFanInAndFanOut} by `mode`. Shapes of rank 2 or more (a Linear
 * weight (out, in), a Conv weight (outC, inC/groups, ...kernel)); an empty shape gives an empty
 * tensor. With `a = √5` it is PyTorch's default for Linear and Conv weights, bound 1/√fanIn.
 *
 * @throws ShapeError for a shape of rank < 2 or not a list of non-negative integers; ValueError
 *   for an unknown option, mode or nonlinearity, an `a` that is not finite, or `options.rng` not
 *   an Rng; DTypeError for a dtype other than float32 or float64.
 *
 * @example
 * ```ts
 * import { kaimingUniform } from "@strata/nn";
 * import { rng } from "@strata/tensor";
 * const w = kaimingUniform([8, 3, 5, 5], { a: Math.sqrt(5), rng: rng(0) }); // bound 1/√75
 * console.log(w.shape, w.abs().max().item() < 1 / Math.sqrt(75)); // [8, 3, 5, 5] true
 * ```
 */
export function kaimingUniform(shape: Shape, options: KaimingOptions = {}): Tensor {
  const where = "kaimingUniform";
  checkShape(where, shape);
  const std = kaimingStd(where, shape, options);
  const bound = Math.sqrt(3) * std;
  return drawUniform(where, shape, -bound, bound, options);
}

/**
 * Kaiming (He) normal initialisation (PyTorch's `kaiming_normal_`): values `N(0, std²)` with
 * `std = gain/√fan`, gain and fan as in {@link kaimingUniform}.
 *
 * @throws ShapeError for a shape of rank < 2 or not a list of non-negative integers; ValueError
 *   for an unknown option, mode or nonlinearity, an `a` that is not finite, or `options.rng` not
 *   an Rng; DTypeError for a dtype other than float32 or float64.
 *
 * @example
 * ```ts
 * import { kaimingNormal } from "@strata/nn";
 * import { rng } from "@strata/tensor";
 * const w = kaimingNormal([64, 32, 3, 3], { nonlinearity: "relu", rng: rng(0), dtype: "float64" });
 * const std = Math.sqrt(w.square().mean().item());
 * console.log(Math.abs(std / Math.sqrt(2 / 288) - 1) < 0.05); // true
 * ```
 */
export function kaimingNormal(shape: Shape, options: KaimingOptions = {}): Tensor {
  const where = "kaimingNormal";
  checkShape(where, shape);
  return drawNormal(where, shape, 0, kaimingStd(where, shape, options), options);
}

/**
 * Options of {@link xavierUniform} and {@link xavierNormal}.
 *
 * @example
 * ```ts
 * import { calculateGain, xavierUniform, type XavierOptions } from "@strata/nn";
 * import { rng } from "@strata/tensor";
 * const options: XavierOptions = { gain: calculateGain("tanh"), rng: rng(0) };
 * console.log(xavierUniform([4, 6], options).shape); // [4, 6]
 * ```
 */
export interface XavierOptions extends InitOptions {
  /** The scaling factor, finite, >= 0 (default 1; {@link calculateGain} gives the usual ones). */
  gain?: number;
}

function xavierStd(where: string, shape: Shape, options: XavierOptions): number {
  checkKeys(where, options, ["gain", "rng", "dtype"]);
  const gain = finiteOption(where, "gain", options.gain ?? 1, 0);
  const { fanIn, fanOut } = fans(where, shape);
  return fanIn + fanOut === 0 ? 0 : gain * Math.sqrt(2 / (fanIn + fanOut));
}

/**
 * Xavier (Glorot) uniform initialisation (PyTorch's `xavier_uniform_`): values uniform in
 * `[−bound, bound)` with `bound = gain·√(6/(fanIn + fanOut))`, the fans from
 * {@link calculateFanInAndFanOut}; shapes of rank 2 or more.
 *
 * @throws ShapeError for a shape of rank < 2 or not a list of non-negative integers; ValueError
 *   for an unknown option, a gain that is not a finite number >= 0, or `options.rng` not an Rng;
 *   DTypeError for a dtype other than float32 or float64.
 *
 * @example
 * ```ts
 * import { xavierUniform } from "@strata/nn";
 * import { rng } from "@strata/tensor";
 * const w = xavierUniform([25, 8, 3], { rng: rng(0) }); // fans 24 and 75: bound √(6/99)
 * console.log(w.abs().max().item() < Math.sqrt(6 / 99)); // true
 * ```
 */
export function xavierUniform(shape: Shape, options: XavierOptions = {}): Tensor {
  const where = "xavierUniform";
  checkShape(where, shape);
  const bound = Math.sqrt(3) * xavierStd(where, shape, options);
  return drawUniform(where, shape, -bound, bound, options);
}

/**
 * Xavier (Glorot) normal initialisation (PyTorch's `xavier_normal_`): values `N(0, std²)` with
 * `std = gain·√(2/(fanIn + fanOut))`; shapes of rank 2 or more.
 *
 * @throws ShapeError for a shape of rank < 2 or not a list of non-negative integers; ValueError
 *   for an unknown option, a gain that is not a finite number >= 0, or `options.rng` not an Rng;
 *   DTypeError for a dtype other than float32 or float64.
 *
 * @example
 * ```ts
 * import { xavierNormal } from "@strata/nn";
 * import { rng } from "@strata/tensor";
 * console.log(xavierNormal([3, 2], { gain: 0, rng: rng(0) }).toArray()); // [[0, 0], [0, 0], [0, 0]]
 * ```
 */
export function xavierNormal(shape: Shape, options: XavierOptions = {}): Tensor {
  const where = "xavierNormal";
  checkShape(where, shape);
  return drawNormal(where, shape, 0, xavierStd(where, shape, options), options);
}

/**
 * Options of {@link defaultLayerInit}.
 *
 * @example
 * ```ts
 * import { defaultLayerInit, type LayerInitOptions } from "@strata/nn";
 * import { rng } from "@strata/tensor";
 * const options: LayerInitOptions = { bias: false, rng: rng(0) };
 * console.log(defaultLayerInit([4, 3], options).bias); // null
 * ```
 */
export interface LayerInitOptions extends InitOptions {
  /** Whether the layer has a bias (default true). */
  bias?: boolean;
}

/**
 * PyTorch's default initialisation of a Linear or Conv layer (their `reset_parameters`) from the
 * weight's shape, (out, in) or (outC, inC/groups, ...kernel): the weight from
 * {@link kaimingUniform}`(weightShape, { a: √5 })`, i.e. uniform in ±1/√fanIn, then (when `bias`)
 * a bias of shape (out) uniform in `[−1/√fanIn, 1/√fanIn)` (0 when fanIn is 0). The weight is drawn
 * first, so one generator gives the same sequence as weight-then-bias layers.
 *
 * @throws ShapeError for a weight shape of rank < 2 or not a list of non-negative integers;
 *   ValueError for an unknown option, a `bias` that is not a boolean, or `options.rng` not an Rng;
 *   DTypeError for a dtype other than float32 or float64.
 *
 * @example
 * ```ts
 * import { defaultLayerInit } from "@strata/nn";
 * import { rng } from "@strata/tensor";
 * const { weight, bias } = defaultLayerInit([8, 3, 5, 5], { rng: rng(0) }); // a Conv2d(3, 8, 5)
 * console.log(weight.shape, bias!.shape, bias!.abs().max().item() < 1 / Math.sqrt(75)); // [8, 3, 5, 5] [8] true
 * ```
 */
export function defaultLayerInit(weightShape: Shape, options: LayerInitOptions = {}): { weight: Tensor; bias: Tensor | null } {
  const where = "defaultLayerInit";
  checkKeys(where, options, ["bias", "rng", "dtype"]);
  checkShape(where, weightShape);
  const { bias = true, ...draw } = options;
  if (typeof bias !== "boolean") throw new ValueError(`${where}: bias must be true or false, got ${show(bias)}`);
  const { fanIn } = fans(where, weightShape);
  const { rng, dtype } = checkParamOptions(where, draw);
  const weight = kaimingUniform(weightShape, { a: Math.sqrt(5), rng, dtype });
  if (!bias) return { weight, bias: null };
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  return { weight, bias: drawUniform(where, [weightShape[0]!], -bound, bound, { rng, dtype }) };
}
