// A drawing turned into the kind of image MNIST holds, so that the model sees what it was trained
// on: MNIST's digits were scaled to fit a 20 × 20 box (keeping their aspect ratio) and placed in
// the 28 × 28 field with their centre of mass at its centre. A digit drawn small in a corner of
// the canvas would otherwise be a few stray pixels to the network. No DOM here: tested in Node.

/** Side of an MNIST image, and of the box the digit is scaled into. */
const SIDE = 28;
const BOX = 20;
/** Ink below this (on the 0–1 scale) does not count towards the digit's bounding box. */
const INK = 0.05;

/**
 * Area-averages `length` source cells, starting at `start`, into `cells` target cells: the weight
 * of source cell i in target cell t is the length of their overlap over a target cell's length.
 */
function overlapWeights(start: number, length: number, cells: number): { from: number; weights: number[] }[] {
  const step = length / cells;
  return Array.from({ length: cells }, (_, t) => {
    const lo = start + t * step;
    // rounding must not reach a cell past the source's end
    const hi = Math.min(lo + step, start + length);
    const from = Math.floor(lo);
    const weights: number[] = [];
    for (let i = from; i < hi; i++) weights.push((Math.min(hi, i + 1) - Math.max(lo, i)) / step);
    return { from, weights };
  });
}

/**
 * The 28 × 28 image (row by row, 0 background to 1 ink) of the ink in `intensity` (a `width` ×
 * `height` grid, row by row, 0 to 1): the ink's bounding box area-averaged into a box whose longer
 * side is 20 pixels, then shifted, by whole pixels, so that its centre of mass is nearest the
 * field's centre (14, 14). All zeros when nothing is drawn.
 */
export function toMnistImage(intensity: ArrayLike<number>, width: number, height: number): Float32Array {
  let [x0, y0, x1, y1] = [width, height, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (intensity[y * width + x]! > INK) [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    }
  }
  const out = new Float32Array(SIDE * SIDE);
  if (x1 < 0) return out;
  const [w, h] = [x1 - x0 + 1, y1 - y0 + 1];
  const scale = BOX / Math.max(w, h);
  const [cols, rows] = [Math.max(1, Math.round(w * scale)), Math.max(1, Math.round(h * scale))];
  const across = overlapWeights(x0, w, cols);
  const down = overlapWeights(y0, h, rows);
  const small = new Float64Array(cols * rows);
  let [mass, mx, my] = [0, 0, 0];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let sum = 0;
      down[r]!.weights.forEach((wy, i) => across[c]!.weights.forEach((wx, j) => (sum += wy * wx * intensity[(down[r]!.from + i) * width + across[c]!.from + j]!)));
      small[r * cols + c] = sum;
      mass += sum;
      // pixel centres at +0.5, so that a symmetric digit's centre is the middle of its box
      mx += sum * (c + 0.5);
      my += sum * (r + 0.5);
    }
  }
  const left = Math.round(SIDE / 2 - mx / mass);
  const top = Math.round(SIDE / 2 - my / mass);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const [x, y] = [left + c, top + r];
      if (x >= 0 && x < SIDE && y >= 0 && y < SIDE) out[y * SIDE + x] = Math.min(1, small[r * cols + c]!);
    }
  }
  return out;
}
