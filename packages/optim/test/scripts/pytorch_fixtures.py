"""Writes the PyTorch reference values the optim tests compare against.

Run from the repository root with PyTorch 1.13 (Debian's python3-torch):

    python3 packages/optim/test/scripts/pytorch_fixtures.py

It writes packages/optim/test/fixtures/schedulers.json (learning rates, and OneCycleLR's momenta,
of every scheduler with two parameter groups, epoch by epoch) and optimizers.json (parameter
trajectories of optimisers with per-group options, and their state dicts' group layout). Every
number is float64; the tests never run Python.
"""
import json
import math
import os
import warnings

import torch
from torch.optim import SGD, Adam, AdamW, RMSprop
from torch.optim import lr_scheduler as S

warnings.simplefilter("ignore")  # the "call optimizer.step() first" warnings: no training here
torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), "..", "fixtures")

# The lambdas of the LambdaLR cases, by the name the tests use to rebuild them in TypeScript.
LAMBDAS = {
    "pow95": lambda e: 0.95 ** e,
    "halveEvery2": lambda e: 0.5 ** (e // 2),
    "inverse": lambda e: 1 / (e + 1),
}


def two_groups(kind, lrs, extra=None):
    """An optimiser with two one-parameter groups (learning rates `lrs`), and extra per-group options."""
    extra = extra or [{}, {}]
    groups = [dict(params=[torch.zeros(2, requires_grad=True)], lr=lr, **e) for lr, e in zip(lrs, extra)]
    if kind == "SGD":
        return SGD(groups, lr=lrs[0], momentum=0.9)
    if kind == "Adam":
        return Adam(groups, lr=lrs[0])
    if kind == "RMSprop":
        return RMSprop(groups, lr=lrs[0])
    raise ValueError(kind)


def momenta(opt):
    return [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]


def run(opt, sched, steps, metrics=None, with_momentum=False):
    lrs = [[g["lr"] for g in opt.param_groups]]
    moms = [momenta(opt)]
    for k in range(steps):
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[k])
        lrs.append([g["lr"] for g in opt.param_groups])
        moms.append(momenta(opt))
        assert metrics is not None or lrs[-1] == list(sched.get_last_lr())
    out = {"lrs": lrs}
    if with_momentum:
        out["momenta"] = moms
    return out


