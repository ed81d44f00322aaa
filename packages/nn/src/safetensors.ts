// The safetensors format (https://github.com/huggingface/safetensors), so that checkpoints can be
// read by PyTorch, JAX or the Rust crate: an 8-byte little-endian header length N, N bytes of JSON,
// then the raw little-endian tensor data. Files are untrusted input: everything is validated, and
// names taken from them only ever become keys of null-prototype objects.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { dirname } from "node:path";
import { StrataError, Tensor, ValueError, type DType } from "@strata/tensor";

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
const DTYPE_OF: ReadonlyMap<string, DType> = new Map(Object.entries(CODES).map(([d, c]) => [c, d as DType]));
const ITEMSIZE: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };
// Formats other frameworks write that Strata has no dtype for: named so the error says what it is.
const FOREIGN = new Set(["F16", "BF16", "F8_E4M3", "F8_E5M2", "I8", "U8", "I16", "U16", "U32", "I64", "U64", "C64"]);
// The reference implementation refuses headers over 100 MB; a corrupt length must not make us allocate gigabytes.
const MAX_HEADER = 100_000_000;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function show(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** The element bytes of `t`, row-major, little-endian. */
function bytesOf(t: Tensor): Uint8Array {
  const flat = t.toTypedArray();
  const raw = new Uint8Array(flat.buffer, flat.byteOffset, flat.byteLength);
  if (LITTLE_ENDIAN || t.dtype === "bool") return raw;
  const out = new Uint8Array(raw.length);
  const view = new DataView(out.buffer);
  flat.forEach((x: number, i: number) => (t.dtype === "float64" ? view.setFloat64(i * 8, x, true) : t.dtype === "float32" ? view.setFloat32(i * 4, x, true) : view.setInt32(i * 4, x, true)));
  return out;
}

/** A fresh, aligned typed array of `dtype` from little-endian bytes. */
function arrayOf(dtype: DType, bytes: Uint8Array): Float32Array | Float64Array | Int32Array | Uint8Array {
  const n = bytes.length / ITEMSIZE[dtype];
  const out = dtype === "float64" ? new Float64Array(n) : dtype === "float32" ? new Float32Array(n) : dtype === "int32" ? new Int32Array(n) : new Uint8Array(n);
  if (LITTLE_ENDIAN || dtype === "bool") new Uint8Array(out.buffer).set(bytes);
  else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < n; i++) out[i] = dtype === "float64" ? view.getFloat64(i * 8, true) : dtype === "float32" ? view.getFloat32(i * 4, true) : view.getInt32(i * 4, true);
  }
  return out;
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
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (name === "__metadata__") throw new ValueError(`${source}: "__metadata__" is reserved by the format and cannot name a tensor`);
    if (!(t instanceof Tensor)) throw new ValueError(`${source}: "${name}" must be a Tensor, got ${show(t)}`);
    const bytes = bytesOf(t);
    header[name] = { dtype: CODES[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const c of chunks) (out.set(c, at), (at += c.length));
  return out;
}

