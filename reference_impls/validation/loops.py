"""Training calls that take more than one step: a loop inside the user's own step.

Tutorials' ``train(X, y)`` often loops by itself: over the samples one at a time (per-sample
SGD, which is ``batch_size=1``), or over a hard-coded number of epochs. Such a call cannot
match one framework step, and no formula mistake explains it. The hypothesis is checked by
recomputation: from the weights before the call, the spec's optimizer takes k updates on the
batch the call was given (whole, or one sample at a time in order) until the diverging
tensor is reproduced to round-off.
"""

from __future__ import annotations

import numpy as np

from scratch import get_optimizer

from ..base import optimizer_kwargs
from . import oracle
from .diagnose import Context, Finding, close, factor_of

MAX_UPDATES = 5000  # a hard-coded 1000 epochs over 4 samples is 4000


def _updates(ctx: Context, per_sample: bool):
    """(k, weights after k updates) for k = 1, 2, ... MAX_UPDATES."""
    spec = ctx.spec
    weights = [(np.array(W, np.float64), np.array(b, np.float64)) for W, b in ctx.before]
    opt = get_optimizer(spec.optimizer, **optimizer_kwargs(spec))
    n = len(ctx.X)
    for k in range(1, MAX_UPDATES + 1):
        rows = [(k - 1) % n] if per_sample else slice(None)
        grads = oracle.gradients(spec, weights, ctx.X[rows], ctx.y[rows])
        pairs = [
            (p, np.asarray(g, np.float64).reshape(p.shape))
            for (W, b), (dW, db) in zip(weights, grads)
            for p, g in ((W, dW), (b, db))
        ]
        with np.errstate(all="ignore"):
            opt.step(pairs)
        yield k, weights


def repeated_steps(ctx: Context, where: str) -> list[Finding]:
    """A finding when the diverging update is k > 1 updates of the batch's own (the call
    loops inside), else nothing."""
    if ctx.phase != "update" or ctx.ours is None or ctx.step != 1 or ctx.spec.dropout:
        return []
    l, which = ctx.key[2], 0 if ctx.key[1] == "W" else 1
    n = len(ctx.X)
    for per_sample in (False, True) if n > 1 else (False,):
        for k, weights in _updates(ctx, per_sample):
            if not np.all(np.isfinite(weights[l][which])):
                break
            if not close(weights[l][which], ctx.ours, 1e-7) or (k == 1 and not per_sample):
                continue
            epochs = k // n if per_sample else k
            if k % n and per_sample:
                continue
            if per_sample and k == n:
                return [
                    Finding(
                        f"one call of {where} trained on the {n} samples it was given one at a time, {n} updates "
                        "(per-sample SGD, as a loop over the samples inside the call): that is batch_size=1; "
                        "validate then hands your code one sample per call",
                        "per_sample_loop",
                        ctx.spec.replace(batch_size=1, shuffle=False),
                        tentative=True,
                    )
                ]
            if per_sample:
                return [
                    Finding(
                        f"one call of {where} made {k} updates, {epochs} passes over its {n} samples one at a time: "
                        f"your training loop runs its own epochs ({epochs}, hard-coded?) over per-sample steps; use "
                        f"batch_size=1 in the spec and pass steps_per_call={epochs} (or make the count a parameter "
                        "and have the step validate calls run one)",
                        "repeated_steps",
                    )
                ]
            return [
                Finding(
                    f"one call of {where} made {k} updates on the batch it was given where validate expects one: "
                    f"your training loop runs its own epochs ({k}, hard-coded?); pass steps_per_call={k}, or make the "
                    "count a parameter and have the step validate calls run one "
                    "(e.g. step=lambda net, X, y: net.train(X, y, epochs=1))",
                    "repeated_steps",
                )
            ]
    return []


def replaced(ctx: Context, where: str) -> list[Finding]:
    """What is seen when a call's update does not follow from the weights before it at all,
    once no hypothesis explains it (said as what was seen, not as a named cause): the change
    is many times one step's and not a multiple of it, as when a training call re-draws its
    weights first."""
    if ctx.phase != "update" or ctx.ours is None or ctx.step != 1:
        return []
    l, which = ctx.key[2], 0 if ctx.key[1] == "W" else 1
    start = np.asarray(ctx.before[l][which], np.float64)
    ours, theirs = (
        (np.asarray(ctx.ours, np.float64) - start).ravel(),
        (np.asarray(ctx.theirs, np.float64) - start).ravel(),
    )
    size, step = float(np.max(np.abs(ours))), float(np.max(np.abs(theirs)))
    if not step or size < 20 * step or factor_of(ours, theirs) is not None:
        return []
    return [
        Finding(
            f"one call of {where} changed {ctx.name} by up to {size:.3g} where one step from the same weights moves it "
            f"by up to {step:.3g} ({size / step:.0f}x), and not along it: no update from the weights before the call "
            "gives this; does the call re-draw its weights first (an initializer inside fit)? validate needs each "
            "call to continue from the weights the last one left",
            "replaced",
        )
    ]
