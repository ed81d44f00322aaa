// The network the page trains and everything it asks of it, with no DOM in sight: a deepNetwork
// of tanh layers with a sigmoid output, Adam on every point at once (the sets are small), and the
// predicted probability over a grid for the heat map.
import { noGrad } from "@strata/autograd";
import { binaryCrossEntropy, deepNetwork, xavier, type DeepNetwork } from "@strata/nn";
import { Adam } from "@strata/optim";
import { rng, tensor, type Tensor } from "@strata/tensor";
import type { Point } from "./presets.js";

/** The shape of the network: `depth` hidden layers of `width` units. */
export interface Architecture {
  width: number;
  depth: number;
}

/** Trains a fresh network on a set of points that may change between steps. */
export class Trainer {
  readonly architecture: Architecture;
  /** Optimiser steps taken since the network was made. */
  steps = 0;
  private readonly model: DeepNetwork;
  private readonly optimizer: Adam;
  private data: { X: Tensor; Y: Tensor } | null = null;

  constructor(architecture: Architecture, seed = 0) {
    this.architecture = architecture;
    const dims = [2, ...Array.from({ length: architecture.depth }, () => architecture.width), 1];
    this.model = deepNetwork(dims, { hidden: "tanh", output: "sigmoid", init: xavier(), rng: rng(seed) });
    this.optimizer = new Adam(this.model.parameters(), { lr: 0.02 });
  }

  /** Trains on `points` from the next step on (kept as two tensors: X (2, m), Y (1, m)). */
  setPoints(points: readonly Point[]): void {
    this.data = points.length === 0 ? null : {
      X: tensor([points.map((p) => p.x), points.map((p) => p.y)]),
      Y: tensor([points.map((p) => p.label)]),
    };
  }

  /** One Adam step on every point; the loss before it, or null when there are no points. */
  step(): number | null {
    if (this.data === null) return null;
    this.optimizer.zeroGrad();
    const loss = binaryCrossEntropy(this.model.forward(this.data.X), this.data.Y);
    loss.backward();
    this.optimizer.step();
    this.steps += 1;
    return loss.item();
  }

  /**
   * The probability of class 1 at the centres of a `size` × `size` grid over [-1, 1]², row by row
   * from the top (y = 1) and left to right, as an image is laid out.
   */
  probabilities(size: number): Float32Array {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let row = 0; row < size; row++) {
      for (let col = 0; col < size; col++) {
        xs.push(-1 + (2 * col + 1) / size);
        ys.push(1 - (2 * row + 1) / size);
      }
    }
    const grid = tensor([xs, ys]);
    return noGrad(() => this.model.forward(grid).data.toTypedArray() as Float32Array);
  }
}
