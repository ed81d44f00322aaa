// The pointwise part of one LSTM or GRU step (everything after the two matrix products) as one
// loop over the batch each way: the gate nonlinearities, the state update and, backward, the
// closed-form derivatives. Composed from elementwise ops the same step takes a dozen passes and
// as many allocations per time step; here it is one pass and two or three outputs.
import { allocate, isFloatDType } from "./dtype.js";
import { DTypeError, ShapeError } from "./errors.js";
import { formatShape } from "./shape.js";
import { Tensor } from "./tensor.js";
import { compute } from "./record.js";

/** A 2-D tensor's values as rows: row r, column j is `t.data[offset + r·rowStride + j]` (data read in the work). */
interface Rows {
  t: Tensor;
  offset: number;
  rowStride: number;
}

/** Reads a (N, width) float tensor by rows without copying when its columns are adjacent. */
function rowsOf(op: string, name: string, t: Tensor, n: number, width: number, dtype: string): Rows {
  if (t.ndim !== 2 || t.shape[0] !== n || t.shape[1] !== width) {
    throw new ShapeError(`${op}: ${name} has shape ${formatShape(t.shape)}; expected (${n}, ${width})`);
  }
  if (t.dtype !== dtype) throw new DTypeError(`${op}: ${name} is ${t.dtype}; expected ${dtype}, as the gates`);
  const v = t.strides[1] === 1 || width <= 1 ? t : t.contiguous();
  return { t: v, offset: v.offset, rowStride: n <= 1 ? width : v.strides[0]! };
}

