// Where the serving example's files live by default, in one place for export.ts, the server's
// command, the load test and the browser example (which serves the same model.onnx).
import { join } from "node:path";

/** Where `pnpm mnist-cnn` leaves its checkpoint. */
export const defaultCheckpoint: string = join(import.meta.dirname, "..", "mnist-cnn", "out", "mnist-cnn.safetensors");

/** Where export.ts writes the model, and where `pnpm serve`, the load test and the browser's ONNX page look for it. */
export const defaultModelPath: string = join(import.meta.dirname, "out", "model.onnx");
