// The TypeScript backend: loops over JavaScript typed arrays, for every dtype and every layout.
// It takes every request, so it is the dispatcher's last resort and the reference the other
// backends are tested against. It has no fused Dense kernel: the op layer composes that.
import type { Backend } from "../backend.js";
import { binaryKernels, unaryKernels, type BinaryKernelName, type UnaryKernelName } from "./elementwise.js";
import { inPlace } from "./inplace.js";
import { mapBinary, mapUnary } from "./map.js";
import { jsProduct } from "./matmul.js";
import { reduceRows } from "./reduce.js";
import { jsConv } from "./conv.js";
import { jsAvgPool, jsMaxPool, jsPlanes } from "./pool.js";

/** The TypeScript backend. @internal */
export const jsBackend: Backend = {
  name: "js",
  device: "host",
  usable: () => true,
  unary(op, x, out, p, q) {
    // int32 squares wrap as Math.imul does; a float64 product past 2^53 would lose the low bits
    const name = op === "square" && out instanceof Int32Array ? "isquare" : op;
    mapUnary(unaryKernels[name as UnaryKernelName], out, x.shape, x, p, q);
    return true;
  },
  binary(op, a, b, out, shape) {
    const name = op === "mul" && out instanceof Int32Array ? "imul" : op;
    mapBinary(binaryKernels[name as BinaryKernelName], out, shape, a, b);
    return true;
  },
  inPlace(op, target, source, alpha) {
    inPlace(op, target, source, alpha);
    return true;
  },
  product: (m, n, k, _out, _threads, blocked) => jsProduct(m, n, k, blocked),
  // the loop over the batch costs nothing beside the products' own loops
  batchedProduct: () => false,
  reduceRows: (kind, d, offset, rows, n) => reduceRows(kind, d, offset, rows, n),
  denseForward: () => null,
  denseBackward: () => null,
  conv: (req) => (jsConv(req), true),
  maxPool: (req) => (jsMaxPool(req), true),
  planes: (req) => jsPlanes(req),
  avgPool: (req) => (jsAvgPool(req), true),
  // no kernel of its own: the op layer evaluates the table's formula with tensor ops
  activationGrad: () => null,
  optimizerUpdate: () => false,
  // the ops one by one are this backend's chain
  chain: () => false,
};
