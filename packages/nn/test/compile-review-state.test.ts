// State a layer reads that changes between calls of a compiled step, outside its arguments: each
// must be read when the replayed work runs (or guarded), so that a replay equals an eager call.
import { describe, expect, it } from "vitest";
import { compile } from "@strata/autograd";
import { BatchNorm1d, BatchNorm2d, Conv2d, Dropout, Dropout2d, Flatten, GRU, LayerNorm, Linear, MaxPool2d, Module, MultiheadAttention, Sequential, Tanh } from "@strata/nn";
import type { Operand, Variable } from "@strata/autograd";
import { kernelOptions, makeResident, manualSeed, randn, rng, zeros, type Tensor } from "@strata/tensor";

const numbers = (t: Tensor): number[] => Array.from(t.contiguous().toTypedArray() as ArrayLike<number>);
const state = (m: Module): Record<string, number[]> => Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, numbers(t)]));

/** Runs `between(model, call)` before each of five forward calls, eagerly and compiled; the outputs and states must agree. */
function compare(make: () => Module, shape: number[], between: (model: Module, call: number) => void): void {
  const [eager, compiled] = [make(), make()];
  const forward = compile((x: Tensor) => compiled.forward(x).data, { onRefusal: "error" });
  for (let call = 0; call < 5; call++) {
    const x = randn(shape, { rng: rng(100 + call), dtype: "float64" });
    between(eager, call);
    const want = numbers(eager.forward(x).data);
    between(compiled, call);
    expect(numbers(forward(x))).toEqual(want);
    expect(state(compiled)).toEqual(state(eager));
  }
  expect(forward.status.replays).toBeGreaterThan(0);
}

describe("a compiled forward reads changing layer state when it replays", () => {
  // `momentum` is readonly in the type, but a plain field in JavaScript (and settable in PyTorch);
  // the compile guide names it among what a replay reads at every call
  it("BatchNorm's momentum, changed between calls", () => {
    compare(() => new BatchNorm1d(3, { dtype: "float64" }), [6, 3], (m, call) => {
      (m as unknown as { momentum: number | null }).momentum = [0.1, 0.5, null, 0.9, 0.25][call]!;
    });
  });

  it("BatchNorm's running statistics replaced with setBuffer between calls", () => {
    compare(() => new BatchNorm1d(3, { dtype: "float64" }), [6, 3], (m, call) => {
      if (call === 2) m.setBuffer("running_mean", zeros([3], { dtype: "float64" }));
    });
  });

  it.each([
    ["Dropout", () => new Sequential(new Linear(4, 4, { rng: rng(1), dtype: "float64" }), new Dropout(0.5)), [8, 4]],
    ["Dropout2d", () => new Dropout2d(0.5), [4, 6, 2, 2]],
  ] as const)("%s without its own generator draws from the default stream as it is after manualSeed", (_, make, shape) => {
    compare(make, [...shape], (_m, call) => manualSeed(7 + (call % 2)));
  });

  // A forward hook present at the recording refuses it; registering one afterwards makes the next
  // call record afresh (invalidateRecordings), which the hook then refuses: it runs eagerly.
  it("a forward hook registered between calls runs, as eagerly", () => {
    const layer = new Linear(3, 2, { rng: rng(1), dtype: "float64" });
    const forward = compile((x: Tensor) => layer.forward(x).data, { onRefusal: "silent" });
    let calls = 0;
    for (let k = 0; k < 4; k++) {
      if (k === 2) layer.registerForwardHook(() => void calls++);
      forward(randn([2, 3], { rng: rng(k), dtype: "float64" }));
    }
    expect(calls).toBe(2);
  });

});

/** Conv, batch norm, pooling, attention, a GRU and layer norm in one forward: (N, 2, 6, 6) → (N, 3). */
class Mixed extends Module {
  conv = new Sequential(new Conv2d(2, 4, 3, { rng: rng(1), dtype: "float64" }), new BatchNorm2d(4, { dtype: "float64" }), new Tanh(), new MaxPool2d(2), new Flatten());
  attn = new MultiheadAttention(4, 2, { batchFirst: true, rng: rng(2), dtype: "float64" });
  gru = new GRU(4, 5, { batchFirst: true, rng: rng(3), dtype: "float64" });
  norm = new LayerNorm(5, { dtype: "float64" });
  out = new Linear(5, 3, { rng: rng(4), dtype: "float64" });
  forward(x: Operand): Variable {
    const seq = this.conv.forward(x).reshape([-1, 4, 4]); // (N, 4 positions, 4 channels)
    const [a] = this.attn.forward(seq, seq, seq);
    return this.out.forward(this.norm.forward(this.gru.forward(a)[0].mean({ axis: 1 })));
  }
}

describe.skipIf(!kernelOptions().wasm)("parameters moved into the kernels' memory after a recording", () => {
  // makeResident swaps a tensor's array; work that took the array at setup would go on reading
  // (and writing) the old one
  it("a compiled forward recorded before makeResident reads the moved parameters and their later values", () => {
    const [eager, compiled] = [new Mixed(), new Mixed()];
    const forward = compile((x: Tensor) => compiled.forward(x).data, { onRefusal: "error" });
    for (let call = 0; call < 5; call++) {
      const x = randn([3, 2, 6, 6], { rng: rng(100 + call), dtype: "float64" });
      if (call === 2) for (const t of [...compiled.parameters().map((p) => p.data), ...compiled.buffers()]) makeResident(t);
      if (call >= 2) for (const m of [eager, compiled]) for (const p of m.parameters()) p.data.mulInPlace(0.9);
      expect(numbers(forward(x))).toEqual(numbers(eager.forward(x).data));
      expect(state(compiled)).toEqual(state(eager));
    }
    expect(forward.status.replays).toBe(4);
  });
});
