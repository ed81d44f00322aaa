"""Times C = A·B or Aᵀ·B (A stored row-major, multiplied as the view a.T) in PyTorch, for
bench/src/peers/pytorch.ts. Reads A and B as binary float32 files named in the JSON spec, writes
the first product for the caller to check against Strata's, and prints the timed calls (ms).
"""
import torch

from step_timing import load_spec, run_op

spec = load_spec()
a, b = spec["a"], spec["b"]
if spec["transposeA"]:
    run_op(lambda: a.T @ b, spec)
else:
    run_op(lambda: a @ b, spec)
