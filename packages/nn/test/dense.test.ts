// Dense and deepNetwork under autograd against the building blocks (one implementation, two
// callers) and against gradcheck, including the second-order path.
import { describe, expect, it } from "vitest";
import { gradcheck, grad, sum, variable, type Variable } from "@strata/autograd";
import {
  Dense, binaryCrossEntropy, dense, deepNetwork, initializeParametersDeep, modelBackward, modelForward, zeros, type ParamDict,
} from "@strata/nn";
import { DTypeError, ShapeError, ValueError, rng, tensor, type Tensor } from "@strata/tensor";
import { errorOf } from "./helpers.js";
import { flatValues, sample } from "../../tensor/test/reference.js";

const dims = [5, 4, 3, 1];
const X = sample([5, 9], "float64", 31);
const Y = tensor([[1, 0, 0, 1, 1, 0, 1, 0, 1]], { dtype: "float64" });

function maxAbsDiff(a: Tensor, b: Tensor): number {
  const x = flatValues(a);
  const y = flatValues(b);
  expect(x.length).toBe(y.length);
  return x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i]!)), 0);
}

/** The network as a function of its parameters, through the functional `dense`. */
function networkLoss(...ps: Variable[]): Variable {
  let A: Variable | Tensor = X;
  const L = ps.length / 2;
  for (let l = 1; l <= L; l++) A = dense(A, ps[2 * l - 2]!, ps[2 * l - 1]!, l === L ? "sigmoid" : "relu");
  return binaryCrossEntropy(A, Y);
}

describe("Dense under autograd equals the building blocks", () => {
  // Non-zero biases: every Z stays away from relu's kink, where gradcheck would be meaningless.
  const model = deepNetwork(dims, { rng: rng(5), dtype: "float64" });
  const biases: ParamDict = { b1: sample([4, 1], "float64", 1, 0.1, 0.4), b2: sample([3, 1], "float64", 2, 0.1, 0.4), b3: sample([1, 1], "float64", 3) };
  model.loadStateDict({ ...model.stateDict(), ...biases });
  const params = model.stateDict();
  const loss = binaryCrossEntropy(model.forward(X), Y);
  loss.backward();
  const { AL, caches } = modelForward(X, params);
  const grads = modelBackward(AL, Y, caches);

  it("[5, 4, 3, 1] in float64: autograd dW, db equal modelBackward's to 1e-12", () => {
    let worst = 0;
    for (const [name, p] of model.namedParameters()) {
      expect(p.grad).not.toBeNull();
      worst = Math.max(worst, maxAbsDiff(p.grad!, grads[`d${name}`]!));
    }
    console.log(`[5, 4, 3, 1]: largest |autograd - modelBackward| over dW, db = ${worst.toExponential(2)}`);
    expect(worst).toBeLessThanOrEqual(1e-12);
    expect(flatValues(model.forward(X).data)).toEqual(flatValues(AL));
  });

  it("both agree with gradcheck (central differences in float64)", () => {
    const inputs = model.parameters().map((p) => p.data.clone());
    expect(gradcheck(networkLoss, inputs, { atol: 1e-7, rtol: 1e-6 }).passed).toBe(true);
    // The blocks' gradients against the same numeric derivative, element by element.
    const numeric = inputs.map((t, k) => flatValues(t).map((_, e) => {
      const f = (delta: number): number => {
        const shifted = inputs.map((u, j) => (j === k ? u.clone() : u));
        shifted[k]!.data[e] = shifted[k]!.data[e]! + delta;
        return networkLoss(...shifted.map((u) => variable(u))).item();
      };
      return (f(1e-6) - f(-1e-6)) / 2e-6;
    }));
    model.namedParameters().forEach(([name], k) => {
      expect(flatValues(grads[`d${name}`]!)).toAllClose(numeric[k]!, { rtol: 1e-6, atol: 1e-9 });
    });
  });

  it("dA_prev flows to the input: d loss/dX equals dA0 / m", () => {
    const x = variable(X, { requiresGrad: true });
    binaryCrossEntropy(model.forward(x), Y).backward();
    expect(x.grad!).toAllClose(grads.dA0!.div(9), { rtol: 1e-12, atol: 1e-15 });
  });
});

