// The Node platform's terminal progress bar: cli-progress, one bar per epoch, redrawn in place.
import { SingleBar } from "cli-progress";
import { formatMetrics, rate, type EpochSummary, type ProgressStream, type Reporter } from "../progress-format.js";

export class Bar implements Reporter {
  private bar: SingleBar | null = null;
  private start = 0;
  constructor(private readonly out: ProgressStream, private readonly epochs: number, private readonly clock: () => number) {}
  epochStart(epoch: number, examples: number): void {
    this.start = this.clock();
    this.bar = new SingleBar({
      // cli-progress types its stream as Node's; it calls write, cursorTo and friends only when they exist
      stream: this.out as NodeJS.WritableStream,
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
