// erf in float64 as elementary ONNX ops. ONNX Runtime has no float64 Erf kernel ("Could not find
// an implementation for Erf(13)"), and rounding through float32 would lose half the digits, so the
// graph evaluates erf the way the tensor package's float64 kernel does (backends/js/erf.ts), with
// a fixed number of steps in place of its loops' stopping tests:
// - |x| < 2: erf(a) = 2/√π · e^(−a²) · a·(1 + r/3·(1 + r/5·(1 + …))), r = 2a², 32 terms (the
//   kernel stops when a term falls below 1e-17, which at a = 2 takes fewer);
// - 2 ≤ |x|: erf(a) = 1 − erfc(a), erfc(a) = e^(−a²)/√π / (a + (1/2)/(a + 1/(a + (3/2)/(a + …)))),
//   the continued fraction evaluated from its 64th level up (the kernel's forward evaluation
//   needs at most 57 at a = 2, fewer beyond);
// - e^(−a²) from a split into a 26-bit head and a tail, so that the head's square is exact.
// a is clamped to 6, where erf already rounds to 1 (erfc(6) ≈ 2e-17), and erf is odd.
import type { LowerArgs } from "./lowering.js";

const SERIES_TERMS = 32;
const FRACTION_DEPTH = 64;
const TWO_OVER_SQRT_PI = 1.1283791670955126;
const ONE_OVER_SQRT_PI = 0.5641895835477563;
const SATURATED = 6;
const SPLIT = 2;
/** 2^27 + 1: Dekker's split of a double into two halves whose products are exact. */
const DEKKER = 134217729;

/** erf(x) of the float64 graph value `x`, elementwise. */
export function erfDouble(args: LowerArgs, x: string): string {
  const { graph } = args;
  const k = (v: number): string => graph.scalar(v, "float64");
  const op = (type: string, ...inputs: string[]): string => graph.op(type, inputs);
  const a = op("Min", op("Abs", x), k(SATURATED));

  // e^(−a²) = e^(−hi²)·e^(−lo·(2hi + lo)) with a = hi + lo
  const c = op("Mul", a, k(DEKKER));
  const hi = op("Sub", c, op("Sub", c, a));
  const lo = op("Sub", a, hi);
  const expNegSquare = op("Mul", op("Exp", op("Neg", op("Mul", hi, hi))), op("Exp", op("Neg", op("Mul", lo, op("Add", op("Mul", hi, k(2)), lo)))));

  // the series of positive terms, in Horner form from the smallest term up
  const r = op("Mul", op("Mul", a, a), k(2));
  let sum = k(1);
  for (let n = SERIES_TERMS; n >= 1; n--) sum = op("Add", k(1), op("Mul", op("Div", r, k(2 * n + 1)), sum));
  const series = op("Mul", op("Mul", expNegSquare, k(TWO_OVER_SQRT_PI)), op("Mul", a, sum));

  // the continued fraction, from its deepest level up
  let fraction = a;
  for (let n = FRACTION_DEPTH; n >= 1; n--) fraction = op("Add", a, op("Div", k(n / 2), fraction));
  const complement = op("Sub", k(1), op("Div", op("Mul", expNegSquare, k(ONE_OVER_SQRT_PI)), fraction));

  const magnitude = graph.op("Where", [op("Less", a, k(SPLIT)), series, complement]);
  return op("Mul", magnitude, op("Sign", x));
}
