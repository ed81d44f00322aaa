"""Reference values for the batch-first layers of @strata/nn, computed by PyTorch 1.13.

Writes, next to the other nn fixtures:
- layers-reference.json: for each layer case, its initial state dict, and for a sequence of
  steps (training or evaluation) the input, the upstream gradient r, the output y, the gradients
  of sum(y * r) with respect to the input and every parameter, and the buffers after the step.
- layers-cnn.safetensors: the state dict of a small CNN (float64; num_batches_tracked as I64),
  written by hand from the format's definition (an 8-byte little-endian header length, the JSON
  header, the little-endian data), since the safetensors package is not installed.
- layers-cnn.json: that CNN's printed form, and its outputs and gradients in evaluation and in
  training mode for one input.

Run: /usr/bin/python3 packages/nn/test/scripts/layers_reference.py
"""
import json
import os
import struct

import torch
from torch import nn

torch.manual_seed(17)
torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), "..", "fixtures")


def values(t):
    return {"shape": list(t.shape), "data": t.detach().flatten().tolist()}


def randomise(module):
    """Affine BatchNorm parameters away from 1 and 0, so their gradients are tested."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith("weight") and p.ndim == 1:
                p.uniform_(0.5, 1.5)
            elif name.endswith("bias") and p.ndim == 1 and isinstance(module, nn.modules.batchnorm._BatchNorm):
                p.uniform_(-0.5, 0.5)


def run(name, module, shapes, modes):
    randomise(module)
    case = {"name": name, "initial": {k: values(v) for k, v in module.state_dict().items()}, "steps": []}
    for shape, mode in zip(shapes, modes):
        module.train(mode == "train")
        x = torch.randn(*shape, requires_grad=True)
        module.zero_grad(set_to_none=True)
        y = module(x)
        r = torch.randn(*y.shape)
        (y * r).sum().backward()
        step = {
            "mode": mode, "x": values(x), "r": values(r), "y": values(y), "dx": values(x.grad),
            "grads": {k: values(p.grad) for k, p in module.named_parameters()},
            "buffers": {k: values(b) for k, b in module.named_buffers()},
        }
        case["steps"].append(step)
    return case


TE = ["train", "eval"]
cases = [
    run("linear", nn.Linear(5, 3), [(4, 5)] * 2, TE),
    run("linearNoBias3d", nn.Linear(5, 3, bias=False), [(2, 4, 5)] * 2, TE),
    run("conv2d", nn.Conv2d(3, 4, 3, stride=2, padding=1), [(2, 3, 7, 7)] * 2, TE),
    run("conv2dGroups", nn.Conv2d(4, 8, (3, 2), padding=(1, 0), dilation=(2, 1), groups=2, bias=False), [(2, 4, 6, 5)] * 2, TE),
    run("conv2dDepthwiseSame", nn.Conv2d(3, 3, 3, padding="same", groups=3), [(2, 3, 5, 5)] * 2, TE),
    run("conv1d", nn.Conv1d(2, 4, 3, stride=2, padding=1, dilation=2), [(3, 2, 9)] * 2, TE),
    run("maxPool2d", nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), [(2, 2, 7, 7)] * 2, TE),
    run("maxPool2dDilation", nn.MaxPool2d(2, dilation=2), [(1, 2, 6, 6)] * 2, TE),
    run("avgPool2d", nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False), [(2, 2, 7, 7)] * 2, TE),
    run("avgPool2dDivisor", nn.AvgPool2d(2, divisor_override=3), [(1, 2, 4, 6)] * 2, TE),
    run("adaptiveAvgPool2d", nn.AdaptiveAvgPool2d((2, 3)), [(2, 2, 5, 7)] * 2, TE),
    run("batchNorm1d", nn.BatchNorm1d(3), [(6, 3), (6, 3), (4, 3)], ["train", "train", "eval"]),
    run("batchNorm1d3d", nn.BatchNorm1d(3, momentum=0.3), [(4, 3, 5)] * 3, ["train", "train", "eval"]),
    run("batchNorm2d", nn.BatchNorm2d(3), [(2, 3, 4, 5)] * 3, ["train", "train", "eval"]),
    run("batchNorm2dMomentumNone", nn.BatchNorm2d(3, momentum=None, eps=1e-3), [(2, 3, 4, 5)] * 4, ["train", "train", "train", "eval"]),
    run("batchNorm2dNoAffine", nn.BatchNorm2d(3, affine=False), [(2, 3, 4, 5)] * 3, ["train", "train", "eval"]),
    run("batchNorm2dNoTracking", nn.BatchNorm2d(3, track_running_stats=False), [(2, 3, 4, 5)] * 2, TE),
    run("flatten", nn.Flatten(), [(2, 3, 4, 5)] * 2, TE),
    run("flatten12", nn.Flatten(1, 2), [(2, 3, 4, 5)] * 2, TE),
    run("relu", nn.ReLU(), [(3, 4)] * 2, TE),
    run("leakyRelu", nn.LeakyReLU(0.2), [(3, 4)] * 2, TE),
    run("tanh", nn.Tanh(), [(3, 4)] * 2, TE),
    run("sigmoid", nn.Sigmoid(), [(3, 4)] * 2, TE),
    run("gelu", nn.GELU(), [(3, 4)] * 2, TE),
    run("geluTanh", nn.GELU(approximate="tanh"), [(3, 4)] * 2, TE),
    run("softmax", nn.Softmax(dim=1), [(3, 4)] * 2, TE),
    run("logSoftmax", nn.LogSoftmax(dim=-1), [(2, 3, 4)] * 2, TE),
    run("dropoutEval", nn.Dropout(0.5), [(3, 4)], ["eval"]),
    run("dropout2dEval", nn.Dropout2d(0.5), [(2, 3, 2, 2)], ["eval"]),
]
printed = {name: repr(m) for name, m in [
    ("linear", nn.Linear(5, 3)), ("linearNoBias", nn.Linear(5, 3, bias=False)),
    ("conv2d", nn.Conv2d(3, 4, 3, stride=2, padding=1)),
    ("conv2dGroups", nn.Conv2d(4, 8, (3, 2), padding=(1, 0), dilation=(2, 1), groups=2, bias=False)),
    ("conv2dDepthwiseSame", nn.Conv2d(3, 3, 3, padding="same", groups=3)),
    ("conv1d", nn.Conv1d(2, 4, 3, stride=2, padding=1, dilation=2)),
    ("maxPool2d", nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)),
    ("avgPool2d", nn.AvgPool2d(3, stride=2, padding=1)), ("adaptiveAvgPool2d", nn.AdaptiveAvgPool2d((2, 3))),
    ("batchNorm1d", nn.BatchNorm1d(3)), ("batchNorm2dMomentumNone", nn.BatchNorm2d(3, momentum=None, eps=1e-3)),
    ("flatten", nn.Flatten()), ("relu", nn.ReLU()), ("leakyRelu", nn.LeakyReLU(0.2)), ("tanh", nn.Tanh()),
    ("sigmoid", nn.Sigmoid()), ("gelu", nn.GELU()), ("softmax", nn.Softmax(dim=1)), ("logSoftmax", nn.LogSoftmax(dim=-1)),
]}
with open(os.path.join(OUT, "layers-reference.json"), "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases, "printed": printed}, f)


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 4, 3, padding=1, groups=4), nn.BatchNorm2d(4), nn.ReLU(),
        nn.Conv2d(4, 8, 1), nn.AdaptiveAvgPool2d((2, 2)), nn.Flatten(), nn.Linear(32, 5),
    )


model = cnn()
randomise(model)
for m in model:
    randomise(m)
model.train()
with torch.no_grad():  # running statistics away from 0 and 1
    for _ in range(3):
        model(torch.randn(4, 1, 8, 8) * 2 + 1)

header, chunks, offset = {}, [], 0
for name, t in model.state_dict().items():
    if t.dtype == torch.float64:
        code, data = "F64", struct.pack(f"<{t.numel()}d", *t.flatten().tolist())
    else:
        code, data = "I64", struct.pack(f"<{t.numel()}q", *t.flatten().tolist())
    header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
    chunks.append(data)
    offset += len(data)
text = json.dumps(header, separators=(",", ":")).encode()
text += b" " * (-len(text) % 8)
with open(os.path.join(OUT, "layers-cnn.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def cnn_step(mode):
    model.train(mode == "train")
    model.zero_grad(set_to_none=True)
    x = torch.randn(3, 1, 8, 8, requires_grad=True)
    y = model(x)
    r = torch.randn(*y.shape)
    (y * r).sum().backward()
    return {
        "mode": mode, "x": values(x), "r": values(r), "y": values(y), "dx": values(x.grad),
        "grads": {k: values(p.grad) for k, p in model.named_parameters()},
        "buffers": {k: values(b) for k, b in model.named_buffers()},
    }


steps = [cnn_step("eval"), cnn_step("train")]
with open(os.path.join(OUT, "layers-cnn.json"), "w") as f:
    json.dump({"torch": torch.__version__, "printed": repr(model), "steps": steps}, f)
