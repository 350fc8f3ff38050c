#!/usr/bin/env python3
"""Writes adamw_trajectories.json: PyTorch's torch.optim.AdamW with two parameter groups on a toy problem,
step by step, under transformers' linear warm-up and decay schedule, the reference ResumableAdamW is tested against.

Toy problem: W (2, 3) and b (3,), loss = sum(sin(W) * C) + sum((b - T)^2) * sum(W^2) / 4, so every gradient depends
on both parameters and changes each step. Groups: "decay" = [W], lr 0.05, weight decay 0.1; "free" = [b], lr 0.3,
weight decay 0. Betas (0.9, 0.999), eps 1e-8 (AdamW's defaults). Schedule over 10 steps with 2 warm-up steps,
restated from transformers' get_linear_schedule_with_warmup (transformers is not a Debian package):
    lambda(c) = c / max(1, W) if c < W else max(0, (T - c) / max(1, T - W)), stepped after every optimizer step.

Per step the JSON holds the gradients PyTorch computed (the Java test feeds these, so it checks the optimizer and
not the toy's autograd), the learning rates the step ran at, and the parameters after it; at the end each
parameter's AdamW state (step, exp_avg, exp_avg_sq).

Run with Debian's python3-torch (1.13): /usr/bin/python3 make_adamw_trajectories.py
"""
import json
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
STEPS, WARMUP = 10, 2
C = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
T = torch.tensor([1.0, -2.0, 0.5])


def schedule(c):
    if c < WARMUP:
        return c / max(1, WARMUP)
    return max(0.0, (STEPS - c) / max(1, STEPS - WARMUP))


def main():
    w = torch.tensor([[0.3, -0.2, 0.1], [0.05, 0.4, -0.6]], requires_grad=True)
    b = torch.tensor([0.2, 0.1, -0.3], requires_grad=True)
    initial = {"W": w.detach().tolist(), "b": b.detach().tolist()}
    optimizer = torch.optim.AdamW([
        {"params": [w], "lr": 0.05, "weight_decay": 0.1},
        {"params": [b], "lr": 0.3, "weight_decay": 0.0},
    ], betas=(0.9, 0.999), eps=1e-8)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    steps = []
    for s in range(1, STEPS + 1):
        optimizer.zero_grad()
        loss = (torch.sin(w) * C).sum() + ((b - T) ** 2).sum() * (w ** 2).sum() / 4
        loss.backward()
        lrs = [g["lr"] for g in optimizer.param_groups]
        gradients = {"W": w.grad.tolist(), "b": b.grad.tolist()}
        optimizer.step()
        scheduler.step()
        steps.append({"step": s, "lr": lrs, "grad": gradients, "after": {"W": w.detach().tolist(),
                                                                         "b": b.detach().tolist()}})
    state = {}
    for name, p in (("W", w), ("b", b)):
        st = optimizer.state[p]
        state[name] = {"step": int(st["step"]), "exp_avg": st["exp_avg"].tolist(),
                       "exp_avg_sq": st["exp_avg_sq"].tolist()}
    out = {"torch": torch.__version__, "total_steps": STEPS, "warmup_steps": WARMUP,
           "groups": [{"name": "decay", "params": ["W"], "lr": 0.05, "weight_decay": 0.1},
                      {"name": "free", "params": ["b"], "lr": 0.3, "weight_decay": 0.0}],
           "initial": initial, "steps": steps, "state": state}
    with open(os.path.join(HERE, "adamw_trajectories.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