def schedulers():
    cases = []

    def case(name, kind, lrs, sched, config, steps, **kw):
        opt = two_groups(kind, lrs, kw.pop("extra", None))
        result = run(opt, sched(opt), steps, **kw)
        cases.append({"name": name, "optimizer": kind, "lrs0": lrs, "config": config, "steps": steps, **result,
                      **({"metrics": kw["metrics"]} if kw.get("metrics") is not None else {})})

    case("StepLR", "SGD", [0.1, 0.02], lambda o: S.StepLR(o, step_size=3, gamma=0.5), {"stepSize": 3, "gamma": 0.5}, 12)
    case("ExponentialLR", "Adam", [0.1, 0.02], lambda o: S.ExponentialLR(o, gamma=0.9), {"gamma": 0.9}, 12)
    case("CosineAnnealingLR", "SGD", [0.1, 0.02], lambda o: S.CosineAnnealingLR(o, T_max=5, eta_min=0.001),
         {"tMax": 5, "etaMin": 0.001}, 16)
    case("LambdaLR one function", "SGD", [0.1, 0.02], lambda o: S.LambdaLR(o, LAMBDAS["pow95"]), {"lrLambda": "pow95"}, 10)
    case("LambdaLR one per group", "SGD", [0.1, 0.02],
         lambda o: S.LambdaLR(o, [LAMBDAS["halveEvery2"], LAMBDAS["inverse"]]), {"lrLambda": ["halveEvery2", "inverse"]}, 10)
    case("LinearLR warm-up", "SGD", [0.1, 0.02], lambda o: S.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=4),
         {"startFactor": 0.25, "endFactor": 1.0, "totalIters": 4}, 8)
    case("LinearLR defaults", "Adam", [0.1, 0.02], lambda o: S.LinearLR(o), {}, 8)
    case("LinearLR decay", "SGD", [0.3, 0.05], lambda o: S.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=6),
         {"startFactor": 1.0, "endFactor": 0.1, "totalIters": 6}, 9)

    def sequential(opt, parts, milestones):
        return S.SequentialLR(opt, [make(opt) for make in parts], milestones=milestones)

    case("SequentialLR warm-up then cosine", "SGD", [0.1, 0.02],
         lambda o: sequential(o, [lambda o: S.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=3),
                                  lambda o: S.CosineAnnealingLR(o, T_max=7, eta_min=0.001)], [3]),
         {"schedulers": [["LinearLR", {"startFactor": 0.1, "endFactor": 1.0, "totalIters": 3}],
                         ["CosineAnnealingLR", {"tMax": 7, "etaMin": 0.001}]], "milestones": [3]}, 14)
    case("SequentialLR three schedulers", "Adam", [0.1, 0.02],
         lambda o: sequential(o, [lambda o: S.LinearLR(o, start_factor=0.5, total_iters=2),
                                  lambda o: S.ExponentialLR(o, gamma=0.8),
                                  lambda o: S.StepLR(o, step_size=2, gamma=0.5)], [2, 6]),
         {"schedulers": [["LinearLR", {"startFactor": 0.5, "totalIters": 2}], ["ExponentialLR", {"gamma": 0.8}],
                         ["StepLR", {"stepSize": 2, "gamma": 0.5}]], "milestones": [2, 6]}, 12)
    case("SequentialLR exponential then linear decay", "SGD", [0.1, 0.02],
         lambda o: sequential(o, [lambda o: S.ExponentialLR(o, gamma=0.9),
                                  lambda o: S.LinearLR(o, start_factor=1.0, end_factor=0.2, total_iters=4)], [4]),
         {"schedulers": [["ExponentialLR", {"gamma": 0.9}], ["LinearLR", {"startFactor": 1.0, "endFactor": 0.2, "totalIters": 4}]],
          "milestones": [4]}, 10)

    # ReduceLROnPlateau: a metric that improves, stalls, and improves again.
    metrics = [1.0, 0.9, 0.95, 0.9, 0.91, 0.92, 0.899, 0.85, 0.86, 0.87, 0.88, 0.9, 0.89, 0.7, 0.71, 0.72, 0.73, 0.74]
    case("ReduceLROnPlateau min rel", "SGD", [0.1, 0.02], lambda o: S.ReduceLROnPlateau(o, patience=2),
         {"patience": 2}, len(metrics), metrics=metrics)
    case("ReduceLROnPlateau min abs, cooldown, minLr per group", "SGD", [0.1, 0.02],
         lambda o: S.ReduceLROnPlateau(o, mode="min", factor=0.5, patience=1, threshold=0.01, threshold_mode="abs",
                                       cooldown=2, min_lr=[0.02, 0.004]),
         {"mode": "min", "factor": 0.5, "patience": 1, "threshold": 0.01, "thresholdMode": "abs", "cooldown": 2,
          "minLr": [0.02, 0.004]}, len(metrics), metrics=metrics)
    accuracy = [0.5, 0.6, 0.6, 0.6005, 0.59, 0.7, 0.7, 0.69, 0.7, 0.71, 0.71, 0.71, 0.72, 0.72]
    case("ReduceLROnPlateau max rel, eps", "Adam", [0.1, 1e-7],
         lambda o: S.ReduceLROnPlateau(o, mode="max", factor=0.2, patience=1, threshold=0.01, eps=1e-7),
         {"mode": "max", "factor": 0.2, "patience": 1, "threshold": 0.01, "eps": 1e-7}, len(accuracy), metrics=accuracy)
    case("ReduceLROnPlateau max abs, minLr", "SGD", [0.1, 0.02],
         lambda o: S.ReduceLROnPlateau(o, mode="max", patience=0, threshold=0.005, threshold_mode="abs", min_lr=0.005),
         {"mode": "max", "patience": 0, "threshold": 0.005, "thresholdMode": "abs", "minLr": 0.005}, len(accuracy),
         metrics=accuracy)

    def one_cycle(name, kind, config, kwargs, steps, extra=None):
        case(name, kind, [0.1, 0.02], lambda o: S.OneCycleLR(o, **kwargs), config, steps, with_momentum=True, extra=extra)

    one_cycle("OneCycleLR defaults, SGD", "SGD", {"maxLr": [0.1, 0.04], "totalSteps": 20},
              {"max_lr": [0.1, 0.04], "total_steps": 20}, 20)
    one_cycle("OneCycleLR linear, epochs x stepsPerEpoch", "SGD",
              {"maxLr": 0.5, "epochs": 4, "stepsPerEpoch": 5, "annealStrategy": "linear", "pctStart": 0.25,
               "divFactor": 10, "finalDivFactor": 100},
              {"max_lr": 0.5, "epochs": 4, "steps_per_epoch": 5, "anneal_strategy": "linear", "pct_start": 0.25,
               "div_factor": 10.0, "final_div_factor": 100.0}, 20)
    one_cycle("OneCycleLR three phases, momenta per group", "SGD",
              {"maxLr": [0.2, 0.05], "totalSteps": 30, "pctStart": 0.4, "threePhase": True,
               "baseMomentum": [0.8, 0.85], "maxMomentum": [0.9, 0.99]},
              {"max_lr": [0.2, 0.05], "total_steps": 30, "pct_start": 0.4, "three_phase": True,
               "base_momentum": [0.8, 0.85], "max_momentum": [0.9, 0.99]}, 30)
    one_cycle("OneCycleLR Adam cycles beta1", "Adam", {"maxLr": [0.01, 0.002], "totalSteps": 15, "threePhase": True},
              {"max_lr": [0.01, 0.002], "total_steps": 15, "three_phase": True}, 15)
    one_cycle("OneCycleLR RMSprop cycles momentum", "RMSprop", {"maxLr": 0.01, "totalSteps": 12, "annealStrategy": "linear"},
              {"max_lr": 0.01, "total_steps": 12, "anneal_strategy": "linear"}, 12)
    one_cycle("OneCycleLR without momentum cycling", "SGD", {"maxLr": [0.1, 0.04], "totalSteps": 10, "cycleMomentum": False},
              {"max_lr": [0.1, 0.04], "total_steps": 10, "cycle_momentum": False}, 10)
    return cases


