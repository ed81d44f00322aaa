// A fully connected layer, recorded as one op whose backward is the building blocks' own
// linearActivationGradients: autograd and the textbook blocks share one implementation.
import { add, defineFunction, isGradEnabled, matmul, variable, Variable, type Operand } from "@strata/autograd";
import * as T from "@strata/tensor";
import { ShapeError, ValueError, zeros, type DType, type Rng, type Tensor } from "@strata/tensor";
import { activation as lookup, fusedName, type Activation, type ActivationSpec } from "./activations.js";
import { linearActivationForward, linearActivationGradients } from "./blocks.js";
import { checkLayerInput, checkWeights } from "./checks.js";
import { activationJSON, activationOf } from "./activation-json.js";
import { field } from "./config-fields.js";
import { checkParamOptions, defaultInit, zeros as zeroInit, type Initializer } from "./init.js";
import { layerEntry } from "./layer-type.js";
import { Module } from "./module.js";

/**
 * Options of {@link Dense}: the activation g in `A = g(W·A_prev + b)`, how W (nOut, nIn) is drawn,
 * the generator, and the dtype of W and b (nOut, 1).
 *
 * @example
 * ```ts
 * import { Dense, zeros, type DenseOptions } from "@strata/nn";
 * import { ones } from "@strata/tensor";
 * const options: DenseOptions = { activation: "sigmoid", init: zeros(), dtype: "float64" };
 * const layer = new Dense(2, 3, options);
 * // W = 0 and b = 0, so every unit gives σ(0)
 * console.log(layer.forward(ones([2, 1], { dtype: "float64" })).toArray()); // [[0.5], [0.5], [0.5]]
 * ```
 */
export interface DenseOptions {
  /** g, applied to Z = W·A + b; `"identity"` by default. */
  activation?: ActivationSpec;
  /** How W is drawn: He for ReLU-like activations, Xavier otherwise. b starts at zero. */
  init?: Initializer;
  /** The generator W is drawn from; the package's default stream when omitted. */
  rng?: Rng;
  /** float32 (default) or float64. */
  dtype?: DType;
}

const ops = new WeakMap<Activation, (...inputs: Operand[]) => Variable>();

/** The recorded op `A = g(W·A_prev + b)` for one activation, built once per activation. */
function denseOp(g: Activation): (...inputs: Operand[]) => Variable {
  let op = ops.get(g);
  if (op) return op;
  const fused = fusedName(g);
  op = defineFunction<Tensor>({
    name: `dense(${g.name})`,
    forward(ctx, Aprev, W, b) {
      const { A, cache } = linearActivationForward(Aprev as Tensor, W as Tensor, b as Tensor, g, `dense(${g.name})`);
      // the output too: sigmoid's and tanh's derivatives read it, and changing it in place is caught
      ctx.save(Aprev as Tensor, W as Tensor, b as Tensor, A);
      ctx.state = cache.Z;
      return A;
    },
    backward(ctx, dA) {
      const [Aprev, W, b, A] = ctx.saved as [Variable, Variable, Variable, Variable];
      if (fused !== null && !isGradEnabled()) {
        const grads = T.denseBackward(dA.data, Aprev.data, W.data, ctx.state!, A.data, fused, { alpha: g.alpha ?? 0, needs: ctx.needsInputGrad });
        return [grads.dX, grads.dW, grads.db];
      }
      // Under createGraph the gradients are differentiated again, so Z must be a function of the
      // inputs rather than the saved constant: recompute it (only then).
      const Z = isGradEnabled() ? add(matmul(W, Aprev), b) : ctx.state!;
      const { dAprev, dW, db } = linearActivationGradients(dA, Aprev, W, Z, g, 1, ctx.needsInputGrad);
      return [dAprev, dW, db];
    },
    // Z = W·A + b over columns, then g; an activation without an ONNX form is refused by name
    onnx: (graph, { inputs: [Aprev, W, b], output }) => {
      if (!g.onnx) throw new ValueError(`dense: the activation ${g.name} has no ONNX form (give the Activation an onnx(graph, z, dtype) method)`);
      return g.onnx(graph, graph.node("Add", [graph.node("MatMul", [W!, Aprev!])[0]!, b!])[0]!, output.dtype);
    },
  });
  ops.set(g, op);
  return op;
}

/**
 * The layer as a function: `g(W·A_prev + b)` for A_prev (n[l-1], m), W (n[l], n[l-1]) and
 * b (n[l], 1), giving (n[l], m), recorded as one op whose backward is the building
 * blocks' linearActivationBackward (with the 1/m already in the incoming gradient). What
 * {@link Dense} calls; useful for gradcheck or for weights that live outside a module.
 *
 * @throws ShapeError or DTypeError as {@link linearForward} does (a plain number for A_prev, W or b
 *   is a ShapeError); ValueError for an unknown activation or a bad leakyRelu slope.
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import { dense } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const W = variable([[2, -1]], { requiresGrad: true });
 * const y = dense(tensor([[1], [3]]), W, tensor([[0.5]]), "identity");
 * y.sum().backward();
 * console.log(y.toArray(), W.grad?.toArray()); // [[-0.5]] [[1, 3]]
 * ```
 */
