// Registers the toAllClose matcher once for every test file.
import { expect } from "vitest";
import { Tensor } from "@strata/tensor";
import { flatValues } from "./reference.js";

interface CloseOptions {
  rtol?: number;
  atol?: number;
}

declare module "vitest" {
  interface Assertion<T = any> {
    /** Same shape as `expected` and every element within `atol + rtol·|expected|` (NaN matches NaN). */
    toAllClose(expected: Tensor | number | unknown[], options?: CloseOptions): T;
  }
}

function shapeOf(value: unknown): number[] {
  if (value instanceof Tensor) return [...value.shape];
  if (Array.isArray(value)) return [value.length, ...(value.length ? shapeOf(value[0]) : [])];
  return [];
}

function flat(value: unknown): number[] {
  if (value instanceof Tensor) return flatValues(value);
  if (Array.isArray(value)) return value.flatMap((v) => flat(v));
  return [Number(value)];
}

expect.extend({
  toAllClose(received: unknown, expected: unknown, options: CloseOptions = {}) {
    const { rtol = 1e-5, atol = 1e-8 } = options;
    const rs = shapeOf(received);
    const es = shapeOf(expected);
    if (rs.join(",") !== es.join(",")) {
      return { pass: false, message: () => `shape (${rs}) differs from expected (${es})` };
    }
    const r = flat(received);
    const e = flat(expected);
    for (let i = 0; i < r.length; i++) {
      const a = r[i]!;
      const b = e[i]!;
      const ok = (Number.isNaN(a) && Number.isNaN(b)) || a === b || Math.abs(a - b) <= atol + rtol * Math.abs(b);
      if (!ok) {
        return { pass: false, message: () => `element ${i} (of ${r.length}) is ${a}, expected ${b} (rtol ${rtol}, atol ${atol})` };
      }
    }
    return { pass: true, message: () => `expected tensors to differ beyond rtol ${rtol}, atol ${atol}` };
  },
});
