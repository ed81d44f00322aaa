// Checkpoint files in the life of a training run: saves killed part-way leave temporaries that the
// next save clears, the checkpoint before the kill stays whole, and checkpoints past 2 GiB are
// written and read (in pieces: Node moves at most 2 GiB per call).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { threadId } from "node:worker_threads";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { Dense, load, readSafetensors, save, writeSafetensors, zeros } from "@strata/nn";
import { ValueError, tensor } from "@strata/tensor";
import { readAt, writeAll } from "../src/platform/node-files.js";
import { errorOf } from "./helpers.js";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "strata-files-"));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const here = path.dirname(fileURLToPath(import.meta.url));
const temporaries = (name: string): string[] => fs.readdirSync(dir).filter((f) => f.startsWith(`${name}.tmp-`)).sort();

/** The id of a process that has ended. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

/** Every weight of a checkpoint written by save-loop.ts, which sets them all to the save's number. */
function savedNumber(file: string): number {
  const W = (load(file).model as Dense).W.data.toTypedArray();
  const k = W[0]!;
  expect(W.every((x) => x === k)).toBe(true);
  return k;
}

describe("temporary files of killed saves", () => {
  it("the next save removes those whose process is gone and this thread's own, and nothing else", () => {
    const file = path.join(dir, "ckpt.safetensors");
    writeSafetensors(file, { w: tensor([1]) });
    const live = process.ppid; // runs as long as this test does
    const stale = [`ckpt.safetensors.tmp-${deadPid()}-0-0123456789ab`, `ckpt.safetensors.tmp-${deadPid()}-89abcdef0123`, `ckpt.safetensors.tmp-${process.pid}-${threadId}-aaaaaaaaaaaa`];
    const kept = [
      `ckpt.safetensors.tmp-${live}-0-bbbbbbbbbbbb`, // another process, still saving
      `ckpt.safetensors.tmp-${process.pid}-${threadId + 1}-cccccccccccc`, // another thread of this process
      `ckpt.safetensors.tmp-${deadPid()}-notours`, // not a name save makes
      `other.safetensors.tmp-${deadPid()}-0-dddddddddddd`, // another checkpoint's
    ];
    for (const name of [...stale, ...kept]) fs.writeFileSync(path.join(dir, name), "partial");
    writeSafetensors(file, { w: tensor([2]) });
    expect(fs.readdirSync(dir).sort()).toEqual(["ckpt.safetensors", ...kept].sort());
    expect(readSafetensors(file).tensors.w!.toArray()).toEqual([2]);
  });

  it("property: of any mix of names beside the checkpoint, a save removes exactly the temporaries whose save cannot finish", () => {
    const file = path.join(dir, "ckpt.safetensors");
    const dead = [deadPid(), deadPid()];
    const live = process.ppid;
    // Each kind of name, with whether a save must remove it: the rule stated once, by kind.
    const kinds = fc.oneof(
      fc.record({ pid: fc.constantFrom(...dead), thread: fc.option(fc.nat(9), { nil: undefined }), remove: fc.constant(true) }),
      fc.record({ pid: fc.constant(process.pid), thread: fc.constant(threadId), remove: fc.constant(true) }),
      fc.record({ pid: fc.constant(process.pid), thread: fc.constantFrom(threadId + 1, threadId + 7), remove: fc.constant(false) }),
      fc.record({ pid: fc.constant(process.pid), thread: fc.constant(undefined), remove: fc.constant(false) }),
      fc.record({ pid: fc.constant(live), thread: fc.option(fc.nat(9), { nil: undefined }), remove: fc.constant(false) }),
    );
    const entry = fc.record({
      kind: kinds,
      hex: fc.stringMatching(/^[0-9a-f]{12}$/),
      shape: fc.constantFrom("temporary", "other checkpoint", "bad suffix", "short hex"),
    });
    fc.assert(
      fc.property(fc.uniqueArray(entry, { minLength: 1, maxLength: 12, selector: (e) => `${e.kind.pid}-${e.kind.thread}-${e.hex}-${e.shape}` }), (entries) => {
        for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f));
        writeSafetensors(file, { w: tensor([1]) });
        const names = entries.map(({ kind, hex, shape }) => {
          const tail = `${kind.pid}${kind.thread === undefined ? "" : `-${kind.thread}`}`;
          if (shape === "other checkpoint") return { name: `ckpt2.safetensors.tmp-${tail}-${hex}`, remove: false };
          if (shape === "bad suffix") return { name: `ckpt.safetensors.tmp-${tail}-${hex}.bak`, remove: false };
          if (shape === "short hex") return { name: `ckpt.safetensors.tmp-${tail}-${hex.slice(1)}`, remove: false };
          return { name: `ckpt.safetensors.tmp-${tail}-${hex}`, remove: kind.remove };
        });
        for (const { name } of names) fs.writeFileSync(path.join(dir, name), "partial");
        writeSafetensors(file, { w: tensor([2]) });
        const expected = ["ckpt.safetensors", ...new Set(names.filter((n) => !n.remove).map((n) => n.name))].sort();
        expect(fs.readdirSync(dir).sort()).toEqual(expected);
        expect(readSafetensors(file).tensors.w!.toArray()).toEqual([2]);
      }),
      { numRuns: 60 },
    );
  });

  it("SIGKILL in the middle of saves: the last whole checkpoint loads, and the next save clears the leftovers", async () => {
    const file = path.join(dir, "run.safetensors");
    let previous: number | undefined;
    for (let kill = 0; kill < 3; kill++) {
      const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", path.join(here, "scripts/save-loop.ts"), file], { cwd: here, stdio: ["ignore", "pipe", "pipe"] });
      const pid = child.pid!;
      const own = (): string[] => temporaries("run.safetensors").filter((t) => t.startsWith(`run.safetensors.tmp-${pid}-`));
      let saves = 0;
      child.stdout!.on("data", (chunk: Buffer) => (saves += chunk.toString().split("\n").length - 1));
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
      // killed once it has finished a save and is writing the next one
      await new Promise<void>((resolve, reject) => {
        const poll = setInterval(() => {
          if (child.exitCode !== null) (clearInterval(poll), reject(new Error(`save-loop exited with ${child.exitCode}`)));
          else if (saves >= 1 && own().length > 0) (clearInterval(poll), child.kill("SIGKILL"), resolve());
        }, 1);
      });
      expect(await exited).toBe("SIGKILL");
      // the killed save's temporary is left; the killed process's first save removed the one before
      expect(own().length).toBe(1);
      if (previous !== undefined) expect(temporaries("run.safetensors").some((t) => t.startsWith(`run.safetensors.tmp-${previous}-`))).toBe(false);
      previous = pid;
      // the checkpoint under the real name is a whole one, from one of the saves that finished
      expect(savedNumber(file)).toBeGreaterThanOrEqual(1);
    }
    const layer = new Dense(3, 2, { init: zeros() });
    save(layer, file);
    expect(temporaries("run.safetensors")).toEqual([]);
    expect((load(file).model as Dense).nOut).toBe(2);
  });
});

