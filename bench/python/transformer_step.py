"""Times one training step of the transformer workload of bench/src/attention.ts in PyTorch on one
thread: a 2-layer TransformerEncoder (batch-first, float32) forward, Σ y·g backward, an SGD step.

Reads the workload's sizes and the harness's timing plan from the JSON file named on the command
line and prints one JSON line: the time of each timed step in ms, the version and thread count.
"""
import json
import sys
import time

import torch

torch.set_num_threads(1)
spec = json.load(open(sys.argv[1]))
reps, budget_ms, warmup = spec["reps"], spec["budgetMs"], spec["warmup"]
torch.manual_seed(0)
layer = torch.nn.TransformerEncoderLayer(spec["dModel"], spec["nhead"], dim_feedforward=spec["dimFeedforward"],
                                         dropout=spec["dropout"], batch_first=True)
model = torch.nn.TransformerEncoder(layer, spec["layers"], enable_nested_tensor=False)
model.train()
x = torch.randn(spec["batch"], spec["seq"], spec["dModel"])
g = torch.randn(spec["batch"], spec["seq"], spec["dModel"])
opt = torch.optim.SGD(model.parameters(), lr=spec["lr"])


def step():
    opt.zero_grad(set_to_none=True)
    (model(x) * g).sum().backward()
    opt.step()


# a fresh process pays for PyTorch's lazy start-up in its first steps: warm up for 10 steps and 1 s
start = time.perf_counter()
done = 0
while done < max(warmup, 10) or time.perf_counter() - start < 1.0:
    step()
    done += 1
samples = []
start = time.perf_counter()
while len(samples) < reps and (len(samples) < 3 or (time.perf_counter() - start) * 1000 < budget_ms):
    t0 = time.perf_counter()
    step()
    samples.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"samples": samples, "torch": torch.__version__, "threads": torch.get_num_threads()}))
