// In-place writes under record/replay, and the value reads that refuse a recording. An in-place
// op's work writes its target, so each replay applies the write once more, exactly as another
// eager call would: a twin target updated eagerly call for call must hold the same values.
import { describe, expect, it } from "vitest";
import * as T from "@strata/tensor";
import type { DType, Tensor } from "@strata/tensor";
import { sample } from "./reference.js";
import { refill } from "./replay-check.js";
import { freshArray, inRefillMode, type RefillMode } from "./replay.js";

const MODES: RefillMode[] = ["in place", "swapped"];

type Write = (target: Tensor, source: Tensor | number) => Tensor;
const WRITES: [string, Write][] = [
  ["assign", T.assign],
  ["addInPlace", (t, s) => T.addInPlace(t, s, { alpha: 0.5 })],
  ["subInPlace", T.subInPlace],
  ["mulInPlace", T.mulInPlace],
  ["divInPlace", T.divInPlace],
  ["fill", (t, s) => T.fill(t, typeof s === "number" ? s : 3)],
];

/** A target of shape (r, c) in a layout, and a twin with the same values in the same layout. */
function targets(layout: string, r: number, c: number, dtype: DType): [Tensor, Tensor] {
  const make = (): Tensor => {
    if (layout === "transposed") return sample([c, r], dtype, 1).T;
    if (layout === "sliced") return sample([2 * r, c + 3], dtype, 1).slice([0, null, 2], [3, null]);
    return sample([r, c], dtype, 1);
  };
  return [make(), make()];
}

const same = (a: Tensor, b: Tensor): void => expect(Array.from(a.contiguous().data)).toEqual(Array.from(b.contiguous().data));

describe("replay of in-place writes", () => {
  for (const dtype of ["float32", "float64"] as DType[]) {
    // 6 × 5 and 80 × 70 (past the binary threshold; in-place writes stay on TypeScript either way)
    for (const [r, c] of [[6, 5], [80, 70]] as const) {
      it.each(MODES)(`${dtype}, ${r}×${c}: every write into every target layout from a tensor, a broadcast row and a number (refilled %s)`, (mode) => inRefillMode(mode, () => {
        for (const layout of ["contiguous", "transposed", "sliced"]) {
          for (const [, write] of WRITES) {
            const full = sample([r, c], dtype, 2);
            const row = sample([1, c], dtype, 3);
            for (const source of [full, row.broadcastTo([r, c]), row, 1.25]) {
              const [target, twin] = targets(layout, r, c, dtype);
              const { recording } = T.record(() => write(target, source));
              expect(recording.refusals).toEqual([]);
              write(twin, source);
              for (let call = 0; call < 2; call++) {
                if (typeof source !== "number") refill(full, row);
                // swapped: the target moves too (a parameter made resident after the recording)
                freshArray(target);
                T.replay(recording);
                write(twin, source);
                same(target, twin);
              }
            }
          }
        }
      }));
    }
  }

  it("a source that overlaps its target is copied by work that a replay runs first (x += x.T)", () => {
    const x = sample([4, 4], "float64", 1);
    const twin = x.clone();
    const { recording } = T.record(() => T.addInPlace(x, x.T));
    T.addInPlace(twin, twin.T);
    T.replay(recording);
    T.addInPlace(twin, twin.T);
    same(x, twin);
  });

  it("an int32 target: wrapping additions and products replay as eagerly", () => {
    const [target, twin] = targets("contiguous", 3, 4, "int32");
    const other = sample([3, 4], "int32", 5);
    const step = (t: Tensor): Tensor => T.mulInPlace(T.addInPlace(t, other, { alpha: 3 }), other);
    const { recording } = T.record(() => step(target));
    step(twin);
    refill(other);
    T.replay(recording);
    step(twin);
    same(target, twin);
  });

  it("the version counts calls, not replays: a replay writes the buffer without going through the op", () => {
    const x = T.zeros([3]);
    const { recording } = T.record(() => T.addInPlace(x, 1));
    T.replay(recording);
    T.replay(recording);
    expect(x.version).toBe(1);
    expect(Array.from(x.data)).toEqual([3, 3, 3]);
  });
});

describe("value reads refuse a recording", () => {
  const x = T.tensor([[1, 2], [3, 4]]);
  const reads: [string, () => unknown][] = [
    ["item()", () => T.sum(x).item()],
    ["toArray()", () => x.toArray()],
    ["toTypedArray()", () => x.toTypedArray()],
    ["get()", () => x.get(0, 1)],
    ["equals()", () => x.equals(x)],
    ["allClose()", () => x.allClose(x)],
    ["checkLossless()", () => T.checkLossless("load", "x", x, "int32")],
  ];
  for (const [name, read] of reads) {
    it(`${name} inside record refuses it, naming the read; outside record it leaves a recording alone`, () => {
      const inside = T.record(() => read());
      expect(inside.recording.refusals).toEqual([`${name} read a tensor's value in JavaScript`]);
      const outside = T.record(() => T.add(x, 1));
      read();
      expect(outside.recording.refusals).toEqual([]);
    });
  }

  it("equals and allClose against numbers and broadcast shapes refuse once, under their own name", () => {
    const { recording } = T.record(() => [T.allClose(x, 1), T.allClose(x, T.tensor([1, 2])), T.equals(x, x.T)]);
    expect(recording.refusals).toEqual(["allClose() read a tensor's value in JavaScript", "equals() read a tensor's value in JavaScript"]);
  });

  it("reads inside an op's own work (gather's index check) refuse nothing", () => {
    const idx = T.tensor([1, 0], { dtype: "int32" });
    const { recording } = T.record(() => T.gather(x, idx));
    expect(recording.refusals).toEqual([]);
  });
});
