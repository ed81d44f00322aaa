// The interface every backend implements: a folder of kernels (./js, ./wasm, one day a GPU's)
// behind the same methods. The dispatcher (../dispatch/dispatch.ts) asks the backends it prefers
// for an op, in order, and the first that takes the request runs it; a method returns false (or
// null) when this backend cannot take these operands (a dtype, a layout), having done nothing.
// Backends never choose between themselves and hold no size thresholds.
import type { DataArray } from "../dtype.js";
import type { TensorLike } from "../elementwise.js";
import type { Shape } from "../shape.js";
import type { Storage } from "../storage.js";
import type { Tensor } from "../tensor.js";
import type { StridedBatch, StridedMatrix } from "./js/gemm.js";
import type { ReduceKind } from "./js/reduce.js";
import type { AvgPoolRequest, ConvRequest, MaxPoolRequest, PlanesRequest } from "./windows.js";

/** The in-place writes: target = source (assign) or target = target ∘ source. */
export type InPlaceOp = "assign" | "add" | "sub" | "mul" | "div";

/** One m × n × k product into `out` from `outOffset` (A m × k, B k × n, both strided). */
export type Product = (m: number, n: number, k: number, a: StridedMatrix, b: StridedMatrix, out: DataArray, outOffset: number) => void;

/** The activation of a fused Dense layer as a backend needs it (see ../activations.ts). */
export interface DenseActivationKernel {
  readonly name: string;
  /** Its operation code in the WebAssembly kernels (assembly/opcodes.json). */
  readonly code: number;
  /** What its derivative reads: Z, the output A, or nothing (the identity). */
  readonly from: "Z" | "A" | null;
}

/** A Dense layer's forward: Z = W·X + b, A = g(Z), for W (n × k), X (k × m), b (n × 1). */
export interface DenseForwardRequest {
  W: Tensor;
  X: Tensor;
  b: Tensor;
  g: DenseActivationKernel;
  alpha: number;
}

/** A Dense layer's backward from dA (n × m) and the forward's Z and A; `needs` is [dX, dW, db]. */
export interface DenseBackwardRequest {
  dA: Tensor;
  X: Tensor;
  W: Tensor;
  Z: Tensor;
  A: Tensor;
  g: DenseActivationKernel;
  alpha: number;
  scale: number;
  needs: readonly boolean[];
}

/** A float buffer a kernel writes. */
export type FloatArray = Float32Array | Float64Array;

/** Where a fused Dense forward writes, row-major n × m: Z, and A unless the activation is the identity (null: A is Z). */
export interface DenseForwardOutputs {
  Z: FloatArray;
  A: FloatArray | null;
}

/** Where a fused Dense backward writes, row-major (null: not wanted): dX (k × m), dW (n × k), db (n). */
export interface DenseBackwardOutputs {
  dX: FloatArray | null;
  dW: FloatArray | null;
  db: FloatArray | null;
}

/**
 * A kernel prepared for one request's operands by the backend that takes it, writing every element
 * of the outputs it is given. The op layer allocates those outputs only once a backend has taken
 * the request, and runs the kernel as its work (see ../record.ts): it reads the request's tensors
 * each time it runs.
 */
export type PreparedKernel<Out> = (out: Out) => void;

/** How many threads each part of an op may use (the dispatcher decides). */
export interface Threads {
  /** For a product (or the products of a Dense layer). */
  product: number;
  /** For an elementwise pass or a reduction. */
  map: number;
}

/** A backend: where tensors' values live and the kernels that compute on them. */
export interface Backend {
  /** Its name, as kernelOptions and errors show it. */
  readonly name: string;
  /** Whether it can run kernels now (loaded, and not switched off). */
  usable(): boolean;
  /**
   * Where the tensors it makes keep their values (a {@link Storage}'s `device`). Both backends of
   * today use "host" storage, JavaScript typed arrays (the WebAssembly one stages operands into its
   * memory per call); a backend with memory of its own wraps it in a Storage of its device, and
   * every caller keeps reading values through the tensor, unchanged.
   */
  readonly device: string;
  /** out = op(x; p, q) elementwise, x with out's shape. */
  unary(op: string, x: Tensor, out: DataArray, p: number, q: number, threads: number): boolean;
  /** out = a ∘ b with a and b broadcast to `shape`. */
  binary(op: string, a: TensorLike, b: TensorLike, out: DataArray, shape: Shape): boolean;
  /** target = target ∘ source through target's strides, source broadcast to it; alpha scales the source of add and sub. */
  inPlace(op: InPlaceOp, target: Tensor, source: Tensor | number, alpha: number): boolean;
  /** A product kernel for m × n × k products into `out`'s element type, prepared once for a batch. */
  product(m: number, n: number, k: number, out: DataArray, threads: number, blocked: boolean): Product | null;
  /**
   * `count` m × n × k products on one batch axis into `out` from `outOffset` (C[t] at t·m·n), in one
   * call; false when this backend leaves batches to {@link Backend.product}, one product at a time.
   */
  batchedProduct(count: number, m: number, n: number, k: number, a: StridedBatch, b: StridedBatch, out: DataArray, outOffset: number, threads: number): boolean;
  /** The sum, max or min of each of `rows` consecutive runs of `n` elements from `offset`, in float64. */
  reduceRows(kind: ReduceKind, d: DataArray, offset: number, rows: number, n: number, threads: number): Float64Array | null;
  /** A fused Dense forward prepared for these operands, or null when this backend has none for them. */
  denseForward(req: DenseForwardRequest, threads: Threads): PreparedKernel<DenseForwardOutputs> | null;
  /** A fused Dense backward prepared for these operands (writing the outputs `req.needs` asks for), or null. */
  denseBackward(req: DenseBackwardRequest, threads: Threads): PreparedKernel<DenseBackwardOutputs> | null;
  /** One of a convolution's three products (forward, input gradient, weight gradient) into req.out. */
  conv(req: ConvRequest, threads: number): boolean;
  /** Max pooling: each window's largest value and its index in the plane. */
  maxPool(req: MaxPoolRequest, threads: number): boolean;
  /**
   * Gathers or scatter-adds through plane indices (max pooling's values and gradient), skipping
   * indices outside their plane; returns how many it skipped, or null when it does not take the request.
   */
  planes(req: PlanesRequest, threads: number): number | null;
  /** A separable window average (average pooling) or its adjoint. */
  avgPool(req: AvgPoolRequest, threads: number): boolean;
  /** dZ = dA·g'(·) of one activation of the table into a row-major array of dA's size, prepared; null when this backend has no kernel for it. */
  activationGrad(req: ActivationGradRequest, threads: number): PreparedKernel<FloatArray> | null;
  /**
   * One parameter's optimiser update, bit for bit the optimiser's own loop; false when this
   * backend leaves it to that loop (the TypeScript backend always does: the loops live with the
   * optimisers). `stage` allows copying a gradient that is not in this backend's memory.
   */
  optimizerUpdate(req: OptimizerUpdateRequest, stage: boolean): boolean;
  /**
   * A chain of elementwise ops run as one pass (see ../fuse.ts), equal bit for bit to the ops run
   * one by one; false, having run nothing, when this backend cannot run it now (the caller then
   * runs the ops one by one; the TypeScript backend always declines).
   */
  chain(req: ChainRequest, threads: number): boolean;
}

