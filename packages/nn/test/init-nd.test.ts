// The n-D initialisers: fans and gains against PyTorch 1.13's (fixtures/init_fans.py), bounds and
// standard deviations against PyTorch's formulas, each draw against the generator by hand, the
// distributions checked statistically with tolerances from the sample size, and the errors.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { errorOf } from "./helpers.js";
import {
  calculateFanInAndFanOut, calculateGain, constant, defaultLayerInit, kaimingNormal, kaimingUniform, normal, uniform, xavier, xavierNormal, xavierUniform,
  type Nonlinearity,
} from "@strata/nn";
import { DTypeError, ShapeError, ValueError, rng, type Tensor } from "@strata/tensor";

interface Fixtures {
  torch: string;
  fans: {
    shape: number[]; fanIn: number; fanOut: number;
    kaiming: { a: number; mode: "fanIn" | "fanOut"; nonlinearity: Nonlinearity; std: number; bound: number }[];
    xavier: { gain: number; std: number; bound: number }[];
  }[];
  gains: { nonlinearity: Nonlinearity; param: number | null; gain: number }[];
  layers: { layer: string; weightShape: number[]; biasShape: number[]; fanIn: number; weightBound: number; biasBound: number }[];
}
const fx = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "init-fans.json"), "utf8")) as Fixtures;

const flat = (t: Tensor): number[] => Array.from(t.toTypedArray() as ArrayLike<number>);
const f64 = { dtype: "float64" } as const;

/** Sample mean, unbiased variance, min, max. */
function stats(xs: number[]): { mean: number; variance: number; min: number; max: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return { mean, variance, min: Math.min(...xs), max: Math.max(...xs) };
}

/**
 * U(−b, b) on n samples, each bound five standard errors wide (a false alarm about once in two
 * million): the mean's SE is σ/√n with σ² = b²/3; the sample variance's SE is √((μ4 − σ⁴)/n) with
 * μ4 = b⁴/5; and the largest sample falls below b − δ with probability (1 − δ/2b)^n, under 1e-9
 * for δ = 2b·ln(1e9)/n.
 */
function expectUniform(xs: number[], b: number): void {
  const n = xs.length;
  const { mean, variance, min, max } = stats(xs);
  const sigma2 = (b * b) / 3;
  expect(Math.abs(mean)).toBeLessThan(5 * Math.sqrt(sigma2 / n));
  expect(Math.abs(variance - sigma2)).toBeLessThan(5 * Math.sqrt((b ** 4 / 5 - sigma2 ** 2) / n));
  expect(min).toBeGreaterThanOrEqual(-b);
  expect(max).toBeLessThan(b);
  const delta = (2 * b * Math.log(1e9)) / n;
  expect(max).toBeGreaterThan(b - delta);
  expect(min).toBeLessThan(-b + delta);
}

/**
 * N(0, σ²) on n samples, five standard errors wide: the mean's SE σ/√n; the sample variance's
 * σ²·√(2/(n − 1)); the fraction within one σ, p = 0.6827, √(p(1 − p)/n).
 */
