"""Times one SGD step of the LeNet-like net in PyTorch on one thread, for bench/src/peers/pytorch.ts.

Reads the workload (data, labels, initial weights in PyTorch's layout, learning rate) from the
JSON file named on the command line, checks nothing itself, and prints one JSON line: the first
two losses (the caller compares them with Strata's) and the time of each timed step in ms.
"""
import json
import sys
import time

import torch

torch.set_num_threads(1)
spec = json.load(open(sys.argv[1]))
reps, budget_ms, warmup = spec["reps"], spec["budgetMs"], spec["warmup"]
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


losses = [step(), step()]
# A fresh Python process: its first steps pay for PyTorch's lazy start-up (kernel selection, page
# faults of its allocator), which the other frameworks have paid in the long-lived bench process
# before their timed calls. So it warms up for at least 30 steps and 1 s, not just the plan's few.
start = time.perf_counter()
done = 0
while done < max(warmup, 30) or time.perf_counter() - start < 1.0:
    step()
    done += 1
samples = []
start = time.perf_counter()
while len(samples) < reps and (len(samples) < 3 or (time.perf_counter() - start) * 1000 < budget_ms):
    t0 = time.perf_counter()
    step()
    samples.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"losses": losses, "samples": samples, "torch": torch.__version__, "threads": torch.get_num_threads()}))
