// The model behind the endpoint: one onnxruntime-node session over the exported file, checked once
// when it opens (an input "input" of float32 images with a dynamic batch axis, an output "output"
// of logits), then run on whole batches.
import * as ort from "onnxruntime-node";
import { ShapeError, ValueError } from "@strata/tensor";
import { softmaxRows, type Prediction } from "./softmax-rows.js";

/** A classifier loaded from an ONNX file. */
export interface Predictor {
  /** One image's shape without the batch axis: `[1, 28, 28]` for mnist-cnn. */
  readonly imageShape: readonly number[];
  /** Values per image, the product of `imageShape` (784 for mnist-cnn). */
  readonly pixelsPerImage: number;
  /** How many classes the output scores (10 for the digits). */
  readonly classCount: number;
  /**
   * Runs `count` images held one after another in `pixels` (`count × pixelsPerImage` values) as
   * one batch. Concurrent calls are allowed; onnxruntime-node runs them one at a time (each run is
   * a synchronous native call), so a long batch delays the requests behind it.
   */
  predict(pixels: Float32Array, count: number): Promise<Prediction>;
  /** Releases the session. */
  close(): Promise<void>;
}

/** What {@link openPredictor} accepts besides the model. */
export interface PredictorOptions {
  /** Threads ONNX Runtime uses inside one operator (its default: one per physical core). */
  intraOpThreads?: number;
}

/** The metadata of the one tensor a classifier has on `side`, named `name`, or an error saying what the file has instead. */
function tensorMetadata(session: ort.InferenceSession, side: "input" | "output", source: string): ort.InferenceSession.TensorValueMetadata {
  const all = side === "input" ? session.inputMetadata : session.outputMetadata;
  const found = all.map((m) => m.name).join(", ") || "none";
  const meta = all.find((m) => m.name === side);
  if (all.length !== 1 || meta === undefined || !meta.isTensor) {
    throw new ValueError(`serve: ${source} has ${side}s [${found}]; expected one tensor named "${side}" (as @strata/onnx's toOnnx writes)`);
  }
  if (meta.type !== "float32") throw new ValueError(`serve: ${source}'s ${side} is ${meta.type}; expected float32`);
  if (meta.shape.length < 2 || typeof meta.shape[0] === "number" || meta.shape.slice(1).some((d) => typeof d !== "number")) {
    throw new ShapeError(`serve: ${source}'s ${side} has shape [${meta.shape.join(", ")}]; expected a dynamic batch axis followed by fixed sizes`);
  }
  return meta;
}

/**
 * Opens `model` (a path to an `.onnx` file, or its bytes) with onnxruntime-node's CPU provider.
 * @throws ValueError or ShapeError when the file is not a classifier with one float32 input
 * `"input"` (dynamic batch axis, fixed image shape) and one float32 output `"output"` of shape
 * (batch, classes); ONNX Runtime's own error when the file is not ONNX.
 */
export async function openPredictor(model: string | Uint8Array, options: PredictorOptions = {}): Promise<Predictor> {
  const sessionOptions: ort.InferenceSession.SessionOptions =
    options.intraOpThreads === undefined ? {} : { intraOpNumThreads: options.intraOpThreads };
  const session = typeof model === "string"
    ? await ort.InferenceSession.create(model, sessionOptions)
    : await ort.InferenceSession.create(model, sessionOptions);
  const source = typeof model === "string" ? model : "the model";
  const input = tensorMetadata(session, "input", source);
  const output = tensorMetadata(session, "output", source);
  if (output.shape.length !== 2) throw new ShapeError(`serve: ${source}'s output has shape [${output.shape.join(", ")}]; expected (batch, classes)`);
  const imageShape = input.shape.slice(1) as number[];
  const pixelsPerImage = imageShape.reduce((a, b) => a * b, 1);
  const classCount = output.shape[1] as number;
  return {
    imageShape,
    pixelsPerImage,
    classCount,
    async predict(pixels, count) {
      if (pixels.length !== count * pixelsPerImage) {
        throw new ShapeError(`serve: predict got ${pixels.length} values for ${count} images; expected ${count} × ${pixelsPerImage}`);
      }
      const results = await session.run({ input: new ort.Tensor("float32", pixels, [count, ...imageShape]) });
      return softmaxRows(results["output"]!.data as Float32Array, count, classCount);
    },
    close: () => session.release(),
  };
}