interface Entry {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

function checkEntry(name: string, raw: unknown, dataLength: number, fail: (msg: string) => never): Entry {
  const where = `tensor "${name}"`;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) fail(`${where}: expected { dtype, shape, data_offsets }, got ${show(raw)}`);
  const rec = raw as Record<string, unknown>;
  for (const k of Object.keys(rec)) if (!["dtype", "shape", "data_offsets"].includes(k)) fail(`${where}: unknown field "${k}"`);
  const code = rec.dtype;
  if (typeof code !== "string") fail(`${where}: dtype must be a string, got ${show(code)}`);
  const dtype = DTYPE_OF.get(code);
  if (dtype === undefined) {
    fail(`${where}: unsupported dtype ${show(code)}${FOREIGN.has(code) ? "" : " (not a safetensors dtype)"}; Strata reads F32, F64, I32 and BOOL`);
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
  if (size * ITEMSIZE[dtype] !== end - begin) {
    fail(`${where}: shape ${show(shape)} of ${code} needs ${size * ITEMSIZE[dtype]} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`);
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

/**
 * Parses and validates the bytes of a safetensors file. Checks the header length (against the
 * bytes present and a 100 MB cap), that the header is UTF-8 JSON holding an object, every entry's
 * dtype (F32, F64, I32, BOOL; others such as F16 or I64 are "unsupported"), shape, data_offsets and
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
  const fail = (msg: string): never => {
    throw new ValueError(`${source}: ${msg}`);
  };
  if (!(bytes instanceof Uint8Array)) fail(`expected a Uint8Array, got ${show(bytes)}`);
  if (bytes.length < 8) fail(`the file has ${bytes.length} bytes, fewer than the 8-byte header length`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER)) fail(`header length ${n} is larger than the 100 MB limit; this is not a safetensors file or it is corrupt`);
  const headerLength = Number(n);
  if (8 + headerLength > bytes.length) fail(`header length ${headerLength} exceeds the ${bytes.length - 8} bytes after it; the file is truncated or corrupt`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    return fail("the header is not valid UTF-8");
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) fail(`the header must be a JSON object, got ${show(header)}`);
  const dataLength = bytes.length - 8 - headerLength;
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
  const tensors: Record<string, Tensor> = Object.create(null);
  const start = 8 + headerLength;
  for (const e of entries) {
    const data = arrayOf(e.dtype, bytes.subarray(start + e.begin, start + e.end));
    if (e.dtype === "bool" && data.some((x) => x > 1)) fail(`tensor "${e.name}": BOOL data must be bytes 0 or 1`);
    tensors[e.name] = new Tensor(data, e.shape);
  }
  return { tensors, metadata };
}

/**
 * Writes `tensors` (and `metadata`) to `path` as a safetensors file, atomically: the bytes go to a
 * temporary file in the same directory, which is fsynced and then renamed over `path`. On any
 * failure the temporary file is removed and a file already at `path` is left as it was.
 *
 * @throws ValueError as {@link encodeSafetensors} does; StrataError naming `path` when writing fails.
 * @example
 * ```ts
 * import { readSafetensors, writeSafetensors } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { rmSync } from "node:fs";
 * const file = join(tmpdir(), `strata-doc-${process.pid}.safetensors`);
 * writeSafetensors(file, { w: tensor([[1, 2], [3, 4]], { dtype: "float64" }) }, { source: "doc" });
 * const { tensors, metadata } = readSafetensors(file);
 * console.log(tensors.w!.dtype, tensors.w!.toArray(), metadata.source); // float64 [[1, 2], [3, 4]] doc
 * rmSync(file);
 * ```
 */
export function writeSafetensors(path: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>): void {
  const bytes = encodeSafetensors(tensors, metadata, path);
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`;
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, "wx", 0o644);
    for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at, bytes.length - at);
    // Without the fsync a crash after the rename can leave an empty or partial file under the old name.
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // already failing; the original error is the one to report
      }
    }
    fs.rmSync(tmp, { force: true });
    throw Object.assign(new StrataError(`writeSafetensors: could not write ${path}: ${(e as Error).message}; the previous file, if any, is unchanged`), { cause: e });
  }
  // Makes the rename itself durable; best effort, as some platforms cannot open a directory.
  try {
    const dirFd = fs.openSync(dirname(path), "r");
    try {
      fs.fsyncSync(dirFd);
    } finally {
      fs.closeSync(dirFd);
    }
  } catch {
    // the file is written; only its survival of a power cut right now is less certain
  }
}

/**
 * Reads and validates the safetensors file at `path` (see {@link decodeSafetensors}).
 *
 * @throws ValueError naming `path` when the file is malformed; StrataError when it cannot be read.
 * @example
 * ```ts
 * import { readSafetensors, writeSafetensors } from "@strata/nn";
 * import { arange } from "@strata/tensor";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { rmSync } from "node:fs";
 * const file = join(tmpdir(), `strata-doc-read-${process.pid}.safetensors`);
 * writeSafetensors(file, { idx: arange(3, { dtype: "int32" }) });
 * console.log(readSafetensors(file).tensors.idx!.toArray()); // [0, 1, 2]
 * rmSync(file);
 * ```
 */
export function readSafetensors(path: string): SafetensorsContents {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    throw Object.assign(new StrataError(`readSafetensors: could not read ${path}: ${(e as Error).message}`), { cause: e });
  }
  return decodeSafetensors(bytes, path);
}
