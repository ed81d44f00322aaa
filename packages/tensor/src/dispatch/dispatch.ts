// The dispatcher: for every op, which backend runs it and on how many threads. Each entry asks the
// backends in order of preference for the size at hand (./thresholds.ts holds every threshold);
// the first that takes the request runs it, and the TypeScript backend takes everything.
// Nothing else in the package chooses a backend.
import type {
  ActivationGradRequest, Backend, ChainRequest, DenseBackwardOutputs, DenseBackwardRequest, DenseForwardOutputs, DenseForwardRequest, FloatArray,
  InPlaceOp, OptimizerUpdateRequest, PreparedKernel, Product, Threads,
} from "../backends/backend.js";
import { jsBackend } from "../backends/js/index.js";
import type { ReduceKind } from "../backends/js/reduce.js";
import type { StridedBatch } from "../backends/js/gemm.js";
import { COMPUTE_BOUND } from "../backends/wasm/opcodes.js";
import { wasmBackend } from "../backends/wasm/index.js";
import { kernelThreads } from "../backends/wasm/pool.js";
import { isResident } from "../backends/wasm/heap.js";
import type { DataArray } from "../dtype.js";
import type { TensorLike } from "../elementwise.js";
import type { Shape } from "../shape.js";
import type { Tensor } from "../tensor.js";
import type { AvgPoolRequest, ConvRequest, MaxPoolRequest, PlanesRequest } from "../backends/windows.js";
import { convWork } from "../conv-geometry.js";
import { THRESHOLDS } from "./thresholds.js";

const WASM_FIRST: readonly Backend[] = [wasmBackend, jsBackend];
const JS_ONLY: readonly Backend[] = [jsBackend];

/** The backends to ask, best first, for work of `size` given the WebAssembly threshold. */
function preferred(size: number, wasmFrom: number): readonly Backend[] {
  return size >= wasmFrom && wasmBackend.usable() ? WASM_FIRST : JS_ONLY;
}

/** Threads `work` deserves, with at least `per` units each (never more than the pool has). */
function threadsFor(work: number, per: number): number {
  return Math.max(1, Math.min(kernelThreads(), Math.floor(work / per)));
}

/** The name of the backend that ran the last request of each kind (tests read it). @internal */
export const lastBackend: Record<string, string> = {};

function ran(kind: string, backend: Backend): void {
  lastBackend[kind] = backend.name;
}

/** out = op(x; p, q) elementwise, x with out's shape. @internal */
export function unaryKernel(op: string, x: Tensor, out: DataArray, p: number, q: number): void {
  // compute-bound maps split from mapPerThread elements each; memory-bound ones only contend for
  // memory on a second thread while the main thread stages (relu, 1e6 float32, staged: 1090 µs on
  // one thread, 3053 on two), but gain from it on operands already in the kernels' memory
  const threads = COMPUTE_BOUND.has(op)
    ? threadsFor(out.length, THRESHOLDS.mapPerThread)
    : isResident(x.data) && isResident(out) ? threadsFor(out.length, THRESHOLDS.residentMapPerThread) : 1;
  for (const backend of preferred(out.length, THRESHOLDS.wasmMap)) {
    if (backend.unary(op, x, out, p, q, threads)) return ran("unary", backend);
  }
}

/** out = a ∘ b broadcast to `shape` (one thread: bound by memory). @internal */
export function binaryKernel(op: string, a: TensorLike, b: TensorLike, out: DataArray, shape: Shape): void {
  for (const backend of preferred(out.length, THRESHOLDS.wasmBinary)) {
    if (backend.binary(op, a, b, out, shape)) return ran("binary", backend);
  }
}

/** target = target ∘ source in place (the op layer has checked dtypes, shapes and aliasing). @internal */
export function inPlaceKernel(op: InPlaceOp, target: Tensor, source: Tensor | number, alpha: number): void {
  for (const backend of preferred(target.size, THRESHOLDS.wasmBinary)) {
    if (backend.inPlace(op, target, source, alpha)) return ran("inPlace", backend);
  }
}

