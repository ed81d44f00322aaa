import { DTypeError, StrataError, ValueError } from "./errors.js";
import { residentForAllocate } from "./resident.js";

/**
 * The element types a tensor can hold. `float32` is the default; `float64` is supported
 * everywhere; `int32` holds indices and labels; `bool` holds masks (stored as bytes 0 and 1).
 *
 * @example
 * ```ts
 * import { zeros, type DType } from "@strata/tensor";
 * const d: DType = "float64";
 * console.log(zeros([2], { dtype: d }).dtype); // "float64"
 * ```
 */
export type DType = "float32" | "float64" | "int32" | "bool";

/**
 * The typed arrays behind each dtype: `float32` → Float32Array, `float64` → Float64Array,
 * `int32` → Int32Array, `bool` → Uint8Array.
 *
 * @example
 * ```ts
 * import { tensor, type DataArray } from "@strata/tensor";
 * const data: DataArray = tensor([1, 2]).data;
 * console.log(data instanceof Float32Array); // true
 * ```
 */
export type DataArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/**
 * Every dtype, from the narrowest to the widest in the promotion order.
 *
 * @example
 * ```ts
 * import { DTYPES } from "@strata/tensor";
 * console.log(DTYPES.join(", ")); // "bool, int32, float32, float64"
 * ```
 */
export const DTYPES: readonly DType[] = ["bool", "int32", "float32", "float64"];

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/**
 * Whether `value` names a dtype: one of the strings in {@link DTYPES} (a type guard). Never throws.
 *
 * @example
 * ```ts
 * import { isDType } from "@strata/tensor";
 * console.log(isDType("float32"), isDType("int64")); // true false
 * ```
 */
export function isDType(value: unknown): value is DType {
  return typeof value === "string" && Object.hasOwn(RANK, value);
}

/**
 * Whether a dtype holds floating-point numbers (`float32`, `float64`). Never throws.
 *
 * @example
 * ```ts
 * import { isFloatDType } from "@strata/tensor";
 * console.log(isFloatDType("float64"), isFloatDType("int32")); // true false
 * ```
 */
export function isFloatDType(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float64";
}

/**
 * The dtype of the result of a binary operation on two tensors: the wider of the two in the order
 * `bool < int32 < float32 < float64`. It never narrows, so nothing is silently downcast:
 *
 * |           | bool    | int32   | float32 | float64 |
 * |-----------|---------|---------|---------|---------|
 * | bool      | bool    | int32   | float32 | float64 |
 * | int32     | int32   | int32   | float32 | float64 |
 * | float32   | float32 | float32 | float32 | float64 |
 * | float64   | float64 | float64 | float64 | float64 |
 *
 * `int32` with `float32` gives `float32` (as in PyTorch): a float32 holds every int32 up to 2^24
 * exactly. Arithmetic ops then lift a `bool` result to `int32`, and true division and the
 * transcendental functions lift integer results to `float32` (see each op). Never throws.
 *
 * @example
 * ```ts
 * import { promoteTypes } from "@strata/tensor";
 * console.log(promoteTypes("int32", "float64")); // "float64"
 * ```
 */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * The dtype of a binary operation between a tensor of `dtype` and a plain JavaScript number.
 * Numbers are "weak": they take the tensor's dtype, except that a fractional number with an
 * `int32` or `bool` tensor gives `float32`, and an integer with a `bool` tensor gives `int32`.
 * (NaN and ±Infinity count as fractional.) Never throws.
 *
 * @example
 * ```ts
 * import { resultTypeWithScalar } from "@strata/tensor";
 * console.log(resultTypeWithScalar("int32", 0.5)); // "float32"
 * console.log(resultTypeWithScalar("float64", 2)); // "float64"
 * ```
 */
export function resultTypeWithScalar(dtype: DType, value: number): DType {
  if (isFloatDType(dtype)) return dtype;
  if (!Number.isInteger(value)) return "float32";
  return dtype === "bool" ? "int32" : dtype;
}

/**
 * The most elements one tensor may hold: 2^32 = 4294967296, the largest length V8 (Node 20,
 * V8 11.3) accepts for every typed array Strata stores (Float32Array, Float64Array, Int32Array,
 * Uint8Array alike; one more gives `RangeError: Invalid typed array length`). Below it the
 * limit is memory: V8 reserves zero-filled buffers lazily, so a request the system cannot back
 * fails with `RangeError: Array buffer allocation failed` (which {@link allocate} reports as a
 * {@link StrataError}), and one it over-commits may fail later, when its pages are first written.
 *
 * @example
 * ```ts
 * import { MAX_ELEMENTS } from "@strata/tensor";
 * console.log(MAX_ELEMENTS, MAX_ELEMENTS === 2 ** 32); // 4294967296 true
 * ```
 */
export const MAX_ELEMENTS = 2 ** 32;

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

