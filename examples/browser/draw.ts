/// <reference lib="dom" />
// Drawing: the heat map of the network's belief, the points over it, and the loss curve. Colours
// are chosen here once; the example's test reads them back from the canvas.

/** The two classes' colours (label 0, label 1) as RGB. */
export const CLASS_RGB: readonly (readonly [number, number, number])[] = [
  [239, 131, 32], // orange
  [35, 112, 186], // blue
];

const WHITE = [250, 250, 250] as const;

/**
 * The heat-map colour of probability `p` of class 1: the winning class's colour, washed towards
 * white where the network is unsure, so that the boundary shows as a pale band.
 */
export function heatColour(p: number): [number, number, number] {
  const base = CLASS_RGB[p >= 0.5 ? 1 : 0]!;
  const sure = Math.min(1, Math.abs(2 * p - 1));
  // pale even where sure, so that the points (full colour) stand out on their own side
  const t = 0.15 + 0.45 * Math.sqrt(sure);
  return [0, 1, 2].map((c) => Math.round(WHITE[c]! + t * (base[c]! - WHITE[c]!))) as [number, number, number];
}

/** Paints `probs` (a `size` × `size` grid, top row first) over the whole of `canvas`, smoothed. */
export function drawHeat(canvas: HTMLCanvasElement, probs: Float32Array, size: number): void {
  const small = new OffscreenCanvas(size, size);
  const image = new ImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    const [r, g, b] = heatColour(probs[i]!);
    image.data.set([r, g, b, 255], 4 * i);
  }
  small.getContext("2d")!.putImageData(image, 0, 0);
  const ctx = canvas.getContext("2d")!;
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
}

/** Clears `canvas` to white (no network yet). */
export function clearCanvas(canvas: HTMLCanvasElement): void {
  const ctx = canvas.getContext("2d")!;
  ctx.fillStyle = `rgb(${WHITE.join(",")})`;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
}

/** Canvas pixel of a point in [-1, 1]² (y up). */
export function toPixel(canvas: HTMLCanvasElement, x: number, y: number): [number, number] {
  return [((x + 1) / 2) * canvas.width, ((1 - y) / 2) * canvas.height];
}

/** Draws the points as discs of their class's colour with a white ring. */
export function drawPoints(canvas: HTMLCanvasElement, points: readonly { x: number; y: number; label: 0 | 1 }[]): void {
  const ctx = canvas.getContext("2d")!;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  for (const p of points) {
    const [px, py] = toPixel(canvas, p.x, p.y);
    ctx.beginPath();
    ctx.arc(px, py, 5, 0, 2 * Math.PI);
    ctx.fillStyle = `rgb(${CLASS_RGB[p.label]!.join(",")})`;
    ctx.fill();
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = "white";
    ctx.stroke();
    ctx.lineWidth = 1;
    ctx.strokeStyle = "rgba(0, 0, 0, 0.6)";
    ctx.beginPath();
    ctx.arc(px, py, 6.3, 0, 2 * Math.PI);
    ctx.stroke();
  }
}

/** The loss curve: `losses` against step, log scale, with its range written on the axis. */
export function drawLossCurve(canvas: HTMLCanvasElement, losses: readonly { step: number; loss: number }[]): void {
  const ctx = canvas.getContext("2d")!;
  const { width, height } = canvas;
  const pad = { left: 44, right: 10, top: 10, bottom: 22 };
  ctx.clearRect(0, 0, width, height);
  ctx.font = "11px system-ui, sans-serif";
  ctx.fillStyle = "#666";
  ctx.strokeStyle = "#ccc";
  ctx.strokeRect(pad.left, pad.top, width - pad.left - pad.right, height - pad.top - pad.bottom);
  if (losses.length < 2) {
    ctx.fillText("the loss appears here once training starts", pad.left + 8, height / 2);
    return;
  }
  const logs = losses.map((l) => Math.log10(Math.max(l.loss, 1e-6)));
  const hi = Math.ceil(Math.max(...logs));
  const lo = Math.min(Math.floor(Math.min(...logs)), hi - 1);
  const first = losses[0]!.step;
  const last = losses.at(-1)!.step;
  const sx = (step: number) => pad.left + ((step - first) / Math.max(1, last - first)) * (width - pad.left - pad.right);
  const sy = (log: number) => pad.top + ((hi - log) / (hi - lo)) * (height - pad.top - pad.bottom);
  const label = (log: number): string => (log >= -2 ? (10 ** log).toPrecision(2) : `1e${Math.round(log)}`);
  ctx.fillText(label(hi), 4, pad.top + 9);
  ctx.fillText(label(lo), 4, height - pad.bottom);
  ctx.fillText(`step ${first}`, pad.left, height - 6);
  const lastLabel = `${last}`;
  ctx.fillText(lastLabel, width - pad.right - ctx.measureText(lastLabel).width, height - 6);
  ctx.beginPath();
  losses.forEach((l, i) => (i === 0 ? ctx.moveTo(sx(l.step), sy(logs[i]!)) : ctx.lineTo(sx(l.step), sy(logs[i]!))));
  ctx.strokeStyle = "#c2410c";
  ctx.lineWidth = 1.5;
  ctx.stroke();
}
