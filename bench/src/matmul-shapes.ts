// The float32 products of the training steps that matter (MLP 784-256-128-10 at batch 128 with
// examples as columns, the course network's first layer at m = 209) and n = 512, through matmul
// with the transposed views the backward pass uses, on 1 and 2 threads, in GFLOP/s. Run it on two
// branches one after the other for a before/after ratio.
import { kernelOptions, kernelsReady, matmul, rand, rng, setKernelOptions, type Tensor } from "@strata/tensor";
import { printTable, time } from "./harness.js";

/** A name and how to make the operands (transposed views where the step has them). */
const SHAPES: [string, () => [Tensor, Tensor]][] = (() => {
  const r = rng(7);
  const m = (rows: number, cols: number): Tensor => rand([rows, cols], { rng: r });
  return [
    ["512·512 (n = 512)", () => [m(512, 512), m(512, 512)]],
    ["W1·X 256×784·784×128", () => [m(256, 784), m(784, 128)]],
    ["W2·A1 128×256·256×128", () => [m(128, 256), m(256, 128)]],
    ["W3·A2 10×128·128×128", () => [m(10, 128), m(128, 128)]],
    ["dZ1·Xᵀ 256×128·(784×128)ᵀ", () => [m(256, 128), m(784, 128).T]],
    ["dZ2·A1ᵀ 128×128·(256×128)ᵀ", () => [m(128, 128), m(256, 128).T]],
    ["dZ3·A2ᵀ 10×128·(128×128)ᵀ", () => [m(10, 128), m(128, 128).T]],
    ["W1ᵀ·dZ1 (256×784)ᵀ·256×128", () => [m(256, 784).T, m(256, 128)]],
    ["W2ᵀ·dZ2 (128×256)ᵀ·128×128", () => [m(128, 256).T, m(128, 128)]],
    ["W3ᵀ·dZ3 (10×128)ᵀ·10×128", () => [m(10, 128).T, m(10, 128)]],
    ["course W1·X 20×12288·12288×209", () => [m(20, 12288), m(12288, 209)]],
    ["course dZ1·Xᵀ 20×209·(12288×209)ᵀ", () => [m(20, 209), m(12288, 209).T]],
  ];
})();

/** GFLOP/s per product, [1 thread, 2 threads]. */
export type ShapeResults = Record<string, [number, number]>;

/** Times every product on 1 and 2 threads, prints the table and returns the figures. */
export async function run(): Promise<ShapeResults> {
  const initial = kernelOptions().threads;
  setKernelOptions({ threads: 2 });
  await kernelsReady();
  const results: ShapeResults = {};
  for (const [name, make] of SHAPES) {
    const [a, b] = make();
    const flops = 2 * a.shape[0]! * a.shape[1]! * b.shape[1]!;
    const gflops = (threads: number): number => {
      setKernelOptions({ threads });
      return flops / (time(name, () => matmul(a, b)).medianMs * 1e6);
    };
    results[name] = [gflops(1), gflops(2)];
  }
  setKernelOptions({ threads: initial });
  printTable(
    "matmul, training-step shapes, float32 GFLOP/s (median; outputs allocated per call)",
    ["product", "1 thread", "2 threads"],
    Object.entries(results).map(([name, [one, two]]) => [name, one, two]),
  );
  return results;
}
