"""Writes conv-pool-torch.json (in ../fixtures): values and gradients of PyTorch's convolutions and
poolings on small float64 inputs, for conv-pool-torch.test.ts to compare Strata's against (1e-6
relative). The tests never run Python.

Each case names a torch.nn.functional op, its options in Strata's camelCase spelling (translated
to PyTorch's below), the inputs, a random cotangent r, the output y and the gradients of
sum(y * r) with respect to every float input. Cases marked "double" also hold second
derivatives: with (gx, gw) the first gradients (create_graph=True), the gradients of
sum(gx * s) + sum(gw * t) with respect to x, the weight and r.

Run with: /usr/bin/python3 packages/autograd/test/scripts/torch_conv_pool.py   (PyTorch 1.13)
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(17)
DT = torch.float64


def normal(*shape):
    # four decimals keep the file small; the values are exact doubles either way
    return torch.round(torch.randn(*shape, dtype=DT) * 1e4) / 1e4


def distinct(*shape):
    """Values at least 0.2 apart (no ties), for max pooling away from ties."""
    n = 1
    for d in shape:
        n *= d
    return (torch.randperm(n).to(DT) * 0.25 - n / 8).reshape(shape)


def tied(*shape):
    """Small integers: many ties, to check that the first maximum in scan order wins."""
    return torch.randint(0, 3, shape).to(DT)


def pair(v):
    return tuple(v) if isinstance(v, list) else v


def torch_options(op, o):
    """Strata's option names to PyTorch's keyword arguments."""
    names = {"kernelSize": "kernel_size", "ceilMode": "ceil_mode", "countIncludePad": "count_include_pad",
             "divisorOverride": "divisor_override"}
    return {names.get(k, k): pair(v) for k, v in o.items() if k != "outputSize"}


def call(op, inputs, o):
    if op in ("conv1d", "conv2d"):
        return getattr(F, op)(inputs["x"], inputs["weight"], inputs.get("bias"), **torch_options(op, o))
    if op == "adaptiveAvgPool2d":
        return F.adaptive_avg_pool2d(inputs["x"], pair(o["outputSize"]))
    fn = {"maxPool2d": F.max_pool2d, "maxPool1d": F.max_pool1d, "avgPool2d": F.avg_pool2d, "avgPool1d": F.avg_pool1d}[op]
    return fn(inputs["x"], **torch_options(op, o))


def flat(t):
    # 12 significant digits: far below the tests' 1e-6 tolerance, a third smaller than 17
    return {"shape": list(t.shape), "data": [float(f"{v:.12g}") for v in t.detach().reshape(-1).tolist()]}


def case(name, op, options, double=False, **inputs):
    leaves = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
    y = call(op, leaves, options)
    r = normal(*y.shape)
    names = list(leaves)
    grads = torch.autograd.grad((y * r).sum(), [leaves[k] for k in names], create_graph=double)
    out = {
        "name": name, "op": op, "options": options,
        "inputs": {k: flat(v) for k, v in inputs.items()},
        "cotangent": flat(r), "output": flat(y),
        "grads": {k: flat(g) for k, g in zip(names, grads)},
    }
    if double:
        # second derivatives: d/d(x, weight, r) of sum(gx * s) + sum(gw * t)
        rr = r.clone().requires_grad_(True)
        y2 = call(op, leaves, options)
        gx, gw = torch.autograd.grad((y2 * rr).sum(), [leaves["x"], leaves["weight"]], create_graph=True)
        s, t = normal(*gx.shape), normal(*gw.shape)
        second = torch.autograd.grad((gx * s).sum() + (gw * t).sum(), [leaves["x"], leaves["weight"], rr])
        out["double"] = {"s": flat(s), "t": flat(t), "x": flat(second[0]), "weight": flat(second[1]), "cotangent": flat(second[2])}
    return out


cases = [
    case("conv2d 3→4, 3 × 3, bias", "conv2d", {}, x=normal(2, 3, 6, 5), weight=normal(4, 3, 3, 3), bias=normal(4)),
    case("conv2d stride 2, padding 1", "conv2d", {"stride": 2, "padding": 1}, double=True, x=normal(2, 2, 7, 7), weight=normal(3, 2, 3, 3), bias=normal(3)),
    case("conv2d stride [2, 1], padding [1, 2], dilation [1, 2], no bias", "conv2d", {"stride": [2, 1], "padding": [1, 2], "dilation": [1, 2]},
         x=normal(2, 2, 7, 6), weight=normal(3, 2, 3, 2)),
    case('conv2d padding "same", kernel (2, 4), dilation [2, 1]: odd totals', "conv2d", {"padding": "same", "dilation": [2, 1]},
         double=True, x=normal(1, 2, 5, 6), weight=normal(3, 2, 2, 4), bias=normal(3)),
    case('conv2d padding "valid"', "conv2d", {"padding": "valid"}, x=normal(2, 2, 4, 5), weight=normal(3, 2, 2, 3), bias=normal(3)),
    case("conv2d groups 2", "conv2d", {"groups": 2}, x=normal(2, 4, 5, 5), weight=normal(6, 2, 3, 3), bias=normal(6)),
    case('conv2d depthwise (groups 3, 2 filters each), padding "same"', "conv2d", {"groups": 3, "padding": "same"},
         double=True, x=normal(2, 3, 6, 6), weight=normal(6, 1, 3, 3), bias=normal(6)),
    case("conv2d unbatched (C, H, W)", "conv2d", {"padding": 1}, x=normal(3, 5, 5), weight=normal(2, 3, 3, 3), bias=normal(2)),
    case("conv2d 1 × 1", "conv2d", {}, x=normal(2, 3, 4, 4), weight=normal(5, 3, 1, 1), bias=normal(5)),
    case("conv1d stride 2, padding 1, dilation 2", "conv1d", {"stride": 2, "padding": 1, "dilation": 2}, x=normal(2, 3, 9), weight=normal(4, 3, 3), bias=normal(4)),
    case('conv1d padding "same", kernel 4', "conv1d", {"padding": "same"}, x=normal(2, 2, 7), weight=normal(3, 2, 4), bias=normal(3)),
    case("conv1d groups 2, unbatched", "conv1d", {"groups": 2}, x=normal(4, 6), weight=normal(2, 2, 3)),
    case("maxPool2d 2", "maxPool2d", {"kernelSize": 2}, x=distinct(2, 3, 6, 6)),
    case("maxPool2d 3, stride 2, padding 1, ceilMode", "maxPool2d", {"kernelSize": 3, "stride": 2, "padding": 1, "ceilMode": True}, x=distinct(2, 2, 7, 7)),
    case("maxPool2d [3, 2], stride [2, 1], padding 1, dilation [1, 2], ceilMode", "maxPool2d",
         {"kernelSize": [3, 2], "stride": [2, 1], "padding": 1, "dilation": [1, 2], "ceilMode": True}, x=distinct(2, 2, 7, 6)),
    case("maxPool2d 2, stride 1 on ties (first maximum in scan order)", "maxPool2d", {"kernelSize": 2, "stride": 1}, x=tied(2, 2, 5, 5)),
    case("maxPool2d 3, stride 2 on ties, unbatched", "maxPool2d", {"kernelSize": 3, "stride": 2, "padding": 1}, x=tied(2, 7, 7)),
    case("maxPool1d 3, stride 2, ceilMode", "maxPool1d", {"kernelSize": 3, "stride": 2, "ceilMode": True}, x=distinct(2, 3, 8)),
    case("avgPool2d 2", "avgPool2d", {"kernelSize": 2}, x=normal(2, 3, 4, 6)),
    case("avgPool2d 3, stride 2, padding 1, ceilMode", "avgPool2d", {"kernelSize": 3, "stride": 2, "padding": 1, "ceilMode": True}, x=normal(2, 2, 6, 7)),
    case("avgPool2d 3, stride 2, padding 1, ceilMode, countIncludePad false", "avgPool2d",
         {"kernelSize": 3, "stride": 2, "padding": 1, "ceilMode": True, "countIncludePad": False}, x=normal(2, 2, 6, 7)),
    case("avgPool2d [2, 3], stride 1, divisorOverride 5", "avgPool2d", {"kernelSize": [2, 3], "stride": 1, "divisorOverride": 5}, x=normal(1, 2, 4, 5)),
    case("avgPool1d 3, stride 2, padding 1, countIncludePad false", "avgPool1d", {"kernelSize": 3, "stride": 2, "padding": 1, "countIncludePad": False}, x=normal(2, 3, 8)),
    case("adaptiveAvgPool2d (7, 5) to [3, 2]", "adaptiveAvgPool2d", {"outputSize": [3, 2]}, x=normal(2, 2, 7, 5)),
    case("adaptiveAvgPool2d to 1", "adaptiveAvgPool2d", {"outputSize": 1}, x=normal(1, 3, 4, 4)),
    case("adaptiveAvgPool2d (3, 5) to [4, 7], unbatched", "adaptiveAvgPool2d", {"outputSize": [4, 7]}, x=normal(2, 3, 5)),
]

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "conv-pool-torch.json")
with open(path, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {len(cases)} cases to {os.path.normpath(path)} ({os.path.getsize(path)} bytes)")
