// The safetensors format (https://github.com/huggingface/safetensors), so that checkpoints can be
// read by PyTorch, JAX or the Rust crate: an 8-byte little-endian header length N, N bytes of JSON,
// then the raw little-endian tensor data. Files are untrusted input: everything is validated, and
// names taken from them only ever become keys of null-prototype objects. This file is the format
// in memory and the one reader and writer over it; safetensors-file.ts puts files (through the
// platform) under them.
import { Tensor, ValueError, type DType } from "@strata/tensor";
import { parseJson } from "./json.js";

/**
 * What {@link readSafetensors} and {@link decodeSafetensors} return: the tensors by name, each with
 * the shape and dtype stored in the file, and the `__metadata__` strings. Both objects have a null
 * prototype.
 *
 * @example
 * ```ts
 * import { decodeSafetensors, encodeSafetensors, type SafetensorsContents } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const bytes = encodeSafetensors({ W1: tensor([[1, 2, 3]]), b1: tensor([[0]]) }, { epoch: "3" });
 * const contents: SafetensorsContents = decodeSafetensors(bytes);
 * console.log(Object.keys(contents.tensors), contents.tensors.W1!.shape, contents.metadata.epoch); // ["W1", "b1"] [1, 3] 3
 * ```
 */
export interface SafetensorsContents {
  /** The tensors by name, in the order of their data in the file. */
  tensors: Record<string, Tensor>;
  /** The `__metadata__` strings (empty when the file has none). */
  metadata: Record<string, string>;
}