/** The product kernel for m × n × k products into `out`'s element type. @internal */
export function productKernel(m: number, n: number, k: number, out: DataArray): Product {
  const work = m * n * k;
  const threads = threadsFor(work, THRESHOLDS.productPerThread);
  const blocked = work >= THRESHOLDS.blockedProduct;
  for (const backend of preferred(work, THRESHOLDS.wasmProduct)) {
    const run = backend.product(m, n, k, out, threads, blocked);
    if (run) {
      ran("product", backend);
      return run;
    }
  }
  throw new Error(`dispatch: no backend took a ${m}x${n}x${k} product`);
}

/**
 * Runs `count` m × n × k products on one batch axis into `out` (C[t] at t·m·n) in one backend
 * call when the chosen backend batches them; false when none does (the caller then runs them one
 * by one through {@link productKernel}). Threads follow the whole batch's work. @internal
 */
export function batchedProduct(count: number, m: number, n: number, k: number, a: StridedBatch, b: StridedBatch, out: DataArray): boolean {
  const work = count * m * n * k;
  const threads = threadsFor(work, THRESHOLDS.productPerThread);
  for (const backend of preferred(work, THRESHOLDS.wasmProduct)) {
    if (backend.batchedProduct(count, m, n, k, a, b, out, 0, threads)) {
      ran("product", backend);
      return true;
    }
  }
  return false;
}

/** The sum, max or min of each of `rows` consecutive runs of `n` elements, in float64. @internal */
export function reduceRows(kind: ReduceKind, d: DataArray, offset: number, rows: number, n: number): Float64Array {
  const threads = threadsFor(rows * n, THRESHOLDS.reducePerThread);
  for (const backend of preferred(rows * n, THRESHOLDS.wasmReduce)) {
    const out = backend.reduceRows(kind, d, offset, rows, n, threads);
    if (out) {
      ran("reduce", backend);
      return out;
    }
  }
  throw new Error(`dispatch: no backend took a ${kind} over ${rows} rows of ${n}`);
}

/**
 * Prepares, on the first backend that has a fused Dense kernel for W (n × k) on X's m examples, the
 * kernel with the threads the layer's products and elementwise pass deserve; null when none has.
 */
function dense<R>(W: Tensor, X: Tensor, call: (backend: Backend, threads: Threads) => R | null): R | null {
  const [n, k] = W.shape as [number, number];
  const m = X.shape[1]!;
  if (n * k * m === 0) return null;
  const threads = { product: threadsFor(n * k * m, THRESHOLDS.productPerThread), map: threadsFor(n * m, THRESHOLDS.mapPerThread) };
  for (const backend of preferred(n * k * m, THRESHOLDS.wasmProduct)) {
    const out = call(backend, threads);
    if (out) {
      ran("dense", backend);
      return out;
    }
  }
  return null;
}

/**
 * A fused Dense forward prepared for these operands, to run with the outputs the op layer then
 * allocates; null when no backend has one for them (the op layer composes it then). @internal
 */
export function denseForwardKernel(req: DenseForwardRequest): PreparedKernel<DenseForwardOutputs> | null {
  return dense(req.W, req.X, (backend, threads) => backend.denseForward(req, threads));
}

/** A fused Dense backward prepared for these operands, or null (see {@link denseForwardKernel}). @internal */
export function denseBackwardKernel(req: DenseBackwardRequest): PreparedKernel<DenseBackwardOutputs> | null {
  return dense(req.W, req.X, (backend, threads) => backend.denseBackward(req, threads));
}

/** One of a convolution's three products (see ConvRequest), on threads by its multiply-adds. @internal */
export function convKernel(req: ConvRequest): void {
  const g = req.geometry;
  const work = convWork(g);
  const threads = threadsFor(work, THRESHOLDS.convPerThread);
  for (const backend of preferred(work, THRESHOLDS.wasmConv)) {
    if (backend.conv(req, threads)) return ran("conv", backend);
  }
}

/** Max pooling with indices, on threads by the input's size. @internal */
export function maxPoolKernel(req: MaxPoolRequest): void {
  const threads = threadsFor(req.x.size, THRESHOLDS.poolPerThread);
  for (const backend of preferred(req.x.size, THRESHOLDS.wasmPool)) {
    if (backend.maxPool(req, threads)) return ran("pool", backend);
  }
}

