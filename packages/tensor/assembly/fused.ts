// A chain of elementwise ops (maps and binary arithmetic, dispatch.ts's codes) run block by block:
// every op of the chain runs over one block of BLOCK elements before the next block starts, so a
// value one op writes is still in the L1 cache when the next op reads it, and an intermediate kept
// in a scratch block never goes to memory at all. Each op runs the same vector loop as its own
// kernel (unaryF32, binaryF32) over the block, and those loops give every element the result it
// would get anywhere in a row, so a fused chain equals the ops run one by one, bit for bit.
//
// The chain is a program in memory. Slots (two i32 words each: kind, address):
//   kind 0  an array: element i at address + i·size
//   kind 1  a scratch block: the address is its index among the caller's scratch blocks
//   kind 2  a number of the element type, at the address
//   kind 3  a float64 number at the address, for float32 arithmetic in float64 (binaryF32's layout 2)
// Instructions (six i32 words each): kind (0 map, 1 binary), code, out slot, a slot, b slot
// (binary) or alpha slot (map, a kind-2 slot), unused.
import { binaryByCode, mapByCode } from "./dispatch";

/**
 * Elements per block: the blocks of a chain stay in a 32 KiB L1 data cache. a·b + c on 1e6 float32
 * (one thread, shared host, best of 150): 128 → 298 µs, 256 → 285, 512 → 333, 2048 → 427, 4096 → 570.
 */
const BLOCK: i32 = 256;

const SLOT_BYTES: usize = 8;
const INSTRUCTION_BYTES: usize = 24;

@inline
function slotKind(slots: usize, slot: i32): i32 {
  return load<i32>(slots + <usize>slot * SLOT_BYTES);
}

/** Where slot `slot` is for the block starting at element `start`. */
@inline
function slotAddress<T>(slots: usize, slot: i32, start: i32, scratch: usize): usize {
  const kind = slotKind(slots, slot);
  const at = <usize>load<u32>(slots + <usize>slot * SLOT_BYTES + 4);
  if (kind == 0) return at + <usize>start * sizeof<T>();
  if (kind == 1) return scratch + at * <usize>BLOCK * sizeof<T>();
  return at;
}

@inline
function runChain<T>(program: usize, count: i32, slots: usize, scratch: usize, start: i32, end: i32): void {
  for (let s = start; s < end; s += BLOCK) {
    const length = min(BLOCK, end - s);
    for (let i = 0; i < count; i++) {
      const ins = program + <usize>i * INSTRUCTION_BYTES;
      const code = load<i32>(ins, 4);
      const out = slotAddress<T>(slots, load<i32>(ins, 8), s, scratch);
      const a = slotAddress<T>(slots, load<i32>(ins, 12), s, scratch);
      const other = load<i32>(ins, 16);
      const b = slotAddress<T>(slots, other, s, scratch);
      if (load<i32>(ins) == 0) {
        mapByCode<T>(code, a, out, length, load<T>(b));
      } else {
        const kind = slotKind(slots, other);
        // binaryF32's layouts: 0 paired, 1 one number, 2 one float64 number
        const layout = kind == 0 || kind == 1 ? 0 : kind == 2 ? 1 : 2;
        binaryByCode<T>(code, layout, a, b, out, 1, length, 0);
      }
    }
  }
}

/**
 * Runs `count` instructions at `program` over elements [start, end) of float32 arrays, with the
 * slots at `slots` and scratch blocks of 512 elements from `scratch` (one per kind-1 slot, this
 * caller's own: threads running other ranges pass other scratch).
 */
export function fusedF32(program: usize, count: i32, slots: usize, scratch: usize, start: i32, end: i32): void {
  runChain<f32>(program, count, slots, scratch, start, end);
}

/** fusedF32 for float64. */
export function fusedF64(program: usize, count: i32, slots: usize, scratch: usize, start: i32, end: i32): void {
  runChain<f64>(program, count, slots, scratch, start, end);
}