/** An element count as messages show it: exact below 1e10, else like `1e12` or `1.5e15`. */
function countText(n: number): string {
  if (n < 1e10) return String(n);
  if (!Number.isFinite(n)) return "more than 1e308";
  const [mantissa, exponent] = n.toExponential(2).split("e");
  return `${mantissa!.replace(/\.?0+$/, "")}e${exponent!.replace("+", "")}`;
}

/** A byte count in decimal units, three significant digits: `4 TB`, `17.2 GB`, `12 bytes`. */
function bytesText(bytes: number): string {
  if (!Number.isFinite(bytes)) return "unboundedly many bytes";
  const units = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB"];
  let k = 0;
  while (bytes >= 1000 && k < units.length - 1) (bytes /= 1000), k++;
  return `${k === 0 ? bytes : Number(bytes.toPrecision(3))} ${units[k]}`;
}

/**
 * A new zero-filled typed array for a tensor of `dtype` with `size` elements (or of shape `size`):
 * the array type listed in {@link DataArray}. Every tensor's storage is allocated here, so that
 * a request too large for the engine fails with a Strata error naming `op` (default
 * `"allocate"`), the shape or element count, and the bytes, never with a bare `RangeError`.
 * While a step is recorded (`isRecording()`) a float array of at least 1024 elements is a view
 * on the WebAssembly kernels' memory, where the kernels use it without copies (see `Tensor.data`
 * for what a view on that memory asks of its users).
 *
 * @throws DTypeError when `dtype` is not one of {@link DTYPES} (possible from untyped JavaScript).
 * @throws ValueError when `size` is not a non-negative integer (or a shape of them), or holds
 * more than {@link MAX_ELEMENTS} elements: `zeros: shape [1000000, 1000000] has 1e12 elements
 * (4 TB of float32); a tensor holds at most 4294967296 elements`.
 * @throws StrataError when the engine cannot allocate the bytes (out of memory), naming `op`,
 * the element count and the bytes.
 *
 * @example
 * ```ts
 * import { allocate } from "@strata/tensor";
 * console.log(allocate("int32", 3)); // Int32Array(3) [0, 0, 0]
 * try { allocate("float32", [1e6, 1e6], "zeros"); } catch (e) { console.log((e as Error).message); } // zeros: shape [1000000, 1000000] has 1e12 elements (4 TB of float32); a tensor holds at most 4294967296 elements
 * ```
 */
export function allocate(dtype: DType, size: number | readonly number[], op = "allocate"): DataArray {
  const shape = typeof size === "number" ? null : size;
  if (shape === null ? !(Number.isInteger(size) && (size as number) >= 0) : !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ValueError(`${op}: size ${shape === null ? String(size) : `[${shape.join(", ")}]`} is not a non-negative integer${shape === null ? "" : " shape"}`);
  }
  const count = shape === null ? (size as number) : shape.reduce((a, b) => a * b, 1);
  const bytes = BYTES[dtype];
  if (bytes === undefined) throw new DTypeError(unknownDType(op, dtype));
  const what = `${shape === null ? "" : `shape [${shape.join(", ")}] has `}${countText(count)} elements (${bytesText(count * bytes)} of ${dtype})`;
  if (count > MAX_ELEMENTS) {
    throw new ValueError(`${op}: ${shape === null ? "a tensor of " : ""}${what}; a tensor holds at most ${MAX_ELEMENTS} elements`);
  }
  const resident = residentForAllocate(dtype, count);
  if (resident !== null) return resident;
  try {
    switch (dtype) {
      case "float32":
        return new Float32Array(count);
      case "float64":
        return new Float64Array(count);
      case "int32":
        return new Int32Array(count);
      default:
        return new Uint8Array(count);
    }
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new StrataError(`${op}: out of memory allocating ${shape === null ? "a tensor of " : ""}${what} (the engine said: ${e.message})`);
  }
}

/** Internal: the message for a `dtype` that is not one of DTYPES, naming `op`. */
export function unknownDType(op: string, dtype: unknown): string {
  return `${op}: unknown dtype ${String(dtype)}; expected float32, float64, int32 or bool`;
}

/**
 * The dtype that a typed array holds; Uint8Array (and its subclasses, such as Node's Buffer) is
 * read as `bool`.
 *
 * @throws DTypeError for any other view: Int16Array, Uint8ClampedArray, a DataView, ….
 *
 * @example
 * ```ts
 * import { dtypeOfArray } from "@strata/tensor";
 * console.log(dtypeOfArray(new Float64Array(2))); // "float64"
 * ```
 */
export function dtypeOfArray(array: ArrayBufferView): DType {
  if (array instanceof Float32Array) return "float32";
  if (array instanceof Float64Array) return "float64";
  if (array instanceof Int32Array) return "int32";
  if (array instanceof Uint8Array) return "bool";
  throw new DTypeError(
    `dtypeOfArray: unsupported array type ${array.constructor.name}; expected Float32Array, Float64Array, Int32Array or Uint8Array`,
  );
}
