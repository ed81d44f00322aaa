// Pooling on the WebAssembly kernels (assembly/pool.ts): stage the input (and indices or window
// tables), split the planes between threads, copy the results out. Resident inputs are read in
// place and resident results written in place.
import type { AvgPoolRequest, MaxPoolRequest, PlanesRequest } from "../windows.js";
import { runParallel, type Job } from "./pool.js";
import { copyOut, loadedRuntime, outputAt, ranges, viewOf } from "./gemm.js";
import { resetArena, takeArena } from "./runtime.js";
import { stageTensor, stageWords } from "./gemm.js";

const suffix = (wide: boolean): "F32" | "F64" => (wide ? "F64" : "F32");

/** Max pooling with indices on the kernels. @internal */
export function wasmMaxPool({ geometry: g, window: k, x, values, indices }: MaxPoolRequest, threads: number): void {
  const wide = values instanceof Float64Array;
  const rt = loadedRuntime("maxPool2d");
  resetArena();
  const geom = stageWords(rt, [g.planes, g.h, g.w, g.oh, g.ow, k.kh, k.kw, k.sh, k.sw, k.ph, k.pw, k.dh, k.dw]);
  const input = stageTensor(rt, wide, x);
  // the four-wide stride-2 kernel may read one value past the input's last row (and ignore it)
  takeArena(rt, 16);
  const out = outputAt(rt, values, 0, values.length);
  const index = takeArena(rt, indices.length * 4);
  const jobs: Job[] = ranges(g.planes, threads, 1).map(([p0, p1]) => ({ kernel: `maxPool${suffix(wide)}`, args: [geom, input, out, index, p0, p1] }));
  runParallel(rt, jobs);
  copyOut(rt, out, values.length, values, 0);
  indices.set(new Int32Array(rt.memory.buffer, index, indices.length));
}

/** Gather or scatter-add through plane indices on the kernels; returns how many indices lay outside their plane. @internal */
export function wasmPlanes({ kind, planes, from, fromSize, indices, to, toSize }: PlanesRequest, threads: number): number {
  const wide = to instanceof Float64Array;
  const rt = loadedRuntime(kind === "gather" ? "gatherPlanes" : "scatterAddPlanes");
  resetArena();
  const source = stageTensor(rt, wide, from);
  const index = stageWords(rt, indices);
  const target = outputAt(rt, to, 0, to.length);
  const parts = ranges(planes, threads, 1);
  // one int32 count of skipped indices per job
  const outside = takeArena(rt, 4 * parts.length);
  const jobs: Job[] = parts.map(([p0, p1], i) => ({
    kernel: `planes${suffix(wide)}`, args: [kind === "gather" ? 0 : 1, source, fromSize, index, target, toSize, p0, p1, outside + 4 * i],
  }));
  runParallel(rt, jobs);
  copyOut(rt, target, to.length, to, 0);
  const counts = new Int32Array(rt.memory.buffer, outside, parts.length);
  let skipped = 0;
  for (let i = 0; i < counts.length; i++) skipped += counts[i]!;
  return skipped;
}

/** A window average or its adjoint on the kernels. @internal */
export function wasmAvgPool({ kind, geometry: g, rows, cols, x, out }: AvgPoolRequest, threads: number): void {
  const wide = out instanceof Float64Array;
  const rt = loadedRuntime("avgPool2d");
  resetArena();
  const geom = stageWords(rt, [g.planes, g.h, g.w, g.oh, g.ow]);
  const bounds = stageWords(rt, [...rows.start, ...rows.end, ...cols.start, ...cols.end]);
  const scales = takeArena(rt, 8 * (g.oh + g.ow));
  const f64 = viewOf(rt, true);
  f64.set(rows.scale, scales / 8);
  f64.set(cols.scale, scales / 8 + g.oh);
  const input = stageTensor(rt, wide, x);
  const target = outputAt(rt, out as Float32Array | Float64Array, 0, out.length);
  const jobs: Job[] = ranges(g.planes, threads, 1).map(([p0, p1]) => ({
    kernel: `avgPool${suffix(wide)}`, args: [kind === "forward" ? 0 : 1, geom, bounds, scales, input, target, p0, p1],
  }));
  runParallel(rt, jobs);
  copyOut(rt, target, out.length, out as Float32Array | Float64Array, 0);
}
