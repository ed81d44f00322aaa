// What the ONNX page (onnx.html) needs from the server besides its bundle: onnxruntime-web's
// WebAssembly files, the exported model, and some MNIST test images to pick from.
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { loadMnist } from "../mnist/mnist.js";

/** onnxruntime-web's `dist` folder, whose `.wasm` and `.mjs` files the page loads from `/ort/`. */
export const ortDistDir: string = dirname(createRequire(import.meta.url).resolve("onnxruntime-web"));

/** The URL path the page sets as `ort.env.wasm.wasmPaths`. */
export const ORT_URL_PATH = "/ort/";

/** How many test images the page offers. */
export const TEST_IMAGE_COUNT = 100;

/** The JSON the page reads from `/mnist-test.json`. */
export interface TestImagesJson {
  /** Each image's digit. */
  labels: number[];
  /** Each image's 784 bytes (0 background to 255 ink), row by row, as in MNIST's files. */
  images: number[][];
}

/** The first `count` MNIST test images as {@link TestImagesJson} text. */
export function testImagesJson(count = TEST_IMAGE_COUNT): string {
  const split = loadMnist("test", count);
  const pixels = split.X.T.contiguous().toTypedArray();
  const json: TestImagesJson = {
    labels: Array.from(split.labels.toTypedArray()),
    // the loader divided the file's bytes by 255; multiplying back and rounding gives them exactly
    images: Array.from({ length: count }, (_, i) => Array.from(pixels.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 255))),
  };
  return JSON.stringify(json);
}
