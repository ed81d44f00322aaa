// The activations of the course's layers. The elementwise ones (relu, leakyRelu, sigmoid, tanh,
// identity) are rows of the tensor package's one activation table (denseActivations): their value
// and their derivative formula, evaluated here over autograd's variables, so the recorded op, the
// textbook building blocks, Dense and the fused kernels share one definition. softmax, whose
// Jacobian is not diagonal, is written here.
import { defineFunction, mul, sub, sum, Variable, variable, variableAlgebra, type OnnxGraph, type Operand } from "@strata/autograd";
import * as T from "@strata/tensor";
import { ValueError, type DType, type Tensor } from "@strata/tensor";
import { tensorOf } from "./checks.js";

/**
 * The activations by name, each applied elementwise to Z[l] (n[l], m) and giving A[l] of the same
 * shape: `relu` max(0, Z); `leakyRelu` Z where Z > 0, else α·Z (α = 0.01 by name, or its slope as
 * `{ name: "leakyRelu", alpha }`); `sigmoid` 1 / (1 + e^−Z); `tanh`; `softmax` e^Z / Σ_rows e^Z
 * over the rows, so each column (example) sums to 1; `identity` Z itself.
 *
 * @example
 * ```ts
 * import { activation, type ActivationName } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const name: ActivationName = "relu";
 * console.log(activation(name).forward(tensor([[-1, 2], [3, -4]])).toArray()); // [[0, 2], [3, 0]]
 * ```
 */
export type ActivationName = "relu" | "leakyRelu" | "sigmoid" | "tanh" | "softmax" | "identity";

/**
 * An activation by name, a leaky ReLU with its slope, or an {@link Activation} itself: what
 * {@link activation}, Dense, deepNetwork and the building blocks accept wherever g[l] is chosen.
 *
 * @example
 * ```ts
 * import { activation, type ActivationSpec } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const specs: ActivationSpec[] = ["relu", { name: "leakyRelu", alpha: 0.5 }, activation("identity")];
 * console.log(specs.map((g) => activation(g).forward(tensor([-2])).item())); // [0, -1, -2]
 * ```
 */
export type ActivationSpec = ActivationName | { name: "leakyRelu"; alpha: number } | Activation;

/**
 * An activation g with its value and its derivative, defined once. `forward` is a recorded op
 * whose backward is `backward`, so autograd, Dense and the building blocks use the same g'(Z).
 *
 * @example
 * ```ts
 * import { activation } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const g = activation("sigmoid");
 * console.log(g.forward(tensor([0])).toArray()); // [0.5]
 * // 2 · σ'(0) = 2 · 0.25
 * console.log(g.backward(tensor([2]), tensor([0])).toArray()); // [0.5]
 * ```
 */
export interface Activation {
  /** The name used by {@link activation} and in messages. */
  readonly name: ActivationName;
  /** The slope for negative inputs (leakyRelu only). */
  readonly alpha?: number;
  /** A = g(Z), recorded when Z requires gradients; its gradient is {@link Activation.backward}. */
  forward(z: Operand): Variable;
  /** g'(Z) elementwise; softmax, whose Jacobian is not diagonal, has none. */
  derivative?(z: Operand): Variable;
  /** dZ = dA * g'(Z) (for softmax over the rows: dZ = A ⊙ (dA − Σ_rows dA ⊙ A)), differentiable again. */
  backward(dA: Operand, z: Operand): Variable;
  /** A = g(Z) as ONNX nodes for Z of `dtype`, for `@strata/onnx`'s export: adds them to `graph` and returns A's name. Without it a model using g does not export. */
  onnx?(graph: OnnxGraph, z: string, dtype: DType): string;
}

interface Definition {
  name: ActivationName;
  alpha?: number;
  value(z: Tensor): Tensor;
  /** dZ from dA and Z in autograd ops; `self` is the activation's own recorded op, for g' written through g. */
  backward(dA: Operand, z: Operand, self: (z: Operand) => Variable): Variable;
  /** Whether g' is elementwise, so that g'(Z) = backward(1, Z) (all but softmax). */
  elementwise: boolean;
  /** g as ONNX nodes. */
  onnx(graph: OnnxGraph, z: string, dtype: DType): string;
}

/** Every activation this file made: the ones an architecture can name (a saved model can rebuild). */
const builtIn = new WeakSet<Activation>();

/** Whether `g` is one of this package's activations rather than a hand-made object. @internal */
export function isBuiltIn(g: Activation): boolean {
  return builtIn.has(g);
}

/**
 * The name under which the tensor package's fused Dense kernels (T.denseForward) apply g, or null
 * for softmax and custom activations, which keep the composed ops. @internal
 */
export function fusedName(g: Activation): T.DenseActivation | null {
  return builtIn.has(g) && g.name !== "softmax" ? g.name : null;
}

function define(def: Definition): Activation {
  const op = defineFunction({
    name: def.name,
    forward(ctx, z) {
      ctx.save(z as Tensor);
      return def.value(z as Tensor);
    },
    backward: (ctx, g) => [backward(g, ctx.saved[0]!)],
    onnx: (graph, { inputs: [z], output }) => def.onnx(graph, z!, output.dtype),
  });
  const backward = (dA: Operand, z: Operand): Variable => def.backward(dA, z, op);
  const derivative = def.elementwise ? (z: Operand) => backward(T.onesLike(tensorOf(z)), z) : undefined;
  const act: Activation = { name: def.name, forward: op, backward, onnx: def.onnx, ...(derivative && { derivative }) };
  const out = def.alpha === undefined ? act : { ...act, alpha: def.alpha };
  builtIn.add(out);
  return out;
}

