// Activations whose ONNX operator needs more than its name: LeakyRelu's slope and Clip's bounds.
import { infoOf, only, type Lower } from "./lowering.js";

/**
 * leakyRelu as LeakyRelu; in float64 as Where(x > 0, x, alpha·x): LeakyRelu's alpha is a float32
 * attribute (0.2 would be 0.2000000030) while Strata multiplies by the float64 slope, and ONNX
 * Runtime 1.31 has no float64 kernel for LeakyRelu at opset 21 ("Could not find an implementation
 * for LeakyRelu(16)"), though it has one at 17.
 */
export const lowerLeakyRelu: Lower<{ alpha: number }> = (args) => {
  const x = infoOf(args, 0);
  const { graph } = args;
  if (x.dtype !== "float64") return [graph.op("LeakyRelu", [only(args)], { alpha: { float: args.attrs.alpha } })];
  const positive = graph.op("Greater", [only(args), graph.scalar(0, "float64")]);
  return [graph.op("Where", [positive, only(args), graph.op("Mul", [only(args), graph.scalar(args.attrs.alpha, "float64")])])];
};

/** hardtanh and relu6, `min(max(x, min), max)`, as Clip with bounds of x's dtype. */
export const lowerClamp: Lower<{ min: number; max: number }> = (args) => {
  const { dtype } = infoOf(args, 0);
  return [args.graph.op("Clip", [only(args), args.graph.scalar(args.attrs.min, dtype), args.graph.scalar(args.attrs.max, dtype)])];
};
