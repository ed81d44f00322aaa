// PyTorch's fans of a weight of shape (out, in, ...kernel) and its recommended gains per
// nonlinearity (torch.nn.init's calculate_gain and _calculate_fan_in_and_fan_out), which the n-D
// initialisers in init-nd.ts scale by.
import { ShapeError, ValueError, type Shape } from "@strata/tensor";
import { show } from "./checks.js";

/**
 * A nonlinearity {@link calculateGain} knows: PyTorch's names in camelCase.
 *
 * @example
 * ```ts
 * import { calculateGain, type Nonlinearity } from "@strata/nn";
 * const f: Nonlinearity = "tanh";
 * console.log(calculateGain(f)); // 1.6666666666666667
 * ```
 */
export type Nonlinearity =
  | "linear" | "conv1d" | "conv2d" | "conv3d" | "convTranspose1d" | "convTranspose2d" | "convTranspose3d"
  | "sigmoid" | "tanh" | "relu" | "leakyRelu" | "selu";

const GAINS: Record<Exclude<Nonlinearity, "leakyRelu">, number> = {
  linear: 1, conv1d: 1, conv2d: 1, conv3d: 1, convTranspose1d: 1, convTranspose2d: 1, convTranspose3d: 1, sigmoid: 1,
  tanh: 5 / 3, relu: Math.SQRT2, selu: 3 / 4,
};

/**
 * The recommended gain for a nonlinearity (PyTorch's `calculate_gain`): 1 for linear layers,
 * convolutions and sigmoid, 5/3 for tanh, √2 for relu, √(2/(1 + slope²)) for leakyRelu with
 * negative slope `param` (default 0.01), 3/4 for selu. `param` is read for leakyRelu only.
 *
 * @throws ValueError for an unknown nonlinearity (naming the known ones) or, for leakyRelu, a
 *   `param` that is not a finite number.
 *
 * @example
 * ```ts
 * import { calculateGain } from "@strata/nn";
 * console.log(calculateGain("relu"), calculateGain("leakyRelu", 0.2)); // 1.4142135623730951 1.3867504905630728
 * ```
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  if (nonlinearity === "leakyRelu") {
    const slope = param ?? 0.01;
    if (typeof slope !== "number" || !Number.isFinite(slope)) throw new ValueError(`calculateGain: the negative slope of leakyRelu must be a finite number, got ${show(param)}`);
    return Math.sqrt(2 / (1 + slope ** 2));
  }
  const gain = Object.hasOwn(GAINS, nonlinearity) ? GAINS[nonlinearity] : undefined;
  if (gain === undefined) throw new ValueError(`calculateGain: unsupported nonlinearity ${show(nonlinearity)} (known: ${[...Object.keys(GAINS), "leakyRelu"].join(", ")})`);
  return gain;
}

/** `shape` as a list of non-negative integers, or a ShapeError naming `where`. @internal */
export function checkShape(where: string, shape: unknown): Shape {
  if (!Array.isArray(shape) || !shape.every((n) => Number.isInteger(n) && n >= 0)) {
    throw new ShapeError(`${where}: shape must be a list of non-negative integers, got ${Array.isArray(shape) ? `[${shape.map(show).join(", ")}]` : show(shape)}`);
  }
  return shape as Shape;
}

/**
 * A weight's fans as PyTorch computes them (`_calculate_fan_in_and_fan_out`): for shape
 * (out, in, ...kernel), with the receptive field the product of the kernel sizes (1 for a matrix),
 * `fanIn = in · receptive field` and `fanOut = out · receptive field`. A Linear weight (out, in)
 * has fans (in, out); a Conv2d weight (outC, inC/groups, kH, kW) has fanIn inC/groups·kH·kW.
 *
 * @throws ShapeError when `shape` is not a list of non-negative integers, or has fewer than 2
 *   dimensions (as PyTorch refuses a bias: its bound comes from its weight's fanIn).
 *
 * @example
 * ```ts
 * import { calculateFanInAndFanOut } from "@strata/nn";
 * console.log(calculateFanInAndFanOut([8, 3, 5, 5])); // { fanIn: 75, fanOut: 200 }
 * ```
 */
export function calculateFanInAndFanOut(shape: Shape): { fanIn: number; fanOut: number } {
  checkShape("calculateFanInAndFanOut", shape);
  return fans("calculateFanInAndFanOut", shape);
}

/** The fans, refusing a rank below 2 with a ShapeError naming `where`. @internal */
export function fans(where: string, shape: Shape): { fanIn: number; fanOut: number } {
  if (shape.length < 2) {
    throw new ShapeError(
      `${where}: fan in and fan out need a shape of at least 2 dimensions (out, in, ...kernel), got (${shape.join(", ")}); a bias takes its bound from its weight's fan in`,
    );
  }
  const field = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1]! * field, fanOut: shape[0]! * field };
}
