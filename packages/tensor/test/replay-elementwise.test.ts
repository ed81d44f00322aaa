// Elementwise ops under record/replay: a replay of unary, binary and where ops on new input values
// equals an eager call, for both float dtypes (and int32/bool where the op takes them), contiguous,
// transposed, sliced and broadcast inputs, below and above the WebAssembly thresholds.
import { describe, expect, it } from "vitest";
import * as T from "@strata/tensor";
import type { DType, Tensor } from "@strata/tensor";
import { THRESHOLDS } from "../src/dispatch/thresholds.js";
import { lastBackend } from "../src/dispatch/dispatch.js";
import { sample } from "./reference.js";
import { checkReplay, refill } from "./replay-check.js";

// 6 × 5 stays on the TypeScript kernels; 80 × 70 = 5600 elements is past both map thresholds
const SIZES: [number, number][] = [[6, 5], [80, 70]];
expect(80 * 70).toBeGreaterThan(Math.max(THRESHOLDS.wasmMap, THRESHOLDS.wasmBinary));

/** The same (r, c) operand in four layouts; each keeps the buffer a refill writes to. */
function inputs(r: number, c: number, dtype: DType, seed: number): { name: string; t: Tensor }[] {
  return [
    { name: "contiguous", t: sample([r, c], dtype, seed) },
    { name: "transposed", t: sample([c, r], dtype, seed).T },
    { name: "sliced", t: sample([2 * r, c + 1], dtype, seed).slice([0, null, 2], [1, null]) },
    { name: "broadcast", t: sample([1, c], dtype, seed).broadcastTo([r, c]) },
  ];
}

const UNARY: [string, (x: Tensor) => Tensor][] = [
  ["neg", T.neg], ["abs", T.abs], ["exp", T.exp], ["log", T.log], ["sqrt", T.sqrt], ["square", T.square],
  ["relu", T.relu], ["sigmoid", T.sigmoid], ["tanh", T.tanh], ["softplus", T.softplus], ["sin", T.sin],
  ["leakyRelu", (x) => T.leakyRelu(x, 0.2)], ["clip", (x) => T.clip(x, -1, 1.5)], ["erf", T.erf],
  ["round", T.round], ["sign", T.sign], ["reciprocal", T.reciprocal],
];

const BINARY: [string, (a: Tensor, b: Tensor) => Tensor][] = [
  ["add", T.add], ["sub", T.sub], ["mul", T.mul], ["div", T.div], ["pow", T.pow], ["maximum", T.maximum],
  ["minimum", T.minimum], ["lt", T.lt], ["ge", T.ge],
];

describe("replay of unary ops", () => {
  for (const dtype of ["float32", "float64"] as DType[]) {
    for (const [r, c] of SIZES) {
      it(`${dtype}, ${r}×${c}: every op, every layout`, () => {
        for (const { name: layout, t } of inputs(r, c, dtype, 3)) {
          for (const [name, f] of UNARY) checkReplay(() => f(t), () => refill(t), { name: `${name} on ${layout}` });
        }
      });
    }
  }

  it("the large contiguous float32 map ran on the WebAssembly kernels while recording and replaying", () => {
    const x = sample([80, 70], "float32", 5);
    checkReplay(() => T.exp(x), () => refill(x));
    expect(lastBackend["unary"]).toBe("wasm");
  });

  it("int32 and bool inputs (abs, square, logicalNot)", () => {
    const i = sample([7, 9], "int32", 2);
    const b = sample([7, 9], "bool", 4);
    checkReplay(() => [T.abs(i), T.square(i), T.logicalNot(b)], () => refill(i, b));
  });
});

describe("replay of binary ops", () => {
  for (const dtype of ["float32", "float64"] as DType[]) {
    for (const [r, c] of SIZES) {
      it(`${dtype}, ${r}×${c}: every op, every pair of layouts`, () => {
        const as = inputs(r, c, dtype, 11);
        const bs = inputs(r, c, dtype, 12);
        for (const { name: la, t: a } of as) {
          for (const { name: lb, t: b } of bs) {
            // two broadcast rows compare only c pairs: a refill may leave all c answers as they were
            const few = la === "broadcast" && lb === "broadcast";
            for (const [name, f] of BINARY) {
              checkReplay(() => f(a, b), () => refill(a, b), { name: `${name}(${la}, ${lb})`, changes: !(few && (name === "lt" || name === "ge")) });
            }
          }
        }
      });
    }
  }

  it("the large contiguous float32 add ran on the WebAssembly kernels", () => {
    const a = sample([80, 70], "float32", 1);
    const b = sample([80, 70], "float32", 2);
    checkReplay(() => T.add(a, b), () => refill(a, b));
    expect(lastBackend["binary"]).toBe("wasm");
  });

  it("a tensor and a number, a column broadcast against a row, mixed dtypes, int32 products", () => {
    const col = sample([40, 1], "float32", 1);
    const row = sample([1, 120], "float64", 2);
    const i = sample([6, 4], "int32", 3);
    const j = sample([6, 4], "int32", 4);
    checkReplay(() => [T.mul(col, 2.5), T.sub(3, row), T.add(col, row), T.mul(i, j), T.div(i, j)], () => refill(col, row, i, j));
  });
});

describe("replay of where", () => {
  for (const dtype of ["float32", "float64"] as DType[]) {
    for (const [r, c] of SIZES) {
      it(`${dtype}, ${r}×${c}: a bool mask picks between two layouts`, () => {
        const cond = sample([r, c], "bool", 1);
        for (const { t: a } of inputs(r, c, dtype, 2)) {
          const b = sample([c, r], dtype, 3).T;
          checkReplay(() => T.where(cond, a, b), () => refill(cond, a, b));
          checkReplay(() => T.where(T.gt(a, 0), a, 0), () => refill(a));
        }
      });
    }
  }
});
