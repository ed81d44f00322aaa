// numpy-like printing. Only the elements that will be shown are read (through shape, strides and
// offset), so any view prints without a copy, and a summary of a huge tensor stays cheap.
import { ValueError } from "./errors.js";
import { formatShape } from "./shape.js";
import type { DType } from "./dtype.js";
import type { Tensor } from "./tensor.js";

/**
 * Options of {@link formatTensor}; the defaults are what `Tensor.toString()` uses.
 *
 * @example
 * ```ts
 * import { formatTensor, tensor, type FormatOptions } from "@strata/tensor";
 * const opts: FormatOptions = { precision: 2 };
 * console.log(formatTensor(tensor([1 / 3]), opts)); // tensor([0.33], shape=(1), dtype=float32)
 * ```
 */
export interface FormatOptions {
  /** Most decimals shown for floats (fixed and scientific), an integer in [0, 100], default 4. */
  precision?: number;
  /** Summarise when the tensor has more elements than this, default 1000. */
  threshold?: number;
  /** Entries kept at each end of a summarised axis, default 3. */
  edgeItems?: number;
  /** Innermost rows wrap before this many characters, default 75 (Infinity: never). */
  lineWidth?: number;
}

const PREFIX = "tensor(";
/** Marks the elided middle of a summarised axis in the lists of shown indices. */
const GAP = -1;

function checkOption(name: string, value: number, min: number, max = Infinity): void {
  const ok = value === Infinity ? name === "lineWidth" || name === "threshold" : Number.isInteger(value) && value >= min && value <= max;
  const range = max === Infinity ? `>= ${min}` : `in [${min}, ${max}]`;
  if (!ok) throw new ValueError(`formatTensor: ${name} must be an integer ${range}, got ${String(value)}`);
}

/** Digits after the point once trailing zeros are dropped ("1.5000" → 1, "2.0000" → 0). */
function fraction(text: string): string {
  const dot = text.indexOf(".");
  return dot < 0 ? "" : text.slice(dot + 1).replace(/0+$/, "");
}

function special(v: number): string | undefined {
  if (Number.isNaN(v)) return "nan";
  if (v === Infinity) return "inf";
  if (v === -Infinity) return "-inf";
  return undefined;
}

const sign = (v: number): string => (v < 0 || Object.is(v, -0) ? "-" : "");

/**
 * Picks one format for all shown floats so that their decimal points line up (numpy's rules):
 * scientific when the largest finite magnitude is >= 1e8 or the smallest non-zero one is < 1e-4,
 * else fixed. Each value is rounded to `precision` decimals and its trailing zeros are dropped;
 * `d` is then the most decimals any value still needs. Fixed notation pads the decimals to `d`
 * with spaces (`2.  ` next to `1.25`) and keeps the point (`2.`); scientific pads the mantissa to
 * `d` digits with zeros and the exponents to a common width of at least two digits (`1.50e+08`,
 * `2.00e-05`).
 */
function floatFormatter(values: number[], precision: number): (v: number) => string {
  let maxAbs = 0;
  let minNonZero = Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    const a = Math.abs(v);
    if (a > maxAbs) maxAbs = a;
    if (a > 0 && a < minNonZero) minNonZero = a;
  }
  const scientific = maxAbs >= 1e8 || minNonZero < 1e-4;
  let digits = 0;
  if (scientific) {
    const parts = (v: number): [string, string] => {
      const [mantissa = "", exponent = ""] = Math.abs(v).toExponential(precision).split("e");
      return [mantissa, exponent];
    };
    let expWidth = 2; // exponents share a width too, so that e+120 and e+000 line up
    for (const v of values) {
      if (!Number.isFinite(v)) continue;
      const [mantissa, exponent] = parts(v);
      digits = Math.max(digits, fraction(mantissa).length);
      expWidth = Math.max(expWidth, exponent.length - 1);
    }
    return (v) => {
      const s = special(v);
      if (s !== undefined) return s;
      const [mantissa, exponent] = parts(v);
      const whole = mantissa.split(".")[0]!;
      const expSign = exponent.startsWith("-") ? "-" : "+";
      const expDigits = exponent.replace(/^[+-]/, "").padStart(expWidth, "0");
      return `${sign(v)}${whole}.${fraction(mantissa).padEnd(digits, "0")}e${expSign}${expDigits}`;
    };
  }
  for (const v of values) if (Number.isFinite(v)) digits = Math.max(digits, fraction(Math.abs(v).toFixed(precision)).length);
  return (v) => {
    const s = special(v);
    if (s !== undefined) return s;
    const text = Math.abs(v).toFixed(precision);
    const whole = text.split(".")[0]!;
    return `${sign(v)}${whole}.${fraction(text).padEnd(digits, " ")}`;
  };
}

function formatterFor(dtype: DType, values: number[], precision: number): (v: number) => string {
  if (dtype === "bool") return (v) => (v !== 0 ? "true" : "false");
  if (dtype === "int32") return (v) => String(v);
  return floatFormatter(values, precision);
}

