// Every size threshold of the kernel layer, in one place, each with the measurement behind it
// (bench/src/wasm-kernels.ts, bench/src/matmul.ts, bench/src/elementwise.ts; figures in
// bench/README). The dispatcher (./dispatch.ts) reads the ones that choose a backend, a kernel or a
// thread count; the TypeScript loops read the two that choose a loop shape.

/** The thresholds, by what they decide. @internal */
export const THRESHOLDS = {
  /**
   * Elements from which a contiguous float map goes to the WebAssembly kernels, although every
   * call stages the input in and the result out: at 1e5 float32 elements the staged SIMD relu
   * takes 354 µs where the TypeScript loop takes 702, and exp, log, sigmoid and tanh gain 4–6x.
   */
  wasmMap: 1 << 12,
  /** Output elements from which a binary op is staged to the kernels (float32 add, same bench). */
  wasmBinary: 1 << 12,
  /**
   * Elements from which a contiguous float row reduction goes to the kernels (sum, one row):
   * float32 1e4 elements 10 → 22 µs (slower), 1e5 126 → 50 µs, 1e6 1207 → 475 µs.
   */
  wasmReduce: 1 << 14,
  /** Multiply-adds from which a float product (or a fused Dense layer) goes to the kernels, whose fixed cost is about 1 µs. */
  wasmProduct: 256,
  /**
   * Multiply-adds from which the TypeScript product packs its operands (blocked kernel) instead
   * of the plain loop: the plain loop wins up to about 10³ (0.55 against 0.3 GFLOP/s at 8³).
   */
  blockedProduct: 1000,
  /**
   * Multiply-adds each thread must get before another is woken: two threads lose below about 1M
   * (100³: 95 µs on one, 110 µs on two) and win from 2M on (128³: 191 → 115 µs).
   */
  productPerThread: 1 << 20,
  /** Elements per thread for a compute-bound map (float32 exp); memory-bound maps use one thread. */
  mapPerThread: 1 << 15,
  /**
   * Elements per thread for a memory-bound map (relu) whose input and output are both in the
   * kernels' memory, with nothing to stage: relu on resident float32, one thread against two
   * (medians, alternating, 2026-12-08): 65536 elements 13 → 21 µs, 3e5 58 → 43, 1e6 186 → 112,
   * 3e6 589 → 346, 1e7 2341 → 2216.
   */
  residentMapPerThread: 1 << 17,
  /** Elements per thread for a row reduction (memory-bound, so it needs more to pay a thread). */
  reducePerThread: 1 << 17,
  /**
   * TypeScript loops: an inner block over which every operand is contiguous or constant runs as
   * one plain loop per block from this length on; shorter blocks use the strided loops.
   */
  minBlock: 32,
  /** TypeScript loops: rows shorter than this are gathered to row-major order first (per-row call overhead). */
  minRow: 8,
  /**
   * Multiply-adds from which a convolution's product goes to the WebAssembly kernels (one thread,
   * forward, median of 300): 14112 (1×2×16×16 by 4×2×3×3) 30 µs on TypeScript, 9.5 on the kernels;
   * 112896: 119 against 19. Below about 4000 both take 8–15 µs.
   */
  wasmConv: 1 << 12,
  /**
   * Multiply-adds each thread must get before a convolution wakes another, as for products
   * (whose per-thread cost is the same blocked kernel): LeNet's convolutions have 3.7M and 6.6M.
   */
  convPerThread: 1 << 20,
  /**
   * Elements of one unfolded chunk (K rows × positions) in the WebAssembly convolutions: 128 KiB
   * of float32 stays in L2 beside the product's packed panels. LeNet's layers (25 × 576 and
   * 200 × 64) fit whole; a 3-channel 3×3 convolution of 224×224 images unfolds 1208 positions at a time.
   */
  convChunk: 1 << 15,
  /**
   * Input elements from which a pooling (and output elements plus input elements, for the plane
   * gathers and scatters) goes to the WebAssembly kernels: max pooling 2×2 of 9216 elements takes
   * 49 µs on TypeScript, 13 on the kernels; at 2304, 12.5 against 25 (staging dominates).
   */
  wasmPool: 1 << 12,
  /** Elements per thread for a pooling: memory-bound like a reduction (LeNet's pools stay on one thread). */
  poolPerThread: 1 << 17,
  /**
   * Elements from which allocate() gives a float buffer in the kernels' memory while a step is
   * recorded (../resident.ts). Chosen, not measured: the kernels' own thresholds start at 4096
   * elements for maps and binary ops, so smaller buffers (scalars, losses, most biases) would
   * rarely save a copy, and each resident array costs a 64-byte-aligned block and a finalizer.
   */
  residentMin: 1 << 10,
  /**
   * Elements from which an optimiser's update of a resident parameter runs on the kernels, whose
   * fixed cost is about 0.8 µs (bench/src/optim-update.ts, float32, µs per step, loop against
   * kernel, load about 2): SGD 1.3 vs 1.5 at 256, 1.6–1.7 vs 1.6–1.8 at 384, 2.5–3.1 vs 1.6–1.9
   * at 1024; Adam 2.1 vs 2.3 at 256, 2.8 vs 2.5 at 384, 5.8 vs 3.0 at 1024.
   */
  wasmOptimizer: 384,
  /**
   * Elements from which a gradient outside the kernels' memory (an eager step's) is copied in so
   * that the update runs on the kernels: SGD, the cheapest loop, 1.5–2.0 vs 1.7–2.0 at 512,
   * 2.0–2.5 vs 1.8–2.2 at 768; all the MLP's 235k parameters 470 µs vs 115.
   */
  wasmOptimizerStage: 768,
} as const;
