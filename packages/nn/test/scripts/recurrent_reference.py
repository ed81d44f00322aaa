"""Reference values for the recurrent layers and cells of @strata/nn, computed by PyTorch 1.13.

Writes packages/nn/test/fixtures/recurrent-reference.json: for each case, the layer's constructor
arguments, its state dict under PyTorch's names, the input x, the initial state (h0, or h0 and c0;
absent in some cases, meaning zeros), upstream gradients for the output and the final states, and
what PyTorch computes for them: the output, hN (cN), and the gradients of
L = sum(output * r) + sum(hN * rh) (+ sum(cN * rc)) with respect to x, h0 (c0) and every parameter.
float64 throughout; the cases are small so the file stays small.

Run: /usr/bin/python3 packages/nn/test/scripts/recurrent_reference.py
"""
import json
import os

import torch
from torch import nn

torch.manual_seed(18)
torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), "..", "fixtures", "recurrent-reference.json")


def values(t):
    return {"shape": list(t.shape), "data": [round(v, 17) for v in t.detach().flatten().tolist()]}


def sequence_case(name, kind, options, x_shape, with_state):
    cls = {"RNN": nn.RNN, "GRU": nn.GRU, "LSTM": nn.LSTM}[kind]
    torch_options = {
        "num_layers": options.get("numLayers", 1),
        "bias": options.get("bias", True),
        "batch_first": options.get("batchFirst", False),
        "bidirectional": options.get("bidirectional", False),
    }
    if "nonlinearity" in options:
        torch_options["nonlinearity"] = options["nonlinearity"]
    layer = cls(options["inputSize"], options["hiddenSize"], **torch_options)
    dirs = 2 if torch_options["bidirectional"] else 1
    x = torch.randn(*x_shape, requires_grad=True)
    unbatched = len(x_shape) == 2
    n = None if unbatched else (x_shape[0] if torch_options["batch_first"] else x_shape[1])
    state_shape = [torch_options["num_layers"] * dirs] + ([] if unbatched else [n]) + [options["hiddenSize"]]
    states = []
    if with_state:
        states = [torch.randn(*state_shape, requires_grad=True) for _ in range(2 if kind == "LSTM" else 1)]
        out, final = layer(x, (states[0], states[1]) if kind == "LSTM" else states[0])
    else:
        out, final = layer(x)
    finals = list(final) if kind == "LSTM" else [final]
    r = torch.randn(*out.shape)
    rs = [torch.randn(*f.shape) for f in finals]
    loss = (out * r).sum() + sum((f * g).sum() for f, g in zip(finals, rs))
    loss.backward()
    return {
        "name": name,
        "kind": kind,
        "options": options,
        "state": {k: values(v) for k, v in layer.state_dict().items()},
        "x": values(x),
        "initial": [values(s) for s in states],
        "r": values(r),
        "rFinal": [values(g) for g in rs],
        "output": values(out),
        "final": [values(f) for f in finals],
        "grads": {
            "x": values(x.grad),
            "initial": [values(s.grad) for s in states],
            "params": {k: values(p.grad) for k, p in layer.named_parameters()},
        },
        "printed": str(layer),
    }


def cell_case(name, kind, options, x_shape, with_state):
    cls = {"RNNCell": nn.RNNCell, "GRUCell": nn.GRUCell, "LSTMCell": nn.LSTMCell}[kind]
    torch_options = {"bias": options.get("bias", True)}
    if "nonlinearity" in options:
        torch_options["nonlinearity"] = options["nonlinearity"]
    cell = cls(options["inputSize"], options["hiddenSize"], **torch_options)
    x = torch.randn(*x_shape, requires_grad=True)
    state_shape = list(x_shape[:-1]) + [options["hiddenSize"]]
    states = []
    if with_state:
        states = [torch.randn(*state_shape, requires_grad=True) for _ in range(2 if kind == "LSTMCell" else 1)]
        out = cell(x, tuple(states) if kind == "LSTMCell" else states[0])
    else:
        out = cell(x)
    outs = list(out) if kind == "LSTMCell" else [out]
    rs = [torch.randn(*o.shape) for o in outs]
    sum((o * g).sum() for o, g in zip(outs, rs)).backward()
    return {
        "name": name,
        "kind": kind,
        "options": options,
        "state": {k: values(v) for k, v in cell.state_dict().items()},
        "x": values(x),
        "initial": [values(s) for s in states],
        "rFinal": [values(g) for g in rs],
        "final": [values(o) for o in outs],
        "grads": {
            "x": values(x.grad),
            "initial": [values(s.grad) for s in states],
            "params": {k: values(p.grad) for k, p in cell.named_parameters()},
        },
        "printed": str(cell),
    }


cases = [
    sequence_case("RNN tanh", "RNN", {"inputSize": 3, "hiddenSize": 4}, [5, 2, 3], True),
    sequence_case("RNN relu, no bias", "RNN", {"inputSize": 3, "hiddenSize": 4, "nonlinearity": "relu", "bias": False}, [4, 2, 3], True),
    sequence_case("GRU", "GRU", {"inputSize": 3, "hiddenSize": 4}, [5, 2, 3], True),
    sequence_case("LSTM", "LSTM", {"inputSize": 3, "hiddenSize": 4}, [5, 2, 3], True),
    sequence_case("LSTM zero state", "LSTM", {"inputSize": 3, "hiddenSize": 4}, [4, 3, 3], False),
    sequence_case("LSTM batchFirst", "LSTM", {"inputSize": 3, "hiddenSize": 4, "batchFirst": True}, [2, 5, 3], True),
    sequence_case("GRU batchFirst", "GRU", {"inputSize": 3, "hiddenSize": 4, "batchFirst": True}, [3, 4, 3], True),
    sequence_case("LSTM two layers bidirectional", "LSTM", {"inputSize": 3, "hiddenSize": 4, "numLayers": 2, "bidirectional": True}, [4, 2, 3], True),
    sequence_case("GRU two layers bidirectional batchFirst", "GRU", {"inputSize": 3, "hiddenSize": 2, "numLayers": 2, "bidirectional": True, "batchFirst": True}, [2, 4, 3], True),
    sequence_case("RNN two layers relu bidirectional", "RNN", {"inputSize": 2, "hiddenSize": 3, "numLayers": 2, "bidirectional": True, "nonlinearity": "relu"}, [4, 2, 2], True),
    sequence_case("LSTM unbatched", "LSTM", {"inputSize": 3, "hiddenSize": 4, "numLayers": 2}, [5, 3], True),
    sequence_case("GRU unbatched bidirectional", "GRU", {"inputSize": 3, "hiddenSize": 2, "bidirectional": True}, [4, 3], True),
    cell_case("RNNCell", "RNNCell", {"inputSize": 3, "hiddenSize": 4}, [2, 3], True),
    cell_case("RNNCell relu no state", "RNNCell", {"inputSize": 3, "hiddenSize": 4, "nonlinearity": "relu"}, [2, 3], False),
    cell_case("GRUCell", "GRUCell", {"inputSize": 3, "hiddenSize": 4}, [2, 3], True),
    cell_case("GRUCell unbatched, no bias", "GRUCell", {"inputSize": 3, "hiddenSize": 4, "bias": False}, [3], True),
    cell_case("LSTMCell", "LSTMCell", {"inputSize": 3, "hiddenSize": 4}, [2, 3], True),
    cell_case("LSTMCell unbatched no state", "LSTMCell", {"inputSize": 3, "hiddenSize": 4}, [3], False),
]

with open(OUT, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
print(f"wrote {len(cases)} cases to {os.path.normpath(OUT)}")
