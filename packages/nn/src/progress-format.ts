// What fit's progress reporters share, whichever platform draws them: the stream they write to,
// the interface fit drives, and how metrics are written. No platform import here, so that the
// Node platform's bar can use it without a cycle.

/**
 * Where fit may write its progress: `process.stdout`, or anything with `write(text)`. Typed
 * structurally (no Node types) so that the package's types hold in a browser project too; a bar
 * is drawn only in Node, when `isTTY` is true.
 */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

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

const percent = (a: number): string => `${(a * 100).toFixed(2)}%`;
const fixed = (v: number): string => (Number.isFinite(v) ? v.toFixed(4) : String(v));

/** Examples per second as printed: a whole number, or `-` before any time has passed. @internal */
export const rate = (r: number): string => (Number.isFinite(r) ? String(Math.round(r)) : "-");

/** The metrics part of a line: `loss 0.1234  acc 95.10%  val_loss 0.2000  val_acc 90.00%`. @internal */
export function formatMetrics(s: { loss: number; accuracy?: number; valLoss?: number; valAccuracy?: number }): string {
  const parts = [`loss ${fixed(s.loss)}`];
  if (s.accuracy !== undefined) parts.push(`acc ${percent(s.accuracy)}`);
  if (s.valLoss !== undefined) parts.push(`val_loss ${fixed(s.valLoss)}`);
  if (s.valAccuracy !== undefined) parts.push(`val_acc ${percent(s.valAccuracy)}`);
  return parts.join("  ");
}
