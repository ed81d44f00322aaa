// toMnistImage against images worked out by hand: the digit's bounding box is scaled so that its
// longer side is 20 pixels (area-averaged) and shifted so its centre of mass sits at (14, 14).
import { describe, expect, it } from "vitest";
import { toMnistImage } from "./mnist-image.js";

const W = 280;

/** A 280 × 280 canvas with `value(x, y)` inside the rectangle at (left, top) of `w` × `h`, 0 elsewhere. */
function canvas(left: number, top: number, w: number, h: number, value: (x: number, y: number) => number = () => 1): Float32Array {
  const out = new Float32Array(W * W);
  for (let y = top; y < top + h; y++) for (let x = left; x < left + w; x++) out[y * W + x] = value(x - left, y - top);
  return out;
}

/** The 28 × 28 image with `value` on rows [r0, r1) and columns [c0, c1). */
function expected(r0: number, r1: number, c0: number, c1: number, value: number): Float32Array {
  const out = new Float32Array(28 * 28);
  for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out[r * 28 + c] = value;
  return out;
}

describe("toMnistImage", () => {
  it("gives zeros for an empty canvas", () => {
    expect(Array.from(toMnistImage(new Float32Array(W * W), W, W))).toEqual(new Array(784).fill(0));
  });

  it("scales a tall stroke to 20 pixels high and centres its mass", () => {
    // 40 × 80 in the top-left corner -> 10 × 20; centre of mass (5, 10) -> moved to (14, 14)
    const image = toMnistImage(canvas(0, 0, 40, 80), W, W);
    expect(Array.from(image)).toEqual(Array.from(expected(4, 24, 9, 19, 1)));
    // the same stroke anywhere on the canvas gives the same image
    expect(Array.from(toMnistImage(canvas(200, 150, 40, 80), W, W))).toEqual(Array.from(image));
  });

  it("averages the area each pixel covers", () => {
    // 60 × 60 with every third column (1, 4, 7, …) empty: each pixel covers 3 × 3 cells, 6 inked
    const image = toMnistImage(canvas(100, 30, 60, 60, (x) => (x % 3 === 1 ? 0 : 1)), W, W);
    const want = expected(4, 24, 4, 24, 2 / 3);
    for (let i = 0; i < 784; i++) expect(image[i]).toBeCloseTo(want[i]!, 6);
  });

  it("averages across cell borders when the scale is not a whole number", () => {
    // 50 wide (ink 1) -> 20 pixels of 2.5 cells each; the first 25 columns 1, the rest 0.5: pixel 9
    // covers columns 22.5..25 at 1 and pixel 10 covers 25..27.5 at 0.5, so no pixel straddles
    // the change; a 10-high box keeps 4 rows (50 → 20 means 10 → 4)
    const image = toMnistImage(canvas(0, 0, 50, 10, (x) => (x < 25 ? 1 : 0.5)), W, W);
    // centre of mass across: (10·5 + 0.5·10·15) / (10 + 5) = 25/3 -> left = round(14 - 8.33) = 6; down: 2 -> top 12
    const want = new Float32Array(784);
    for (let r = 12; r < 16; r++) for (let c = 0; c < 20; c++) want[r * 28 + 6 + c] = c < 10 ? 1 : 0.5;
    for (let i = 0; i < 784; i++) expect(image[i]).toBeCloseTo(want[i]!, 6);
  });
});
