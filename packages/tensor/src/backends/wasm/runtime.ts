// The WebAssembly kernels' module, their one shared memory and the scratch arena in it.
//
// Tensors keep their data in ordinary typed arrays that the garbage collector owns, or in resident
// arrays, views on this memory that the heap (./heap.ts) hands out. A kernel uses a resident
// operand in place and stages any other into the arena, a bump allocator over one scratch block of
// the heap, reset at the start of every kernel call: calls are synchronous and never nested, and
// worker threads only touch it while the main thread waits for them, so one arena is enough.
// The memory is shared (a SharedArrayBuffer underneath) so that worker threads instantiate the
// same module over the same bytes. Chromium creates shared WebAssembly memories even in pages that
// are not cross-origin isolated (checked in Chromium 156): there the kernels run on one thread.
import { kernelsWasmBase64 } from "./binary.js";
import { decodeBase64 } from "../../platform/base64.js";
import { freeScratch, memoryBuffer, takeScratch, type Block } from "./heap.js";

/** The exports of packages/tensor/assembly (see there for the contracts). */
export interface KernelExports {
  workspaceBytes(size: number): number;
  gemmF32(m: number, n: number, k: number, a: number, ars: number, acs: number, b: number, brs: number, bcs: number, c: number, ldc: number, ws: number): void;
  gemmF64(m: number, n: number, k: number, a: number, ars: number, acs: number, b: number, brs: number, bcs: number, c: number, ldc: number, ws: number): void;
  gemmBatchedF32(count: number, m: number, n: number, k: number, a: number, abs: number, ars: number, acs: number, b: number, bbs: number, brs: number, bcs: number, c: number, ws: number): void;
  gemmBatchedF64(count: number, m: number, n: number, k: number, a: number, abs: number, ars: number, acs: number, b: number, bbs: number, brs: number, bcs: number, c: number, ws: number): void;
  denseF32(m: number, n: number, k: number, a: number, ars: number, acs: number, b: number, brs: number, bcs: number, c: number, ldc: number, ws: number, bias: number, op: number, alpha: number, aOut: number): void;
  denseF64(m: number, n: number, k: number, a: number, ars: number, acs: number, b: number, brs: number, bcs: number, c: number, ldc: number, ws: number, bias: number, op: number, alpha: number, aOut: number): void;
  unaryF32(op: number, x: number, y: number, n: number, alpha: number): void;
  unaryF64(op: number, x: number, y: number, n: number, alpha: number): void;
  activationGradF32(op: number, dA: number, z: number, a: number, dZ: number, rows: number, cols: number, alpha: number, db: number, scale: number): void;
  activationGradF64(op: number, dA: number, z: number, a: number, dZ: number, rows: number, cols: number, alpha: number, db: number, scale: number): void;
  reduceRowsF32(kind: number, x: number, rows: number, cols: number, out: number): void;
  reduceRowsF64(kind: number, x: number, rows: number, cols: number, out: number): void;
  fusedF32(program: number, count: number, slots: number, scratch: number, start: number, end: number): void;
  fusedF64(program: number, count: number, slots: number, scratch: number, start: number, end: number): void;
  binaryF32(op: number, layout: number, a: number, b: number, y: number, rows: number, cols: number, bRow: number): void;
  binaryF64(op: number, layout: number, a: number, b: number, y: number, rows: number, cols: number, bRow: number): void;
  convForwardF32(geom: number, x: number, w: number, bias: number, y: number, n0: number, n1: number, p0: number, p1: number, ws: number): void;
  convForwardF64(geom: number, x: number, w: number, bias: number, y: number, n0: number, n1: number, p0: number, p1: number, ws: number): void;
  convInputF32(geom: number, dy: number, w: number, dx: number, n0: number, n1: number, ws: number): void;
  convInputF64(geom: number, dy: number, w: number, dx: number, n0: number, n1: number, ws: number): void;
  convWeightF32(geom: number, x: number, dy: number, dw: number, n0: number, n1: number, p0: number, p1: number, ws: number): void;
  convWeightF64(geom: number, x: number, dy: number, dw: number, n0: number, n1: number, p0: number, p1: number, ws: number): void;
  maxPoolF32(geom: number, x: number, values: number, indices: number, plane0: number, plane1: number): void;
  maxPoolF64(geom: number, x: number, values: number, indices: number, plane0: number, plane1: number): void;
  planesF32(kind: number, from: number, fromSize: number, indices: number, to: number, toSize: number, plane0: number, plane1: number): void;
  planesF64(kind: number, from: number, fromSize: number, indices: number, to: number, toSize: number, plane0: number, plane1: number): void;
  avgPoolF32(kind: number, geom: number, bounds: number, scales: number, x: number, out: number, plane0: number, plane1: number): void;
  sgdF32(p: number, g: number, b: number, n: number, lr: number, wd: number, mu: number, keep: number, flags: number): void;
  sgdF64(p: number, g: number, b: number, n: number, lr: number, wd: number, mu: number, keep: number, flags: number): void;
  adamF32(p: number, g: number, m: number, v: number, vmax: number, n: number, stepSize: number, invC2: number, b1: number, b2: number, k1: number, k2: number, eps: number, l2: number, shrink: number): void;
  adamF64(p: number, g: number, m: number, v: number, vmax: number, n: number, stepSize: number, invC2: number, b1: number, b2: number, k1: number, k2: number, eps: number, l2: number, shrink: number): void;
  rmspropF32(p: number, g: number, v: number, ga: number, b: number, n: number, lr: number, a: number, oma: number, eps: number, wd: number, mu: number): void;
  rmspropF64(p: number, g: number, v: number, ga: number, b: number, n: number, lr: number, a: number, oma: number, eps: number, wd: number, mu: number): void;
  avgPoolF64(kind: number, geom: number, bounds: number, scales: number, x: number, out: number, plane0: number, plane1: number): void;
}

