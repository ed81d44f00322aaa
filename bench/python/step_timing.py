"""The timing loop shared by bench/python's PyTorch workloads (training steps, products, elementwise ops).

`run` runs a training step twice for the losses the caller checks against Strata's, `run_op` runs
an op once and writes its output for the caller to check; both then warm up, time the call with
the harness's repetitions and budget from the spec, and print one JSON line.
"""
import json
import sys
import time

import numpy
import torch


def load_spec():
    """The spec named on the command line, with its binary arrays (spec["arrays"]: name -> file,
    dtype, shape) loaded as tensors under their names, and torch set to the spec's thread count."""
    spec = json.load(open(sys.argv[1]))
    for name, a in spec.get("arrays", {}).items():
        spec[name] = torch.from_numpy(numpy.fromfile(a["file"], dtype=a["dtype"]).reshape(a["shape"]))
    torch.set_num_threads(spec["threads"])
    return spec


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
    report({"losses": losses}, time_calls(step, spec, min_steps, min_seconds))


def run_op(op, spec, min_steps=10, min_seconds=1.0):
    """Writes op()'s first output to spec["resultFile"] (float32), then times op()."""
    op().numpy().astype(numpy.float32).tofile(spec["resultFile"])
    report({}, time_calls(op, spec, min_steps, min_seconds))


def report(fields, samples):
    print(json.dumps({**fields, "samples": samples, "torch": torch.__version__, "threads": torch.get_num_threads()}))


def time_calls(step, spec, min_steps, min_seconds):
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
    return samples
