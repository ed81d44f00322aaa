"""Writes ../fixtures/functional.json: values and gradients of PyTorch 1.13's torch.nn.functional
ops that @strata/autograd mirrors (gelu, silu, hardtanh, relu6, batch_norm, cross_entropy,
nll_loss), in float64, for packages/autograd/test/functional-torch.test.ts. The tests never run
Python; run this once after changing a case, from this folder: python3 functional_reference.py
(Debian's python3-torch).

Gradients are of sum(out * r) for a fixed random r of out's shape (for a scalar loss, r = 1), so
every element of the upstream gradient differs and a transposed or misplaced gradient shows.
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(17)
D = torch.float64


def arr(t):
    return None if t is None else t.detach().tolist()


def upstream(out):
    return torch.ones((), dtype=D) if out.dim() == 0 else torch.randn(out.shape, dtype=D)


def grads(out, inputs):
    r = upstream(out)
    gs = torch.autograd.grad((out * r).sum(), [t for t in inputs if t is not None and t.requires_grad], allow_unused=True)
    return arr(r), [arr(g) for g in gs]


def leaf(t):
    return t.detach().clone().to(D).requires_grad_(True)


# ---- activations ---------------------------------------------------------------------------
activations = []
xs = torch.cat([torch.tensor([-1e4, -40.0, -6.0, -3.0, -1.0, -1e-8, 0.0, 1e-8, 0.5, 1.0, 1.0e0 + 1e-3, 2.0, 3.0, 6.0, 40.0, 1e4], dtype=D),
                torch.randn(24, dtype=D) * 3])
for name, fn in [("gelu", lambda x: F.gelu(x)), ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh")), ("silu", F.silu)]:
    x = leaf(xs)
    y = fn(x)
    r, (g,) = grads(y, [x])
    activations.append({"name": name, "x": arr(x), "y": arr(y), "r": r, "grad": g})
# hardtanh and relu6: values at and around the bounds, where PyTorch's derivative is 0 at the bound
xb = torch.tensor([-3.0, -1.0, -0.999, 0.0, 0.999, 1.0, 2.0, 5.999, 6.0, 6.5, -0.5, 0.25], dtype=D)
for name, fn in [("hardtanh", lambda x: F.hardtanh(x)), ("hardtanh_-0.5_2", lambda x: F.hardtanh(x, -0.5, 2.0)), ("relu6", F.relu6)]:
    x = leaf(xb)
    y = fn(x)
    r, (g,) = grads(y, [x])
    activations.append({"name": name, "x": arr(x), "y": arr(y), "r": r, "grad": g})

# ---- batch_norm ----------------------------------------------------------------------------
batch_norm = []


def bn_case(name, shape, training, affine=True, running=True, momentum=0.1, eps=1e-5, scale=2.0, shift=0.5):
    c = shape[1]
    x = leaf(torch.randn(shape, dtype=D) * scale + shift)
    w = leaf(torch.rand(c, dtype=D) + 0.5) if affine else None
    b = leaf(torch.randn(c, dtype=D)) if affine else None
    rm = torch.randn(c, dtype=D) * 0.1 if running else None
    rv = torch.rand(c, dtype=D) + 0.5 if running else None
    before = (arr(rm), arr(rv))
    y = F.batch_norm(x, rm, rv, w, b, training=training, momentum=momentum, eps=eps)
    r, gs = grads(y, [x, w, b])
    batch_norm.append({
        "name": name, "training": training, "momentum": momentum, "eps": eps,
        "x": arr(x), "shape": list(shape), "weight": arr(w), "bias": arr(b),
        "runningMean": before[0], "runningVar": before[1], "y": arr(y), "r": r,
        "gradX": gs[0], "gradWeight": gs[1] if affine else None, "gradBias": gs[2] if affine else None,
        "runningMeanAfter": arr(rm), "runningVarAfter": arr(rv),
    })


bn_case("(N, C) training", (6, 3), True)
bn_case("(N, C) eval", (6, 3), False)
bn_case("(N, C, L) training, momentum 0.3, eps 1e-3", (3, 2, 5), True, momentum=0.3, eps=1e-3)
bn_case("(N, C, L) eval", (3, 2, 5), False)
bn_case("(N, C, H, W) training", (2, 3, 3, 2), True, scale=3.0, shift=-1.0)
bn_case("(N, C, H, W) eval", (2, 3, 3, 2), False)
bn_case("(N, C, H, W) training without running statistics", (2, 3, 2, 3), True, running=False)
bn_case("(N, C) training without weight and bias", (5, 4), True, affine=False)
bn_case("(N, C, H, W) eval without weight and bias", (2, 2, 3, 3), False, affine=False)

# momentum=None: the layer's cumulative average over three batches (its F.batch_norm momentum is
# 1 / num_batches_tracked)
layer = torch.nn.BatchNorm2d(3, momentum=None).to(D)
with torch.no_grad():
    layer.running_mean.copy_(torch.randn(3, dtype=D))
    layer.running_var.copy_(torch.rand(3, dtype=D) + 0.5)
cumulative = {"runningMean": arr(layer.running_mean), "runningVar": arr(layer.running_var), "batches": []}
for _ in range(3):
    x = torch.randn(2, 3, 2, 2, dtype=D)
    layer(x)
    cumulative["batches"].append({"x": arr(x), "runningMeanAfter": arr(layer.running_mean), "runningVarAfter": arr(layer.running_var)})

# ---- cross_entropy and nll_loss ------------------------------------------------------------
cross_entropy = []


def ce_case(name, logits, target, **kw):
    x = leaf(logits)
    prob = target.is_floating_point()
    t = leaf(target) if prob else target
    weight = kw.get("weight")
    kw = {**kw, **({"weight": weight.to(D)} if weight is not None else {})}
    out = F.cross_entropy(x, t, **kw)
    r, gs = grads(out, [x, t] if prob else [x])
    options = {"reduction": kw.get("reduction", "mean"), "labelSmoothing": kw.get("label_smoothing", 0.0),
               "ignoreIndex": kw.get("ignore_index", -100), "weight": arr(weight)}
    cross_entropy.append({"name": name, "op": "crossEntropy", "input": arr(x), "inputShape": list(x.shape),
                          "target": arr(t), "targetShape": list(t.shape), "probabilities": prob, "options": options,
                          "out": arr(out), "r": r, "gradInput": gs[0], "gradTarget": gs[1] if prob else None})


def nll_case(name, logp, target, **kw):
    x = leaf(logp)
    weight = kw.get("weight")
    out = F.nll_loss(x, target, **{**kw, **({"weight": weight.to(D)} if weight is not None else {})})
    r, gs = grads(out, [x])
    options = {"reduction": kw.get("reduction", "mean"), "ignoreIndex": kw.get("ignore_index", -100), "weight": arr(weight)}
    cross_entropy.append({"name": name, "op": "nllLoss", "input": arr(x), "inputShape": list(x.shape),
                          "target": arr(target), "targetShape": list(target.shape), "probabilities": False, "options": options,
                          "out": arr(out), "r": r, "gradInput": gs[0], "gradTarget": None})


N, K = 6, 4
logits = torch.randn(N, K, dtype=D) * 2
labels = torch.tensor([0, 3, 1, 1, 2, 3])
with_ignored = torch.tensor([0, -100, 1, 1, -100, 3])
custom_ignored = torch.tensor([0, 2, 1, 2, 2, 3])
w = torch.tensor([0.5, 2.0, 1.0, 3.0], dtype=D)
soft = torch.softmax(torch.randn(N, K, dtype=D), 1)
for reduction in ["mean", "sum", "none"]:
    ce_case(f"(N, K) labels, {reduction}", logits, labels, reduction=reduction)
    ce_case(f"(N, K) labels, weight, ignored, {reduction}", logits, with_ignored, weight=w, reduction=reduction)
    ce_case(f"(N, K) labels, smoothing 0.2, ignored, {reduction}", logits, with_ignored, label_smoothing=0.2, reduction=reduction)
    ce_case(f"(N, K) labels, smoothing 0.2, weight, ignored, {reduction}", logits, with_ignored, label_smoothing=0.2, weight=w, reduction=reduction)
    ce_case(f"(N, K) probabilities, {reduction}", logits, soft, reduction=reduction)
    ce_case(f"(N, K) probabilities, weight, smoothing 0.3, {reduction}", logits, soft, weight=w, label_smoothing=0.3, reduction=reduction)
ce_case("(N, K) labels, ignoreIndex 2", logits, custom_ignored, ignore_index=2)
ce_case("(N, K) labels, smoothing 1", logits, labels, label_smoothing=1.0)
ce_case("(N, K, d1, d2) labels, weight, smoothing 0.1", torch.randn(2, 3, 2, 3, dtype=D), torch.tensor([[[0, 1, 2], [2, -100, 0]], [[1, 1, 0], [2, 0, 1]]]),
        weight=torch.tensor([1.0, 2.0, 0.5], dtype=D), label_smoothing=0.1)
ce_case("(N, K, d1) labels, none", torch.randn(2, 3, 4, dtype=D), torch.tensor([[0, 1, 2, 2], [1, 0, 0, 2]]), reduction="none")
ce_case("(N, K, d1) probabilities", torch.randn(2, 3, 4, dtype=D), torch.softmax(torch.randn(2, 3, 4, dtype=D), 1))
ce_case("(K) unbatched label", torch.randn(5, dtype=D), torch.tensor(3))
ce_case("(K) unbatched probabilities, none", torch.randn(5, dtype=D), torch.softmax(torch.randn(5, dtype=D), 0), reduction="none")
ce_case("extreme logits ±1e4", torch.tensor([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [5e3, 1e4, -1e4]], dtype=D), torch.tensor([1, 2, 1]))
ce_case("extreme logits ±1e4, smoothing 0.1", torch.tensor([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4]], dtype=D), torch.tensor([1, 2]), label_smoothing=0.1)
nll_case("nll (N, K), weight, ignored", torch.log_softmax(logits, 1), with_ignored, weight=w)
nll_case("nll (N, K, d1), sum", torch.log_softmax(torch.randn(2, 3, 4, dtype=D), 1), torch.tensor([[0, 1, 2, 2], [1, 0, 0, 2]]), reduction="sum")

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "functional.json")
with open(out, "w") as f:
    json.dump({"generator": "packages/autograd/test/scripts/functional_reference.py (PyTorch %s)" % torch.__version__,
               "activations": activations, "batchNorm": batch_norm, "cumulative": cumulative, "crossEntropy": cross_entropy}, f)
    f.write("\n")
print("wrote", out, os.path.getsize(out), "bytes")
