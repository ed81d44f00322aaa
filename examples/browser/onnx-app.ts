/// <reference lib="dom" />
// The ONNX page: the exported mnist-cnn (model.onnx) in onnxruntime-web. A digit drawn on the pad
// is turned into an MNIST-like 28 × 28 image (mnist-image.ts) and classified as it is drawn; a
// test image from MNIST's test set can be picked instead. The answer's class and probabilities are
// also written, in full, to #prediction's data attributes (data-class, data-probabilities, with
// data-input the 784 values the model was given, data-source, data-runs, and data-idle once
// nothing is left to classify), which the browser test reads.
import * as ort from "onnxruntime-web";
import { softmaxRows } from "../serve/softmax-rows.js";
import { toMnistImage } from "./mnist-image.js";
import type { TestImagesJson } from "./onnx-assets.js";

const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const pad = byId<HTMLCanvasElement>("pad");
const seen = byId<HTMLCanvasElement>("seen");
const prediction = byId("prediction");
const bars = byId("bars");
const status = byId("status");
const picker = byId<HTMLSelectElement>("test-image");
const padContext = pad.getContext("2d", { willReadFrequently: true })!;
// a stroke 24 pixels wide on the 280-pixel pad is 2 to 3 pixels once a digit is scaled into
// MNIST's 20-pixel box, as thick as MNIST's strokes
const STROKE = 24;

// The .wasm and .mjs files are served from node_modules/onnxruntime-web/dist under /ort/
ort.env.wasm.wasmPaths = new URL("./ort/", location.href).href;

/** The image shown on the pad is a test image (drawing over it starts a new drawing). */
let showingTestImage = false;
let runs = 0;

function clearPad(): void {
  padContext.fillStyle = "black";
  padContext.fillRect(0, 0, pad.width, pad.height);
}

/** Paints 784 values from 0 to 1 onto a canvas, grey levels, scaled to fill it. */
function paint(canvas: HTMLCanvasElement, pixels: Float32Array): void {
  const image = new ImageData(28, 28);
  pixels.forEach((v, i) => image.data.set([255 * v, 255 * v, 255 * v, 255], 4 * i));
  const small = new OffscreenCanvas(28, 28);
  small.getContext("2d")!.putImageData(image, 0, 0);
  const context = canvas.getContext("2d")!;
  context.imageSmoothingEnabled = false;
  context.drawImage(small, 0, 0, canvas.width, canvas.height);
}

/** An error said where the answer would be. */
function showError(error: unknown): void {
  status.textContent = `failed: ${error instanceof Error ? error.message : String(error)}`;
}

function showPrediction(input: Float32Array, classes: number[], probabilities: number[][], source: string, ms: number): void {
  const [best, row] = [classes[0]!, probabilities[0]!];
  prediction.textContent = String(best);
  bars.replaceChildren(...row.flatMap((p, digit) => {
    const label = document.createElement("span");
    label.textContent = String(digit);
    const bar = document.createElement("div");
    bar.className = digit === best ? "bar top" : "bar";
    bar.style.width = `${Math.max(1, 200 * p).toFixed(1)}px`;
    const value = document.createElement("span");
    value.textContent = `${(100 * p).toFixed(1)}%`;
    return [label, bar, value];
  }));
  Object.assign(prediction.dataset, {
    class: String(best), probabilities: JSON.stringify(row), input: JSON.stringify(Array.from(input)), source, runs: String(++runs),
  });
  status.textContent = `${source}: ${ms.toFixed(1)} ms in onnxruntime-web ${ort.env.versions.web ?? ""} (WebAssembly, ` +
    `${ort.env.wasm.numThreads ?? 1} thread${ort.env.wasm.numThreads === 1 ? "" : "s"}${crossOriginIsolated ? ", page cross-origin isolated" : ""})`;
}

async function main(): Promise<void> {
  const response = await fetch("./model.onnx");
  if (!response.ok) {
    status.textContent = `No model.onnx (HTTP ${response.status}). Train and export it first: \`pnpm mnist-cnn\`, then ` +
      "`npx tsx examples/serve/export.ts`; the page reads examples/serve/out/model.onnx at each load.";
    return;
  }
  const session = await ort.InferenceSession.create(new Uint8Array(await response.arrayBuffer()));
  const tests = (await (await fetch("./mnist-test.json")).json()) as TestImagesJson;

  // one inference at a time; a drawing that changes meanwhile is classified again afterwards
  let busy = false;
  let pending: (() => { pixels: Float32Array; source: string }) | null = null;
  async function classify(next: () => { pixels: Float32Array; source: string }): Promise<void> {
    pending = next;
    if (busy) return;
    busy = true;
    prediction.dataset["idle"] = "false";
    try {
      while (pending !== null) {
        const { pixels, source } = pending();
        pending = null;
        paint(seen, pixels);
        const started = performance.now();
        const out = await session.run({ input: new ort.Tensor("float32", pixels, [1, 1, 28, 28]) });
        const { classes, probabilities } = softmaxRows(out["output"]!.data as Float32Array, 1, 10);
        showPrediction(pixels, classes, probabilities, source, performance.now() - started);
      }
    } catch (error) {
      // a model whose input is not "input", say: said on the page rather than lost in the console
      pending = null;
      showError(error);
    } finally {
      busy = false;
      prediction.dataset["idle"] = "true";
    }
  }

  function drawing(): { pixels: Float32Array; source: string } {
    const rgba = padContext.getImageData(0, 0, pad.width, pad.height).data;
    const intensity = new Float32Array(pad.width * pad.height);
    for (let i = 0; i < intensity.length; i++) intensity[i] = rgba[4 * i]! / 255;
    return { pixels: toMnistImage(intensity, pad.width, pad.height), source: "drawing" };
  }

  function pickTest(index: number): void {
    // the same float32 values as Node's loader: byte / 255
    const pixels = Float32Array.from(tests.images[index]!, (b) => b / 255);
    paint(pad, pixels);
    showingTestImage = true;
    void classify(() => ({ pixels, source: `test image ${index} (label ${tests.labels[index]})` }));
  }

  picker.replaceChildren(...tests.labels.map((label, i) => new Option(`#${i} (a ${label})`, String(i))));
  picker.addEventListener("change", () => pickTest(Number(picker.value)));

  let last: { x: number; y: number } | null = null;
  pad.addEventListener("pointerdown", (event) => {
    if (showingTestImage) clearPad();
    showingTestImage = false;
    pad.setPointerCapture(event.pointerId);
    last = { x: event.offsetX, y: event.offsetY };
    stroke(event);
  });
  function stroke(event: PointerEvent): void {
    if (last === null) return;
    padContext.strokeStyle = "white";
    padContext.lineWidth = STROKE;
    padContext.lineCap = "round";
    padContext.lineJoin = "round";
    padContext.beginPath();
    padContext.moveTo(last.x, last.y);
    padContext.lineTo(event.offsetX, event.offsetY);
    padContext.stroke();
    last = { x: event.offsetX, y: event.offsetY };
    void classify(drawing);
  }
  pad.addEventListener("pointermove", stroke);
  pad.addEventListener("pointerup", () => (last = null));
  byId("clear").addEventListener("click", () => {
    clearPad();
    showingTestImage = false;
    seen.getContext("2d")!.clearRect(0, 0, 28, 28);
    prediction.textContent = "–";
    bars.replaceChildren();
  });

  pickTest(0);
}

clearPad();
main().catch((error: unknown) => {
  showError(error);
  console.error(error);
});
