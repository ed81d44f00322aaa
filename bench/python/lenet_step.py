"""Times one SGD step of the LeNet-like net in PyTorch on the spec's number of threads, for bench/src/peers/pytorch.ts.

Reads the workload (data, labels, initial weights in PyTorch's layout, learning rate) from the
JSON file named on the command line, checks nothing itself, and prints one JSON line: the first
two losses (the caller compares them with Strata's) and the time of each timed step in ms.
"""
import json
import sys

import torch

from step_timing import run

spec = json.load(open(sys.argv[1]))
torch.set_num_threads(spec["threads"])
n = spec["n"]

model = torch.nn.Sequential(
    torch.nn.Conv2d(1, 8, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Conv2d(8, 16, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Flatten(), torch.nn.Linear(256, 10),
)
with torch.no_grad():
    for index, name in ((0, "conv1"), (3, "conv2"), (7, "fc")):
        layer = spec[name]
        model[index].weight.copy_(torch.tensor(layer["weight"], dtype=torch.float32).reshape(layer["weightShape"]))
        model[index].bias.copy_(torch.tensor(layer["bias"], dtype=torch.float32))
X = torch.tensor(spec["X"], dtype=torch.float32).reshape(n, 1, 28, 28)
y = torch.tensor(spec["labels"], dtype=torch.int64)
opt = torch.optim.SGD(model.parameters(), lr=spec["lr"])
loss_fn = torch.nn.CrossEntropyLoss()


def step():
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(model(X), y)
    loss.backward()
    opt.step()
    return loss.item()


run(step, spec, min_steps=30, min_seconds=1.0)
