"""Times one full-batch SGD step of a fully connected network in PyTorch, for
bench/src/peers/pytorch.ts: Linear layers with ReLU between them (torch.nn.Sequential), then
either mean cross-entropy over integer classes (the MLP) or a sigmoid output with binary
cross-entropy against 0/1 labels (the course network).

Strata keeps examples as columns and W[l] as (n[l], n[l-1]), which is torch.nn.Linear's weight
layout, so the weights load as they are and only X is transposed to (m, n0). Prints the first two
losses (the caller compares them with Strata's) and the timed steps (ms).
"""
import torch

from step_timing import load_spec, run

spec = load_spec()
dims = spec["layerDims"]
layers = []
for l in range(1, len(dims)):
    layers.append(torch.nn.Linear(dims[l - 1], dims[l]))
    if l < len(dims) - 1:
        layers.append(torch.nn.ReLU())
model = torch.nn.Sequential(*layers)
with torch.no_grad():
    for l, linear in enumerate(model[::2]):
        linear.weight.copy_(spec[f"W{l}"].reshape(dims[l + 1], dims[l]))
        linear.bias.copy_(spec[f"b{l}"])
X = spec["X"].reshape(dims[0], spec["m"]).T.contiguous()
opt = torch.optim.SGD(model.parameters(), lr=spec["lr"])
if spec["head"] == "softmax":
    target = spec["classes"].long()
    loss_of = lambda out: torch.nn.functional.cross_entropy(out, target)
else:
    target = spec["labels"].reshape(spec["m"], 1)
    loss_of = lambda out: torch.nn.functional.binary_cross_entropy(torch.sigmoid(out), target)


def step():
    opt.zero_grad(set_to_none=True)
    loss = loss_of(model(X))
    loss.backward()
    opt.step()
    return loss.item()


run(step, spec, min_steps=10, min_seconds=1.0)