/** The batch size and hidden size of gates (N, k·H), checked. */
function gateLayout(op: string, gates: Tensor, k: number): { n: number; h: number } {
  if (gates.ndim !== 2 || gates.shape[1]! % k !== 0) {
    throw new ShapeError(`${op}: gates have shape ${formatShape(gates.shape)}; expected (N, ${k}·hiddenSize)`);
  }
  if (!isFloatDType(gates.dtype)) throw new DTypeError(`${op}: gates are ${gates.dtype}; expected float32 or float64`);
  return { n: gates.shape[0]!, h: gates.shape[1]! / k };
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * What {@link lstmCellForward} returns: the new hidden and cell states packed side by side in
 * `state` `(N, 2H)` = `[h' | c']`, and `activations` `(N, 4H)` = `[i | f | g | o]` after their
 * nonlinearities, which {@link lstmCellBackward} takes.
 *
 * @example
 * ```ts
 * import { lstmCellForward, zeros, type LstmCellForward } from "@strata/tensor";
 * const r: LstmCellForward = lstmCellForward(zeros([1, 4]), zeros([1, 1]));
 * console.log(r.state.toArray(), r.activations.toArray()); // [[0, 0]] [[0.5, 0.5, 0, 0.5]]
 * ```
 */
export interface LstmCellForward {
  /** `[h' | c']`, (N, 2H), the gates' dtype. */
  state: Tensor;
  /** `[σ(a_i) | σ(a_f) | tanh(a_g) | σ(a_o)]`, (N, 4H). */
  activations: Tensor;
}

/**
 * The pointwise half of an LSTM step, PyTorch's gate order: with `gates = x·W_ihᵀ + b_ih +
 * h·W_hhᵀ + b_hh` `(N, 4H)` split into `a_i, a_f, a_g, a_o`, `i = σ(a_i)`, `f = σ(a_f)`,
 * `g = tanh(a_g)`, `o = σ(a_o)`, `c' = f ⊙ c + i ⊙ g`, `h' = o ⊙ tanh(c')`. `c` is `(N, H)`, of the
 * gates' dtype; either may be a strided view whose rows are contiguous.
 *
 * @throws ShapeError when gates are not (N, 4H) or c is not (N, H).
 * @throws DTypeError when the gates are not float or c's dtype differs.
 * @example
 * ```ts
 * import { lstmCellForward, tensor } from "@strata/tensor";
 * // i = f = o = σ(0) = 0.5, g = tanh(0) = 0: c' = 0.5·2, h' = 0.5·tanh(1)
 * const { state } = lstmCellForward(tensor([[0, 0, 0, 0]], { dtype: "float64" }), tensor([[2]], { dtype: "float64" }));
 * console.log(state.toArray()); // [[0.3807970779778824, 1]]
 * ```
 */
export function lstmCellForward(gates: Tensor, c: Tensor): LstmCellForward {
  const op = "lstmCellForward";
  const { n, h: H } = gateLayout(op, gates, 4);
  const a = rowsOf(op, "gates", gates, n, 4 * H, gates.dtype);
  const cs = rowsOf(op, "c", c, n, H, gates.dtype);
  const state = allocate(gates.dtype, n * 2 * H, op);
  const act = allocate(gates.dtype, n * 4 * H, op);
  compute(() => {
    const [ad, csd] = [a.t.data, cs.t.data];
    for (let r = 0; r < n; r++) {
      const ga = a.offset + r * a.rowStride;
      const gc = cs.offset + r * cs.rowStride;
      const out = r * 4 * H;
      const so = r * 2 * H;
      for (let j = 0; j < H; j++) {
        const i = sigmoid(ad[ga + j]!);
        const f = sigmoid(ad[ga + H + j]!);
        const g = Math.tanh(ad[ga + 2 * H + j]!);
        const o = sigmoid(ad[ga + 3 * H + j]!);
        const cNew = f * csd[gc + j]! + i * g;
        act[out + j] = i;
        act[out + H + j] = f;
        act[out + 2 * H + j] = g;
        act[out + 3 * H + j] = o;
        state[so + H + j] = cNew;
        state[so + j] = o * Math.tanh(state[so + H + j]!);
      }
    }
  });
  return { state: new Tensor(state, [n, 2 * H]), activations: new Tensor(act, [n, 4 * H]) };
}

/**
 * What {@link lstmCellBackward} returns: the gradients of the pre-activation gates `(N, 4H)` and
 * of the previous cell state `(N, H)`.
 *
 * @example
 * ```ts
 * import { lstmCellBackward, lstmCellForward, zeros, type LstmCellGradients } from "@strata/tensor";
 * const c = zeros([1, 1]);
 * const { state, activations } = lstmCellForward(zeros([1, 4]), c);
 * const g: LstmCellGradients = lstmCellBackward(zeros([1, 2]), activations, c, state);
 * console.log(g.gates.toArray(), g.c.toArray()); // [[0, 0, 0, 0]] [[0]]
 * ```
 */
export interface LstmCellGradients {
  /** dL/d(gates), (N, 4H). */
  gates: Tensor;
  /** dL/dc, (N, H). */
  c: Tensor;
}

/**
 * The closed-form backward of {@link lstmCellForward}: from `grad` = dL/d[h' | c'] `(N, 2H)`, the
 * saved `activations` `[i | f | g | o]`, the previous `c` and the forward's `state`,
 * `dc' = grad_c + grad_h ⊙ o ⊙ (1 − tanh²c')`, then `da_i = dc'·g·i(1 − i)`,
 * `da_f = dc'·c·f(1 − f)`, `da_g = dc'·i·(1 − g²)`, `da_o = grad_h·tanh c'·o(1 − o)` and
 * `dc = dc'·f`. Any argument may be a strided view whose rows are contiguous.
 *
 * @throws ShapeError or DTypeError when the shapes or dtypes do not match the forward's.
 * @example
 * ```ts
 * import { lstmCellBackward, lstmCellForward, tensor } from "@strata/tensor";
 * const c = tensor([[2]], { dtype: "float64" });
 * const { state, activations } = lstmCellForward(tensor([[0, 0, 0, 0]], { dtype: "float64" }), c);
 * // dL/dc' = 1 only: da_g = 1·i = 0.5, dc = f = 0.5, da_f = c·f(1 − f) = 0.5
 * const g = lstmCellBackward(tensor([[0, 1]], { dtype: "float64" }), activations, c, state);
 * console.log(g.gates.toArray(), g.c.toArray()); // [[0, 0.5, 0.5, 0]] [[0.5]]
 * ```
 */
export function lstmCellBackward(grad: Tensor, activations: Tensor, c: Tensor, state: Tensor): LstmCellGradients {
  const op = "lstmCellBackward";
  const { n, h: H } = gateLayout(op, activations, 4);
  const dt = activations.dtype;
  const gs = rowsOf(op, "grad", grad, n, 2 * H, dt);
  const as = rowsOf(op, "activations", activations, n, 4 * H, dt);
  const cs = rowsOf(op, "c", c, n, H, dt);
  const ss = rowsOf(op, "state", state, n, 2 * H, dt);
  const dGates = allocate(dt, n * 4 * H, op);
  const dc = allocate(dt, n * H, op);
  compute(() => {
    const [gsd, asd, csd, ssd] = [gs.t.data, as.t.data, cs.t.data, ss.t.data];
    for (let r = 0; r < n; r++) {
      const g0 = gs.offset + r * gs.rowStride;
      const a0 = as.offset + r * as.rowStride;
      const c0 = cs.offset + r * cs.rowStride;
      const s0 = ss.offset + r * ss.rowStride;
      const out = r * 4 * H;
      for (let j = 0; j < H; j++) {
        const i = asd[a0 + j]!;
        const f = asd[a0 + H + j]!;
        const g = asd[a0 + 2 * H + j]!;
        const o = asd[a0 + 3 * H + j]!;
        const tc = Math.tanh(ssd[s0 + H + j]!);
        const gh = gsd[g0 + j]!;
        const dcNew = gsd[g0 + H + j]! + gh * o * (1 - tc * tc);
        dGates[out + j] = dcNew * g * i * (1 - i);
        dGates[out + H + j] = dcNew * csd[c0 + j]! * f * (1 - f);
        dGates[out + 2 * H + j] = dcNew * i * (1 - g * g);
        dGates[out + 3 * H + j] = gh * tc * o * (1 - o);
        dc[r * H + j] = dcNew * f;
      }
    }
  });
  return { gates: new Tensor(dGates, [n, 4 * H]), c: new Tensor(dc, [n, H]) };
}

/**
 * What {@link gruCellForward} returns: the new hidden state `h'` `(N, H)` and the values its
 * backward needs, `saved` `(N, 4H)` = `[r | z | n | hn]` with `hn = h·W_hnᵀ + b_hn`.
 *
 * @example
 * ```ts
 * import { gruCellForward, zeros, type GruCellForward } from "@strata/tensor";
 * const r: GruCellForward = gruCellForward(zeros([1, 3]), zeros([1, 3]), zeros([1, 1]));
 * console.log(r.h.toArray(), r.saved.toArray()); // [[0]] [[0.5, 0.5, 0, 0]]
 * ```
 */
export interface GruCellForward {
  /** h', (N, H). */
  h: Tensor;
  /** `[r | z | n | hn]`, (N, 4H). */
  saved: Tensor;
}

/**
 * The pointwise half of a GRU step, PyTorch's gate order and formula: with `gi = x·W_ihᵀ + b_ih`
 * and `gh = h·W_hhᵀ + b_hh` `(N, 3H)`, each split into its r, z, n parts,
 * `r = σ(gi_r + gh_r)`, `z = σ(gi_z + gh_z)`, `n = tanh(gi_n + r ⊙ gh_n)` (so `b_hn` is inside the
 * product with r) and `h' = (1 − z) ⊙ n + z ⊙ h`. Any argument may be a strided view whose rows are
 * contiguous.
 *
 * @throws ShapeError when gi or gh is not (N, 3H) or h is not (N, H).
 * @throws DTypeError when gi is not float or the others' dtype differs.
 * @example
 * ```ts
 * import { gruCellForward, tensor } from "@strata/tensor";
 * // r = z = σ(0) = 0.5, n = tanh(0) = 0: h' = 0.5·h
 * console.log(gruCellForward(tensor([[0, 0, 0]]), tensor([[0, 0, 0]]), tensor([[4]])).h.toArray()); // [[2]]
 * ```
 */
export function gruCellForward(gi: Tensor, gh: Tensor, h: Tensor): GruCellForward {
  const op = "gruCellForward";
  const { n, h: H } = gateLayout(op, gi, 3);
  const dt = gi.dtype;
  const is = rowsOf(op, "gi", gi, n, 3 * H, dt);
  const hs = rowsOf(op, "gh", gh, n, 3 * H, dt);
  const ps = rowsOf(op, "h", h, n, H, dt);
  const out = allocate(dt, n * H, op);
  const saved = allocate(dt, n * 4 * H, op);
  compute(() => {
    const [isd, hsd, psd] = [is.t.data, hs.t.data, ps.t.data];
    for (let row = 0; row < n; row++) {
      const i0 = is.offset + row * is.rowStride;
      const h0 = hs.offset + row * hs.rowStride;
      const p0 = ps.offset + row * ps.rowStride;
      const s0 = row * 4 * H;
      for (let j = 0; j < H; j++) {
        const r = sigmoid(isd[i0 + j]! + hsd[h0 + j]!);
        const z = sigmoid(isd[i0 + H + j]! + hsd[h0 + H + j]!);
        const hn = hsd[h0 + 2 * H + j]!;
        const nv = Math.tanh(isd[i0 + 2 * H + j]! + r * hn);
        out[row * H + j] = (1 - z) * nv + z * psd[p0 + j]!;
        saved[s0 + j] = r;
        saved[s0 + H + j] = z;
        saved[s0 + 2 * H + j] = nv;
        saved[s0 + 3 * H + j] = hn;
      }
    }
  });
  return { h: new Tensor(out, [n, H]), saved: new Tensor(saved, [n, 4 * H]) };
}

/**
 * What {@link gruCellBackward} returns: the gradients of gi and gh `(N, 3H)` and of h `(N, H)`.
 *
 * @example
 * ```ts
 * import { gruCellBackward, gruCellForward, zeros, type GruCellGradients } from "@strata/tensor";
 * const h = zeros([1, 1]);
 * const { saved } = gruCellForward(zeros([1, 3]), zeros([1, 3]), h);
 * const g: GruCellGradients = gruCellBackward(zeros([1, 1]), saved, h);
 * console.log(g.gi.toArray(), g.gh.toArray(), g.h.toArray()); // [[0, 0, 0]] [[0, 0, 0]] [[0]]
 * ```
 */
export interface GruCellGradients {
  /** dL/d(gi), (N, 3H). */
  gi: Tensor;
  /** dL/d(gh), (N, 3H). */
  gh: Tensor;
  /** dL/dh, (N, H). */
  h: Tensor;
}

/**
 * The closed-form backward of {@link gruCellForward}: from `grad` = dL/dh' `(N, H)`, the forward's
 * `saved` `[r | z | n | hn]` and the previous `h`: `dn = grad·(1 − z)`, `da_n = dn·(1 − n²)`,
 * `da_z = grad·(h − n)·z(1 − z)`, `da_r = da_n·hn·r(1 − r)`; then `dgi = [da_r | da_z | da_n]`,
 * `dgh = [da_r | da_z | da_n·r]` and `dh = grad·z`.
 *
 * @throws ShapeError or DTypeError when the shapes or dtypes do not match the forward's.
 * @example
 * ```ts
 * import { gruCellBackward, gruCellForward, tensor } from "@strata/tensor";
 * const h = tensor([[4]], { dtype: "float64" });
 * const { saved } = gruCellForward(tensor([[0, 0, 0]], { dtype: "float64" }), tensor([[0, 0, 0]], { dtype: "float64" }), h);
 * // z = 0.5: dh = 0.5, da_z = (4 − 0)·0.25 = 1, da_n = 0.5, da_r = 0.5·hn·0.25 = 0
 * const g = gruCellBackward(tensor([[1]], { dtype: "float64" }), saved, h);
 * console.log(g.gi.toArray(), g.gh.toArray(), g.h.toArray()); // [[0, 1, 0.5]] [[0, 1, 0.25]] [[0.5]]
 * ```
 */
export function gruCellBackward(grad: Tensor, saved: Tensor, h: Tensor): GruCellGradients {
  const op = "gruCellBackward";
  const { n, h: H } = gateLayout(op, saved, 4);
  const dt = saved.dtype;
  const gs = rowsOf(op, "grad", grad, n, H, dt);
  const ss = rowsOf(op, "saved", saved, n, 4 * H, dt);
  const ps = rowsOf(op, "h", h, n, H, dt);
  const dgi = allocate(dt, n * 3 * H, op);
  const dgh = allocate(dt, n * 3 * H, op);
  const dh = allocate(dt, n * H, op);
  compute(() => {
    const [gsd, ssd, psd] = [gs.t.data, ss.t.data, ps.t.data];
    for (let row = 0; row < n; row++) {
      const g0 = gs.offset + row * gs.rowStride;
      const s0 = ss.offset + row * ss.rowStride;
      const p0 = ps.offset + row * ps.rowStride;
      const o0 = row * 3 * H;
      for (let j = 0; j < H; j++) {
        const r = ssd[s0 + j]!;
        const z = ssd[s0 + H + j]!;
        const nv = ssd[s0 + 2 * H + j]!;
        const hn = ssd[s0 + 3 * H + j]!;
        const g = gsd[g0 + j]!;
        const daN = g * (1 - z) * (1 - nv * nv);
        const daZ = g * (psd[p0 + j]! - nv) * z * (1 - z);
        const daR = daN * hn * r * (1 - r);
        dgi[o0 + j] = daR;
        dgi[o0 + H + j] = daZ;
        dgi[o0 + 2 * H + j] = daN;
        dgh[o0 + j] = daR;
        dgh[o0 + H + j] = daZ;
        dgh[o0 + 2 * H + j] = daN * r;
        dh[row * H + j] = g * z;
      }
    }
  });
  return { gi: new Tensor(dgi, [n, 3 * H]), gh: new Tensor(dgh, [n, 3 * H]), h: new Tensor(dh, [n, H]) };
}
