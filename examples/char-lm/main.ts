// `pnpm char-lm`: trains a character language model on Pride and Prejudice and samples from it
// after every epoch; `pnpm char-lm --sample` samples from the saved checkpoint instead.
// Flags: --model transformer|lstm (transformer), --epochs N, --batch N (32), --max-lr X,
// --windows N (training windows per epoch), --seed N (1), --quick (a short run on the first
// 100,000 characters), --out DIR (examples/char-lm/out); sampling: --prompt TEXT, --length N (300),
// --temperature X (0.8), --top-k N, --sample-seed N (7), --checkpoint FILE (with --sample).
import { join } from "node:path";
import { booleanFlag, choiceFlag, positiveFlag, textFlag } from "../shared/flags.js";
import { run, sampleCheckpoint, type SamplingOptions } from "./run.js";

const program = "char-lm";
const model = choiceFlag(program, "model", ["transformer", "lstm"], "transformer");
const outDir = textFlag("out", join(import.meta.dirname, "out"));
const topK = positiveFlag(program, "top-k", Infinity);
const sampling: SamplingOptions = {
  prompt: textFlag("prompt", "Elizabeth "),
  length: positiveFlag(program, "length", 300),
  temperature: positiveFlag(program, "temperature", 0.8),
  ...(Number.isFinite(topK) && { topK }),
  seed: positiveFlag(program, "sample-seed", 7),
};

if (booleanFlag("sample")) {
  const path = textFlag("checkpoint", join(outDir, `char-lm-${model}.safetensors`));
  const { text } = sampleCheckpoint(path, sampling);
  console.log(`${sampling.prompt}${text}`);
} else {
  const quick = booleanFlag("quick");
  // 5 epochs of 300 batches: 1,500 steps
  const defaults = { epochs: 5, maxLr: model === "transformer" ? 0.002 : 0.004, windows: 9600 };
  const result = await run({
    model,
    epochs: positiveFlag(program, "epochs", quick ? 1 : defaults.epochs),
    batchSize: positiveFlag(program, "batch", 32),
    maxLr: positiveFlag(program, "max-lr", defaults.maxLr),
    weightDecay: 0.01,
    windows: positiveFlag(program, "windows", quick ? 1024 : defaults.windows),
    seed: positiveFlag(program, "seed", 1),
    ...(quick && { textLimit: 100_000 }),
    sampling,
    outDir,
  });
  const perEpoch = result.secondsPerEpoch.map((s) => s.toFixed(0)).join(" s, ");
  console.log(result.model);
  console.log(`char-lm (${model}, ${result.parameters} parameters): ${result.trainCharacters} training characters, ${result.validationCharacters} validation characters, ${result.vocabulary.size} distinct`);
  console.log(`validation loss ${result.history.valLoss.at(-1)!.toFixed(4)} nats/char against the unigram baseline's ${result.unigramBaseline.toFixed(4)}`);
  console.log(`${perEpoch} s per epoch, wall time ${result.seconds.toFixed(1)} s`);
  console.log(`learning curve: ${result.plotPath}`);
  console.log(`checkpoint: ${result.checkpointPath} (reloaded model samples the same text: ${result.reloadedSample === result.finalSample})`);
  console.log(`sample (temperature ${sampling.temperature}${sampling.topK === undefined ? "" : `, top-${sampling.topK}`}, seed ${sampling.seed}):\n${sampling.prompt}${result.finalSample}`);
}