/** A gather or scatter-add through plane indices; returns how many indices lay outside their plane (skipped). @internal */
export function planesKernel(req: PlanesRequest): number {
  const size = req.from.size + req.to.length;
  const threads = threadsFor(size, THRESHOLDS.poolPerThread);
  for (const backend of preferred(size, THRESHOLDS.wasmPool)) {
    const outside = backend.planes(req, threads);
    if (outside !== null) {
      ran("pool", backend);
      return outside;
    }
  }
  throw new Error("planesKernel: no backend took the request"); // the TypeScript backend takes every one
}

/** A window average or its adjoint. @internal */
export function avgPoolKernel(req: AvgPoolRequest): void {
  const size = req.x.size + req.out.length;
  const threads = threadsFor(size, THRESHOLDS.poolPerThread);
  for (const backend of preferred(size, THRESHOLDS.wasmPool)) {
    if (backend.avgPool(req, threads)) return ran("pool", backend);
  }
}

/**
 * An activation's backward prepared on the first backend with a kernel for it, to run with an
 * output of dA's size; null when none has (the op layer composes it then). Memory-bound like the
 * binary ops: one thread. @internal
 */
export function activationGradKernel(req: ActivationGradRequest): PreparedKernel<FloatArray> | null {
  for (const backend of preferred(req.dA.size, THRESHOLDS.wasmMap)) {
    const kernel = backend.activationGrad(req, 1);
    if (kernel !== null) {
      ran("activationGrad", backend);
      return kernel;
    }
  }
  return null;
}

/**
 * Runs one parameter's optimiser update (see OptimizerUpdateRequest) on a kernel that gives
 * bit for bit what the optimiser's own loop gives, when one takes it: on the WebAssembly kernels
 * from {@link THRESHOLDS}.wasmOptimizer elements, when the parameter and its state live in the
 * kernels' memory (a plain gradient is copied in from wasmOptimizerStage elements). One thread:
 * SGD is bound by memory, and a second thread gained nothing for Adam and RMSprop, measured on the
 * MLP's parameters (bench/README). False when none took it: the optimiser then runs its loop.
 * `force` skips the size thresholds (tests compare both paths at every size). Never throws.
 *
 * @example
 * ```ts
 * import { allocateResident, optimizerUpdateKernel } from "@strata/tensor";
 * const p = allocateResident("float64", 2) ?? new Float64Array(2); // resident when the kernels load
 * p.set([1, 2]);
 * const g = new Float64Array([10, 10]);
 * const sgd = { kind: "sgd", p, g, momentumBuffer: null, lr: 0.1, weightDecay: 0, momentum: 0, keep: 1, fresh: false, nesterov: false } as const;
 * if (!optimizerUpdateKernel(sgd, true)) for (let i = 0; i < p.length; i++) p[i] = p[i]! - 0.1 * g[i]!; // the optimiser's loop
 * console.log(Array.from(p)); // [0, 1]
 * ```
 *
 * @internal
 */
export function optimizerUpdateKernel(req: OptimizerUpdateRequest, force = false): boolean {
  const n = req.p.length;
  if (!force && n < THRESHOLDS.wasmOptimizer) return false;
  const stage = force || n >= THRESHOLDS.wasmOptimizerStage;
  for (const backend of preferred(n, force ? 0 : THRESHOLDS.wasmOptimizer)) {
    if (backend.optimizerUpdate(req, stage)) {
      ran("optimizer", backend);
      return true;
    }
  }
  return false;
}

/**
 * Runs a chain of elementwise ops in one pass on the first backend that can (one thread unless an
 * op is bound by arithmetic, as for the ops alone); false when none can, and the caller runs the
 * ops one by one. @internal
 */
export function chainKernel(req: ChainRequest): boolean {
  const threads = req.ops.some((o) => COMPUTE_BOUND.has(o.op)) ? threadsFor(req.n, THRESHOLDS.mapPerThread) : 1;
  for (const backend of preferred(req.n, THRESHOLDS.wasmMap)) {
    if (backend.chain(req, threads)) {
      ran("chain", backend);
      return true;
    }
  }
  return false;
}