/** A row of the tensor package's activation table, at slope `alpha` (leakyRelu's; ignored by the others). */
function fromTable(def: T.DenseActivationDefinition, alpha: number): Definition {
  const asVariable = (x: Operand): Variable => (x instanceof Variable ? x : variable(x));
  return {
    name: def.name,
    ...(def.name === "leakyRelu" && { alpha }),
    value: (z) => def.value(z, alpha),
    // g' read from the output A (sigmoid, tanh) recomputes A through the recorded op, so that the
    // gradient stays differentiable with respect to Z
    backward: (dA, z, self) => def.grad(variableAlgebra, asVariable(dA), def.from === "A" ? self(z) : asVariable(z), alpha),
    elementwise: true,
    onnx: (graph, z, dtype) => (def.name === "leakyRelu" ? leakyOnnx(graph, z, dtype, alpha) : graph.node(ONNX_OPS[def.name], [z])[0]!),
  };
}

/**
 * leakyRelu as Where(Z > 0, Z, α·Z) rather than ONNX's LeakyRelu, whose α is a float32 attribute
 * (0.2 would become 0.2000000030 in a float64 graph) and which ONNX Runtime lacks in float64 from
 * opset 16 on: one form, exact in both dtypes.
 */
function leakyOnnx(graph: OnnxGraph, z: string, dtype: DType, alpha: number): string {
  const [zero, slope] = [graph.constant(T.full([], 0, { dtype })), graph.constant(T.full([], alpha, { dtype }))];
  const positive = graph.node("Greater", [z, zero])[0]!;
  return graph.node("Where", [positive, z, graph.node("Mul", [z, slope])[0]!])[0]!;
}

/** The ONNX operators of the table's activations. */
const ONNX_OPS: Record<Exclude<T.DenseActivation, "leakyRelu">, string> = { relu: "Relu", sigmoid: "Sigmoid", tanh: "Tanh", identity: "Identity" };

function leaky(alpha: number): Activation {
  if (!Number.isFinite(alpha) || alpha < 0) {
    throw new ValueError(`leakyRelu: alpha must be a finite number ≥ 0, got ${alpha}`);
  }
  return define(fromTable(T.denseActivations.leakyRelu, alpha));
}

const builtins: Record<Exclude<ActivationName, "leakyRelu">, Activation> & { leakyRelu: Activation } = {
  relu: define(fromTable(T.denseActivations.relu, 0)),
  leakyRelu: leaky(0.01),
  sigmoid: define(fromTable(T.denseActivations.sigmoid, 0)),
  tanh: define(fromTable(T.denseActivations.tanh, 0)),
  // Over the rows (one column per example): dZ = A ⊙ (dA − Σ_rows dA ⊙ A)
  softmax: define({
    name: "softmax",
    value: (z) => T.softmax(z, { axis: 0 }),
    backward: (dA, z, softmax) => {
      const a = softmax(z);
      return mul(a, sub(dA, sum(mul(dA, a), { axis: 0, keepDims: true })));
    },
    elementwise: false,
    onnx: (graph, z) => graph.node("Softmax", [z], { axis: 0 })[0]!,
  }),
  identity: define(fromTable(T.denseActivations.identity, 0)),
};

/**
 * The names {@link activation} accepts, in a fixed order (see {@link ActivationName} for each
 * formula).
 *
 * @example
 * ```ts
 * import { activation, activationNames } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * console.log(activationNames); // ["relu", "leakyRelu", "sigmoid", "tanh", "softmax", "identity"]
 * console.log(activationNames.map((name) => activation(name).forward(tensor([0])).item())); // [0, 0, 0.5, 0, 1, 0]
 * ```
 */
export const activationNames: readonly ActivationName[] = Object.keys(builtins) as ActivationName[];

/**
 * Looks up an activation: a name (`"relu"`, `"leakyRelu"` with slope 0.01, `"sigmoid"`, `"tanh"`,
 * `"softmax"` over the rows, `"identity"`), `{ name: "leakyRelu", alpha }`, or an Activation.
 * Its `forward` maps Z[l] (n[l], m) to A[l] of the same shape (see {@link ActivationName}).
 *
 * @throws ValueError for an unknown name or a bad slope, listing the names.
 * @example
 * ```ts
 * import { activation } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const g = activation({ name: "leakyRelu", alpha: 0.1 });
 * console.log(g.forward(tensor([-2, 3], { dtype: "float64" })).toArray()); // [-0.2, 3]
 * console.log(g.derivative!(tensor([-2, 3], { dtype: "float64" })).toArray()); // [0.1, 1]
 * ```
 */
export function activation(spec: ActivationSpec): Activation {
  if (typeof spec === "object" && spec !== null && "forward" in spec) return spec;
  if (typeof spec === "object" && spec !== null && spec.name === "leakyRelu") return leaky(spec.alpha);
  if (typeof spec === "string" && Object.hasOwn(builtins, spec)) return builtins[spec];
  throw new ValueError(`activation: unknown activation ${JSON.stringify(spec)}; expected one of ${activationNames.join(", ")}`);
}
