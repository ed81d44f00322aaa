// The text as numbers: the character vocabulary, the train/validation split, random windows of
// inputs and next-character targets, and the unigram baseline a language model has to beat.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tensor, ValueError, type Rng, type Tensor } from "@strata/tensor";

/** The shipped novel (see NOTICE), read from this folder. */
export function readCorpus(): string {
  return readFileSync(join(import.meta.dirname, "pride-and-prejudice.txt"), "utf8");
}

/** A character-level vocabulary: the distinct characters of a text, sorted by code point; a character's id is its index. */
export class Vocabulary {
  readonly chars: readonly string[];
  readonly #ids: Map<string, number>;

  constructor(chars: readonly string[]) {
    if (chars.length === 0) throw new ValueError("Vocabulary: expected at least one character, got none");
    const ids = new Map<string, number>();
    chars.forEach((c, i) => {
      if ([...c].length !== 1) throw new ValueError(`Vocabulary: each entry must be one character, got ${JSON.stringify(c)} at ${i}`);
      if (ids.has(c)) throw new ValueError(`Vocabulary: ${JSON.stringify(c)} appears twice (at ${ids.get(c)} and ${i})`);
      ids.set(c, i);
    });
    this.chars = [...chars];
    this.#ids = ids;
  }

  /** The sorted distinct characters of `text` (by code point, so the same text always gives the same ids). */
  static fromText(text: string): Vocabulary {
    return new Vocabulary([...new Set(text)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!));
  }

  /** The vocabulary saved as one string (its characters in id order), e.g. in a checkpoint's config. */
  static fromString(chars: string): Vocabulary {
    return new Vocabulary([...chars]);
  }

  get size(): number {
    return this.chars.length;
  }

  /** Its characters in id order, as one string (what {@link Vocabulary.fromString} reads). */
  toString(): string {
    return this.chars.join("");
  }

  has(char: string): boolean {
    return this.#ids.has(char);
  }

  /** The ids of `text`'s characters; a character outside the vocabulary is an error naming it. */
  encode(text: string): Int32Array {
    const chars = [...text];
    const ids = new Int32Array(chars.length);
    chars.forEach((c, i) => {
      const id = this.#ids.get(c);
      if (id === undefined) throw new ValueError(`Vocabulary.encode: ${JSON.stringify(c)} at position ${i} is not one of the ${this.size} characters of the vocabulary`);
      ids[i] = id;
    });
    return ids;
  }

  decode(ids: ArrayLike<number>): string {
    let out = "";
    for (let i = 0; i < ids.length; i++) {
      const c = this.chars[ids[i]!];
      if (c === undefined) throw new ValueError(`Vocabulary.decode: id ${ids[i]} at position ${i} is outside [0, ${this.size})`);
      out += c;
    }
    return out;
  }
}

/** The first `1 - validationFraction` of the ids for training, the rest (the end of the book) for validation. */
export function splitIds(ids: Int32Array, validationFraction = 0.1): { train: Int32Array; validation: Int32Array } {
  if (!(validationFraction > 0 && validationFraction < 1)) throw new ValueError(`splitIds: validationFraction must be in (0, 1), got ${validationFraction}`);
  const cut = Math.round(ids.length * (1 - validationFraction));
  return { train: ids.subarray(0, cut), validation: ids.subarray(cut) };
}

/** Inputs and next-character targets: int32 (N, T) each, `y[n, t] = x[n, t + 1]` within the text. */
export interface Windows {
  x: Tensor;
  y: Tensor;
}

/**
 * The windows of `length` characters starting at `starts`: row n of x is
 * `ids[s, s + length)` and row n of y is `ids[s + 1, s + length + 1)`, the character after each.
 */
export function windowsAt(ids: Int32Array, starts: readonly number[], length: number): Windows {
  if (!Number.isSafeInteger(length) || length < 1) throw new ValueError(`windowsAt: length must be an integer ≥ 1, got ${length}`);
  if (starts.length === 0) throw new ValueError("windowsAt: expected at least one start, got none");
  const x = new Int32Array(starts.length * length);
  const y = new Int32Array(starts.length * length);
  starts.forEach((s, n) => {
    if (!Number.isSafeInteger(s) || s < 0 || s + length + 1 > ids.length) {
      throw new ValueError(`windowsAt: a window of ${length} and its next character starting at ${s} does not fit in ${ids.length} characters`);
    }
    x.set(ids.subarray(s, s + length), n * length);
    y.set(ids.subarray(s + 1, s + length + 1), n * length);
  });
  return { x: tensor(x, { shape: [starts.length, length] }), y: tensor(y, { shape: [starts.length, length] }) };
}

/** `count` windows (see {@link windowsAt}) at starts drawn uniformly from `rng`: the training examples. */
export function randomWindows(ids: Int32Array, count: number, length: number, rng: Rng): Windows {
  if (!Number.isSafeInteger(count) || count < 1) throw new ValueError(`randomWindows: count must be an integer ≥ 1, got ${count}`);
  const starts = ids.length - length; // s + length + 1 ≤ ids.length
  if (starts < 1) throw new ValueError(`randomWindows: a text of ${ids.length} characters has no window of ${length} with its next character; use a shorter length or more text`);
  return windowsAt(ids, Array.from({ length: count }, () => rng.int(starts)), length);
}

/**
 * Non-overlapping windows tiling `ids` from its start (see {@link windowsAt}): every target is a
 * different character, so their mean loss is the text's loss in nats per character.
 */
export function tilingWindows(ids: Int32Array, length: number): Windows {
  const count = Math.floor((ids.length - 1) / length);
  if (count < 1) throw new ValueError(`tilingWindows: ${ids.length} characters do not fill one window of ${length} with its next character`);
  return windowsAt(ids, Array.from({ length: count }, (_, n) => n * length), length);
}

/**
 * The unigram baseline in nats per character: the cross-entropy `-(1/|E|) Σ log p(c)` of the
 * `evaluated` ids under the character frequencies of `fitted`, add-one smoothed over the
 * vocabulary so that a character unseen in `fitted` costs a finite amount. A model that predicts
 * without looking at the context does no better than this.
 */
export function unigramCrossEntropy(fitted: Int32Array, evaluated: Int32Array, vocabularySize: number): number {
  const counts = new Float64Array(vocabularySize).fill(1);
  for (const id of fitted) counts[id]!++;
  const total = fitted.length + vocabularySize;
  let sum = 0;
  for (const id of evaluated) sum -= Math.log(counts[id]! / total);
  return sum / evaluated.length;
}