/**
 * A numpy-like rendering of `t` with its shape and dtype (what `Tensor.toString()` returns):
 *
 * ```text
 * tensor([[ 1.5 ,  2.  ],
 *         [-3.25,  4.  ]], shape=(2,2), dtype=float32)
 * ```
 *
 * Layout: `tensor(` then nested brackets, one innermost row per line, each line indented to sit
 * under its opening bracket; between blocks of a 3-D tensor one blank line (two for 4-D, and so
 * on, as numpy). Every shown entry is right-aligned to the widest one, so columns line up across
 * the whole tensor. Then `, shape=(…), dtype=…)`. Entries:
 * - float32/float64: see the float rules below; `nan`, `inf`, `-inf` as such;
 * - int32: plain integers; bool: `true` / `false`.
 *
 * Floats are rounded to at most `precision` (4) decimals and trailing zeros are trimmed to the
 * most decimals any shown value needs, padding the others with spaces so that the points line up
 * (`1.5 `, `2.  `, `-3.25`); whole numbers keep their point (`5.`). When the largest finite
 * magnitude is >= 1e8 or the smallest non-zero one is < 1e-4, all floats switch to scientific
 * notation with zero-padded mantissas and exponents of a common width, at least two digits
 * (`1.50e+08`).
 *
 * Tensors with more than `threshold` (1000) elements are summarised: each axis longer than
 * `2·edgeItems` shows its first and last `edgeItems` (3) entries around `...`; the format and
 * widths are then chosen from the shown entries only. Rows longer than `lineWidth` (75) wrap.
 * A 0-d tensor prints its value, `tensor(5., shape=(), dtype=float32)`; an empty one prints
 * `tensor([], shape=(0,3), dtype=float32)`. Any shape and layout prints without a copy.
 *
 * @throws ValueError when `precision` is not an integer in [0, 100] (the limit of `toFixed`),
 *   `threshold` not an integer >= 0, `edgeItems` not an integer >= 1, or `lineWidth` not an
 *   integer >= 1 (`threshold` and `lineWidth` may be Infinity).
 *
 * @example
 * ```ts
 * import { formatTensor, tensor } from "@strata/tensor";
 * console.log(formatTensor(tensor([[1, 2], [3, 40]], { dtype: "int32" })));
 * // tensor([[ 1,  2],
 * //         [ 3, 40]], shape=(2,2), dtype=int32)
 * console.log(String(tensor(5))); // tensor(5., shape=(), dtype=float32)
 * ```
 */
export function formatTensor(t: Tensor, options: FormatOptions = {}): string {
  const { precision = 4, threshold = 1000, edgeItems = 3, lineWidth = 75 } = options;
  checkOption("precision", precision, 0, 100);
  checkOption("threshold", threshold, 0);
  checkOption("edgeItems", edgeItems, 1);
  checkOption("lineWidth", lineWidth, 1);
  const suffix = `, shape=${formatShape(t.shape)}, dtype=${t.dtype})`;
  if (t.size === 0) return `${PREFIX}[]${suffix}`;

  const ndim = t.ndim;
  const summarise = t.size > threshold;
  // Only the shown indices are listed, so a (1e9, 3) broadcast view costs nothing.
  const shown = t.shape.map((n) => {
    const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
    if (!summarise || n <= 2 * edgeItems) return range(0, n);
    return [...range(0, edgeItems), GAP, ...range(n - edgeItems, n)];
  });

  // Read the shown elements in row-major order straight from the buffer.
  const values: number[] = [];
  const gather = (axis: number, at: number): void => {
    if (axis === ndim) {
      values.push(t.data[at]!);
      return;
    }
    const stride = t.strides[axis]!;
    for (const i of shown[axis]!) if (i !== GAP) gather(axis + 1, at + i * stride);
  };
  gather(0, t.offset);

  const format = formatterFor(t.dtype, values, precision);
  const texts = values.map(format);
  let width = 0;
  for (const s of texts) width = Math.max(width, s.length);
  if (ndim === 0) return `${PREFIX}${texts[0]!}${suffix}`;

  let next = 0; // render consumes `texts` in the order gather produced them
  const render = (axis: number): string => {
    const indent = " ".repeat(PREFIX.length + axis + 1);
    if (axis === ndim - 1) {
      let out = "[";
      let column = indent.length;
      shown[axis]!.forEach((i, k) => {
        const item = i === GAP ? "..." : texts[next++]!.padStart(width);
        if (k > 0) {
          // keep room for the separator and the "," or "]" that follows the item
          if (column + 2 + item.length + 1 > lineWidth) {
            out += `,\n${indent}`;
            column = indent.length;
          } else {
            out += ", ";
            column += 2;
          }
        }
        out += item;
        column += item.length;
      });
      return `${out}]`;
    }
    const separator = `,${"\n".repeat(ndim - axis - 1)}${indent}`;
    const parts = shown[axis]!.map((i) => (i === GAP ? "..." : render(axis + 1)));
    return `[${parts.join(separator)}]`;
  };
  return `${PREFIX}${render(0)}${suffix}`;
}
