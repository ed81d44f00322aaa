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

/** Whether `--name` is given (a switch without a value). */
export function booleanFlag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

/** One of `choices` after `--name`, or `fallback` when the flag is absent. */
export function choiceFlag<const C extends string>(program: string, name: string, choices: readonly C[], fallback: C): C {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = process.argv[at + 1];
  if (!choices.includes(value as C)) throw new Error(`${program}: --${name} expects ${choices.join(" or ")}, got ${value}`);
  return value as C;
}
