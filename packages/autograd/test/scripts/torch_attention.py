"""Writes attention-torch.json (in ../fixtures): values and gradients of layer normalisation
(PyTorch's F.layer_norm) and of scaled dot-product attention, float64, for attention-torch.test.ts
to compare Strata's against (1e-6 relative). The tests never run Python.

PyTorch 1.13 has no F.scaled_dot_product_attention, so its reference here is written by hand from
the formula softmax(q·kᵀ·scale + mask)·v (a boolean mask: True takes part, as in PyTorch 2.x; a
float mask is added; is_causal keeps j <= i). A row whose every position is masked gives zeros
(Strata's documented rule; PyTorch 2.x gives NaN there).

Each case holds the inputs, a random cotangent r, the output y and the gradients of sum(y * r)
with respect to every float input.

Run with: /usr/bin/python3 packages/autograd/test/scripts/torch_attention.py   (PyTorch 1.13)
"""
import json
import math
import os

import torch
import torch.nn.functional as F

torch.manual_seed(23)
DT = torch.float64


def normal(*shape, mean=0.0, std=1.0):
    # four decimals keep the file small; the values are exact doubles either way
    return torch.round((torch.randn(*shape, dtype=DT) * std + mean) * 1e4) / 1e4


def flat(t):
    return {"shape": list(t.shape), "data": t.detach().reshape(-1).tolist()}


def case(name, op, options, inputs, fn):
    leaves = {k: (v.clone().requires_grad_(v.dtype == DT)) for k, v in inputs.items()}
    y = fn(**leaves)
    r = normal(*y.shape)
    float_leaves = {k: v for k, v in leaves.items() if v.requires_grad}
    grads = torch.autograd.grad((y * r).sum(), list(float_leaves.values()))
    return {
        "name": name,
        "op": op,
        "options": options,
        "inputs": {k: flat(v) if v.dtype == DT else {"shape": list(v.shape), "data": v.reshape(-1).tolist(), "dtype": "bool"} for k, v in inputs.items()},
        "cotangent": flat(r),
        "output": flat(y),
        "grads": {k: flat(g) for k, g in zip(float_leaves, grads)},
    }


def layer_norm_cases():
    out = []
    for shape, norm in [((2, 3, 5), [5]), ((2, 3, 4), [3, 4]), ((6, 7), [7])]:
        x = normal(*shape, mean=2.0, std=3.0)
        w = normal(*norm, mean=1.0, std=0.5)
        b = normal(*norm)
        out.append(case(f"layerNorm {shape} over {norm} with weight and bias", "layerNorm", {"normalizedShape": norm, "eps": 1e-5},
                        {"x": x, "weight": w, "bias": b}, lambda x, weight, bias: F.layer_norm(x, norm, weight, bias, 1e-5)))
    x = normal(3, 4, 6)
    out.append(case("layerNorm over 1 axis without weight or bias", "layerNorm", {"normalizedShape": [6], "eps": 1e-3},
                    {"x": x}, lambda x: F.layer_norm(x, [6], None, None, 1e-3)))
    w = normal(6, mean=1.0)
    out.append(case("layerNorm with a weight and no bias", "layerNorm", {"normalizedShape": [6], "eps": 1e-5},
                    {"x": x, "weight": w}, lambda x, weight: F.layer_norm(x, [6], weight, None, 1e-5)))
    return out


def sdpa(q, k, v, attn_mask=None, is_causal=False, scale=None):
    """softmax(q·kᵀ·scale + mask)·v from its formula; a fully masked row gives zeros."""
    L, S = q.shape[-2], k.shape[-2]
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    s = q @ k.transpose(-2, -1) * scale
    keep = None
    if is_causal:
        keep = torch.ones(L, S, dtype=torch.bool).tril()
    elif attn_mask is not None and attn_mask.dtype == torch.bool:
        keep = attn_mask
    elif attn_mask is not None:
        s = s + attn_mask
    if keep is not None:
        s = s.masked_fill(~keep, -math.inf)
    any_kept = torch.isfinite(s).any(-1, keepdim=True)
    p = torch.softmax(torch.where(any_kept, s, torch.zeros_like(s)), -1) * any_kept
    return p @ v


def sdpa_cases():
    out = []
    q, k, v = normal(2, 3, 4, 5), normal(2, 3, 6, 5), normal(2, 3, 6, 7)
    out.append(case("sdpa (2, 3, 4, 5) heads, default scale", "sdpa", {}, {"q": q, "k": k, "v": v}, sdpa))
    out.append(case("sdpa with scale 0.3", "sdpa", {"scale": 0.3}, {"q": q, "k": k, "v": v},
                    lambda q, k, v: sdpa(q, k, v, scale=0.3)))
    out.append(case("sdpa causal", "sdpa", {"isCausal": True}, {"q": q, "k": k, "v": v},
                    lambda q, k, v: sdpa(q, k, v, is_causal=True)))
    keep = torch.rand(4, 6) > 0.4
    keep[:, 0] = True
    out.append(case("sdpa boolean mask (L, S) broadcast, true takes part", "sdpa", {}, {"q": q, "k": k, "v": v, "attnMask": keep},
                    lambda q, k, v, attnMask: sdpa(q, k, v, attn_mask=attnMask)))
    fm = normal(3, 1, 6)
    out.append(case("sdpa float mask (3, 1, S) broadcast, added", "sdpa", {}, {"q": q, "k": k, "v": v, "attnMask": fm},
                    lambda q, k, v, attnMask: sdpa(q, k, v, attn_mask=attnMask)))
    part = torch.rand(2, 3, 4, 6) > 0.5
    part[0, 1, 2, :] = False  # one row with every position masked: zeros
    out.append(case("sdpa boolean mask with a fully masked row gives zeros there", "sdpa", {}, {"q": q, "k": k, "v": v, "attnMask": part},
                    lambda q, k, v, attnMask: sdpa(q, k, v, attn_mask=attnMask)))
    q3, k3, v3 = normal(4, 5), normal(3, 5), normal(3, 2)
    out.append(case("sdpa 2-D (L, E) without batch", "sdpa", {}, {"q": q3, "k": k3, "v": v3}, sdpa))
    return out


cases = layer_norm_cases() + sdpa_cases()
path = os.path.join(os.path.dirname(__file__), "..", "fixtures", "attention-torch.json")
with open(path, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f)
print(f"wrote {len(cases)} cases to {os.path.normpath(path)}")
