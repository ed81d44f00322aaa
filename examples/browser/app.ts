/// <reference lib="dom" />
// The page: points clicked onto a canvas, a network trained on them in small chunks between
// animation frames (so clicks and redraws never wait long), the boundary it has learnt painted as a
// heat map every frame, and the loss curve beside it.
import { kernelOptions, kernelsReady } from "@strata/tensor";
import { clearCanvas, drawHeat, drawLossCurve, drawPoints } from "./draw.js";
import { PRESETS, type Point, type PresetName } from "./presets.js";
import { Trainer, type Architecture } from "./trainer.js";

// Training time per animation frame: leaves room in a 60 Hz frame for the curve and the paint.
const TRAIN_MS_PER_FRAME = 12;
// The heat map costs a forward pass over the whole grid, so it is redrawn at most this often.
const HEAT_EVERY_MS = 120;
// Cells of the heat map per side; the canvas smooths them up to its 480 pixels.
const GRID = 80;
// Loss curve points kept; past this, every other one is dropped.
const CURVE_POINTS = 400;

const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const heat = byId<HTMLCanvasElement>("heat");
const pointsCanvas = byId<HTMLCanvasElement>("points");
const curve = byId<HTMLCanvasElement>("curve");
const lossText = byId("loss");
const status = byId("status");

let points: Point[] = [];
let trainer = new Trainer(architecture());
let curvePoints: { step: number; loss: number }[] = [];
let running = true;
let heatDrawnAt = -Infinity;
// new networks take seeds 0, 1, 2, … so that a session can be replayed
let seed = 0;
// step counts and times of recent frames, for steps per second over the last second
let recent: { steps: number; at: number }[] = [];

function architecture(): Architecture {
  return { width: Number(byId<HTMLSelectElement>("width").value), depth: Number(byId<HTMLSelectElement>("depth").value) };
}

/** A new network (new architecture, a preset, Clear): curve and heat map start over. */
function restart(): void {
  trainer = new Trainer(architecture(), seed++);
  heatDrawnAt = -Infinity;
  trainer.setPoints(points);
  curvePoints = [];
  recent = [];
  lossText.textContent = "–";
  const { width, depth } = trainer.architecture;
  byId("architecture").textContent = `2 → ${Array(depth).fill(`${width} tanh`).join(" → ")} → 1 sigmoid, Adam (lr 0.02)`;
  clearCanvas(heat);
  drawLossCurve(curve, curvePoints);
}

function setPoints(next: Point[]): void {
  points = next;
  trainer.setPoints(points);
  drawPoints(pointsCanvas, points);
}

function addPoint(event: MouseEvent, other: boolean): void {
  const box = pointsCanvas.getBoundingClientRect();
  const x = ((event.clientX - box.left) / box.width) * 2 - 1;
  const y = 1 - ((event.clientY - box.top) / box.height) * 2;
  const chosen = Number(document.querySelector<HTMLInputElement>('input[name="class"]:checked')!.value) as 0 | 1;
  setPoints([...points, { x, y, label: (other ? 1 - chosen : chosen) as 0 | 1 }]);
}

pointsCanvas.addEventListener("click", (event) => addPoint(event, event.shiftKey));
pointsCanvas.addEventListener("contextmenu", (event) => {
  event.preventDefault();
  addPoint(event, true);
});
document.querySelectorAll<HTMLButtonElement>("button[data-preset]").forEach((button) => {
  button.addEventListener("click", () => {
    setPoints(PRESETS[button.dataset["preset"] as PresetName]());
    restart();
  });
});
byId("clear").addEventListener("click", () => {
  setPoints([]);
  restart();
});
byId("restart").addEventListener("click", restart);
byId("width").addEventListener("change", restart);
byId("depth").addEventListener("change", restart);
byId("pause").addEventListener("click", () => {
  running = !running;
  byId("pause").textContent = running ? "Pause" : "Resume";
});

function threadsLine(): string {
  const { threads, wasm } = kernelOptions();
  const where = crossOriginIsolated ? "Web Workers, page cross-origin isolated" : "page not cross-origin isolated";
  return `${threads} thread${threads === 1 ? "" : "s"} (${where})${wasm ? ", WebAssembly SIMD" : ", TypeScript kernels"}`;
}

function frame(now: number): void {
  if (running && points.length > 0) {
    let loss: number | null = null;
    const start = performance.now();
    do loss = trainer.step();
    while (performance.now() - start < TRAIN_MS_PER_FRAME);
    curvePoints.push({ step: trainer.steps, loss: loss! });
    if (curvePoints.length > CURVE_POINTS) curvePoints = curvePoints.filter((_, i) => i % 2 === 0 || i === curvePoints.length - 1);
    lossText.textContent = loss!.toFixed(4);
    if (now - heatDrawnAt >= HEAT_EVERY_MS) {
      drawHeat(heat, trainer.probabilities(GRID), GRID);
      heatDrawnAt = now;
    }
    drawLossCurve(curve, curvePoints);
  }
  recent.push({ steps: trainer.steps, at: now });
  while (recent.length > 2 && now - recent[0]!.at > 1000) recent.shift();
  const first = recent[0]!;
  const rate = now > first.at ? ((trainer.steps - first.steps) * 1000) / (now - first.at) : 0;
  status.textContent = `${threadsLine()} · ${rate.toFixed(0)} steps/s · step ${trainer.steps}`;
  status.dataset["steps"] = String(trainer.steps);
  requestAnimationFrame(frame);
}

await kernelsReady();
restart();
drawPoints(pointsCanvas, points);
requestAnimationFrame(frame);
