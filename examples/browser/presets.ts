// The data sets the page offers as presets, drawn from seeded generators so that a preset looks
// the same on every load. Coordinates are in [-1, 1]², y pointing up; label 1 is "blue", 0 "orange".
import { rand, rng } from "@strata/tensor";

/** A point on the canvas and its class. */
export interface Point {
  x: number;
  y: number;
  label: 0 | 1;
}

/** The presets by the name the page shows. */
export const PRESETS = {
  "two spirals": spirals,
  circles,
  XOR: xor,
} satisfies Record<string, () => Point[]>;

/** Preset names. */
export type PresetName = keyof typeof PRESETS;

/** `count` uniform numbers in [0, 1) from the stream `seed`. */
function uniform(count: number, seed: number): number[] {
  return Array.from(rand([count], { rng: rng(seed), dtype: "float64" }).toTypedArray() as Float64Array);
}

/** Two interleaved spirals of 1.5 turns each, 70 points per class, with a little jitter. */
export function spirals(): Point[] {
  const perClass = 70;
  const noise = uniform(4 * perClass, 11);
  const points: Point[] = [];
  for (let i = 0; i < perClass; i++) {
    const t = 0.12 + (0.88 * i) / (perClass - 1);
    for (const label of [0, 1] as const) {
      const angle = 3 * Math.PI * t + label * Math.PI;
      const j = 2 * (2 * i + label);
      points.push({
        x: 0.85 * t * Math.cos(angle) + 0.03 * (noise[j]! - 0.5),
        y: 0.85 * t * Math.sin(angle) + 0.03 * (noise[j + 1]! - 0.5),
        label,
      });
    }
  }
  return points;
}

/** A blue disc of radius 0.4 inside an orange ring from 0.6 to 0.9, 60 points each. */
export function circles(): Point[] {
  const u = uniform(240, 12);
  const points: Point[] = [];
  for (let i = 0; i < 120; i++) {
    const label = i % 2 === 0 ? 1 : 0;
    const radius = label === 1 ? 0.4 * Math.sqrt(u[2 * i]!) : 0.6 + 0.3 * u[2 * i]!;
    const angle = 2 * Math.PI * u[2 * i + 1]!;
    points.push({ x: radius * Math.cos(angle), y: radius * Math.sin(angle), label });
  }
  return points;
}

/** 100 points in the square with a gap along both axes; blue where x and y have the same sign. */
export function xor(): Point[] {
  const u = uniform(200, 13);
  return Array.from({ length: 100 }, (_, i) => {
    // each coordinate in ±[0.1, 0.9]
    const x = (u[2 * i]! < 0.5 ? -1 : 1) * (0.1 + 0.8 * ((2 * u[2 * i]!) % 1));
    const y = (u[2 * i + 1]! < 0.5 ? -1 : 1) * (0.1 + 0.8 * ((2 * u[2 * i + 1]!) % 1));
    return { x, y, label: x * y > 0 ? 1 : 0 };
  });
}
