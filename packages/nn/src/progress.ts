// How fit reports its progress: plain lines (CI logs, pipes, files, a browser console), the
// platform's terminal bar where there is one (cli-progress under Node, on a TTY), or nothing.
import { platform } from "#platform";
import { formatMetrics, rate, type EpochSummary, type ProgressStream, type Reporter } from "./progress-format.js";

/** A plain line is printed within an epoch at most once per this many milliseconds. @internal */
export const PLAIN_INTERVAL_MS = 10_000;

class Quiet implements Reporter {
  epochStart(): void {}
  batch(): void {}
  epochEnd(): void {}
  close(): void {}
}

class PlainLines implements Reporter {
  private epoch = 0;
  private examples = 0;
  private start = 0;
  private last = 0;
  constructor(private readonly out: ProgressStream, private readonly epochs: number, private readonly clock: () => number) {}
  epochStart(epoch: number, examples: number): void {
    this.epoch = epoch;
    this.examples = examples;
    this.start = this.last = this.clock();
  }
  batch(seen: number, loss: number, accuracy: number | undefined, now: number): void {
    if (now - this.last < PLAIN_INTERVAL_MS || seen >= this.examples) return;
    this.last = now;
    const secs = (now - this.start) / 1000;
    const metrics = formatMetrics({ loss, ...(accuracy !== undefined && { accuracy }) });
    this.out.write(`epoch ${this.epoch}/${this.epochs}  ${seen}/${this.examples} examples  ${metrics}  ${rate(seen / secs)} ex/s  ${secs.toFixed(1)}s\n`);
  }
  epochEnd(s: EpochSummary): void {
    this.out.write(`epoch ${this.epoch}/${this.epochs}  ${formatMetrics(s)}  ${rate(s.examplesPerSecond)} ex/s  ${s.seconds.toFixed(1)}s\n`);
  }
  close(): void {}
}

/**
 * The reporter for `verbose` and `output`: nothing when verbose is false; without an output, the
 * platform's default (Node: process.stdout; elsewhere console.log for `verbose: true`, nowhere for
 * "auto"); then the platform's bar when the output is a TTY and the platform draws one, otherwise
 * one plain line per epoch (and at most one every 10 s within an epoch). @internal
 */
export function reporter(verbose: boolean | "auto", output: ProgressStream | undefined, epochs: number, clock: () => number): Reporter {
  if (verbose === false) return new Quiet();
  const out = output ?? platform.defaultOutput(verbose);
  if (out === undefined) return new Quiet();
  const bar = out.isTTY === true ? platform.terminalBar(out, epochs, clock) : undefined;
  return bar ?? new PlainLines(out, epochs, clock);
}