# Fixed gradients for three steps, the same formula for every parameter: g[k][i] = sin(1.7·(i + 1) + k) · (k + 1) / 2.
def grads(n, steps=3):
    return [[math.sin(1.7 * (i + 1) + k) * (k + 1) / 2 for i in range(n)] for k in range(steps)]


P0 = {"w": [0.5, -1.25, 2.0, 0.1, -0.3, 1.7], "b": [0.2, -0.4], "c": [1.5, -2.5, 0.75]}
GRADS = {name: grads(len(v)) for name, v in P0.items()}


def trajectory(make, names, steps=3):
    params = {name: torch.tensor(P0[name], requires_grad=True) for name in names}
    opt = make(params)
    out = []
    for k in range(steps):
        for name, p in params.items():
            p.grad = torch.tensor(GRADS[name][k])
        opt.step()
        out.append({name: p.detach().tolist() for name, p in params.items()})
    state = opt.state_dict()
    groups = [{k: (list(v) if isinstance(v, tuple) else v) for k, v in g.items() if k not in ("foreach", "maximize", "capturable", "differentiable", "fused")}
              for g in state["param_groups"]]
    return {"trajectory": out, "paramGroups": groups, "stateKeys": {str(i): sorted(s.keys()) for i, s in state["state"].items()}}


