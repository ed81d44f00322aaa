// Convolutions on the WebAssembly kernels (assembly/conv.ts): stage the operands once, split the
// images (or, for fewer images than threads, the output positions) between threads, each with its
// own workspace, and copy the result out (resident operands are used in place, a resident result
// written in place). The weight gradient is summed per thread into its own
// buffer and the buffers are added here (O·K values each).
import type { ConvRequest } from "../windows.js";
import { THRESHOLDS } from "../../dispatch/thresholds.js";
import { runParallel, type Job } from "./pool.js";
import { copyOut, loadedRuntime, outputAt, ranges, stageTensor, stageWords, viewOf } from "./gemm.js";
import { resetArena, takeArena } from "./runtime.js";

/** Output positions per unfolded chunk: all of them unless cols (K × chunk) would outgrow convChunk elements. */
function chunkFor(k: number, p: number): number {
  if (k * p <= THRESHOLDS.convChunk) return p;
  return Math.min(p, Math.max(8, Math.floor(THRESHOLDS.convChunk / k / 8) * 8));
}

/** [images, positions] ranges for each job: images split while there are enough, else positions. */
function split(n: number, p: number, threads: number, positions: boolean): [number, number, number, number][] {
  if (n >= threads || !positions) return ranges(n, Math.min(threads, n), 1).map(([n0, n1]) => [n0, n1, 0, p]);
  return ranges(p, threads, 8).map(([p0, p1]) => [0, n, p0, p1]);
}

/** Runs one of a convolution's products on the kernels and `threads` threads. @internal */
export function wasmConv({ kind, geometry: g, a, b, bias, out }: ConvRequest, threads: number): void {
  const wide = out instanceof Float64Array;
  const size = wide ? 8 : 4;
  const rt = loadedRuntime("conv2d");
  resetArena();
  const k = (g.c / g.groups) * g.kh * g.kw;
  const p = g.oh * g.ow;
  const chunk = chunkFor(k, p);
  const geom = stageWords(rt, [g.c, g.h, g.w, g.o, g.groups, g.kh, g.kw, g.sh, g.sw, g.padTop, g.padLeft, g.dh, g.dw, g.oh, g.ow, chunk]);
  const first = stageTensor(rt, wide, a);
  const second = stageTensor(rt, wide, b);
  const biasAt = bias ? stageTensor(rt, wide, bias) : 0;
  // the weight gradient may sum its transpose (O·K values) after the unfolded chunk
  const workspace = rt.kernels.workspaceBytes(size) + k * chunk * size + (kind === "weight" ? g.o * k * size : 0);
  const parts = split(g.n, p, threads, kind !== "input");
  const suffix = wide ? "F64" : "F32";
  if (kind === "weight") {
    const partials = parts.map((_, i) => (i === 0 ? outputAt(rt, out, 0, out.length) : takeArena(rt, out.length * size)));
    const jobs: Job[] = parts.map(([n0, n1, p0, p1], i) => ({
      kernel: `convWeight${suffix}`, args: [geom, first, second, partials[i]!, n0, n1, p0, p1, takeArena(rt, workspace)],
    }));
    runParallel(rt, jobs);
    copyOut(rt, partials[0]!, out.length, out, 0);
    const view = viewOf(rt, wide);
    for (const partial of partials.slice(1)) {
      for (let i = 0, at = partial / size; i < out.length; i++) out[i] = out[i]! + view[at + i]!;
    }
    return;
  }
  const result = outputAt(rt, out, 0, out.length);
  const jobs: Job[] = parts.map(([n0, n1, p0, p1]) =>
    kind === "forward"
      ? { kernel: `convForward${suffix}`, args: [geom, first, second, biasAt, result, n0, n1, p0, p1, takeArena(rt, workspace)] }
      : { kernel: `convInput${suffix}`, args: [geom, first, second, result, n0, n1, takeArena(rt, workspace)] },
  );
  runParallel(rt, jobs);
  copyOut(rt, result, out.length, out, 0);
}
