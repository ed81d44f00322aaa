// The ops routed to the WebAssembly kernels besides matmul: exp, log, sigmoid, tanh, relu and leakyRelu on
// contiguous float tensors, and row reductions (sum, mean, max, min). Each is checked against the
// TypeScript kernels (wasm off) on sizes that cross the routing threshold and the vector width,
// on one, two and three threads, and with the values that need care (NaN, ±Inf, empty rows).
import { afterEach, describe, expect, it } from "vitest";
import { exp, kernelOptions, leakyRelu, log, max, mean, min, relu, setKernelOptions, sigmoid, sum, tanh, tensor, type Tensor } from "@strata/tensor";
import { onTypeScript, sample } from "./reference.js";

const initial = kernelOptions();
afterEach(() => setKernelOptions({ wasm: initial.wasm, threads: initial.threads }));

const values = (t: Tensor): number[] => Array.from(t.toTypedArray());

/** Each element of got within `ulps` units in the last place of want (NaN matching NaN). */
function expectUlps(got: Tensor, want: Tensor, ulps: number, label: string): void {
  const eps = want.dtype === "float32" ? 2 ** -23 : 2 ** -52;
  const tiny = want.dtype === "float32" ? 2 ** -126 : 2 ** -1022;
  const [g, w] = [values(got), values(want)];
  expect(g.length, label).toBe(w.length);
  for (let i = 0; i < w.length; i++) {
    if (Number.isNaN(w[i]!) && Number.isNaN(g[i]!)) continue;
    if (g[i] === w[i]) continue;
    const allowed = ulps * eps * Math.abs(w[i]!) + tiny;
    if (!(Math.abs(g[i]! - w[i]!) <= allowed)) throw new Error(`${label}: element ${i} is ${g[i]}, expected ${w[i]} within ${ulps} ulp`);
  }
}

const wasmAvailable = kernelOptions().wasmAvailable;
const SIZES = [4096, 4097, 4099, 20001];

describe.runIf(wasmAvailable)("exp, log, sigmoid and tanh on the WebAssembly kernels", () => {
  for (const dtype of ["float32", "float64"] as const) {
    it(`${dtype}: within 3 ulp of the TypeScript kernels on ${SIZES.join(", ")} elements`, () => {
      for (const n of SIZES) {
        const x = sample([n], dtype, n, -30, 30);
        const positive = sample([n], dtype, n + 1, 1e-6, 1e6);
        for (const [name, f, input] of [["exp", exp, x], ["sigmoid", sigmoid, x], ["tanh", tanh, x], ["log", log, positive]] as const) {
          expectUlps(f(input), onTypeScript(() => f(input)), 3, `${dtype} ${name} n=${n}`);
        }
      }
    });

    it(`${dtype}: NaN, ±Inf, ±0 and extreme values as the TypeScript kernels give them`, () => {
      const special = [NaN, Infinity, -Infinity, 0, -0, 1e30, -1e30, 800, -800, 88.8, -104, 1e-30, -1e-30];
      const x = tensor(Array.from({ length: 4096 }, (_, i) => special[i % special.length]!), { dtype });
      for (const f of [exp, sigmoid, tanh, log]) expectUlps(f(x), onTypeScript(() => f(x)), 3, `${dtype} ${f.name}`);
      expect(Object.is(values(tanh(x))[4], -0), "tanh(-0) is -0").toBe(true);
    });
  }

  it("relu gives the TypeScript kernel's exact values (NaN kept, −0 to +0); leakyRelu within 1 ulp", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const data = Array.from({ length: 5003 }, (_, i) => [NaN, -0, 0, Infinity, -Infinity][i % 97] ?? Math.sin(i) * 10);
      const x = tensor(data, { dtype });
      const got = values(relu(x));
      const want = onTypeScript(() => values(relu(x)));
      got.forEach((v, i) => expect(Object.is(v, want[i]), `${dtype} relu[${i}]: ${v} vs ${want[i]}`).toBe(true));
      expect(Object.is(got[1], 0), "relu(-0) is +0").toBe(true);
      expectUlps(leakyRelu(x, 0.2), onTypeScript(() => leakyRelu(x, 0.2)), 1, `${dtype} leakyRelu`);
    }
  });

  it("a non-contiguous input takes the TypeScript path and gives its exact values", () => {
    const x = sample([100, 90], "float32", 3).T;
    expect(values(exp(x))).toEqual(values(onTypeScript(() => exp(x))));
  });

  it("1, 2 and 3 threads give identical bits", () => {
    const x = sample([300000], "float32", 9, -5, 5);
    const run = (threads: number) => {
      setKernelOptions({ threads });
      return [exp(x), tanh(x), sigmoid(x), sum(x), max(x)].map(values);
    };
    const one = run(1);
    expect(run(2)).toEqual(one);
    expect(run(3)).toEqual(one);
  });
});

describe.runIf(wasmAvailable)("row reductions on the WebAssembly kernels", () => {
  for (const dtype of ["float32", "float64"] as const) {
    it(`${dtype}: sum and mean within n·ε·Σ|x| of the TypeScript kernels, max and min exact`, () => {
      for (const [rows, cols] of [[1, 16384], [1, 16387], [129, 131], [4096, 5], [5, 4099]] as const) {
        const x = sample([rows, cols], dtype, rows + cols);
        const eps = dtype === "float32" ? 2 ** -24 : 2 ** -52;
        for (const axis of [1, undefined]) {
          const label = `${dtype} (${rows},${cols}) axis ${axis}`;
          const opts = axis === undefined ? undefined : { axis };
          const want = onTypeScript(() => values(sum(x, opts)));
          const bound = onTypeScript(() => values(sum(x.abs(), opts)));
          const count = axis === undefined ? rows * cols : cols;
          values(sum(x, opts)).forEach((v, i) => expect(Math.abs(v - want[i]!), `${label} sum[${i}]`).toBeLessThanOrEqual(count * 2 ** -52 * bound[i]! + eps * Math.abs(want[i]!)));
          values(mean(x, opts)).forEach((v, i) => expect(Math.abs(v - want[i]! / count), `${label} mean[${i}]`).toBeLessThanOrEqual((count * 2 ** -52 * bound[i]! + 2 * eps * Math.abs(want[i]!)) / count));
          expect(values(max(x, opts)), `${label} max`).toEqual(onTypeScript(() => values(max(x, opts))));
          expect(values(min(x, opts)), `${label} min`).toEqual(onTypeScript(() => values(min(x, opts))));
        }
      }
    });
  }

  it("max and min propagate NaN; sums of ±Inf are what the TypeScript kernels give", () => {
    const data = Array.from({ length: 20000 }, (_, i) => Math.sin(i));
    data[12345] = NaN;
    const withNaN = tensor(data, { dtype: "float32" });
    expect(Number.isNaN(max(withNaN).item())).toBe(true);
    expect(Number.isNaN(min(withNaN).item())).toBe(true);
    const inf = tensor(Array.from({ length: 20000 }, (_, i) => (i === 7 ? Infinity : i === 9 ? -Infinity : 1)), { dtype: "float64" });
    expect(sum(inf).item()).toBe(onTypeScript(() => sum(inf).item()));
    expect(Number.isNaN(sum(inf).item())).toBe(true);
  });
});
