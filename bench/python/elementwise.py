"""Times an elementwise op in PyTorch, for bench/src/peers/pytorch.ts: "relu" is torch.relu(x),
"mulAdd" is a * b + c as PyTorch users write it (torch.add(torch.mul(a, b), c): two kernels and an
intermediate, like the other frameworks' eager ops; torch.addcmul would fuse them). Writes the
first output for the caller to check against Strata's and prints the timed calls (ms).
"""
import torch

from step_timing import load_spec, run_op

spec = load_spec()
if spec["op"] == "relu":
    x = spec["x"]
    run_op(lambda: torch.relu(x), spec)
else:
    a, b, c = spec["a"], spec["b"], spec["c"]
    run_op(lambda: a * b + c, spec)
