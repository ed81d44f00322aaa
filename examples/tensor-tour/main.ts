import { tensor, arange, zeros } from "@strata/tensor";
const a = arange(12).reshape([3, 4]);
console.log(a.toArray(), a.T.toArray(), a.slice(null, [null, null, -2]).toArray(), a.slice(1).toArray());
console.log(a.T.isContiguous, a.T.contiguous().toArray(), a.T.reshape([-1]).toArray());
console.log(tensor([1, 2]).broadcastTo([3, 2]).strides, zeros([0, 3]).toArray(), tensor(5).item(), a.cast("bool").toArray());
console.log(a.slice([5, 1, -1], [-1, -10, -1]).shape, a.unsqueeze(-1).shape, a.unsqueeze(0).squeeze().shape);
