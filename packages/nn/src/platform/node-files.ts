// Files on disk for the Node platform, in pieces: files may exceed 2 GiB (Node reads and writes
// at most 2 GiB per call, and one Buffer holds at most 4 GiB), so nothing here holds a whole file
// in one array. Reading checks what a path is before opening it and trusts no length it has not
// checked against the file's size; writing is atomic and clears temporaries that killed saves left.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { basename, dirname, join } from "node:path";
import { threadId } from "node:worker_threads";
import { StrataError, ValueError } from "@strata/tensor";
import type { ByteSource } from "../safetensors.js";

// Bytes per read or write call: below Node's 2 GiB limit per call, and large enough that the
// calls cost nothing next to the copying.
const PIECE = 1 << 26;

/**
 * Writes what `write` puts to `path` atomically (the platform's side of the public
 * writeFileAtomic, which takes the bytes themselves): the bytes go to a temporary file in the same
 * directory (`<name>.tmp-<pid>-<thread>-<random>`), written in pieces of at most 64 MiB, fsynced
 * and renamed over `path`. On any failure the temporary file is removed and a file already at
 * `path` is left as it was. Temporaries of `path` left by saves that were killed (their process
 * no longer runs) are removed first; the checkpoint itself and other processes' saves in progress
 * are never touched.
 */
export function writeFileAtomicWith(op: string, path: string, write: (put: (bytes: Uint8Array) => void) => void): void {
  removeStaleTemporaries(path);
  const tmp = `${path}.tmp-${process.pid}-${threadId}-${randomBytes(6).toString("hex")}`;
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, "wx", 0o644);
    const out = fd;
    write((bytes) => writeAll(out, bytes));
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
    throw Object.assign(new StrataError(`${op}: could not write ${path}: ${(e as Error).message}; the previous file, if any, is unchanged`), { cause: e });
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

/**
 * Lets `use` read the regular file at `path` as a {@link ByteSource} of the file's size, each
 * read in pieces; a device such as `/dev/zero`, a FIFO or a directory is refused before anything
 * is read. Errors of the system (a missing file, no permission) become a StrataError naming `path`.
 */
export function readFileBounded<T>(path: string, use: (source: ByteSource) => T): T {
  let fd: number | undefined;
  try {
    // stat before open: opening a FIFO for reading would wait for a writer.
    checkRegular(fs.statSync(path), path);
    fd = fs.openSync(path, "r");
    const stat = fs.fstatSync(fd);
    checkRegular(stat, path);
    const file = fd;
    return use({ size: stat.size, read: (into, position) => void readAt(file, into, position, path) });
  } catch (e) {
    if (e instanceof StrataError) throw e;
    throw Object.assign(new StrataError(`readSafetensors: could not read ${path}: ${(e as Error).message}`), { cause: e });
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
 * early (it changed while being read) is a ValueError naming `path`.
 */
export function readAt(fd: number, into: Uint8Array, position: number, path: string, piece = PIECE): Uint8Array {
  for (let at = 0; at < into.length; ) {
    const got = fs.readSync(fd, into, at, Math.min(piece, into.length - at), position + at);
    if (got === 0) throw new ValueError(`${path}: the file ended at byte ${position + at} while ${into.length - at} more bytes were expected; it changed while being read`);
    at += got;
  }
  return into;
}