// The part of the WebAssembly JS API used here (TypeScript declares it only in its DOM library,
// which a Node package should not pull in).
interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Instance: new (module: object, imports: object) => { exports: object };
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Everything a thread needs to run the kernels: the compiled module and the shared memory. */
export interface WasmRuntime {
  module: object;
  memory: WasmMemory;
  kernels: KernelExports;
}

const PAGE = 65536;
// A shared memory must declare a maximum; only the pages in use are committed.
const MAX_PAGES = 65536;
const ALIGN = 64;

let runtime: WasmRuntime | null | undefined;
let failure = "";

/**
 * The runtime, compiled on first use, or null where this host cannot run it (no SIMD, or no
 * shared WebAssembly memory, which some browsers give only to cross-origin isolated pages);
 * `wasmUnavailableReason()` then says why.
 */
export function wasmRuntime(): WasmRuntime | null {
  if (runtime !== undefined) return runtime;
  try {
    const module = new WebAssemblyApi.Module(decodeBase64(kernelsWasmBase64));
    const memory = new WebAssemblyApi.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
    const instance = new WebAssemblyApi.Instance(module, { env: { memory } });
    runtime = { module, memory, kernels: instance.exports as unknown as KernelExports };
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
    runtime = null;
  }
  return runtime;
}

/** Why the WebAssembly kernels could not be loaded ("" when they could). */
export function wasmUnavailableReason(): string {
  return failure;
}

// The scratch block and how far the current call has used it. A call that outgrows it takes
// overflow blocks for the rest of the call; the next reset trades them all for one block as large
// as that call needed, so the scratch grows to the largest call and then stays put.
let scratch: Block | null = null;
let used = 0;
let overflow: Block[] = [];
let needed = 0;

/** Forgets every region taken since the last reset (at the start of each kernel call). */
export function resetArena(): void {
  if (overflow.length > 0) {
    for (const block of overflow) freeScratch(block);
    if (scratch !== null) freeScratch(scratch);
    overflow = [];
    scratch = null;
  }
  if (scratch === null && needed > 0) scratch = takeScratch(wasmRuntime()!, needed);
  used = 0;
  needed = 0;
}

/** Bytes taken from the arena since load: tests see with it that resident operands are not staged. @internal */
export const arenaClock = { bytes: 0 };

/** A region of `bytes` bytes of scratch, 64-byte aligned, valid until the next reset; its address. */
export function takeArena(rt: WasmRuntime, bytes: number): number {
  const size = Math.ceil(bytes / ALIGN) * ALIGN;
  needed += size;
  arenaClock.bytes += bytes;
  if (scratch !== null && used + size <= scratch.bytes && overflow.length === 0) {
    const at = scratch.at + used;
    used += size;
    return at;
  }
  const last = overflow[overflow.length - 1];
  if (last !== undefined && used + size <= last.bytes) {
    const at = last.at + used;
    used += size;
    return at;
  }
  const block = takeScratch(rt, Math.max(size, 1 << 16));
  overflow.push(block);
  used = size;
  return block.at;
}

let views: { f32: Float32Array; f64: Float64Array } | undefined;

/** Float32 and float64 views of the whole memory, renewed after it grows. */
export function memoryViews(rt: WasmRuntime): { f32: Float32Array; f64: Float64Array } {
  const buffer = memoryBuffer(rt);
  if (views === undefined || views.f32.buffer !== buffer) {
    views = { f32: new Float32Array(buffer), f64: new Float64Array(buffer) };
  }
  return views;
}
