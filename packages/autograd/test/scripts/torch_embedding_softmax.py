"""Writes embedding-softmax-torch.json (in ../fixtures): values and gradients of PyTorch's
F.embedding (with padding_idx and repeated ids), F.softmax and F.log_softmax on small float64
inputs, for embedding-softmax.test.ts to compare Strata's against (1e-6 relative). The tests
never run Python.

Each case holds the inputs, a random cotangent r, the output y and the gradients of sum(y * r).
Softmax cases also hold second derivatives: with gx the first gradient (create_graph=True), the
gradients of sum(gx * s) with respect to x and r.

Run with: /usr/bin/python3 packages/autograd/test/scripts/torch_embedding_softmax.py   (PyTorch 1.13)
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(18)
DT = torch.float64


def normal(*shape):
    return torch.round(torch.randn(*shape, dtype=DT) * 1e4) / 1e4


def values(t):
    return t.detach().tolist()


def embedding_case(name, ids, num, dim, padding_idx):
    weight = normal(num, dim).requires_grad_()
    ids_t = torch.tensor(ids, dtype=torch.long)
    y = F.embedding(ids_t, weight, padding_idx=padding_idx)
    r = normal(*y.shape)
    (gw,) = torch.autograd.grad((y * r).sum(), [weight])
    return {"name": name, "ids": ids, "weight": values(weight), "paddingIdx": padding_idx, "r": values(r), "y": values(y), "gradWeight": values(gw)}


def softmax_case(name, op, shape, dim, transpose=None):
    x = normal(*shape)
    if transpose is not None:
        x = x.transpose(*transpose)
    x = x.detach().requires_grad_()
    fn = F.softmax if op == "softmax" else F.log_softmax
    y = fn(x, dim=dim)
    r = normal(*y.shape).requires_grad_()
    (gx,) = torch.autograd.grad((y * r).sum(), [x], create_graph=True)
    s = normal(*gx.shape)
    ggx, ggr = torch.autograd.grad((gx * s).sum(), [x, r])
    return {
        "name": name, "op": op, "x": values(x), "transpose": transpose, "axis": dim, "r": values(r), "s": values(s),
        "y": values(y), "gradX": values(gx), "secondX": values(ggx), "secondR": values(ggr),
    }


cases = {
    "embedding": [
        embedding_case("padding 1, repeated ids", [[1, 3, 3, 0], [4, 1, 2, 3]], 5, 3, 1),
        embedding_case("no padding, 1-D ids", [2, 2, 0, 5, 2], 6, 4, None),
        embedding_case("padding -1 (the last row)", [[[0, 3], [3, 1]]], 4, 2, -1),
    ],
    "softmax": [
        softmax_case("softmax last axis", "softmax", (2, 3, 4), -1),
        softmax_case("softmax axis 1", "softmax", (2, 3, 4), 1),
        softmax_case("logSoftmax last axis", "logSoftmax", (2, 3, 4), -1),
        softmax_case("logSoftmax axis 0 of a transposed input", "logSoftmax", (4, 3), 0, (0, 1)),
    ],
}

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "..", "fixtures", "embedding-softmax-torch.json"), "w") as f:
    json.dump(cases, f)
