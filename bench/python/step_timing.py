"""The timing loop shared by bench/python's PyTorch steps (lenet_step.py, lstm_step.py, transformer_step.py).

Runs `step` twice for the losses the caller checks against Strata's, warms up, then times it with
the harness's repetitions and budget from the spec, and prints one JSON line.
"""
import json
import time

import torch


def load_params(model, spec):
    """Copies the spec's weights (PyTorch state-dict names, flat row-major values) into `model`."""
    state = {name: torch.tensor(p["data"], dtype=torch.float32).reshape(p["shape"]) for name, p in spec["params"].items()}
    model.load_state_dict(state, strict=True)


def tokens(spec):
    """The input ids tokens[:, :L] and the targets tokens[:, 1:] as int64 tensors."""
    t = torch.tensor(spec["tokens"], dtype=torch.int64).reshape(spec["batch"], spec["seqLen"] + 1)
    return t[:, :-1].contiguous(), t[:, 1:].contiguous()


def train_and_time(model, spec):
    """Loads the spec's weights into `model` and times its SGD step on the spec's tokens (see run)."""
    load_params(model, spec)
    x, y = tokens(spec)
    opt = torch.optim.SGD(model.parameters(), lr=spec["lr"])

    def step():
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(x).reshape(-1, spec["vocab"]), y.reshape(-1))
        loss.backward()
        opt.step()
        return loss.item()

    run(step, spec)


def run(step, spec, min_steps=10, min_seconds=2.0):
    losses = [step(), step()]
    # A fresh Python process pays for PyTorch's lazy start-up in its first steps (kernel selection,
    # page faults of its allocator), which the other frameworks have paid in the long-lived bench
    # process: warm up for at least min_steps steps and min_seconds, not just the plan's few.
    start = time.perf_counter()
    done = 0
    while done < max(spec["warmup"], min_steps) or time.perf_counter() - start < min_seconds:
        step()
        done += 1
    samples = []
    start = time.perf_counter()
    while len(samples) < spec["reps"] and (len(samples) < 3 or (time.perf_counter() - start) * 1000 < spec["budgetMs"]):
        t0 = time.perf_counter()
        step()
        samples.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"losses": losses, "samples": samples, "torch": torch.__version__, "threads": torch.get_num_threads()}))