export function dense(Aprev: Operand, W: Operand, b: Operand, activation: ActivationSpec = "identity"): Variable {
  const shaped = [Aprev, W, b].map((x) => (typeof x === "number" ? null : x));
  if (shaped.includes(null)) throw new ShapeError("dense: expected A_prev, W and b as tensors or variables, got a number");
  checkWeights("dense", shaped[1]!, shaped[2]!);
  checkLayerInput("dense", shaped[0]!, shaped[1]!.shape[1]!, shaped[1]!.dtype, undefined, "A_prev");
  return denseOp(lookup(activation))(Aprev, W, b);
}

/**
 * A fully connected layer: `A = g(W·A_prev + b)` with W (nOut, nIn), b (nOut, 1) and one column
 * per example. Its gradient is the course's linearActivationBackward with the 1/m already in the
 * incoming gradient: `dZ = dA * g'(Z)`, `dW = dZ·A_prevᵀ`, `db = Σ_columns dZ`, `dA_prev = Wᵀ·dZ`.
 * {@link dense} is the same as a function. Inside a Sequential or deepNetwork it knows its layer number l and says so in errors.
 *
 * @throws ValueError from the constructor when nIn or nOut is not an integer ≥ 1, the activation is
 *   unknown (or a leakyRelu slope is negative or not finite), or `rng` is not an Rng (checked up
 *   front, also with an initialiser that draws nothing such as `zeros()`); DTypeError when `dtype`
 *   is not float32 or float64.
 * @throws ShapeError from `forward` when the input is not (nIn, m); DTypeError when its dtype is
 *   not the weights'.
 * @example
 * ```ts
 * import { Dense } from "@strata/nn";
 * import { ones, rng } from "@strata/tensor";
 * const layer = new Dense(3, 2, { activation: "relu", rng: rng(0) });
 * console.log(layer.W.shape, layer.b.shape, layer.forward(ones([3, 5])).shape); // [2, 3] [2, 1] [2, 5]
 * console.log(String(layer)); // Dense(3, 2, activation=relu)
 * ```
 */
export class Dense extends Module<[Operand], Variable> {
  /** The weights W, (nOut, nIn). */
  readonly W: Variable;
  /** The bias b, (nOut, 1), broadcast over the columns. */
  readonly b: Variable;
  /** The activation g. */
  readonly activation: Activation;
  /** The number of inputs n[l-1]. */
  readonly nIn: number;
  /** The number of units n[l]. */
  readonly nOut: number;
  /** The layer number l in its network (1-based), set by Sequential and deepNetwork; used in errors. */
  layer: number | undefined = undefined;

  constructor(nIn: number, nOut: number, options: DenseOptions = {}) {
    super();
    for (const [label, n] of [["nIn", nIn], ["nOut", nOut]] as const) {
      if (!Number.isInteger(n) || n < 1) throw new ValueError(`Dense: ${label} must be an integer ≥ 1, got ${n}`);
    }
    this.nIn = nIn;
    this.nOut = nOut;
    this.activation = lookup(options.activation ?? "identity");
    const init = options.init ?? defaultInit(this.activation.name);
    const { dtype } = checkParamOptions("Dense", options);
    this.W = variable(init.weights(nOut, nIn, { dtype, ...(options.rng && { rng: options.rng }) }), { requiresGrad: true, name: "W" });
    this.b = variable(zeros([nOut, 1], { dtype }), { requiresGrad: true, name: "b" });
  }

  /** How errors name this layer: `Dense(layer 2)` in a network, `Dense(3→2)` alone. */
  get label(): string {
    return this.layer === undefined ? `Dense(${this.nIn}→${this.nOut})` : `Dense(layer ${this.layer})`;
  }

  /** `g(W·x + b)` for x of shape (nIn, m), a Tensor or Variable. */
  forward(x: Operand): Variable {
    if (typeof x === "number") throw new ShapeError(`${this.label}: expected input of shape (${this.nIn}, m), got the number ${x}`);
    checkLayerInput(this.label, x, this.nIn, this.W.dtype, this.layer);
    return denseOp(this.activation)(x, this.W, this.b);
  }

  /** `nIn, nOut, activation=g` (a leaky ReLU with its slope: `activation=leakyRelu(alpha=0.2)`). */
  override extraRepr(): string {
    const g = this.activation;
    return `${this.nIn}, ${this.nOut}, activation=${g.name === "leakyRelu" ? `leakyRelu(alpha=${g.alpha})` : g.name}`;
  }

  /** `Dense(layer l) g` in a network, `Dense(nIn→nOut) g` alone: the course's summary rows. */
  override summaryLabel(): string {
    return `${this.label} ${this.activation.name}`;
  }
}

/** Dense in architectures: `{ type: "dense", nIn, nOut, activation, dtype }`. @internal */
export const denseLayer = layerEntry(Dense, {
  type: "dense",
  fields: { nIn: field.integer({ min: 1 }), nOut: field.integer({ min: 1 }), activation: field.activation(), dtype: field.dtype() },
  config: (d) => ({ nIn: d.nIn, nOut: d.nOut, activation: activationJSON(d.activation), dtype: d.W.dtype as "float32" | "float64" }),
  // Zeros: the weights are about to be loaded, and drawing them would advance the default generator.
  fromConfig: (c) => new Dense(c.nIn, c.nOut, { activation: activationOf(c.activation), dtype: c.dtype, init: zeroInit() }),
  stateShapes: (c) => [["W", [c.nOut, c.nIn]], ["b", [c.nOut, 1]]],
});
