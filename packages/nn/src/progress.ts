// How fit reports its progress: a cli-progress bar per epoch on a terminal, plain lines elsewhere
// (CI logs, pipes, files), nothing when asked to be quiet.
import { SingleBar } from "cli-progress";

/** A stream fit may write its progress to: `process.stdout` or anything with `write` and `isTTY`. */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/** What an epoch ended with, as the reporters print it. @internal */
export interface EpochSummary {
  loss: number;
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
  /** Training examples per second over the epoch. */
  examplesPerSecond: number;
  /** Wall time of the epoch (training and validation), in seconds. */
  seconds: number;
}

/** The interface fit drives. @internal */
export interface Reporter {
  epochStart(epoch: number, examples: number): void;
  /** After each batch: examples seen this epoch, running mean loss and accuracy, the time (ms). */
  batch(seen: number, loss: number, accuracy: number | undefined, now: number): void;
  epochEnd(summary: EpochSummary): void;
  /** Always called (also after an error): releases the bar's timer. */
  close(): void;
}

/** A plain line is printed within an epoch at most once per this many milliseconds. @internal */
export const PLAIN_INTERVAL_MS = 10_000;

const percent = (a: number): string => `${(a * 100).toFixed(2)}%`;
const fixed = (v: number): string => (Number.isFinite(v) ? v.toFixed(4) : String(v));
const rate = (r: number): string => (Number.isFinite(r) ? String(Math.round(r)) : "-");

/** The metrics part of a line: `loss 0.1234  acc 95.10%  val_loss 0.2000  val_acc 90.00%`. @internal */
export function formatMetrics(s: { loss: number; accuracy?: number; valLoss?: number; valAccuracy?: number }): string {
  const parts = [`loss ${fixed(s.loss)}`];
  if (s.accuracy !== undefined) parts.push(`acc ${percent(s.accuracy)}`);
  if (s.valLoss !== undefined) parts.push(`val_loss ${fixed(s.valLoss)}`);
  if (s.valAccuracy !== undefined) parts.push(`val_acc ${percent(s.valAccuracy)}`);
  return parts.join("  ");
}

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

class Bar implements Reporter {
  private bar: SingleBar | null = null;
  private start = 0;
  constructor(private readonly out: ProgressStream, private readonly epochs: number, private readonly clock: () => number) {}
  epochStart(epoch: number, examples: number): void {
    this.start = this.clock();
    this.bar = new SingleBar({
      stream: this.out,
      format: `epoch {epoch}/{epochs} [{bar}] {value}/{total} | {metrics} | {rate} ex/s | ETA {eta_formatted}`,
      barsize: 20,
      hideCursor: false,
      clearOnComplete: false,
      stopOnComplete: false,
      etaBuffer: 50,
    });
    this.bar.start(examples, 0, { epoch, epochs: this.epochs, metrics: "loss -", rate: "-" });
  }
  batch(seen: number, loss: number, accuracy: number | undefined, now: number): void {
    const secs = (now - this.start) / 1000;
    this.bar?.update(seen, { metrics: formatMetrics({ loss, ...(accuracy !== undefined && { accuracy }) }), rate: rate(seen / secs) });
  }
  epochEnd(s: EpochSummary): void {
    if (!this.bar) return;
    this.bar.update({ metrics: `${formatMetrics(s)} | ${s.seconds.toFixed(1)}s`, rate: rate(s.examplesPerSecond) });
    this.bar.stop();
    this.bar = null;
  }
  close(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

/**
 * The reporter for `verbose` and `out`: nothing when verbose is false, a bar when `out.isTTY`,
 * otherwise one plain line per epoch (and at most one every 10 s within an epoch). @internal
 */
export function reporter(verbose: boolean | "auto", out: ProgressStream, epochs: number, clock: () => number): Reporter {
  if (verbose === false) return new Quiet();
  return out.isTTY === true ? new Bar(out, epochs, clock) : new PlainLines(out, epochs, clock);
}
