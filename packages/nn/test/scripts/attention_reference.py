"""Reference values for MultiheadAttention, TransformerEncoderLayer and TransformerEncoder of
@strata/nn, computed by PyTorch 1.13 in float64.

Writes attention-reference.json next to the other nn fixtures: for each case, the module's
constructor arguments in Strata's camelCase, its state dict (randomised away from the initial
zeros and ones, so every parameter matters), the mode, the inputs and masks, the forward options,
the outputs (and attention weights), the cotangents r (and rw), and the gradients of
sum(y * r) + sum(w * rw) with respect to every input and parameter. Boolean masks are written as
PyTorch reads them (True is masked out). The tests load the state dict into a Strata module built
with the same arguments and compare everything to 1e-6 relative.

Run: /usr/bin/python3 packages/nn/test/scripts/attention_reference.py
"""
import json
import os

import torch
from torch import nn

torch.manual_seed(29)
torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), "..", "fixtures")


def values(t, digits=None):
    """A tensor as JSON; computed values with 12 significant digits (the tests compare to 1e-6)."""
    if t.dtype == torch.bool:
        return {"shape": list(t.shape), "data": t.flatten().tolist(), "dtype": "bool"}
    data = t.detach().flatten().tolist()
    return {"shape": list(t.detach().shape), "data": data if digits is None else [float(f"{v:.{digits}g}") for v in data]}


def r4(t):
    """Four decimals keep the file small; the rounded values are exact doubles either way."""
    return torch.round(t * 1e4) / 1e4


def randomise(module):
    with torch.no_grad():
        for name, p in module.named_parameters():
            if "norm" in name and name.endswith("weight"):
                p.uniform_(0.5, 1.5)
            elif name.endswith("bias"):
                p.uniform_(-0.5, 0.5)
            p.copy_(r4(p))


def case(name, kind, args, module, inputs, masks, options, mode="train"):
    randomise(module)
    module.train(mode == "train")
    inputs = {k: r4(v) for k, v in inputs.items()}
    masks = {k: v if v.dtype == torch.bool else r4(v) for k, v in masks.items()}
    leaves = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
    if kind == "MultiheadAttention":
        call = {"key_padding_mask": masks.get("keyPaddingMask"), "attn_mask": masks.get("attnMask"),
                "need_weights": options.get("needWeights", True), "average_attn_weights": options.get("averageAttnWeights", True)}
        y, w = module(leaves["query"], leaves["key"], leaves["value"], **call)
    elif kind == "TransformerEncoderLayer":
        y, w = module(leaves["src"], src_mask=masks.get("srcMask"), src_key_padding_mask=masks.get("srcKeyPaddingMask")), None
    else:
        y, w = module(leaves["src"], mask=masks.get("mask"), src_key_padding_mask=masks.get("srcKeyPaddingMask")), None
    r = r4(torch.randn(*y.shape))
    loss = (y * r).sum()
    rw = None
    if w is not None:
        rw = r4(torch.randn(*w.shape))
        loss = loss + (w * rw).sum()
    params = dict(module.named_parameters())
    grads = torch.autograd.grad(loss, list(leaves.values()) + list(params.values()))
    names = list(leaves) + list(params)
    out = {
        "name": name, "kind": kind, "args": args, "mode": mode, "options": options,
        "state": {k: values(v) for k, v in module.state_dict().items()},
        "inputs": {k: values(v) for k, v in inputs.items()},
        "masks": {k: values(v) for k, v in masks.items()},
        "y": values(y, 12), "r": values(r), "grads": {k: values(g, 12) for k, g in zip(names, grads)},
    }
    if w is not None:
        out["w"], out["rw"] = values(w, 12), values(rw)
    return out


