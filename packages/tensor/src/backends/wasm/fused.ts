// Runs a chain of elementwise ops as one kernel call (assembly/fused.ts). Each run reads the
// slots' addresses afresh (a tensor's storage may have been swapped since the chain was planned)
// and writes them, with the program, into the arena.
import type { ChainRequest } from "../backend.js";
import { runParallel, type Job } from "./pool.js";
import { loadedRuntime, ranges, residentAt, viewOf } from "./gemm.js";
import { BINARY_CODES, SWAPPED_CODES, UNARY_CODES, type WasmBinaryOp } from "./opcodes.js";
import { resetArena, takeArena } from "./runtime.js";

const SLOT_KIND = { array: 0, scratch: 1, number: 2, wideNumber: 3 } as const;
/** Elements per block (assembly/fused.ts's BLOCK). */
const BLOCK = 256;

/** A chain's program and slot words, made once; a run writes the addresses into `words`. */
interface Compiled {
  program: Int32Array;
  words: Int32Array;
  scratchCount: number;
}

const compiled = new WeakMap<ChainRequest, Compiled | null>();

/** The chain as the kernel reads it, or null when it has no loop for one of the ops. */
function compiledOf(req: ChainRequest): Compiled | null {
  if (compiled.has(req)) return compiled.get(req)!;
  let result: Compiled | null = null;
  const codes: number[] = [];
  for (const o of req.ops) {
    if (o.map ? !(o.op in UNARY_CODES) : !(o.op in BINARY_CODES)) break;
    codes.push(o.map ? UNARY_CODES[o.op as keyof typeof UNARY_CODES] : o.swapped ? SWAPPED_CODES[o.op as WasmBinaryOp] : BINARY_CODES[o.op as WasmBinaryOp]);
  }
  if (codes.length === req.ops.length) {
    const program = new Int32Array(6 * req.ops.length);
    req.ops.forEach((o, i) => program.set([o.map ? 0 : 1, codes[i]!, o.out, o.a, o.b, 0], 6 * i));
    const words = new Int32Array(2 * req.slots.length);
    let scratchCount = 0;
    req.slots.forEach((slot, i) => {
      if (slot.kind === "scratch") words.set([SLOT_KIND.scratch, scratchCount++], 2 * i);
      else if (slot.kind === "number") words[2 * i] = slot.wide && !req.wide ? SLOT_KIND.wideNumber : SLOT_KIND.number;
      else words[2 * i] = SLOT_KIND.array;
    });
    result = { program, words, scratchCount };
  }
  compiled.set(req, result);
  return result;
}

/**
 * Runs the chain over its `n` elements on `threads` threads. Returns false, having run nothing,
 * when an op has no loop here, an array slot is not resident now, or two array slots overlap
 * without coinciding (a block of one would then read elements another has not written yet).
 */
export function wasmChain(req: ChainRequest, threads: number): boolean {
  const { wide, n, slots } = req;
  const size = wide ? 8 : 4;
  const chain = compiledOf(req);
  if (chain === null) return false;
  const { words, program } = chain;
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]!;
    if (slot.kind !== "array") continue;
    const { data, offset } = slot.values();
    const at = residentAt(data, offset, wide);
    if (at < 0) return false;
    words[2 * i + 1] = at;
  }
  if (!disjointOrSame(words, n * size)) return false;
  const rt = loadedRuntime("a chain of elementwise ops");
  resetArena();
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]!;
    if (slot.kind !== "number") continue;
    const bytes = slot.wide ? 8 : size;
    const at = takeArena(rt, bytes);
    viewOf(rt, bytes === 8)[at / bytes] = slot.value;
    words[2 * i + 1] = at;
  }
  const slotsAt = takeArena(rt, 4 * words.length);
  new Int32Array(rt.memory.buffer, slotsAt, words.length).set(words);
  const programAt = takeArena(rt, 4 * program.length);
  new Int32Array(rt.memory.buffer, programAt, program.length).set(program);
  const kernel = wide ? "fusedF64" : "fusedF32";
  const jobs: Job[] = ranges(n, threads, BLOCK).map(([start, end]) => ({
    kernel,
    args: [programAt, req.ops.length, slotsAt, chain.scratchCount > 0 ? takeArena(rt, chain.scratchCount * BLOCK * size) : 0, start, end],
  }));
  runParallel(rt, jobs);
  return true;
}

/** Whether the array slots' ranges of `bytes` bytes (kind, address words) either coincide or do not meet. */
function disjointOrSame(words: Int32Array, bytes: number): boolean {
  for (let i = 0; i < words.length; i += 2) {
    if (words[i] !== SLOT_KIND.array) continue;
    for (let j = i + 2; j < words.length; j += 2) {
      if (words[j] !== SLOT_KIND.array) continue;
      const d = Math.abs((words[i + 1]! >>> 0) - (words[j + 1]! >>> 0));
      if (d !== 0 && d < bytes) return false;
    }
  }
  return true;
}
