// Recovers a rigid transform from noisy point pairs by gradient descent: the rotation is an
// axis-angle vector mapped to a matrix by Rodrigues' formula written with autograd ops.
import { add, cos, matmul, mean, mul, reshape, sin, sqrt, square, sub, sum, transpose, variable, type Variable } from "@strata/autograd";
import { Adam, CosineAnnealingLR } from "@strata/optim";
import { concat, eye, rand, randn, rng, tensor, toMat4, zeros, type Tensor } from "@strata/tensor";
import { mat4, quat, vec3 } from "gl-matrix";

export interface RunOptions {
  /** Number of points (default 200). */
  n?: number;
  /** Adam steps (default 400). */
  steps?: number;
  /** Seed of the points and the noise (default 3). */
  seed?: number;
  /** Standard deviation of the noise added to the transformed points (default 0.01). */
  sigma?: number;
}

export interface RunResult {
  truth: mat4;
  estimate: mat4;
  /** Angle of the relative rotation R_estᵀ·R_true, in degrees. */
  rotationErrorDeg: number;
  /** ‖t_est − t_true‖. */
  translationError: number;
  /** Largest distance between a point moved by the estimate and by the truth, over the (noise-free) points. */
  maxPointError: number;
  /** Root mean squared residual against the noisy targets at the end (≈ σ·√3 when it fits). */
  finalRms: number;
  losses: number[];
}

// Generators of rotations: K = Σ_i k_i·G_i is the cross-product matrix [k]×, so K·v = k × v.
const GENERATORS = tensor(
  [
    [[0, 0, 0], [0, 0, -1], [0, 1, 0]],
    [[0, 0, 1], [0, 0, 0], [-1, 0, 0]],
    [[0, -1, 0], [1, 0, 0], [0, 0, 0]],
  ],
  { dtype: "float64" },
);

// Added under the square root of ‖r‖: at r = 0 the norm's derivative r/‖r‖ is 0/0, and the
// tiny floor keeps θ > 0 so the gradient is finite (sin θ/θ → 1, so dR/dr → [·]× as it should).
const NORM_EPS = 1e-12;
const IDENTITY = eye(3, undefined, { dtype: "float64" });

/** Rodrigues' formula R = I + sin θ·K + (1 − cos θ)·K², θ = ‖r‖, K = [r/θ]×, as autograd ops. */
export function rodrigues(r: Variable): Variable {
  const theta = sqrt(add(sum(square(r)), NORM_EPS));
  const k = mul(r, reshape(theta, [1]).pow(-1));
  const K = sum(mul(reshape(k, [3, 1, 1]), GENERATORS), { axis: 0 });
  const I = IDENTITY;
  return add(add(I, mul(sin(theta), K)), mul(sub(1, cos(theta)), matmul(K, K)));
}

/** The 4×4 homogeneous matrix [R t; 0 1] of a rotation (3,3) and translation (3) as a gl-matrix mat4. */
function toHomogeneous(R: Tensor, t: Tensor): mat4 {
  const top = concat([R, t.reshape([3, 1])], { axis: 1 });
  const bottom = tensor([[0, 0, 0, 1]], { dtype: "float64" });
  return toMat4(concat([top, bottom], { axis: 0 }));
}

/** Rotation angle (radians) of the 3×3 part of a mat4, from atan2(‖vee(R − Rᵀ)‖/2, (tr R − 1)/2): unlike acos of the trace alone, it stays accurate for small angles. */
function rotationAngle(m: mat4): number {
  // gl-matrix is column-major: element (row i, col j) is m[4j + i].
  const at = (i: number, j: number) => m[4 * j + i]!;
  const s = Math.hypot(at(2, 1) - at(1, 2), at(0, 2) - at(2, 0), at(1, 0) - at(0, 1)) / 2;
  const c = (at(0, 0) + at(1, 1) + at(2, 2) - 1) / 2;
  return Math.atan2(s, c);
}

export function run(options: RunOptions = {}): RunResult {
  const { n = 200, steps = 400, seed = 3, sigma = 0.01 } = options;
  const g = rng(seed);

  // Ground truth: 70° about a tilted axis, then a translation; built and applied with gl-matrix.
  const axis = vec3.normalize(vec3.create(), [1, -2, 0.5]);
  const q = quat.setAxisAngle(quat.create(), axis, (70 * Math.PI) / 180);
  const truth = mat4.fromRotationTranslation(mat4.create(), q, [0.4, -0.7, 1.2]);

  // Points in the cube [−1, 1]³, moved by the truth, plus Gaussian noise.
  const P = rand([n, 3], { rng: g, dtype: "float64" }).mul(2).sub(1);
  const points = P.toArray() as [number, number, number][];
  const moved = points.map((p) => Array.from(vec3.transformMat4(vec3.create(), p, truth)));
  const Q = tensor(moved, { dtype: "float64" }).add(randn([n, 3], { rng: g, dtype: "float64", std: sigma }));

  // Parameters start at the identity transform: r = 0 (R = I), t = 0.
  const r = variable(zeros([3], { dtype: "float64" }), { requiresGrad: true, name: "r" });
  const t = variable(zeros([3], { dtype: "float64" }), { requiresGrad: true, name: "t" });
  const opt = new Adam([r, t], { lr: 0.05 });
  // Annealing the step to ~0 lets Adam settle at the minimum instead of jittering around it.
  const sched = new CosineAnnealingLR(opt, { tMax: steps });
  const residual = () => sub(add(matmul(P, transpose(rodrigues(r))), t), Q); // rows: R·p + t − q
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    opt.zeroGrad();
    // Mean over points of the squared residual length.
    const loss = mean(sum(square(residual()), { axis: 1 }));
    loss.backward();
    opt.step();
    sched.step();
    losses.push(loss.item());
  }

  const R = rodrigues(r).data;
  const estimate = toHomogeneous(R, t.data);

  // Relative transform est⁻¹·truth: the identity when the fit is exact.
  const inverse = mat4.invert(mat4.create(), estimate);
  if (!inverse) throw new Error("pose-fit: the recovered transform is singular");
  const rel = mat4.multiply(mat4.create(), inverse, truth);
  const tEst = mat4.getTranslation(vec3.create(), estimate);
  const tTrue = mat4.getTranslation(vec3.create(), truth);
  let maxPointError = 0;
  const a = vec3.create();
  const b = vec3.create();
  for (const p of points) {
    maxPointError = Math.max(maxPointError, vec3.distance(vec3.transformMat4(a, p, estimate), vec3.transformMat4(b, p, truth)));
  }
  const finalRms = Math.sqrt(mean(sum(square(residual()), { axis: 1 })).item());
  return {
    truth,
    estimate,
    rotationErrorDeg: (rotationAngle(rel) * 180) / Math.PI,
    translationError: vec3.distance(tEst, tTrue),
    maxPointError,
    finalRms,
    losses,
  };
}
