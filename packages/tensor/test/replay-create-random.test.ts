// Creators and random draws under record/replay. Constants made inside a recording are written
// again by a replay, so in-place writes the recorded code makes into them start from the constant
// each time. Random ops read their generator when the work runs: a replay draws new numbers, the
// ones a second eager call would draw.
import { describe, expect, it } from "vitest";
import * as T from "@strata/tensor";
import type { DType, Tensor } from "@strata/tensor";
import { sample } from "./reference.js";
import { checkReplay, refill } from "./replay-check.js";

const values = (t: Tensor): number[] => Array.from(t.data);

describe("replay of creators", () => {
  it("a constant made in the recording and then written in place starts from its value on every replay", () => {
    const x = sample([2, 3], "float32", 1);
    const makers: [string, () => Tensor][] = [
      ["zeros", () => T.zeros([2, 3])],
      ["ones", () => T.ones([2, 3])],
      ["full", () => T.full([2, 3], 2.5)],
      ["zerosLike", () => T.zerosLike(x)],
      ["onesLike", () => T.onesLike(x)],
      ["tensor", () => T.tensor([[1, 2, 3], [4, 5, 6]])],
      ["tensor from a typed array", () => T.tensor(Float32Array.of(1, 2, 3, 4, 5, 6), { shape: [2, 3] })],
      ["arange", () => T.arange(6, { dtype: "float32" }).reshape([2, 3])],
      ["linspace", () => T.linspace(-1, 1, 6).reshape([2, 3])],
      ["eye", () => T.eye(2, 3)],
    ];
    for (const [name, make] of makers) {
      checkReplay(() => T.addInPlace(make(), x), () => refill(x), { name });
    }
  });

  it("creators of every dtype give the same values recorded, replayed and eagerly", () => {
    for (const dtype of ["float32", "float64", "int32", "bool"] as DType[]) {
      const { result, recording } = T.record(() => [T.full([3], 1, { dtype }), T.zeros([2], { dtype }), T.arange(0, 3, 1, { dtype }), T.eye(3, 3, { dtype })]);
      expect(recording.refusals).toEqual([]);
      for (const t of result) t.data.fill(0);
      T.replay(recording);
      const eager = [T.full([3], 1, { dtype }), T.zeros([2], { dtype }), T.arange(0, 3, 1, { dtype }), T.eye(3, 3, { dtype })];
      result.forEach((t, i) => expect(values(t), `${dtype} ${i}`).toEqual(values(eager[i]!)));
    }
  });
});

describe("replay of random draws", () => {
  const draws: [string, (g: T.Rng, dtype: "float32" | "float64") => Tensor][] = [
    ["rand", (g, dtype) => T.rand([4, 5], { rng: g, dtype })],
    ["rand in [low, high)", (g, dtype) => T.rand([7], { rng: g, dtype, low: -2, high: 3 })],
    ["randn", (g, dtype) => T.randn([3, 3], { rng: g, dtype, mean: 1, std: 2 })],
    ["randint", (g) => T.randint(-5, 9, [6], { rng: g })],
    ["permutation", (g) => T.permutation(10, { rng: g })],
  ];

  for (const dtype of ["float32", "float64"] as const) {
    for (const [name, draw] of draws) {
      it(`${name}, ${dtype}: each replay draws what the next eager call draws from a twin generator`, () => {
        const recorded = T.rng(42);
        const eager = T.rng(42);
        const { result, recording } = T.record(() => draw(recorded, dtype));
        expect(recording.refusals).toEqual([]);
        expect(values(result)).toEqual(values(draw(eager, dtype)));
        for (let call = 0; call < 3; call++) {
          T.replay(recording);
          const want = values(draw(eager, dtype));
          expect(values(result), `replay ${call}`).toEqual(want);
        }
        // and the draws do change from call to call
        expect(values(result)).not.toEqual(values(draw(T.rng(42), dtype)));
      });
    }
  }

  it("the default stream is read when the work runs: a replay after manualSeed draws from the new stream", () => {
    T.manualSeed(7);
    const { result, recording } = T.record(() => T.randn([5]));
    T.manualSeed(8);
    T.replay(recording);
    T.manualSeed(8);
    expect(values(result)).toEqual(values(T.randn([5])));
  });

  it("a draw feeding other ops replays as a whole step would: noise added to an input", () => {
    const x = sample([4, 4], "float32", 1);
    const recorded = T.rng(3);
    const eager = T.rng(3);
    const { result, recording } = T.record(() => T.add(x, T.randn([4, 4], { rng: recorded })));
    T.add(x, T.randn([4, 4], { rng: eager }));
    refill(x);
    T.replay(recording);
    expect(values(result)).toEqual(values(T.add(x, T.randn([4, 4], { rng: eager }))));
  });
});
