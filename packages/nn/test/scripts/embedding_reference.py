"""Writes embedding-reference.json (in ../fixtures): PyTorch 1.13's nn.Embedding for
embedding.test.ts to compare Strata's Embedding against (float64, 1e-6 relative): a state dict
(the weight drawn by PyTorch, padding row zeroed), the output for int ids with repeats and the
padding id, the weight's gradient of sum(y * r), and printed forms. The tests never run Python.

Run with: /usr/bin/python3 packages/nn/test/scripts/embedding_reference.py   (PyTorch 1.13)
"""
import json
import os

import torch
from torch import nn

torch.manual_seed(18)


def values(t):
    return t.detach().tolist()


cases = []
for name, num, dim, padding_idx, ids in [
    ("padding 2", 7, 3, 2, [[1, 2, 6, 1], [0, 2, 5, 1]]),
    ("padding -1 (row 4)", 5, 4, -1, [4, 0, 0, 3]),
    ("no padding", 6, 2, None, [[[5, 0], [0, 5]]]),
]:
    layer = nn.Embedding(num, dim, padding_idx=padding_idx, dtype=torch.float64)
    ids_t = torch.tensor(ids, dtype=torch.long)
    y = layer(ids_t)
    r = torch.round(torch.randn(*y.shape, dtype=torch.float64) * 1e4) / 1e4
    (y * r).sum().backward()
    cases.append({
        "name": name, "numEmbeddings": num, "embeddingDim": dim, "paddingIdx": padding_idx, "storedPaddingIdx": layer.padding_idx,
        "state": {k: values(v) for k, v in layer.state_dict().items()}, "ids": ids, "r": values(r), "y": values(y), "gradWeight": values(layer.weight.grad),
    })

pretrained = nn.Embedding.from_pretrained(torch.tensor([[1.0, 2.0], [3.0, 4.0]]), padding_idx=1)
printed = {
    "paddingIdx0": str(nn.Embedding(65, 32, padding_idx=0)),
    "plain": str(nn.Embedding(10, 4)),
    "negativePadding": str(nn.Embedding(10, 4, padding_idx=-2)),
    "pretrained": str(pretrained),
}

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "..", "fixtures", "embedding-reference.json"), "w") as f:
    json.dump({"cases": cases, "printed": printed, "pretrainedRequiresGrad": pretrained.weight.requires_grad}, f, indent=1)
