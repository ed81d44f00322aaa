// Command-line flags of the example programs: `--name value` pairs read from process.argv.

/** The positive number after `--name`, or `fallback` when the flag is absent. */
export function positiveFlag(program: string, name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${program}: --${name} expects a positive number, got ${process.argv[at + 1]}`);
  return value;
}

/** The text after `--name`, or `fallback` when the flag is absent. */
export function textFlag(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1]! : fallback;
}
