// The WebAssembly SIMD backend: contiguous float32/float64 maps, binary arithmetic whose operands
// line up in rows, products, row reductions and the fused Dense layer, on as many threads as the
// dispatcher gives. Values stay in JavaScript typed arrays; each call stages its operands into the
// kernels' memory and copies the result out.
import { wasmEnabled } from "../../backend.js";
import { dtypeOfArray } from "../../dtype.js";
import type { Tensor } from "../../tensor.js";
import type { Backend } from "../backend.js";
import type { StridedMatrix } from "../js/gemm.js";
import { wasmDenseBackward, wasmDenseForward } from "./dense.js";
import { wasmBatchedGemm, wasmGemm } from "./gemm.js";
import { binaryOnWasm } from "./layout.js";
import { REDUCE_CODES, UNARY_CODES, type WasmReduceOp, type WasmUnaryOp } from "./opcodes.js";
import { wasmReduceRows, wasmUnary } from "./pointwise.js";
import { wasmConv } from "./conv.js";
import { wasmActivationGrad } from "./activation-grad.js";
import { wasmAvgPool, wasmMaxPool, wasmPlanes } from "./pooling.js";
import { wasmOptimizerUpdate } from "./optimizer.js";
import { wasmChain } from "./fused.js";

type FloatArray = Float32Array | Float64Array;
const isFloat = (a: unknown): a is FloatArray => a instanceof Float32Array || a instanceof Float64Array;
const matrix = (t: Tensor): StridedMatrix => ({ data: t.data, offset: t.offset, rowStride: t.strides[0]!, colStride: t.strides[1]! });

/** The WebAssembly backend. @internal */
export const wasmBackend: Backend = {
  name: "wasm",
  device: "host",
  usable: wasmEnabled,
  unary(op, x, out, p, _q, threads) {
    if (!(op in UNARY_CODES) || !isFloat(out) || !x.isContiguous || x.dtype !== dtypeOfArray(out)) return false;
    wasmUnary(op as WasmUnaryOp, x.data as FloatArray, x.offset, out, 0, x.size, p, threads);
    return true;
  },
  binary: binaryOnWasm,
  // staging in and out would cost more than the loop it replaces: in-place writes stay on TypeScript
  inPlace: () => false,
  product(_m, _n, _k, out, threads) {
    if (!isFloat(out)) return null;
    return (m, n, k, a, b, _out, at) => wasmGemm(m, n, k, a, b, out, at, threads);
  },
  batchedProduct(count, m, n, k, a, b, out, outOffset, threads) {
    return isFloat(out) && wasmBatchedGemm(count, m, n, k, a, b, out, outOffset, threads);
  },
  reduceRows(kind, d, offset, rows, n, threads) {
    if (!isFloat(d) || !(kind in REDUCE_CODES)) return null;
    return wasmReduceRows(kind as WasmReduceOp, d, offset, rows, n, threads);
  },
  denseForward({ W, X, b, g, alpha }, threads) {
    if (!isFloat(W.data)) return null;
    const [n, k] = W.shape as [number, number];
    const m = X.shape[1]!;
    return ({ Z, A }) => {
      const bias = { data: b.data as FloatArray, offset: b.offset, stride: b.strides[0]! };
      wasmDenseForward(matrix(W), matrix(X), bias, n, k, m, g, alpha, Z, A, threads);
    };
  },
  denseBackward({ dA, X, W, Z, A, g, alpha, scale }, threads) {
    if (!isFloat(W.data)) return null;
    const [n, k] = W.shape as [number, number];
    const m = X.shape[1]!;
    return (outs) => {
      const inputs = { dA: matrix(dA), Z: matrix(Z), A: matrix(A), X: matrix(X), W: matrix(W) };
      wasmDenseBackward(inputs, n, k, m, g, alpha, scale, outs, threads);
    };
  },
  conv: (req, threads) => isFloat(req.out) && (wasmConv(req, threads), true),
  maxPool: (req, threads) => isFloat(req.values) && (wasmMaxPool(req, threads), true),
  planes: (req, threads) => (isFloat(req.to) ? wasmPlanes(req, threads) : null),
  avgPool: (req, threads) => isFloat(req.out) && (wasmAvgPool(req, threads), true),
  activationGrad: (req, threads) => (req.activation.from === null ? null : (out) => wasmActivationGrad(req, out, threads)),
  optimizerUpdate: wasmOptimizerUpdate,
  chain: wasmChain,
};