describe("Dense", () => {
  it.each(["relu", "sigmoid", "tanh", "identity", "leakyRelu", "softmax"] as const)("dense(%s) passes gradcheck in A, W and b", (name) => {
    const A = sample([3, 4], "float64", 41);
    const W = sample([2, 3], "float64", 42);
    const b = sample([2, 1], "float64", 43, 0.2, 0.6);
    const w = sample([2, 4], "float64", 44);
    expect(gradcheck((a, weights, bias) => dense(a, weights, bias, name).mul(w), [A, W, b]).passed).toBe(true);
  });

  // 6·9·8 = 432 multiply-adds: above the threshold from which the fused WebAssembly kernels
  // (T.denseForward and T.denseBackward) run the layer, when they are available
  it.each(["relu", "sigmoid", "tanh", "identity", "leakyRelu"] as const)("dense(%s) on the fused kernels passes gradcheck in A, W and b", (name) => {
    const A = sample([9, 8], "float64", 45);
    const W = sample([6, 9], "float64", 46);
    const b = sample([6, 1], "float64", 47, 0.2, 0.6);
    const w = sample([6, 8], "float64", 48);
    expect(gradcheck((a, weights, bias) => dense(a, weights, bias, name).mul(w), [A, W, b]).passed).toBe(true);
  });

  it.each(["sigmoid", "tanh", "softmax"] as const)("dense(%s): gradients of gradients (createGraph) pass gradcheck", (name) => {
    const A = sample([3, 4], "float64", 51);
    const b = sample([2, 1], "float64", 53);
    const w = sample([2, 4], "float64", 54);
    // f(W) = Σ (∂/∂W Σ w ⊙ dense(A, W, b))²: needs the recorded backward to be differentiable in W.
    const f = (W: Variable): Variable => {
      const g = grad((u: Variable) => sum(dense(A, u, b, name).mul(w)))(W) as Variable;
      return sum(g.mul(g));
    };
    expect(gradcheck(f, [sample([2, 3], "float64", 52)]).passed).toBe(true);
    const hvp = grad(f)(variable(sample([2, 3], "float64", 52))) as Variable;
    expect(flatValues(hvp.data).some((v) => v !== 0)).toBe(true);
  });

  it("computes only the gradients that are needed", () => {
    const layer = new Dense(3, 2, { activation: "tanh", rng: rng(1), dtype: "float64" });
    layer.b.requiresGrad = false;
    const x = variable(sample([3, 5], "float64", 61), { requiresGrad: false });
    sum(layer.forward(x)).backward();
    expect(layer.W.grad).not.toBeNull();
    expect(layer.b.grad).toBeNull();
    expect(x.grad).toBeNull();
  });

  it("names the layer in errors: rows, transposed input, dtype, non-2-D", () => {
    const net = deepNetwork([30, 20, 7, 5, 1], { rng: rng(0) });
    const wrong = net.layers[1]!;
    expect(() => wrong.forward(sample([7, 4], "float32"))).toThrow(ShapeError);
    expect(() => wrong.forward(sample([7, 4], "float32"))).toThrow("Dense(layer 2): expected input with 20 rows (n[1]), got 7");
    expect(() => net.forward(sample([12, 30], "float32"))).toThrow("Dense(layer 1): expected input with 30 rows (n[0]), got 12; it looks like (m, 30) with examples as rows: pass its transpose (examples are columns)");
    expect(() => net.forward(sample([30, 4], "float64"))).toThrow(DTypeError);
    expect(() => net.forward(sample([30, 4], "float64"))).toThrow('Dense(layer 1): input is float64 but the weights are float32; cast one of them (x.cast("float32"))');
    expect(() => new Dense(3, 2).forward(sample([3]))).toThrow("Dense(3→2): expected input of shape (3, m) with one column per example, got (3)");
    expect(() => new Dense(0, 2)).toThrow("Dense: nIn must be an integer ≥ 1, got 0");
    expect(() => dense(sample([3, 2]), sample([2, 4]), sample([2, 1]))).toThrow("dense: expected A_prev with 4 rows, got 3");
  });

  it("checks rng and dtype in the constructor, naming Dense, even when the initialiser draws nothing", () => {
    for (const init of [zeros(), undefined]) {
      const err = errorOf(() => new Dense(3, 2, { rng: { seed: 1 } as never, ...(init && { init }) }));
      expect(err).toBeInstanceOf(ValueError);
      expect(err.message).toBe("Dense: options.rng must be an Rng from rng(seed), got [object Object]");
      const bad = errorOf(() => new Dense(3, 2, { dtype: "int32", ...(init && { init }) }));
      expect(bad).toBeInstanceOf(DTypeError);
      expect(bad.message).toBe('Dense: options.dtype must be float32 or float64 (parameters are float), got "int32"');
    }
    const layer = new Dense(3, 2, { rng: rng(0), init: zeros(), dtype: "float64" });
    expect([layer.W.dtype, layer.b.dtype]).toEqual(["float64", "float64"]);
  });

  it("starts from the same weights as initializeParametersDeep with the same seed, in float32 too", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const net = deepNetwork(dims, { rng: rng(12), dtype });
      const params = initializeParametersDeep(dims, { rng: rng(12), dtype });
      for (const [name, p] of net.namedParameters()) expect(p.data.equals(params[name]!)).toBe(true);
    }
  });
});