function expectNormal(xs: number[], sigma: number): void {
  const n = xs.length;
  const { mean, variance } = stats(xs);
  expect(Math.abs(mean)).toBeLessThan((5 * sigma) / Math.sqrt(n));
  expect(Math.abs(variance - sigma ** 2)).toBeLessThan(5 * sigma ** 2 * Math.sqrt(2 / (n - 1)));
  const p = 0.6826894921370859;
  const within = xs.filter((x) => Math.abs(x) < sigma).length / n;
  expect(Math.abs(within - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
}

describe(`fans and gains against PyTorch ${fx.torch}`, () => {
  it("calculateFanInAndFanOut matches _calculate_fan_in_and_fan_out on every shape", () => {
    for (const f of fx.fans) expect(calculateFanInAndFanOut(f.shape), `(${f.shape})`).toEqual({ fanIn: f.fanIn, fanOut: f.fanOut });
    // by hand: a Conv2d(3, 8, 5) weight (8, 3, 5, 5) has receptive field 25
    expect(calculateFanInAndFanOut([8, 3, 5, 5])).toEqual({ fanIn: 3 * 25, fanOut: 8 * 25 });
    expect(calculateFanInAndFanOut([7, 20])).toEqual({ fanIn: 20, fanOut: 7 });
  });

  it("calculateGain matches calculate_gain for every nonlinearity", () => {
    expect(fx.gains.length).toBe(14);
    for (const g of fx.gains) expect(calculateGain(g.nonlinearity, g.param ?? undefined), `${g.nonlinearity}(${g.param})`).toBe(g.gain);
    // by hand
    expect(calculateGain("leakyRelu", Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 15);
  });

  it("refuse what PyTorch refuses, with a clear error", () => {
    const cases: [() => unknown, typeof ValueError, string][] = [
      [() => calculateFanInAndFanOut([5]), ShapeError, "calculateFanInAndFanOut: fan in and fan out need a shape of at least 2 dimensions (out, in, ...kernel), got (5); a bias takes its bound from its weight's fan in"],
      [() => kaimingUniform([5]), ShapeError, "kaimingUniform: fan in and fan out need a shape of at least 2 dimensions (out, in, ...kernel), got (5); a bias takes its bound from its weight's fan in"],
      [() => xavierNormal([]), ShapeError, "xavierNormal: fan in and fan out need a shape of at least 2 dimensions (out, in, ...kernel), got (); a bias takes its bound from its weight's fan in"],
      [() => calculateFanInAndFanOut([2, 1.5]), ShapeError, "calculateFanInAndFanOut: shape must be a list of non-negative integers, got [2, 1.5]"],
      [() => calculateGain("gelu" as Nonlinearity), ValueError, 'calculateGain: unsupported nonlinearity "gelu" (known: linear, conv1d, conv2d, conv3d, convTranspose1d, convTranspose2d, convTranspose3d, sigmoid, tanh, relu, selu, leakyRelu)'],
      [() => calculateGain("leakyRelu", NaN), ValueError, "calculateGain: the negative slope of leakyRelu must be a finite number, got NaN"],
      [() => kaimingUniform([3, 4], { mode: "fan_in" as never }), ValueError, 'kaimingUniform: mode must be "fanIn" or "fanOut", got "fan_in"'],
      [() => kaimingNormal([3, 4], { nonlinearity: "swish" as never }), ValueError, 'kaimingNormal: calculateGain: unsupported nonlinearity "swish" (known: linear, conv1d, conv2d, conv3d, convTranspose1d, convTranspose2d, convTranspose3d, sigmoid, tanh, relu, selu, leakyRelu)'],
      [() => xavierUniform([3, 4], { gain: -1 }), ValueError, "xavierUniform: gain must be a finite number >= 0, got -1"],
      [() => xavierUniform([3, 4], { std: 1 } as never), ValueError, 'xavierUniform: unknown option "std" (known: gain, rng, dtype)'],
      [() => uniform([3], { a: 1, b: 0 }), ValueError, "uniform: b must be >= a, got a 1 and b 0"],
      [() => normal([3], { std: -1 }), ValueError, "normal: std must be a finite number >= 0, got -1"],
      [() => constant([3], NaN), ValueError, "constant: val must be a finite number, got NaN"],
      [() => kaimingUniform([3, 4], { rng: 42 as never }), ValueError, "kaimingUniform: options.rng must be an Rng from rng(seed), got 42"],
      [() => normal([3], { dtype: "int32" }), DTypeError, 'normal: options.dtype must be float32 or float64 (parameters are float), got "int32"'],
      [() => defaultLayerInit([4, 3], { bias: 1 as never }), ValueError, "defaultLayerInit: bias must be true or false, got 1"],
    ];
    for (const [fn, type, message] of cases) {
      const e = errorOf(fn);
      expect(e).toBeInstanceOf(type);
      expect(e.message).toBe(message);
    }
  });
});

describe("each draw, by hand from the generator", () => {
  it("uniform is a + (b − a)·u and normal is mean + std·z, in row-major order", () => {
    const g1 = rng(3);
    expect(flat(uniform([2, 3, 2], { a: -0.5, b: 2, rng: rng(3), ...f64 }))).toEqual(Array.from({ length: 12 }, () => -0.5 + 2.5 * g1.uniform()));
    const g2 = rng(4);
    expect(flat(normal([3, 1, 2], { mean: 1, std: 0.3, rng: rng(4), ...f64 }))).toEqual(Array.from({ length: 6 }, () => 1 + 0.3 * g2.normal()));
    expect(flat(constant([2, 2], 0.25, f64))).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it("kaiming and xavier draw with PyTorch's bounds and standard deviations", () => {
    let seed = 0;
    for (const f of fx.fans) {
      for (const k of f.kaiming) {
        const { a, mode, nonlinearity } = k;
        const u = kaimingUniform(f.shape, { a, mode, nonlinearity, rng: rng(++seed), ...f64 });
        expect(flat(u), `kaimingUniform (${f.shape}) ${JSON.stringify(k)}`).toAllClose(flat(uniform(f.shape, { a: -k.bound, b: k.bound, rng: rng(seed), ...f64 })), { rtol: 1e-15, atol: 0 });
        const n = kaimingNormal(f.shape, { a, mode, nonlinearity, rng: rng(++seed), ...f64 });
        expect(flat(n)).toAllClose(flat(normal(f.shape, { std: k.std, rng: rng(seed), ...f64 })), { rtol: 1e-15, atol: 0 });
      }
      for (const x of f.xavier) {
        const u = xavierUniform(f.shape, { gain: x.gain, rng: rng(++seed), ...f64 });
        expect(flat(u)).toAllClose(flat(uniform(f.shape, { a: -x.bound, b: x.bound, rng: rng(seed), ...f64 })), { rtol: 1e-15, atol: 0 });
        const n = xavierNormal(f.shape, { gain: x.gain, rng: rng(++seed), ...f64 });
        expect(flat(n)).toAllClose(flat(normal(f.shape, { std: x.std, rng: rng(seed), ...f64 })), { rtol: 1e-15, atol: 0 });
      }
    }
    expect(seed).toBeGreaterThan(50);
  });

  it("defaultLayerInit is PyTorch's Linear and Conv init: the weight in ±1/√fanIn, then the bias in ±1/√fanIn", () => {
    for (const l of fx.layers) {
      expect(l.weightBound).toBeCloseTo(1 / Math.sqrt(l.fanIn), 15); // kaiming with a = √5, by hand
      const { weight, bias } = defaultLayerInit(l.weightShape, { rng: rng(9), ...f64 });
      const g = rng(9);
      const w = uniform(l.weightShape, { a: -l.weightBound, b: l.weightBound, rng: g, ...f64 });
      const b = uniform(l.biasShape, { a: -l.biasBound, b: l.biasBound, rng: g, ...f64 });
      expect(flat(weight), l.layer).toAllClose(flat(w), { rtol: 1e-15, atol: 0 });
      expect(bias!.shape).toEqual(l.biasShape);
      expect(flat(bias!), l.layer).toAllClose(flat(b), { rtol: 1e-15, atol: 0 });
    }
    const { weight, bias } = defaultLayerInit([7, 20], { bias: false, rng: rng(9), ...f64 });
    expect(bias).toBeNull();
    expect(flat(weight)).toEqual(flat(defaultLayerInit([7, 20], { rng: rng(9), ...f64 }).weight));
    // an empty input (fanIn 0): an empty weight and a zero bias, as PyTorch's bound 0
    const empty = defaultLayerInit([3, 0], { rng: rng(1), ...f64 });
    expect([empty.weight.shape, flat(empty.bias!)]).toEqual([[3, 0], [0, 0, 0]]);
  });

  it("float32 values are the float64 values of the same seed rounded once, kept below b", () => {
    for (const make of [
      (dtype: "float32" | "float64") => kaimingUniform([16, 8, 3], { rng: rng(5), dtype }),
      (dtype: "float32" | "float64") => xavierNormal([16, 8, 3], { rng: rng(5), dtype }),
    ]) {
      const single = make("float32");
      expect(single.dtype).toBe("float32");
      expect(flat(single)).toEqual(flat(make("float64")).map(Math.fround));
    }
    // [1 − 2^-24, 1) spans one float32 step: half the draws would round up to 1 = b
    const a = 1 - 2 ** -24;
    const xs = flat(uniform([1000], { a, b: 1, rng: rng(6) }));
    expect(xs.every((x) => x === a)).toBe(true);
    const wide = flat(uniform([1000], { a, b: 1, rng: rng(6), ...f64 }));
    expect(wide.filter((x) => Math.fround(x) === 1).length).toBeGreaterThan(100);
  });
});

describe("the distributions, statistically", () => {
  const shape = [64, 32, 5, 5]; // fanIn 800, fanOut 1600; 51200 samples
  it("kaimingUniform and xavierUniform: uniform in ±bound", () => {
    expectUniform(flat(kaimingUniform(shape, { nonlinearity: "relu", rng: rng(10), ...f64 })), Math.sqrt(3) * Math.sqrt(2) / Math.sqrt(800));
    expectUniform(flat(kaimingUniform(shape, { a: Math.sqrt(5), rng: rng(11), ...f64 })), 1 / Math.sqrt(800));
    expectUniform(flat(xavierUniform(shape, { gain: 2, rng: rng(12), ...f64 })), 2 * Math.sqrt(6 / 2400));
    const bound = (Math.sqrt(3) * calculateGain("leakyRelu", 0)) / Math.sqrt(1600); // a = 0: gain √2
    expectUniform(flat(kaimingUniform(shape, { mode: "fanOut", rng: rng(13), ...f64 })), bound);
    // float32: the float64 values rounded, so within [fround(−bound), bound)
    const single = flat(kaimingUniform(shape, { mode: "fanOut", rng: rng(13) }));
    expect(Math.min(...single)).toBeGreaterThanOrEqual(Math.fround(-bound));
    expect(Math.max(...single)).toBeLessThan(bound);
  });

  it("kaimingNormal and xavierNormal: normal with their standard deviations", () => {
    expectNormal(flat(kaimingNormal(shape, { nonlinearity: "relu", rng: rng(14), ...f64 })), Math.sqrt(2 / 800));
    expectNormal(flat(kaimingNormal(shape, { mode: "fanOut", nonlinearity: "tanh", rng: rng(15), ...f64 })), 5 / 3 / Math.sqrt(1600));
    expectNormal(flat(xavierNormal(shape, { rng: rng(16), ...f64 })), Math.sqrt(2 / 2400));
  });

  it("a wrong bound would be caught: the checks fail for a uniform bound 2% off, a normal std 5% off", () => {
    const xs = flat(kaimingUniform(shape, { a: Math.sqrt(5), rng: rng(11), ...f64 }));
    expect(() => expectUniform(xs, 1.02 / Math.sqrt(800))).toThrow();
    const ys = flat(kaimingNormal(shape, { nonlinearity: "relu", rng: rng(14), ...f64 }));
    expect(() => expectNormal(ys, 1.05 * Math.sqrt(2 / 800))).toThrow();
  });
});

describe("the course's (nOut, nIn) initialisers", () => {
  it("stay 2-D and point a shape to the n-D initialisers", () => {
    const e = errorOf(() => xavier().weights([25, 8, 3] as never, 1));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toBe(
      "xavier: weights(nOut, nIn) takes two numbers and makes an (nOut, nIn) matrix, got the shape [25, 8, 3]; for a weight of any rank use the n-D initialisers (kaimingUniform, kaimingNormal, xavierUniform, xavierNormal, defaultLayerInit) with PyTorch's fans",
    );
    expect(xavier().weights(3, 2, { rng: rng(0) }).shape).toEqual([3, 2]);
  });
});
