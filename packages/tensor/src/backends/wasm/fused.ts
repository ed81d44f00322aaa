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

/** The kernel's code of each op, or null when it has no loop for one of them. */
function codesOf(req: ChainRequest): number[] | null {
  const codes: number[] = [];
  for (const o of req.ops) {
    if (o.map ? !(o.op in UNARY_CODES) : !(o.op in BINARY_CODES)) return null;
    codes.push(o.map ? UNARY_CODES[o.op as keyof typeof UNARY_CODES] : o.swapped ? SWAPPED_CODES[o.op as WasmBinaryOp] : BINARY_CODES[o.op as WasmBinaryOp]);
  }
  return codes;
}

/**
 * Runs the chain over its `n` elements on `threads` threads. Returns false, having run nothing,
 * when an op has no loop here, an array slot is not resident now, or two array slots overlap
 * without coinciding (a block of one would then read elements another has not written yet).
 */
export function wasmChain(req: ChainRequest, threads: number): boolean {
  const { wide, n, slots } = req;
  const size = wide ? 8 : 4;
  const codes = codesOf(req);
  if (codes === null) return false;
  const addresses: number[] = [];
  for (const slot of slots) {
    if (slot.kind !== "array") continue;
    const { data, offset } = slot.values();
    const at = residentAt(data, offset, wide);
    if (at < 0) return false;
    addresses.push(at);
  }
  if (!disjointOrSame(addresses, n * size)) return false;
  const rt = loadedRuntime("a chain of elementwise ops");
  resetArena();
  const words = new Int32Array(2 * slots.length);
  let scratchCount = 0;
  let next = 0;
  slots.forEach((slot, i) => {
    if (slot.kind === "array") {
      words.set([SLOT_KIND.array, addresses[next++]!], 2 * i);
    } else if (slot.kind === "scratch") {
      words.set([SLOT_KIND.scratch, scratchCount++], 2 * i);
    } else {
      const bytes = slot.wide ? 8 : size;
      const at = takeArena(rt, bytes);
      viewOf(rt, bytes === 8)[at / bytes] = slot.value;
      words.set([slot.wide && !wide ? SLOT_KIND.wideNumber : SLOT_KIND.number, at], 2 * i);
    }
  });
  const slotsAt = takeArena(rt, 4 * words.length);
  new Int32Array(rt.memory.buffer, slotsAt, words.length).set(words);
  const program = new Int32Array(6 * req.ops.length);
  req.ops.forEach((o, i) => program.set([o.map ? 0 : 1, codes[i]!, o.out, o.a, o.b, 0], 6 * i));
  const programAt = takeArena(rt, 4 * program.length);
  new Int32Array(rt.memory.buffer, programAt, program.length).set(program);
  const kernel = wide ? "fusedF64" : "fusedF32";
  const jobs: Job[] = ranges(n, threads, BLOCK).map(([start, end]) => ({
    kernel,
    args: [programAt, req.ops.length, slotsAt, scratchCount > 0 ? takeArena(rt, scratchCount * BLOCK * size) : 0, start, end],
  }));
  runParallel(rt, jobs);
  return true;
}

/** Whether ranges of `bytes` bytes from each address either coincide or do not meet. */
function disjointOrSame(addresses: readonly number[], bytes: number): boolean {
  for (let i = 0; i < addresses.length; i++) {
    for (let j = i + 1; j < addresses.length; j++) {
      const d = Math.abs(addresses[i]! - addresses[j]!);
      if (d !== 0 && d < bytes) return false;
    }
  }
  return true;
}