def mha_cases():
    out = []
    E, H = 8, 2
    L, S, N = 4, 5, 3
    m = nn.MultiheadAttention(E, H)
    x = torch.randn(L, N, E)
    out.append(case("self-attention (L, N, E), weights averaged", "MultiheadAttention", {"embedDim": E, "numHeads": H}, m,
                    {"query": x, "key": x.clone(), "value": x.clone()}, {}, {}))
    m = nn.MultiheadAttention(E, H, batch_first=True)
    bool_mask = torch.rand(L, S) > 0.7
    bool_mask[:, 0] = False
    out.append(case("batchFirst, cross-attention, boolean attnMask (L, S) true masked out, weights per head", "MultiheadAttention",
                    {"embedDim": E, "numHeads": H, "batchFirst": True}, m,
                    {"query": torch.randn(N, L, E), "key": torch.randn(N, S, E), "value": torch.randn(N, S, E)},
                    {"attnMask": bool_mask}, {"averageAttnWeights": False}))
    m = nn.MultiheadAttention(E, H)
    pad = torch.zeros(N, S, dtype=torch.bool)
    pad[0, 3:] = True
    pad[2, 4] = True
    out.append(case("float attnMask (N·H, L, S) and boolean keyPaddingMask", "MultiheadAttention", {"embedDim": E, "numHeads": H}, m,
                    {"query": torch.randn(L, N, E), "key": torch.randn(S, N, E), "value": torch.randn(S, N, E)},
                    {"attnMask": torch.randn(N * H, L, S), "keyPaddingMask": pad}, {}))
    m = nn.MultiheadAttention(E, H, batch_first=True)
    out.append(case("float keyPaddingMask", "MultiheadAttention", {"embedDim": E, "numHeads": H, "batchFirst": True}, m,
                    {"query": torch.randn(N, L, E), "key": torch.randn(N, S, E), "value": torch.randn(N, S, E)},
                    {"keyPaddingMask": torch.randn(N, S)}, {}))
    m = nn.MultiheadAttention(E, H, kdim=6, vdim=5)
    out.append(case("kdim 6 and vdim 5: separate projections, boolean keyPaddingMask", "MultiheadAttention",
                    {"embedDim": E, "numHeads": H, "kdim": 6, "vdim": 5}, m,
                    {"query": torch.randn(L, N, E), "key": torch.randn(S, N, 6), "value": torch.randn(S, N, 5)},
                    {"keyPaddingMask": pad}, {}))
    m = nn.MultiheadAttention(E, 4)
    causal = torch.triu(torch.ones(L, L, dtype=torch.bool), diagonal=1)
    xu = torch.randn(L, E)
    out.append(case("unbatched (L, E) with a causal boolean attnMask, 4 heads, weights per head", "MultiheadAttention",
                    {"embedDim": E, "numHeads": 4}, m, {"query": xu, "key": xu.clone(), "value": xu.clone()},
                    {"attnMask": causal}, {"averageAttnWeights": False}))
    m = nn.MultiheadAttention(E, H, bias=False)
    out.append(case("without biases, needWeights false", "MultiheadAttention", {"embedDim": E, "numHeads": H, "bias": False}, m,
                    {"query": torch.randn(L, N, E), "key": torch.randn(S, N, E), "value": torch.randn(S, N, E)}, {}, {"needWeights": False}))
    return out


def layer_cases():
    out = []
    E, H, F, S, N = 8, 2, 16, 5, 3
    causal = torch.triu(torch.ones(S, S, dtype=torch.bool), diagonal=1)
    m = nn.TransformerEncoderLayer(E, H, dim_feedforward=F, dropout=0.0)
    out.append(case("relu, norm after, (S, N, E), boolean causal srcMask", "TransformerEncoderLayer",
                    {"dModel": E, "nhead": H, "dimFeedforward": F, "dropout": 0}, m, {"src": torch.randn(S, N, E)}, {"srcMask": causal}, {}))
    m = nn.TransformerEncoderLayer(E, H, dim_feedforward=F, dropout=0.0, activation="gelu", norm_first=True, batch_first=True)
    pad = torch.zeros(N, S, dtype=torch.bool)
    pad[1, 3:] = True
    out.append(case("gelu, normFirst, batchFirst, srcKeyPaddingMask", "TransformerEncoderLayer",
                    {"dModel": E, "nhead": H, "dimFeedforward": F, "dropout": 0, "activation": "gelu", "normFirst": True, "batchFirst": True}, m,
                    {"src": torch.randn(N, S, E)}, {"srcKeyPaddingMask": pad}, {}))
    m = nn.TransformerEncoderLayer(E, H, dim_feedforward=F, dropout=0.1, layer_norm_eps=1e-3)
    out.append(case("relu, dropout 0.1 in evaluation, float srcMask, layerNormEps 1e-3", "TransformerEncoderLayer",
                    {"dModel": E, "nhead": H, "dimFeedforward": F, "dropout": 0.1, "layerNormEps": 1e-3}, m,
                    {"src": torch.randn(S, N, E)}, {"srcMask": torch.randn(S, S)}, {}, mode="eval"))
    m = nn.TransformerEncoderLayer(E, H, dim_feedforward=F, dropout=0.0, activation="gelu", norm_first=True)
    out.append(case("gelu, normFirst, (S, N, E), boolean causal srcMask and padding", "TransformerEncoderLayer",
                    {"dModel": E, "nhead": H, "dimFeedforward": F, "dropout": 0, "activation": "gelu", "normFirst": True}, m,
                    {"src": torch.randn(S, N, E)}, {"srcMask": causal, "srcKeyPaddingMask": pad}, {}))
    layer = nn.TransformerEncoderLayer(E, H, dim_feedforward=F, dropout=0.0, batch_first=True)
    enc = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(E), enable_nested_tensor=False)
    out.append(case("2-layer TransformerEncoder with a final LayerNorm, causal mask, batchFirst", "TransformerEncoder",
                    {"dModel": E, "nhead": H, "dimFeedforward": F, "dropout": 0, "batchFirst": True, "numLayers": 2, "norm": True}, enc,
                    {"src": torch.randn(N, S, E)}, {"mask": causal}, {}))
    return out


cases = mha_cases() + layer_cases()
path = os.path.join(OUT, "attention-reference.json")
with open(path, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f)
print(f"wrote {len(cases)} cases to {os.path.normpath(path)}")
