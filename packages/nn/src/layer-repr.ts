// Values as PyTorch's printed form shows them, so `String(model)` reads like `print(model)`:
// tuples `(5, 5)` (one-element `(3,)`), floats `1e-05`, booleans `true`/`false` (JavaScript's
// words), null for None.
/** A number as Python's repr prints it: integers plain, exponents from 1e-5 down with two digits. @internal */
export function pyNumber(v: number): string {
  if (Number.isInteger(v) || v === 0 || Math.abs(v) >= 1e-4) return String(v);
  const [mantissa, exponent] = v.toExponential().split("e") as [string, string];
  const sign = exponent.startsWith("-") ? "-" : "+";
  return `${mantissa}e${sign}${exponent.replace(/^[-+]/, "").padStart(2, "0")}`;
}

/** A setting as PyTorch prints it: `(5, 5)` for a pair, `(3,)` for one, `1e-05`, `true`, `null`. @internal */
export function pyValue(v: unknown): string {
  if (Array.isArray(v)) return v.length === 1 ? `(${pyValue(v[0])},)` : `(${v.map(pyValue).join(", ")})`;
  if (typeof v === "number") return pyNumber(v);
  if (v === null || v === undefined) return "null";
  return String(v);
}
