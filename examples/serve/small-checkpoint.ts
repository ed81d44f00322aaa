// A trained mnist-cnn checkpoint for the tests, made on the spot rather than committed: the model
// has 215,418 float32 parameters (860 KB as safetensors), while one epoch on the first 10,000
// training images takes 10 to 20 s on a 2-core machine and reaches 97.0% on the test set. The run
// is seeded (mnist-cnn's weights and shuffling), so every run trains the same model up to the
// order of floating-point sums.
import { run } from "../mnist-cnn/run.js";

/**
 * Trains mnist-cnn for one epoch on the first `trainImages` training images (batch 64, one-cycle
 * Adam peaking at 0.005, as mnist-cnn's own test) and resolves to the checkpoint it wrote in `outDir`.
 */
export async function trainSmallCheckpoint(outDir: string, trainImages = 10_000): Promise<string> {
  const result = await run({ epochs: 1, batchSize: 64, maxLr: 0.005, trainLimit: trainImages, testLimit: 500, outDir, verbose: false });
  return result.checkpointPath;
}