const CODES: Record<DType, string> = { float32: "F32", float64: "F64", int32: "I32", bool: "BOOL" };
// I64 (PyTorch's integer default, as in BatchNorm's num_batches_tracked) is read into int32,
// every value checked to fit; Strata writes int32 as I32.
const DTYPE_OF: ReadonlyMap<string, DType> = new Map([...Object.entries(CODES).map(([d, c]): [string, DType] => [c, d as DType]), ["I64", "int32"]]);
const ITEMSIZE: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };
// Formats other frameworks write that Strata has no dtype for: named so the error says what it is.
const FOREIGN = new Set(["F16", "BF16", "F8_E4M3", "F8_E5M2", "I8", "U8", "I16", "U16", "U32", "U64", "C64"]);
// The reference implementation refuses headers over 100 MB; a corrupt length must not make us allocate gigabytes.
export const MAX_HEADER = 100_000_000;
// A header is an object of entries ({ dtype, shape: [..], data_offsets: [..] }) and string metadata:
// three levels. A few more keep the specific messages for near misses; deeper is refused outright.
const MAX_HEADER_DEPTH = 8;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function show(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** The element bytes of `t`, row-major, little-endian: a view of its storage when it is
 * contiguous on a little-endian host (no copy, even for gigabytes), else a copy. The view may lie
 * in the kernels' shared memory (a resident tensor), so it is only used while `t` is held: the
 * writers copy it into their output or file at once. */
export function tensorBytes(t: Tensor): Uint8Array {
  const flat = t.isContiguous ? t.data.subarray(t.offset, t.offset + t.size) : t.toTypedArray();
  const raw = new Uint8Array(flat.buffer, flat.byteOffset, flat.byteLength);
  if (LITTLE_ENDIAN || t.dtype === "bool") return raw;
  const out = new Uint8Array(raw.length);
  const view = new DataView(out.buffer);
  flat.forEach((x: number, i: number) => (t.dtype === "float64" ? view.setFloat64(i * 8, x, true) : t.dtype === "float32" ? view.setFloat32(i * 4, x, true) : view.setInt32(i * 4, x, true)));
  return out;
}

/** Where the data of one tensor lies in a file: offsets relative to the data section. */
export interface Entry {
  name: string;
  /** The dtype the tensor is read into (int32 for I64). */
  dtype: DType;
  /** Stored as I64, 8 bytes per element, each narrowed to int32 when read. */
  wide?: boolean;
  shape: number[];
  begin: number;
  end: number;
}

/** What a file's header says: its entries in data order and its metadata (null prototypes). */
export interface Header {
  entries: Entry[];
  metadata: Record<string, string>;
}

/** Raises the ValueError of a malformed file; `source` names the file. */
export type Fail = (message: string) => never;

/** A fresh typed array for `entry`'s elements, to be filled with its bytes. */
export function storageFor(entry: Entry, source: string): Storage {
  const n = (entry.end - entry.begin) / itemSize(entry);
  try {
    return entry.dtype === "float64" ? new Float64Array(n) : entry.dtype === "float32" ? new Float32Array(n) : entry.dtype === "int32" ? new Int32Array(n) : new Uint8Array(n);
  } catch (e) {
    throw new ValueError(`${source}: tensor "${entry.name}" of shape [${entry.shape.join(", ")}] needs ${entry.end - entry.begin} bytes, which cannot be allocated here (${(e as Error).message})`);
  }
}

/** The bytes per element of `entry` in the file. */
const itemSize = (entry: Entry): number => (entry.wide ? 8 : ITEMSIZE[entry.dtype]);

/** Narrows `raw`, little-endian I64 values, into `into` (int32), refusing a value int32 cannot hold. */
function narrowInt64(entry: Entry, raw: Uint8Array, into: Int32Array, fail: Fail): void {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  for (let i = 0; i < into.length; i++) {
    const lo = view.getUint32(i * 8, true);
    const hi = view.getInt32(i * 8 + 4, true);
    // An int32 sign-extends: the high word is all zeros (then lo < 2^31) or all ones (lo ≥ 2^31).
    if (!((hi === 0 && lo < 2 ** 31) || (hi === -1 && lo >= 2 ** 31))) {
      fail(`tensor "${entry.name}": I64 value ${view.getBigInt64(i * 8, true)} at index ${i} does not fit int32, which Strata reads I64 into`);
    }
    into[i] = lo | 0;
  }
}

/** Turns `array`, filled with little-endian bytes, into host order, and checks BOOL bytes. */
export function fromLittleEndian(entry: Entry, array: Storage, fail: Fail): void {
  if (entry.dtype === "bool") {
    if ((array as Uint8Array).some((x) => x > 1)) fail(`tensor "${entry.name}": BOOL data must be bytes 0 or 1`);
    return;
  }
  if (LITTLE_ENDIAN) return;
  const view = new DataView(array.buffer, array.byteOffset, array.byteLength);
  for (let i = 0; i < array.length; i++) array[i] = entry.dtype === "float64" ? view.getFloat64(i * 8, true) : entry.dtype === "float32" ? view.getFloat32(i * 4, true) : view.getInt32(i * 4, true);
}

/** A safetensors file to be written: its header bytes (length prefix included) and then, in
 * order, each tensor's bytes as {@link tensorBytes} gives them. */
export interface Plan {
  header: Uint8Array;
  tensors: Tensor[];
  /** The size of the whole file in bytes. */
  size: number;
}

/** Lays out `tensors` and `metadata` as a file; {@link encodeSafetensors} documents the layout and errors. */
export function planSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> | undefined, source: string): Plan {
  if (tensors === null || typeof tensors !== "object") throw new ValueError(`${source}: expected a record of tensors, got ${show(tensors)}`);
  // Null prototype: a tensor named "__proto__" is then an ordinary key of the header.
  const header: Record<string, unknown> = Object.create(null);
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== "object") throw new ValueError(`${source}: metadata must be a record of strings, got ${show(metadata)}`);
    const meta: Record<string, string> = Object.create(null);
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") throw new ValueError(`${source}: metadata value "${k}" must be a string, got ${show(v)}`);
      meta[k] = v;
    }
    header.__metadata__ = meta;
  }
  const list: Tensor[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (name === "__metadata__") throw new ValueError(`${source}: "__metadata__" is reserved by the format and cannot name a tensor`);
    if (!(t instanceof Tensor)) throw new ValueError(`${source}: "${name}" must be a Tensor, got ${show(t)}`);
    const bytes = t.size * ITEMSIZE[t.dtype];
    header[name] = { dtype: CODES[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    list.push(t);
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return { header: out, tensors: list, size: out.length + offset };
}

/**
 * The bytes of a safetensors file holding `tensors` (written in the record's key order, each
 * contiguous, offsets relative to the data start) and, when given, `metadata` as `__metadata__`.
 * The header is padded with spaces to a multiple of 8 bytes. Pure: {@link writeSafetensors} is this
 * plus an atomic write.
 *
 * @throws ValueError when a value is not a Tensor, a name is `"__metadata__"`, or a metadata value is not a string.
 * @example
 * ```ts
 * import { encodeSafetensors } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const bytes = encodeSafetensors({ w: tensor([1, 2], { dtype: "float32" }) });
 * const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
 * console.log(n % 8, new TextDecoder().decode(bytes.subarray(8, 8 + n)).trim()); // 0 {"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}
 * console.log(bytes.length - 8 - n); // 8
 * ```
 */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>, source = "encodeSafetensors"): Uint8Array {
  const plan = planSafetensors(tensors, metadata, source);
  let out: Uint8Array;
  try {
    out = new Uint8Array(plan.size);
  } catch (e) {
    throw new ValueError(`${source}: the file would have ${plan.size} bytes, more than one Uint8Array can hold here (${(e as Error).message}); write it with writeSafetensors, which writes in pieces`);
  }
  let at = 0;
  emitSafetensors(plan, (bytes) => {
    out.set(bytes, at);
    at += bytes.length;
  });
  return out;
}

/** Hands the bytes of `plan`, in order, to `put`: the one writer behind byte arrays and files. */
export function emitSafetensors(plan: Plan, put: (bytes: Uint8Array) => void): void {
  put(plan.header);
  for (const t of plan.tensors) put(tensorBytes(t));
}

function checkEntry(name: string, raw: unknown, dataLength: number, fail: Fail): Entry {
  const where = `tensor "${name}"`;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) fail(`${where}: expected { dtype, shape, data_offsets }, got ${show(raw)}`);
  const rec = raw as Record<string, unknown>;
  for (const k of Object.keys(rec)) if (!["dtype", "shape", "data_offsets"].includes(k)) fail(`${where}: unknown field "${k}"`);
  const code = rec.dtype;
  if (typeof code !== "string") fail(`${where}: dtype must be a string, got ${show(code)}`);
  const dtype = DTYPE_OF.get(code);
  if (dtype === undefined) {
    fail(`${where}: unsupported dtype ${show(code)}${FOREIGN.has(code) ? "" : " (not a safetensors dtype)"}; Strata reads F32, F64, I32 and BOOL, and I64 into int32`);
  }
  const shape = rec.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`${where}: shape must be an array of non-negative integers, got ${show(shape)}`);
  const offsets = rec.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(`${where}: data_offsets must be two non-negative integers [begin, end], got ${show(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) fail(`${where}: data_offsets [${begin}, ${end}] have begin > end`);
  if (end > dataLength) fail(`${where}: data_offsets [${begin}, ${end}] are out of bounds: the data section has ${dataLength} bytes (is the file truncated?)`);
  const size = (shape as number[]).reduce((a, b) => a * b, 1);
  const entry: Entry = { name, dtype, shape: shape as number[], begin, end, ...(code === "I64" && { wide: true }) };
  if (size * itemSize(entry) !== end - begin) {
    fail(`${where}: shape ${show(shape)} of ${code} needs ${size * itemSize(entry)} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`);
  }
  return entry;
}

/** The header length the first 8 bytes declare, checked against the 100 MB cap and the bytes after it. */
export function headerLength(first8: Uint8Array, fileSize: number, fail: Fail): number {
  if (fileSize < 8) fail(`the file has ${fileSize} bytes, fewer than the 8-byte header length`);
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER)) fail(`header length ${n} is larger than the 100 MB limit; this is not a safetensors file or it is corrupt`);
  const length = Number(n);
  if (8 + length > fileSize) fail(`header length ${length} exceeds the ${fileSize - 8} bytes after it; the file is truncated or corrupt`);
  return length;
}

/**
 * Validates the header text of a file whose data section has `dataLength` bytes: UTF-8 JSON
 * holding an object, nested at most a few levels, each entry's dtype, shape, offsets and byte
 * count, entries that cover the data exactly, and string metadata.
 */
export function parseHeader(bytes: Uint8Array, dataLength: number, fail: Fail): Header {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return fail("the header is not valid UTF-8");
  }
  const header = parseJson(text, MAX_HEADER_DEPTH, (m) => fail(`the header ${m}`));
  if (header === null || typeof header !== "object" || Array.isArray(header)) fail(`the header must be a JSON object, got ${show(header)}`);
  const metadata: Record<string, string> = Object.create(null);
  const entries: Entry[] = [];
  // Object.entries sees "__proto__" as the own key JSON.parse made it; it is never assigned to a plain object.
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name !== "__metadata__") {
      entries.push(checkEntry(name, raw, dataLength, fail));
      continue;
    }
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) fail(`__metadata__ must be an object of strings, got ${show(raw)}`);
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
      if (typeof v !== "string") fail(`__metadata__ value "${k}" must be a string, got ${show(v)}`);
      metadata[k] = v as string;
    }
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: Entry | undefined;
  for (const e of entries) {
    if (e.begin < covered) fail(`tensors "${previous!.name}" and "${e.name}" have overlapping data_offsets`);
    if (e.begin > covered) fail(`a gap of ${e.begin - covered} bytes lies before tensor "${e.name}" (data offset ${covered}); the data must be covered exactly`);
    covered = e.end;
    previous = e;
  }
  if (covered !== dataLength) fail(`${dataLength - covered} trailing bytes after the last tensor; the data must be covered exactly`);
  return { entries, metadata };
}

/**
 * Parses and validates the bytes of a safetensors file. Checks the header length (against the
 * bytes present and a 100 MB cap), that the header is UTF-8 JSON holding an object, every entry's
 * dtype (F32, F64, I32, BOOL, and I64 read into int32, each value checked to fit; others such as
 * F16 are "unsupported"), shape, data_offsets and
 * byte count, that the entries neither overlap nor leave gaps or trailing bytes, that BOOL bytes are
 * 0 or 1 and that `__metadata__` holds only strings. The tensors are copies (the bytes may be reused).
 * A tensor named `"__proto__"` comes back as an ordinary own key: the results have null prototypes.
 *
 * @param source Names the file in errors.
 * @throws ValueError naming `source` and the problem.
 * @example
 * ```ts
 * import { decodeSafetensors, encodeSafetensors } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const { tensors, metadata } = decodeSafetensors(encodeSafetensors({ b: tensor([[true, false]]) }, { note: "hi" }));
 * console.log(tensors.b!.dtype, tensors.b!.toArray(), metadata.note); // bool [[1, 0]] hi
 * try { decodeSafetensors(new Uint8Array(4), "x.safetensors"); } catch (e) { console.log((e as Error).message); } // x.safetensors: the file has 4 bytes, fewer than the 8-byte header length
 * ```
 */
export function decodeSafetensors(bytes: Uint8Array, source = "<bytes>"): SafetensorsContents {
  if (!(bytes instanceof Uint8Array)) throw new ValueError(`${source}: expected a Uint8Array, got ${show(bytes)}`);
  return readSafetensorsFrom(bytesSource(bytes, source), source);
}

/**
 * Where the safetensors reader gets its bytes: a file (read in pieces by the Node platform) or a
 * byte array. Every position it is asked for has been checked against `size` first.
 */
export interface ByteSource {
  /** How many bytes there are. */
  readonly size: number;
  /** Fills `into` with the bytes from `position` on; a source that ends early throws a ValueError. */
  read(into: Uint8Array, position: number): void;
}

/** `bytes` as a {@link ByteSource}; what it copies out is a copy, so the bytes may be reused. */
export function bytesSource(bytes: Uint8Array, source: string): ByteSource {
  return {
    size: bytes.length,
    read(into, position) {
      if (position + into.length > bytes.length) throw new ValueError(`${source}: the bytes end at ${bytes.length} while ${position + into.length - bytes.length} more were expected`);
      into.set(bytes.subarray(position, position + into.length));
    },
  };
}

/** Typed storage a tensor's bytes can be read into. */
export type Storage = Float32Array | Float64Array | Int32Array | Uint8Array;

/**
 * Reads a safetensors file from `from`, the one reader behind files and byte arrays: the header
 * first, bounded by the 100 MB cap and the size of the source, which `inspect` may check
 * (throwing to stop) before any tensor is allocated; then each tensor's bytes straight into its
 * storage: the array `into` gives for it (of its dtype and size: a model's parameter, so that
 * loading copies nothing), else a new one. `source` names the file or the caller in errors.
 */
export function readSafetensorsFrom(from: ByteSource, source: string, inspect?: (header: Header) => void, into?: (entry: Entry) => Storage | undefined): SafetensorsContents {
  const fail: Fail = (msg) => {
    throw new ValueError(`${source}: ${msg}`);
  };
  const size = from.size;
  const first = new Uint8Array(Math.min(8, size));
  from.read(first, 0);
  const n = headerLength(first, size, fail);
  const text = new Uint8Array(n);
  from.read(text, 8);
  const header = parseHeader(text, size - 8 - n, fail);
  inspect?.(header);
  const tensors: Record<string, Tensor> = Object.create(null);
  for (const e of header.entries) {
    const data = into?.(e) ?? storageFor(e, source);
    if (e.wide) {
      const raw = new Uint8Array(e.end - e.begin);
      from.read(raw, 8 + n + e.begin);
      narrowInt64(e, raw, data as Int32Array, fail);
    } else {
      from.read(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 8 + n + e.begin);
      fromLittleEndian(e, data, fail);
    }
    tensors[e.name] = new Tensor(data, e.shape);
  }
  return { tensors, metadata: header.metadata };
}