describe("checkpoints over 2 GiB", () => {
  it("save and load a 2.15 GB model (538 million float32 weights) with every weight intact", () => {
    const file = path.join(dir, "big.safetensors");
    const layer = new Dense(23_200, 23_200, { init: zeros() });
    const W = layer.W.data.data as Float32Array;
    // a pattern that differs between pieces of 1 GiB, so a piece written or read at the wrong offset shows
    for (let i = 0; i < W.length; i += 4099) W[i] = (i % 65_521) + 0.5;
    W[W.length - 1] = -7.25;
    save(layer, file);
    expect(fs.statSync(file).size).toBeGreaterThan(2 ** 31);
    const loaded = (load(file).model as Dense).W.data.data as Float32Array;
    expect(loaded.length).toBe(W.length);
    let mismatches = 0;
    for (let i = 0; i < W.length; i++) if (loaded[i] !== W[i]) mismatches++;
    expect(mismatches).toBe(0);
    expect(loaded[W.length - 1]).toBe(-7.25);
    expect(temporaries("big.safetensors")).toEqual([]);
  });
});

describe("reading and writing in pieces", () => {
  it("property: any bytes written and read back in pieces of any size come back whole, from any position", () => {
    const file = path.join(dir, "pieces.bin");
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 700 }), fc.integer({ min: 1, max: 700 }), fc.nat(200), (bytes, writePiece, readPiece, lead) => {
        const fd = fs.openSync(file, "w+");
        try {
          writeAll(fd, new Uint8Array(lead), writePiece);
          writeAll(fd, bytes, writePiece);
          expect(fs.fstatSync(fd).size).toBe(lead + bytes.length);
          const back = readAt(fd, new Uint8Array(bytes.length), lead, file, readPiece);
          expect(Buffer.from(back).equals(Buffer.from(bytes))).toBe(true);
          // one byte more than the file holds is a ValueError naming the file and where it ended
          const e = errorOf(() => readAt(fd, new Uint8Array(bytes.length + 1), lead, file, readPiece));
          expect(e).toBeInstanceOf(ValueError);
          expect(e.message).toBe(`${file}: the file ended at byte ${lead + bytes.length} while 1 more bytes were expected; it changed while being read`);
        } finally {
          fs.closeSync(fd);
        }
      }),
      { numRuns: 100 },
    );
  });
});
