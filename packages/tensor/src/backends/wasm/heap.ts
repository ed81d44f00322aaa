// A heap over the kernels' WebAssembly memory, so that tensors can live where the kernels read
// them: a resident array is a typed-array view on the memory's buffer, which every reader and
// writer of `tensor.data` uses as any other array, and which a kernel reads and writes in place.
//
// Blocks are 64-byte aligned and come in size classes (64-byte steps up to 256 bytes, then four
// classes per power of two, so at most a quarter of a block is slack), each class with a free list.
// A request takes a free block of its class or, failing that, bumps the top of the heap, growing
// the memory when the top passes its end. There is no coalescing: the workloads it serves allocate
// the same shapes step after step (and a replayed step allocates nothing), so exact-class reuse
// finds a block; a workload whose shapes keep changing fills the budget and then gets plain
// JavaScript arrays, which is slower but never wrong.
//
// A block returns to its free list when its view is collected (a FinalizationRegistry): nothing
// may keep a second view of a resident array's memory without the array itself (see Tensor.data).
// The memory never shrinks and never moves when it grows (it is shared), so a view stays valid.
import { StrataError } from "../../errors.js";
import { wasmRuntime, type WasmRuntime } from "./runtime.js";

const PAGE = 65536;
const MAX_PAGES = 65536;
const ALIGN = 64;
// The first page is left alone: address 0 stays unused, so a zero pointer is always a bug.
const HEAP_START = PAGE;
// Kernels may read a few bytes past an operand (max pooling's four-wide loads): the memory always
// extends this far past the top, so such a read of the last block stays inside it.
const SLACK = 64;

/**
 * Bytes resident arrays may take from the memory before allocation answers "no": 1 GiB. The
 * memory never shrinks, so this is also the most it keeps from the system for tensors; it holds
 * every buffer of the example models' steps many times over (the course network's step needs
 * about 40 MB), stays well inside the 4 GiB a memory can address (scratch has room above it), and
 * is about what a 32-bit or mobile browser can still grow a memory to.
 */
export const DEFAULT_RESIDENT_BUDGET = 2 ** 30;

/** A block's bookkeeping: its address and class size; the key of its array's version counter. */
export interface Block {
  readonly at: number;
  readonly bytes: number;
}

const free = new Map<number, number[]>();
const blocks = new WeakMap<ArrayBufferView, Block>();
// Buffers the memory has had (it gets a new SharedArrayBuffer object at each growth).
const memoryBuffers = new WeakSet<ArrayBufferLike>();
let top = HEAP_START;
let inUse = 0;
let residentInUse = 0;
let budget = DEFAULT_RESIDENT_BUDGET;

const registry = new FinalizationRegistry<Block>((block) => {
  release(block);
  residentInUse -= block.bytes;
});

/** The size class of a request: a multiple of 64, at most a quarter above it from 256 bytes on. */
export function sizeClass(bytes: number): number {
  if (bytes <= 4 * ALIGN) return Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  const step = 2 ** Math.floor(Math.log2(bytes - 1)) / 4;
  return Math.ceil(bytes / step) * step;
}

/** Takes a block of at least `bytes` bytes (its class), or returns null when the memory cannot grow to hold it. */
function take(rt: WasmRuntime, bytes: number): Block | null {
  const size = sizeClass(bytes);
  const list = free.get(size);
  const reused = list?.pop();
  if (reused !== undefined) {
    inUse += size;
    return { at: reused, bytes: size };
  }
  const end = top + size + SLACK;
  const have = rt.memory.buffer.byteLength;
  if (end > have) {
    const pages = Math.ceil((end - have) / PAGE);
    if (have / PAGE + pages > MAX_PAGES) return null;
    try {
      rt.memory.grow(pages);
    } catch {
      return null; // the system would not give the pages
    }
  }
  const block = { at: top, bytes: size };
  top += size;
  inUse += size;
  return block;
}

function release(block: Block): void {
  inUse -= block.bytes;
  const list = free.get(block.bytes);
  if (list === undefined) free.set(block.bytes, [block.at]);
  else list.push(block.at);
}

/** The memory's current buffer, remembered so that views on it are recognised as resident. */
export function memoryBuffer(rt: WasmRuntime): SharedArrayBuffer {
  const buffer = rt.memory.buffer;
  memoryBuffers.add(buffer);
  return buffer;
}


/**
 * A view of `count` elements of `type` on a block of the memory, zero-filled unless `uninitialised`
 * (fresh pages are zero; a reused block is not). Returned to the heap when the view is collected.
 * Null when the kernels did not load or the block would pass the budget: the caller then uses a
 * plain JavaScript array.
 */
export function residentArray(wide: boolean, count: number, uninitialised = false): Float32Array | Float64Array | null {
  const rt = wasmRuntime();
  if (rt === null) return null;
  const bytes = Math.max(1, count) * (wide ? 8 : 4);
  if (residentInUse + sizeClass(bytes) > budget) return null;
  const block = take(rt, bytes);
  if (block === null) return null;
  const view = wide ? new Float64Array(memoryBuffer(rt), block.at, count) : new Float32Array(memoryBuffer(rt), block.at, count);
  if (!uninitialised) view.fill(0);
  blocks.set(view, block);
  registry.register(view, block);
  residentInUse += block.bytes;
  return view;
}

/** Whether `array` is a view on the kernels' memory (a resident array or a part of one). */
export function isResident(array: ArrayBufferView): boolean {
  return memoryBuffers.has(array.buffer);
}

/** The block behind a resident array made by {@link residentArray} (undefined for anything else). */
export function blockOf(array: ArrayBufferView): Block | undefined {
  return blocks.get(array);
}

/**
 * A block for the kernels' scratch, whatever the budget (which bounds resident arrays only: a
 * kernel call cannot do without its scratch); give it back with {@link freeScratch}.
 */
export function takeScratch(rt: WasmRuntime, bytes: number): Block {
  const block = take(rt, bytes);
  if (block === null) {
    throw new StrataError(
      `wasm kernels: ${bytes} bytes of scratch needed with ${top} bytes of the memory taken, more than the 4 GiB a WebAssembly memory can hold; setKernelOptions({ wasm: false }) runs this op on the TypeScript kernels`,
    );
  }
  return block;
}

/** Returns a scratch block to its free list. */
export function freeScratch(block: Block): void {
  release(block);
}

/** What the heap holds, in bytes: `inUse` in blocks handed out (arrays and scratch), `held` carved from the memory. */
export function heapBytes(): { inUse: number; held: number; resident: number } {
  return { inUse, held: top - HEAP_START, resident: residentInUse };
}

/** Sets the byte budget of resident arrays (tests shrink it); returns the previous one. */
export function setResidentBudget(bytes: number): number {
  if (!(bytes >= 0 && bytes <= MAX_PAGES * PAGE)) throw new StrataError(`setResidentBudget: ${bytes} bytes is outside [0, 4 GiB]`);
  const previous = budget;
  budget = bytes;
  return previous;
}
