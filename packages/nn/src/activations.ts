// Each activation is written once: its value g(Z) as a tensor kernel and its derivative g'(Z) in
// autograd ops. The recorded op, the textbook building blocks and Dense all go through that one pair.
import { add, cast, defineFunction, gt, mul, sub, sum, variable, type Operand, type Variable } from "@strata/autograd";
import * as T from "@strata/tensor";
import { ValueError, type Tensor } from "@strata/tensor";
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
}

interface Definition {
  name: ActivationName;
  alpha?: number;
  value(z: Tensor): Tensor;
  /** g'(Z) in autograd ops; `self` is the activation's own recorded op, for g' written through g. */
  derivative?(z: Operand, self: (z: Operand) => Variable): Variable;
  /** dZ from dA when g' is not elementwise. */
  backward?(dA: Operand, z: Operand, self: (z: Operand) => Variable): Variable;
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
  });
  const derivative = def.derivative && ((z: Operand) => def.derivative!(z, op));
  const backward = (dA: Operand, z: Operand): Variable =>
    def.backward ? def.backward(dA, z, op) : mul(dA, derivative!(z));
  const act: Activation = { name: def.name, forward: op, backward, ...(derivative && { derivative }) };
  const out = def.alpha === undefined ? act : { ...act, alpha: def.alpha };
  builtIn.add(out);
  return out;
}

/** [Z > 0] in Z's own dtype, so float64 stays float64. */
function positive(z: Operand): Variable {
  return cast(gt(z, 0), tensorOf(z).dtype);
}

function leaky(alpha: number): Activation {
  if (!Number.isFinite(alpha) || alpha < 0) {
    throw new ValueError(`leakyRelu: alpha must be a finite number ≥ 0, got ${alpha}`);
  }
  return define({
    name: "leakyRelu",
    alpha,
    value: (z) => T.leakyRelu(z, alpha),
    // 1 where Z > 0, alpha elsewhere: alpha + (1 − alpha)·[Z > 0]
    derivative: (z) => add(mul(positive(z), 1 - alpha), alpha),
  });
}

const builtins: Record<Exclude<ActivationName, "leakyRelu">, Activation> & { leakyRelu: Activation } = {
  relu: define({ name: "relu", value: (z) => T.relu(z), derivative: positive }),
  leakyRelu: leaky(0.01),
  // σ'(Z) = σ(Z)·(1 − σ(Z))
  sigmoid: define({
    name: "sigmoid",
    value: (z) => T.sigmoid(z),
    derivative: (z, sigmoid) => {
      const s = sigmoid(z);
      return mul(s, sub(1, s));
    },
  }),
  // tanh'(Z) = 1 − tanh(Z)²
  tanh: define({
    name: "tanh",
    value: (z) => T.tanh(z),
    derivative: (z, tanh) => {
      const t = tanh(z);
      return sub(1, mul(t, t));
    },
  }),
  // Over the rows (one column per example): dZ = A ⊙ (dA − Σ_rows dA ⊙ A)
  softmax: define({
    name: "softmax",
    value: (z) => T.softmax(z, { axis: 0 }),
    backward: (dA, z, softmax) => {
      const a = softmax(z);
      return mul(a, sub(dA, sum(mul(dA, a), { axis: 0, keepDims: true })));
    },
  }),
  identity: define({
    name: "identity",
    value: (z) => z,
    derivative: (z) => variable(T.onesLike(tensorOf(z))),
    backward: (dA) => mul(dA, 1),
  }),
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
