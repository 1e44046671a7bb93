"""Mistakes in the optimizer's update, for the catalogue in ``hypotheses``: a skipped or
stateless update, Adam's bias correction, a missing square root, momentum forms, the
learning rate and its schedule. Each function yields the ``Trial`` forms of one mistake."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from .context import Context
from .replay import GRADIENT_SUM, Trial, correct_gradient, optimizer_for, ratio
from .update_forms import ADAM_FORMS, FORMS, adagrad_no_sqrt, adam_update, corrected, dampened, rms_no_sqrt
from .wording import at, fmt, short


# ---- the optimizer -----------------------------------------------------------------------------
def skipped(ctx: Context) -> Iterator[Trial]:
    l = ctx.key[2]
    yield Trial(
        f"{at(ctx)} did not move: layer {l}'s update was skipped (is the optimizer called for every dense layer?)",
        skip=frozenset({2 * l, 2 * l + 1}),
    )
    which, what = (2 * l, "weights") if ctx.key[1] == "W" else (2 * l + 1, "bias")
    yield Trial(
        f"{at(ctx)} did not move: only layer {l}'s {what} update was skipped (its line of the update is missing)",
        skip=frozenset({which}),
    )
    layers = len(ctx.spec.sizes) - 1
    if layers > 1:  # one update function for every layer, its bias (or weights) line missing
        yield Trial(
            f"{at(ctx)} did not move: every layer's {what} update was skipped (the {what} line of the update is "
            "missing)",
            skip=frozenset(2 * i + which % 2 for i in range(layers)),
        )


def state_lost(ctx: Context) -> Iterator[Trial]:
    spec = ctx.spec
    if ctx.step < 2 or (spec.optimizer == "sgd" and not spec.momentum):
        return
    if spec.optimizer == "sgd":
        what = (
            f"moved by exactly -lr * gradient, plain SGD: the momentum state is not kept between steps (momentum "
            f"{spec.momentum} in the spec); store the velocity on the layer (or optimizer) and reuse it at the "
            "next step"
        )
    else:
        what = (
            f"is what {spec.optimizer} gives from a fresh state: its running averages (and step count) are not kept "
            "between steps; store them on the layer (or optimizer) and reuse them"
        )
    yield Trial(f"{at(ctx)} {what}", reset_state=True)


def _accumulated(self, state, p, g, lr):
    """Plain SGD on the sum of every gradient so far: the gradients are never reset."""
    total = state.get(GRADIENT_SUM, 0.0) + g
    state[GRADIENT_SUM] = total
    p -= lr * total


def never_zeroed(ctx: Context) -> Iterator[Trial]:
    spec = ctx.spec
    if ctx.step < 2 or spec.optimizer != "sgd" or spec.momentum or spec.weight_decay:
        return
    yield Trial(
        f"{at(ctx)} is a step along the gradients summed over every step so far: the gradients are never reset "
        "between steps (each backward adds to the last one's; zero the gradients, e.g. p.grad = 0 or "
        "zero_grad(), before each backward)",
        update=_accumulated,
    )


def _scopes(ctx: Context) -> list[tuple[frozenset[int] | None, str]]:
    """Every parameter, then the weights only, then the biases only (one line of the update wrong)."""
    L = len(ctx.spec.sizes) - 1
    return [
        (None, ""),
        (frozenset(range(0, 2 * L, 2)), " (in the weights' update only)"),
        (frozenset(range(1, 2 * L, 2)), " (in the biases' update only)"),
    ]


def adam(ctx: Context) -> Iterator[Trial]:
    if ctx.spec.optimizer != "adam":
        return
    for only, where in _scopes(ctx):
        for words, c1, c2 in ADAM_FORMS:
            yield Trial(
                f"{at(ctx)} is Adam's update when {words}{where}: use m / (1 - b1**t) and v / (1 - b2**t) with "
                "t = 1 at the first step",
                update=adam_update(c1, c2),
                only=only,
            )


def no_sqrt(ctx: Context) -> Iterator[Trial]:
    spec = ctx.spec
    fix = "divide by sqrt(v_hat) + eps"
    if spec.optimizer == "adam":
        for only, where in _scopes(ctx):
            yield Trial(
                f"{at(ctx)} is Adam's update without the square root{where}: m_hat / (v_hat + eps); {fix}",
                update=adam_update(corrected, corrected, root=lambda x: x),
                only=only,
            )
    elif spec.optimizer == "rmsprop" and not spec.momentum:
        yield Trial(
            f"{at(ctx)} is RMSprop's update without the square root: g / (s + eps); divide by sqrt(s) + eps",
            update=rms_no_sqrt,
        )
    elif spec.optimizer == "adagrad":
        yield Trial(
            f"{at(ctx)} is Adagrad's update without the square root: g / (G + eps); divide by sqrt(G) + eps",
            update=adagrad_no_sqrt,
        )


def momentum_average(ctx: Context) -> Iterator[Trial]:
    spec = ctx.spec
    if spec.optimizer != "sgd" or not spec.momentum or spec.nesterov or ctx.phase != "update":
        return
    mu, lr = spec.momentum, short(spec.lr * (1 - spec.momentum))
    yield Trial(
        f"{at(ctx)} is SGD with momentum written as an average, v = mu v + (1 - mu) g from v = 0: every step is "
        f"(1 - mu) = {fmt(1 - mu)} times PyTorch's v = mu v + g; drop the (1 - mu), or state lr={lr}",
        lr=lambda opt, now: (1 - mu) * now,
        convention="pytorch",
        spec=spec.replace(lr=lr),
    )


def dampening(ctx: Context) -> Iterator[Trial]:
    spec = ctx.spec
    if spec.optimizer != "sgd" or not spec.momentum or spec.nesterov or ctx.step < 2 or ctx.phase != "update":
        return
    opt = optimizer_for(ctx, Trial("", convention="pytorch"))
    l, which = ctx.key[2], 0 if ctx.key[1] == "W" else 1
    p = np.asarray(ctx.before[l][which], np.float64)
    v = opt.state.get(2 * l + which, {}).get("velocity", np.zeros_like(p))
    step = np.asarray(ctx.ours, np.float64) - p
    keep = ratio(-step / opt.current_lr - spec.momentum * v, correct_gradient(ctx) + spec.weight_decay * p)
    if keep is None or math.isclose(keep, 1, rel_tol=1e-9):
        return
    d = short(1 - keep)
    yield Trial(
        f"{at(ctx)} is SGD with momentum and dampening {fmt(d)}: v = mu v + (1 - {fmt(d)}) g (PyTorch's "
        f"SGD(dampening={fmt(d)}), the first step undampened). Not expressible in the spec: momentum with dampening "
        "(the spec has no dampening field, so no framework twin here follows it); with v = mu v + g the network "
        "follows the spec",
        update=dampened(1 - keep),
        convention="pytorch",
        fitted=True,
    )


def other_form(ctx: Context) -> Iterator[Trial]:
    spec = ctx.spec
    if ctx.phase != "update" or not spec.convention_matters:
        return
    other = next(c for c in ("pytorch", "keras") if c != spec.convention)
    form = FORMS.get((spec.optimizer, other), f"the {other} form")
    yield Trial(
        f"{ctx.name} follows the {other} form of {spec.optimizer} ({form}), not the {spec.convention} form "
        "the spec states",
        convention=other,
        spec=spec.replace(convention=other),
    )


def lr_schedule(ctx: Context) -> Iterator[Trial]:
    spec = ctx.spec
    if ctx.phase != "update":
        return
    if not spec.lr_decay:
        yield from _own_decay(ctx)
        return
    d, lr = spec.lr_decay, spec.lr
    yield Trial(
        f"{at(ctx)}, with the same gradient: the learning rate is still {fmt(lr)}: no decay is applied (the spec's "
        f"lr_decay {d} gives {fmt(ctx.lr_history[-1])})",
        lr=lambda opt, _: lr,
        spec=spec.replace(lr_decay=0.0),
    )
    yield Trial(
        f"{at(ctx)}, with the same gradient: the learning rate decay counts steps from 1 (decays before the first "
        "update); the first update should use the full lr (t = 0)",
        lr=lambda opt, _: lr / (1 + d * (opt.iterations + 1)),
    )
    yield Trial(
        f"{at(ctx)}, with the same gradient: the learning rate decay lags one step behind",
        lr=lambda opt, _: lr / (1 + d * max(opt.iterations - 1, 0)),
    )


def _own_decay(ctx: Context) -> Iterator[Trial]:
    """A learning rate the user's code decays by itself where the spec has none (a decay
    written inside the update call, on a counter of its own): the decay fitted at the
    diverging step k from the ratio c of the updates, claimed only when later steps follow it."""
    l, which = ctx.key[2], 0 if ctx.key[1] == "W" else 1
    start = np.asarray(ctx.before[l][which], np.float64)
    c = ratio(np.asarray(ctx.ours, np.float64) - start, np.asarray(ctx.theirs, np.float64) - start)
    k, lr = ctx.step, ctx.spec.lr
    if c is None or not 0 < c < 1 or math.isclose(c, 1, rel_tol=1e-9):
        return
    forms = (
        (k, "before its first use (the first update already decayed)", "decay after each update and state"),
        (k - 1, "after each update", "state"),
    )
    for t0, when, fix in forms:
        if t0 < 1:
            continue
        d = (1 / c - 1) / t0
        yield Trial(
            f"{at(ctx)}, with the same gradient: your code decays the learning rate by itself, lr / (1 + {fmt(d)} t), "
            f"{when}, where the spec's is constant: {fix} lr_decay={short(d)} in the spec",
            lr=lambda opt, _, d=d, off=k - t0: lr / (1 + d * (opt.iterations + 1 - off)),
            spec=ctx.spec.replace(lr_decay=short(d)) if t0 == k - 1 else None,
            fitted=True,
        )


def lr_factor(ctx: Context) -> Iterator[Trial]:
    if ctx.phase != "update":
        return
    l, which = ctx.key[2], 0 if ctx.key[1] == "W" else 1
    start = np.asarray(ctx.before[l][which], np.float64)
    c = ratio(np.asarray(ctx.ours, np.float64) - start, np.asarray(ctx.theirs, np.float64) - start)
    if c is None or math.isclose(c, 1, rel_tol=1e-9):
        return
    if math.isclose(c, -1, rel_tol=1e-7):
        yield Trial(
            f"{at(ctx)}: the update has the wrong sign: the weights move uphill (+= where -= is meant)",
            lr=lambda opt, lr: -lr,
            kind="sign",
        )
        yield from _one_line_sign(ctx, l, which)
        return
    spec, now = ctx.spec, ctx.lr_history[-1] if ctx.lr_history else ctx.spec.lr
    yield Trial(
        f"{at(ctx)}, with the same gradient: the learning rate is {fmt(c * now)} where the spec's is {fmt(now)} "
        f"(lr x {fmt(c)})",
        lr=lambda opt, lr: c * lr,
        spec=spec.replace(lr=short(spec.lr * c)) if c > 0 else None,
        fitted=True,
    )


def _one_line_sign(ctx: Context, l: int, which: int) -> Iterator[Trial]:
    """The sign flipped in one line of the update: the weights' (or the biases') line, in
    every layer (one update function for all) or in this layer only."""

    own = type(optimizer_for(ctx))._update  # the optimizer's own update, the one the trial's class replaces

    def uphill(opt, state, p, g, lr):
        own(opt, state, p, g, -lr)

    what, line = ("weights", "W -= lr * dW") if which == 0 else ("biases", "b -= lr * db")
    layers = len(ctx.spec.sizes) - 1
    for only, whose in (
        (frozenset(2 * i + which for i in range(layers)), "every layer's"),
        (frozenset({2 * l + which}), f"layer {l}'s"),
    ):
        yield Trial(
            f"{at(ctx)}: {whose} {what} move uphill: their update line adds the step ({line} written with +=) "
            "while the rest of the update is right",
            update=uphill,
            only=only,
            kind="sign",
        )
