// Safetensors files on disk, in pieces: files may exceed 2 GiB (Node reads and writes at most
// 2 GiB per call, and one Buffer holds at most 4 GiB), so nothing here holds a whole file in one
// array. Reading checks what a path is before opening it and trusts no length it has not checked
// against the file's size; writing is atomic and clears temporaries that killed saves left.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { basename, dirname, join } from "node:path";
import { threadId } from "node:worker_threads";
import { StrataError, Tensor, ValueError } from "@strata/tensor";
import {
  fromLittleEndian, headerLength, parseHeader, planSafetensors, storageFor, tensorBytes,
  type Entry, type Fail, type Header, type SafetensorsContents,
} from "./safetensors.js";

// Bytes per read or write call: below Node's 2 GiB limit per call, and large enough that the
// calls cost nothing next to the copying.
const PIECE = 1 << 26;

/**
 * Writes `tensors` (and `metadata`) to `path` as a safetensors file, atomically: the bytes go to a
 * temporary file in the same directory (`<name>.tmp-<pid>-<thread>-<random>`), written in pieces
 * of at most 64 MiB (so files over 2 GiB work), fsynced and renamed over `path`. On any failure the
 * temporary file is removed and a file already at `path` is left as it was. Temporary files of
 * `path` left by saves that were killed (their process no longer runs) are removed first; the
 * checkpoint itself and other processes' saves in progress are never touched.
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
  const plan = planSafetensors(tensors, metadata, path);
  removeStaleTemporaries(path);
  const tmp = `${path}.tmp-${process.pid}-${threadId}-${randomBytes(6).toString("hex")}`;
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, "wx", 0o644);
    writeAll(fd, plan.header);
    for (const t of plan.tensors) writeAll(fd, tensorBytes(t));
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

/** Writes all of `bytes` at the file's current position, at most `piece` bytes per call. */
export function writeAll(fd: number, bytes: Uint8Array, piece = PIECE): void {
  for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at, Math.min(piece, bytes.length - at));
}

/** Whether process `pid` runs (signal 0 only checks; EPERM means it runs as another user). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes `<name>.tmp-<pid>[-<thread>]-<12 hex>` files next to `path` whose save can no longer
 * finish: their process is gone, or it is this thread (which is not saving while it runs this).
 * A process id the system has reused keeps its file until that process ends too.
 */
function removeStaleTemporaries(path: string): void {
  const name = basename(path);
  let names: string[];
  try {
    names = fs.readdirSync(dirname(path));
  } catch {
    return; // the write reports a missing directory itself
  }
  for (const other of names) {
    if (!other.startsWith(`${name}.tmp-`)) continue;
    const m = /^(\d+)(?:-(\d+))?-[0-9a-f]{12}$/.exec(other.slice(name.length + 5));
    if (!m) continue;
    const pid = Number(m[1]);
    const mine = pid === process.pid && m[2] !== undefined && Number(m[2]) === threadId;
    if (mine || (pid !== process.pid && !running(pid))) fs.rmSync(join(dirname(path), other), { force: true });
  }
}

/** Typed storage a tensor's bytes can be read into. */
export type Storage = Float32Array | Float64Array | Int32Array | Uint8Array;

/**
 * Reads the safetensors file at `path` in pieces: the header first, which `inspect` may check
 * (throwing to stop) before any tensor is allocated, then each tensor's bytes straight into its
 * storage: the array `into` gives for it (of its dtype and size: a model's parameter, so that
 * loading copies nothing), else a new one. Only regular files are read, and no more bytes than
 * their size.
 */
export function readSafetensorsFile(path: string, inspect?: (header: Header) => void, into?: (entry: Entry) => Storage | undefined): SafetensorsContents {
  const fail: Fail = (msg) => {
    throw new ValueError(`${path}: ${msg}`);
  };
  const cannot = (e: unknown): never => {
    throw Object.assign(new StrataError(`readSafetensors: could not read ${path}: ${(e as Error).message}`), { cause: e });
  };
  let fd: number | undefined;
  try {
    // stat before open: opening a FIFO for reading would wait for a writer.
    checkRegular(fs.statSync(path), path);
    fd = fs.openSync(path, "r");
    const stat = fs.fstatSync(fd);
    checkRegular(stat, path);
    const size = stat.size;
    const first = readAt(fd, new Uint8Array(Math.min(8, size)), 0, path);
    const n = headerLength(first, size, fail);
    const header = parseHeader(readAt(fd, new Uint8Array(n), 8, path), size - 8 - n, fail);
    inspect?.(header);
    const tensors: Record<string, Tensor> = Object.create(null);
    for (const e of header.entries) {
      const data = into?.(e) ?? storageFor(e, path);
      readAt(fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 8 + n + e.begin, path);
      fromLittleEndian(e, data, fail);
      tensors[e.name] = new Tensor(data, e.shape);
    }
    return { tensors, metadata: header.metadata };
  } catch (e) {
    if (e instanceof ValueError || e instanceof StrataError) throw e;
    return cannot(e);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function checkRegular(stat: fs.Stats, path: string): void {
  if (stat.isFile()) return;
  const kind = stat.isDirectory() ? "a directory" : stat.isCharacterDevice() ? "a character device" : stat.isBlockDevice() ? "a block device" : stat.isFIFO() ? "a FIFO" : stat.isSocket() ? "a socket" : "not a regular file";
  throw new ValueError(`readSafetensors: ${path} is ${kind}; expected a regular safetensors file`);
}

/**
 * Fills `into` from byte `position` of the file, at most `piece` bytes per call; a file that ends
 * early is a ValueError naming `path`.
 */
export function readAt(fd: number, into: Uint8Array, position: number, path: string, piece = PIECE): Uint8Array {
  for (let at = 0; at < into.length; ) {
    const got = fs.readSync(fd, into, at, Math.min(piece, into.length - at), position + at);
    if (got === 0) throw new ValueError(`${path}: the file ended at byte ${position + at} while ${into.length - at} more bytes were expected; it changed while being read`);
    at += got;
  }
  return into;
}

/**
 * Reads and validates the safetensors file at `path` (see {@link decodeSafetensors}), in pieces,
 * so files over 2 GiB load too. Only a regular file is read, never more than its size: a device
 * such as `/dev/zero`, a FIFO or a directory is refused before anything is read.
 *
 * @throws ValueError naming `path` when the file is malformed or not a regular file; StrataError when it cannot be read.
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
 * try { readSafetensors("/dev/zero"); } catch (e) { console.log((e as Error).message); } // readSafetensors: /dev/zero is a character device; expected a regular safetensors file
 * rmSync(file);
 * ```
 */
export function readSafetensors(path: string): SafetensorsContents {
  return readSafetensorsFile(path);
}
