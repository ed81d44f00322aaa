// Trains a character model on the novel with fit (batch-first windows, the flattened
// cross-entropy), AdamW under a one-cycle schedule with the gradient norm clipped to 1, validates
// on the last 10% of the book every epoch and samples from a fixed prompt and seed after it.
// Writes the loss curves and a checkpoint (whose architecture holds the vocabulary), reloads it
// and checks that the reloaded model samples the same text from the same seed.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fit, load, save } from "@strata/nn";
import { AdamW, clipGradNorm, OneCycleLR } from "@strata/optim";
import { manualSeed, rng, ValueError } from "@strata/tensor";
import { writeLearningCurve } from "../shared/plot.js";
import { randomWindows, readCorpus, splitIds, tilingWindows, unigramCrossEntropy, Vocabulary } from "./corpus.js";
import { charModel, sequenceCrossEntropy, type CharLSTM, type CharTransformer, type LstmSizes, type TransformerSizes } from "./models.js";
import { sample, type CharModel } from "./sample.js";

export type ModelKind = "transformer" | "lstm";

/** How to sample after each epoch and at the end. */
export interface SamplingOptions {
  prompt: string;
  length: number;
  temperature: number;
  topK?: number;
  seed: number;
}

/** What to train on and for how long. */
export interface CharLmOptions {
  model: ModelKind;
  epochs: number;
  batchSize: number;
  /** The one-cycle schedule's peak learning rate. */
  maxLr: number;
  /** AdamW's decoupled weight decay. */
  weightDecay: number;
  /** Training windows drawn (once) from the first 90% of the text: the examples of one epoch. */
  windows: number;
  /** Seeds the initial weights, the windows, dropout and the shuffles. */
  seed: number;
  /** Use only the first characters of the book (for quick runs). */
  textLimit?: number;
  /** Model sizes other than the defaults (window length 64, see charModel). */
  sizes?: Partial<TransformerSizes & LstmSizes>;
  sampling: SamplingOptions;
  /** Where the plot and the checkpoint go. */
  outDir: string;
  verbose?: boolean;
}

/** The figures a run reports. */
export interface CharLmResult {
  /** The trained model (its printed form is `String(trained)`). */
  trained: CharTransformer | CharLSTM;
  model: string;
  parameters: number;
  vocabulary: Vocabulary;
  trainCharacters: number;
  validationCharacters: number;
  /** The unigram model of the training text, evaluated on the validation text (nats per character). */
  unigramBaseline: number;
  history: { loss: number[]; valLoss: number[] };
  secondsPerEpoch: number[];
  seconds: number;
  /** The sample printed after each epoch (same prompt and seed every time). */
  samples: string[];
  plotPath: string;
  checkpointPath: string;
  /** The final model's sample and the reloaded checkpoint's, from the same prompt and seed. */
  finalSample: string;
  reloadedSample: string;
}

/** Draws the fixed-seed sample a run prints and compares. */
export function sampleWith(model: CharModel, vocabulary: Vocabulary, s: SamplingOptions): string {
  return sample(model, vocabulary, { prompt: s.prompt, length: s.length, temperature: s.temperature, ...(s.topK !== undefined && { topK: s.topK }), rng: rng(s.seed) });
}

