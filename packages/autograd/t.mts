import { batchNorm, variable } from "@strata/autograd";
import { ones, tensor, zeros } from "@strata/tensor";
const x = variable([[1, 10], [3, 14]], { dtype: "float64", requiresGrad: true }); // N = 2, C = 2
const runningMean = zeros([2], { dtype: "float64" });
const runningVar = ones([2], { dtype: "float64" });
const y = batchNorm(x, runningMean, runningVar, tensor([1, 3], { dtype: "float64" }), null, { training: true, eps: 0 });
console.log(y.toArray());
console.log(runningMean.toArray(), runningVar.toArray());
const z = batchNorm(x, runningMean, runningVar, null, null, { eps: 0 });
console.log(z.toArray()[0]);