/**
 * Where an operand of a {@link ChainRequest} is: an array read at run time (a tensor's storage may
 * have been swapped since the chain was planned), a scratch block for a value no one reads after
 * the chain, or a number (`wide`: held in float64 although the chain is float32).
 */
export type ChainSlot =
  | { kind: "array"; values: () => { data: ArrayBufferView; offset: number } }
  | { kind: "scratch" }
  | { kind: "number"; value: number; wide: boolean };

/** One op of a chain: `out = op(a; alpha)` for a map (alpha a number slot), else `out = a ∘ b` (`b ∘ a` when swapped). */
export interface ChainOp {
  map: boolean;
  op: string;
  swapped: boolean;
  out: number;
  a: number;
  b: number;
}

/** Elementwise ops over `n` elements of float32 (float64 when `wide`), in order, on slots. */
export interface ChainRequest {
  wide: boolean;
  n: number;
  slots: readonly ChainSlot[];
  ops: readonly ChainOp[];
}

/**
 * An activation's backward over whole tensors: out = dA·g'(saved), where `saved` is the
 * activation's input Z or its output A as `activation.from` says; dA and saved share out's shape
 * and dtype (any strides).
 */
export interface ActivationGradRequest {
  activation: DenseActivationKernel;
  alpha: number;
  dA: Tensor;
  saved: Tensor;
}

/**
 * One parameter's optimiser update, in place on the flat arrays (all of p's length and element
 * type), with the scalars the optimiser's TypeScript loop (packages/optim) computes once per step
 * and passes here unchanged, so that a kernel can reproduce the loop bit for bit: p, the gradient
 * g and the state buffers, then the options.
 */
export type OptimizerUpdateRequest =
  | {
      /** sgd.ts: d = g (+ weightDecay·p); momentum: m = fresh ? d : momentum·b + keep·d, b = m, d = nesterov ? d + momentum·m : m; p = p − lr·d. */
      kind: "sgd";
      p: FloatArray;
      g: FloatArray;
      /** The momentum buffer, or null without momentum. */
      momentumBuffer: FloatArray | null;
      lr: number;
      weightDecay: number;
      momentum: number;
      /** 1 − dampening. */
      keep: number;
      /** The buffer was created for this step (it takes d as it is). */
      fresh: boolean;
      nesterov: boolean;
    }
  | {
      /** adam.ts: g (+ l2·p); p·shrink; m = β1·m + k1·g; v = β2·v + k2·g·g; amsgrad vmax = max(vmax, v) replaces v; p = p − stepSize·m/(√(v·invC2) + eps). */
      kind: "adam";
      p: FloatArray;
      g: FloatArray;
      expAvg: FloatArray;
      expAvgSq: FloatArray;
      /** amsgrad's running maximum, or null. */
      maxExpAvgSq: FloatArray | null;
      stepSize: number;
      invC2: number;
      beta1: number;
      beta2: number;
      /** 1 − β1. */
      k1: number;
      /** 1 − β2. */
      k2: number;
      eps: number;
      /** Adam's L2 factor (0 for AdamW). */
      l2: number;
      /** AdamW's 1 − lr·λ (1 for Adam). */
      shrink: number;
    }
  | {
      /** rmsprop.ts: g (+ weightDecay·p); v = α·v + (1−α)·g·g; centered ga = α·ga + (1−α)·g, avg = max(v − ga², 0); step = g/(√avg + eps); momentum b = μ·b + step, p = p − lr·b; else p = p − lr·step. */
      kind: "rmsprop";
      p: FloatArray;
      g: FloatArray;
      squareAvg: FloatArray;
      /** Centered RMSprop's gradient average, or null. */
      gradAvg: FloatArray | null;
      /** The momentum buffer, or null without momentum. */
      momentumBuffer: FloatArray | null;
      lr: number;
      alpha: number;
      /** 1 − α. */
      oneMinusAlpha: number;
      eps: number;
      weightDecay: number;
      momentum: number;
    };
