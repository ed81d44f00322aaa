// The learning curve as an SVG, drawn by vega-lite (compiled to a vega view, rendered headless).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compile, type TopLevelSpec } from "vega-lite";
import { parse, View } from "vega";

/** One point of a curve: x (epoch or iteration), its value, and which series it belongs to. */
export interface CurvePoint {
  x: number;
  value: number;
  series: string;
}

/** Renders `points` as a line chart, one line per series, and writes it to `path` as SVG. */
export async function writeLearningCurve(path: string, points: readonly CurvePoint[], options: { title: string; xTitle: string; yTitle: string }): Promise<string> {
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: options.title,
    width: 520,
    height: 300,
    data: { values: points.map((p) => ({ ...p })) },
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "x", type: "quantitative", title: options.xTitle },
      y: { field: "value", type: "quantitative", title: options.yTitle },
      color: { field: "series", type: "nominal", title: null },
    },
  };
  const view = new View(parse(compile(spec).spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  writeFileSync(path, svg);
  return svg;
}

/**
 * Writes `outDir/learning-curve.svg`: the training loss and the test accuracy per epoch, as the
 * MNIST examples plot them; returns the file's path.
 */
export async function writeEpochCurves(outDir: string, loss: readonly number[], testAccuracy: readonly number[], title: string): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, "learning-curve.svg");
  await writeLearningCurve(
    path,
    [
      ...loss.map((value, i) => ({ x: i + 1, value, series: "training loss" })),
      ...testAccuracy.map((value, i) => ({ x: i + 1, value, series: "test accuracy" })),
    ],
    { title, xTitle: "epoch", yTitle: "loss / accuracy" },
  );
  return path;
}