def optimizers():
    cases = []

    def case(name, options, groups, make):
        result = trajectory(make, [n for g in groups for n in g["params"]])
        cases.append({"name": name, "options": options, "groups": groups, **result})

    sgd_groups = [{"params": ["w"]}, {"params": ["b"], "weightDecay": 0, "lr": 0.05}, {"params": ["c"], "nesterov": True, "momentum": 0.5}]
    case("SGD", {"lr": 0.1, "momentum": 0.9, "weightDecay": 1e-2}, sgd_groups,
         lambda p: SGD([{"params": [p["w"]]}, {"params": [p["b"]], "weight_decay": 0, "lr": 0.05},
                        {"params": [p["c"]], "nesterov": True, "momentum": 0.5}], lr=0.1, momentum=0.9, weight_decay=1e-2))
    case("SGD dampening per group", {"lr": 0.2}, [{"params": ["w", "b"], "momentum": 0.8, "dampening": 0.3}, {"params": ["c"]}],
         lambda p: SGD([{"params": [p["w"], p["b"]], "momentum": 0.8, "dampening": 0.3}, {"params": [p["c"]]}], lr=0.2))
    case("Adam", {"lr": 0.05, "weightDecay": 0.01}, [{"params": ["w"]}, {"params": ["b", "c"], "lr": 0.01, "betas": [0.8, 0.9], "weightDecay": 0.1, "amsgrad": True}],
         lambda p: Adam([{"params": [p["w"]]}, {"params": [p["b"], p["c"]], "lr": 0.01, "betas": (0.8, 0.9), "weight_decay": 0.1, "amsgrad": True}],
                        lr=0.05, weight_decay=0.01))
    case("AdamW", {"lr": 0.05}, [{"params": ["w"], "weightDecay": 0.1}, {"params": ["b"], "weightDecay": 0, "eps": 1e-3}],
         lambda p: AdamW([{"params": [p["w"]], "weight_decay": 0.1}, {"params": [p["b"]], "weight_decay": 0, "eps": 1e-3}], lr=0.05))
    case("RMSprop", {"lr": 0.01}, [{"params": ["w"], "centered": True}, {"params": ["b"], "momentum": 0.5, "alpha": 0.9, "weightDecay": 0.1}],
         lambda p: RMSprop([{"params": [p["w"]], "centered": True}, {"params": [p["b"]], "momentum": 0.5, "alpha": 0.9, "weight_decay": 0.1}],
                           lr=0.01))

    # SGD without momentum under OneCycleLR: the schedule turns momentum on (0.95 at step 0), so the
    # momentum buffer starts at the first step (b = g) and the rate and momentum change every step.
    params = {"w": torch.tensor(P0["w"], requires_grad=True), "b": torch.tensor(P0["b"], requires_grad=True)}
    opt = SGD([{"params": [params["w"]]}, {"params": [params["b"]], "lr": 0.5}], lr=0.1)
    sched = S.OneCycleLR(opt, max_lr=[0.4, 0.2], total_steps=3)
    out = []
    for k in range(3):
        for name, p in params.items():
            p.grad = torch.tensor(GRADS[name][k])
        opt.step()
        sched.step()
        out.append({name: p.detach().tolist() for name, p in params.items()})
    cases.append({"name": "SGD under OneCycleLR", "options": {"lr": 0.1}, "groups": [{"params": ["w"]}, {"params": ["b"], "lr": 0.5}],
                  "oneCycle": {"maxLr": [0.4, 0.2], "totalSteps": 3}, "trajectory": out})
    return cases


def main():
    os.makedirs(OUT, exist_ok=True)
    meta = {"torch": torch.__version__, "script": "packages/optim/test/scripts/pytorch_fixtures.py"}
    with open(os.path.join(OUT, "schedulers.json"), "w") as f:
        json.dump({**meta, "cases": schedulers()}, f, indent=1)
    with open(os.path.join(OUT, "optimizers.json"), "w") as f:
        json.dump({**meta, "p0": P0, "grads": GRADS, "cases": optimizers()}, f, indent=1)


if __name__ == "__main__":
    main()