export async function run(options: CharLmOptions): Promise<CharLmResult> {
  const started = performance.now();
  const say = options.verbose ?? true ? (line: string) => console.log(line) : () => {};
  const book = readCorpus();
  const text = options.textLimit === undefined ? book : book.slice(0, options.textLimit);
  const vocabulary = Vocabulary.fromText(text);
  const { train, validation } = splitIds(vocabulary.encode(text), 0.1);
  const unigramBaseline = unigramCrossEntropy(train, validation, vocabulary.size);

  manualSeed(options.seed);
  const model: CharTransformer | CharLSTM = charModel(options.model, vocabulary, options.sizes);
  const contextLength = model.contextLength;
  const trainSet = randomWindows(train, options.windows, contextLength, rng(options.seed));
  const validationSet = tilingWindows(validation, contextLength);
  const parameters = model.parameters().reduce((n, p) => n + p.size, 0);
  say(`${vocabulary.size} characters; ${train.length} for training (${options.windows} windows of ${contextLength} an epoch), ${validation.length} for validation`);
  say(`unigram baseline on the validation text: ${unigramBaseline.toFixed(4)} nats per character; ${options.model}: ${parameters} parameters`);

  const optimizer = new AdamW(model.parameters(), { lr: options.maxLr, weightDecay: options.weightDecay });
  const stepsPerEpoch = Math.ceil(options.windows / options.batchSize);
  const schedule = new OneCycleLR(optimizer, { maxLr: options.maxLr, epochs: options.epochs, stepsPerEpoch });
  const params = model.parameters();
  const samples: string[] = [];
  const secondsPerEpoch: number[] = [];
  let epochStart = performance.now();
  const history = fit(model, {
    x: trainSet.x,
    y: trainSet.y,
    layout: "batchFirst",
    loss: sequenceCrossEntropy,
    // one rare large gradient should not undo what the model learned
    optimizer: { zeroGrad: () => optimizer.zeroGrad(), step: () => (clipGradNorm(params, 1), optimizer.step()) },
    epochs: options.epochs,
    batchSize: options.batchSize,
    rng: rng(options.seed + 1),
    validation: validationSet,
    verbose: options.verbose ?? true,
    onProgress: () => void schedule.step(),
    callbacks: [{
      onEpochEnd: (epoch, logs) => {
        secondsPerEpoch.push((performance.now() - epochStart) / 1000);
        const text = sampleWith(model, vocabulary, options.sampling);
        samples.push(text);
        say(`epoch ${epoch}: validation ${logs.valLoss!.toFixed(4)} nats/char (unigram ${unigramBaseline.toFixed(4)}); sample:\n${options.sampling.prompt}${text}\n`);
        epochStart = performance.now();
      },
    }],
  });
  const seconds = (performance.now() - started) / 1000;

  mkdirSync(options.outDir, { recursive: true });
  const plotPath = join(options.outDir, "learning-curve.svg");
  const epochs = history.loss.map((_, i) => i + 1);
  await writeLearningCurve(plotPath, [
    ...history.loss.map((value, i) => ({ x: i + 1, value, series: "training loss" })),
    ...history.valLoss!.map((value, i) => ({ x: i + 1, value, series: "validation loss" })),
    ...epochs.map((x) => ({ x, value: unigramBaseline, series: "unigram baseline (validation)" })),
  ], { title: `char-lm (${options.model}), AdamW + one-cycle`, xTitle: "epoch", yTitle: "cross-entropy (nats per character)" });

  const checkpointPath = join(options.outDir, `char-lm-${options.model}.safetensors`);
  save(model, checkpointPath, { optimizer });
  const finalSample = sampleWith(model, vocabulary, options.sampling);
  const reloadedSample = sampleCheckpoint(checkpointPath, options.sampling).text;
  return {
    trained: model, model: String(model), parameters, vocabulary, trainCharacters: train.length, validationCharacters: validation.length, unigramBaseline,
    history: { loss: history.loss, valLoss: history.valLoss! }, secondsPerEpoch, seconds, samples, plotPath, checkpointPath, finalSample, reloadedSample,
  };
}

/** Loads a checkpoint written by {@link run} and samples from it; the vocabulary comes from the checkpoint. */
export function sampleCheckpoint(path: string, sampling: SamplingOptions): { text: string; model: CharModel; vocabulary: Vocabulary } {
  const { model } = load(path);
  if (!("vocabulary" in model && "contextLength" in model)) throw new ValueError(`char-lm: ${path} holds a ${model.constructor.name}, not a char-lm model (CharTransformer or CharLSTM)`);
  const charModel = model as CharTransformer | CharLSTM;
  return { text: sampleWith(charModel, charModel.vocabulary, sampling), model: charModel, vocabulary: charModel.vocabulary };
}
