// Sampling text from a character model: the next character is drawn from the softmax of the last
// position's logits divided by a temperature, optionally restricted to the k likeliest, with a
// seeded generator so that the same model, prompt and seed always write the same text.
import { noGrad, type Variable } from "@strata/autograd";
import type { Module } from "@strata/nn";
import { tensor, ValueError, type Rng, type Tensor } from "@strata/tensor";
import type { Vocabulary } from "./corpus.js";

/** What sampling needs of a model: logits (N, T, V) for int32 ids (N, T), and how many past characters it reads. */
export interface CharModel extends Module<[Tensor], Variable> {
  /** The characters of context the model was trained on (the window length): generation keeps the last ones. */
  readonly contextLength: number;
}

export interface SampleOptions {
  /** The text to continue (at least one character, all in the vocabulary). */
  prompt: string;
  /** Characters to generate after the prompt. */
  length: number;
  /** Divides the logits: below 1 sharper (1e-9 is nearly greedy), above 1 flatter. Default 1. */
  temperature?: number;
  /** Draw only among the k likeliest characters (default: all). */
  topK?: number;
  rng: Rng;
}

/**
 * The next-character distribution from one position's logits: softmax(logits / temperature) in
 * float64, with every character outside the `topK` largest logits (ties at the k-th kept) set to 0.
 */
export function nextCharProbabilities(logits: ArrayLike<number>, temperature = 1, topK?: number): Float64Array {
  if (!(temperature > 0) || !Number.isFinite(temperature)) throw new ValueError(`sample: temperature must be a finite number > 0, got ${temperature}`);
  const v = logits.length;
  if (topK !== undefined && (!Number.isSafeInteger(topK) || topK < 1)) throw new ValueError(`sample: topK must be an integer ≥ 1, got ${topK}`);
  const cutoff = topK === undefined || topK >= v ? -Infinity : Array.from(logits).sort((a, b) => b - a)[topK - 1]!;
  let max = -Infinity;
  for (let i = 0; i < v; i++) if (logits[i]! >= cutoff) max = Math.max(max, logits[i]!);
  const p = new Float64Array(v);
  let sum = 0;
  for (let i = 0; i < v; i++) {
    if (logits[i]! < cutoff) continue;
    p[i] = Math.exp((logits[i]! - max) / temperature);
    sum += p[i]!;
  }
  for (let i = 0; i < v; i++) p[i]! /= sum;
  return p;
}

/** The index drawn from `probabilities` (summing to 1) by one uniform number from `rng`. */
export function drawIndex(probabilities: Float64Array, rng: Rng): number {
  const u = rng.uniform();
  let cumulative = 0;
  let last = 0;
  for (let i = 0; i < probabilities.length; i++) {
    if (probabilities[i] === 0) continue;
    cumulative += probabilities[i]!;
    last = i;
    if (u < cumulative) return i;
  }
  return last; // u within rounding of 1
}

/**
 * `options.length` characters generated after `options.prompt`, one at a time: the model reads
 * the last `contextLength` characters, in eval mode (no dropout) and without gradients; its
 * training mode is restored afterwards. Returns the generated characters only.
 */
export function sample(model: CharModel, vocabulary: Vocabulary, options: SampleOptions): string {
  const { prompt, length, temperature = 1, topK, rng } = options;
  if (!Number.isSafeInteger(length) || length < 0) throw new ValueError(`sample: length must be an integer ≥ 0, got ${length}`);
  const ids = Array.from(vocabulary.encode(prompt));
  if (ids.length === 0) throw new ValueError("sample: the prompt must have at least one character");
  const wasTraining = model.training;
  model.eval();
  const generated: number[] = [];
  try {
    noGrad(() => {
      for (let i = 0; i < length; i++) {
        const context = ids.slice(-model.contextLength);
        const logits = model.forward(tensor(Int32Array.from(context), { shape: [1, context.length] })).data;
        const v = logits.shape[2]!;
        const last = logits.toTypedArray().subarray((context.length - 1) * v);
        const next = drawIndex(nextCharProbabilities(last, temperature, topK), rng);
        ids.push(next);
        generated.push(next);
      }
    });
  } finally {
    model.train(wasTraining);
  }
  return vocabulary.decode(generated);
}
