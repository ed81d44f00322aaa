// The text side of char-lm and its sampling, against values worked out by hand: the shipped book
// is the file the NOTICE describes, ids round-trip, windows are the text shifted by one, the
// unigram baseline and the next-character distribution follow their formulas, and sampling draws
// what a hand-built model dictates.
import { createHash } from "node:crypto";
import { variable, type Variable } from "@strata/autograd";
import { Module } from "@strata/nn";
import { rng, tensor, ValueError, type Rng, type Tensor } from "@strata/tensor";
import { describe, expect, it } from "vitest";
import { randomWindows, readCorpus, splitIds, tilingWindows, unigramCrossEntropy, Vocabulary, windowsAt } from "./corpus.js";
import { drawIndex, nextCharProbabilities, sample, type CharModel } from "./sample.js";

const rows = (t: Tensor): number[][] => t.toArray() as number[][];

describe("char-lm corpus", () => {
  it("ships the novel the NOTICE describes", () => {
    const text = readCorpus();
    expect(text.length).toBe(684_768);
    expect(text.split("\n").length - 1).toBe(13_030);
    expect(createHash("sha256").update(text).digest("hex")).toBe("dfc684d4f857fa938268f9ab9c5567b64bd0691251eca959644adeabe6287a4d");
    expect(text.startsWith("PRIDE AND PREJUDICE\n\nBy Jane Austen")).toBe(true);
    expect(text).not.toMatch(/gutenberg/i);
  });

  it("numbers the sorted distinct characters and round-trips text", () => {
    const vocabulary = Vocabulary.fromText("hello, Lee");
    expect(vocabulary.chars).toEqual([" ", ",", "L", "e", "h", "l", "o"]);
    expect(Array.from(vocabulary.encode("hello"))).toEqual([4, 3, 5, 5, 6]);
    expect(vocabulary.decode([2, 3, 3])).toBe("Lee");
    expect(Vocabulary.fromString(vocabulary.toString()).chars).toEqual(vocabulary.chars);
    expect(() => vocabulary.encode("hex")).toThrow(ValueError);
    expect(() => vocabulary.encode("hex")).toThrow('"x" at position 2 is not one of the 7 characters');
    expect(() => vocabulary.decode([7])).toThrow("id 7 at position 0 is outside [0, 7)");
    expect(() => new Vocabulary(["a", "a"])).toThrow('"a" appears twice (at 0 and 1)');
  });

  it("keeps the last tenth for validation", () => {
    const ids = Int32Array.from({ length: 20 }, (_, i) => i);
    const { train, validation } = splitIds(ids);
    expect(Array.from(train)).toEqual(Array.from({ length: 18 }, (_, i) => i));
    expect(Array.from(validation)).toEqual([18, 19]);
  });

  it("cuts windows whose targets are the inputs shifted by one character", () => {
    const ids = Int32Array.from({ length: 100 }, (_, i) => i); // id = position, so a window is a run
    const { x, y } = windowsAt(ids, [0, 5, 98 - 4], 4);
    expect(x.dtype).toBe("int32");
    expect(rows(x)).toEqual([[0, 1, 2, 3], [5, 6, 7, 8], [94, 95, 96, 97]]);
    expect(rows(y)).toEqual([[1, 2, 3, 4], [6, 7, 8, 9], [95, 96, 97, 98]]);
    expect(() => windowsAt(ids, [96], 4)).toThrow("starting at 96 does not fit in 100 characters");

    const drawn = randomWindows(ids, 500, 8, rng(3));
    expect(drawn.x.shape).toEqual([500, 8]);
    const xs = rows(drawn.x);
    const ys = rows(drawn.y);
    for (let n = 0; n < 500; n++) {
      expect(xs[n]).toEqual(Array.from({ length: 8 }, (_, t) => xs[n]![0]! + t));
      expect(ys[n]).toEqual(xs[n]!.map((v) => v + 1));
    }
    const starts = xs.map((r) => r[0]!);
    expect(Math.min(...starts)).toBe(0); // starts range over [0, 100 - 8 - 1]: 92 values, 500 draws
    expect(Math.max(...starts)).toBe(91);
    expect(randomWindows(ids, 500, 8, rng(3)).x.equals(drawn.x)).toBe(true);
    expect(randomWindows(ids, 500, 8, rng(4)).x.equals(drawn.x)).toBe(false);
  });

  it("tiles the validation text so that each character is a target once", () => {
    const { x, y } = tilingWindows(Int32Array.from({ length: 10 }, (_, i) => i), 3);
    expect(rows(x)).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
    expect(rows(y)).toEqual([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
  });

  it("measures the unigram baseline with add-one smoothing", () => {
    // fitted "aab" over the vocabulary {a, b, c}: counts + 1 = 3, 2, 1 of 6
    const h = unigramCrossEntropy(Int32Array.from([0, 0, 1]), Int32Array.from([0, 1, 2]), 3);
    expect(h).toBeCloseTo((Math.log(2) + Math.log(3) + Math.log(6)) / 3, 12);
    expect(h).toBeCloseTo(1.194506, 6);
  });
});

/** A model that always predicts the character after the last one (cyclically), and records the context lengths it saw. */
class NextLetter extends Module<[Tensor], Variable> implements CharModel {
  readonly contextLength = 3;
  readonly seen: number[] = [];
  constructor(readonly v: number) {
    super();
  }
  forward(ids: Tensor): Variable {
    const [n, t] = ids.shape as [number, number];
    this.seen.push(t);
    const logits = new Float32Array(n * t * this.v);
    const flat = ids.toTypedArray();
    for (let i = 0; i < n * t; i++) logits[i * this.v + ((flat[i]! + 1) % this.v)] = 50;
    return variable(tensor(logits, { shape: [n, t, this.v] }));
  }
}

describe("char-lm sampling", () => {
  it("turns logits into softmax(logits / temperature), restricted to the top k", () => {
    const e = [1, 2, 3].map(Math.exp);
    const sum = e[0]! + e[1]! + e[2]!;
    expectClose(nextCharProbabilities([1, 2, 3]), e.map((v) => v / sum));
    // temperature 0.5 doubles the logits
    const e2 = [2, 4, 6].map(Math.exp);
    expectClose(nextCharProbabilities([1, 2, 3], 0.5), e2.map((v) => v / (e2[0]! + e2[1]! + e2[2]!)));
    expectClose(nextCharProbabilities([1, 2, 3], 1, 2), [0, e[1]! / (e[1]! + e[2]!), e[2]! / (e[1]! + e[2]!)]);
    expectClose(nextCharProbabilities([3, 1, 3], 1, 1), [0.5, 0, 0.5]); // a tie at the k-th is kept
    expect(() => nextCharProbabilities([1, 2], 0)).toThrow("temperature must be a finite number > 0, got 0");
    expect(() => nextCharProbabilities([1, 2], 1, 0)).toThrow("topK must be an integer ≥ 1, got 0");
  });

  it("draws the index whose cumulative interval holds the uniform number", () => {
    const p = Float64Array.from([0.2, 0, 0.5, 0.3]);
    const fixed = (u: number) => ({ uniform: () => u }) as unknown as Rng;
    expect([0.1, 0.2, 0.69, 0.7, 0.999999].map((u) => drawIndex(p, fixed(u)))).toEqual([0, 2, 2, 3, 3]);
    const counts = [0, 0, 0, 0];
    const r = rng(11);
    for (let i = 0; i < 20_000; i++) counts[drawIndex(p, r)]!++;
    // binomial standard deviations are at most 0.0035 of 20,000 draws
    expect(counts.map((c) => c / 20_000).every((f, i) => Math.abs(f - p[i]!) < 0.015)).toBe(true);
    expect(counts[1]).toBe(0);
  });

  it("generates what the model predicts, from the last contextLength characters, in eval mode", () => {
    const vocabulary = Vocabulary.fromText("abcd");
    const model = new NextLetter(4);
    model.train();
    expect(sample(model, vocabulary, { prompt: "ab", length: 6, rng: rng(0) })).toBe("cdabcd");
    expect(model.seen).toEqual([2, 3, 3, 3, 3, 3]);
    expect(model.training).toBe(true);
    expect(() => sample(model, vocabulary, { prompt: "", length: 2, rng: rng(0) })).toThrow("the prompt must have at least one character");
  });
});

function expectClose(actual: ArrayLike<number>, expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i]!, 12);
}
