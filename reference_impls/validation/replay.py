"""Re-run the user's steps under a hypothesis, from the state before the first divergence.

A ``Trial`` is one concrete mistake: how the gradients are computed (``oracle.Hooks``) and
how the optimizer updates (its ``_update`` or learning rate replaced, parameters skipped,
state dropped). ``reproduces`` recomputes, from the user's own weights at each step, every
gradient and update the user's code exposed, at the diverging step and every later step
seen, and says over how many steps the recomputation matched. The optimizer starts from
``Shadow``: the spec's optimizer fed the correct gradients of the steps that matched, which
is the state the user's optimizer had then.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from scratch import get_optimizer
from scratch.optimizers import Optimizer

from ..base import optimizer_kwargs
from ..spec import ModelSpec, Weights
from . import oracle
from .context import Context, Seen, close

#: relative residual of a reproduced tensor (an update is compared as its change)
MATCH = {"float64": 1e-7, "float32": 1e-3}
#: later steps kept after the first divergence, for hypotheses that need more than one step
AFTER = 4
#: the optimizer-state key under which ``Shadow`` sums each parameter's gradients over the steps
GRADIENT_SUM = "gradient_sum"


class Shadow:
    """The spec's optimizer fed, step by step, the correct gradients (the twin's when it
    computed them, else the oracle's) at the user's weights: while the user's network matches
    the frameworks, its optimizer state is this one's."""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        self.optimizer = get_optimizer(spec.optimizer, **optimizer_kwargs(spec))

    def step(self, before: Weights, X: np.ndarray, y: np.ndarray, ref: dict) -> None:
        L = len(before)
        if all(("gradient", w, l) in ref for l in range(L) for w in ("W", "b")):
            grads = [(ref[("gradient", "W", l)], ref[("gradient", "b", l)]) for l in range(L)]
        else:
            grads = oracle.gradients(self.spec, before, X, y)
        apply(self.optimizer, before, grads)
        for i, g in enumerate(g for pair in grads for g in pair):  # what gradients never reset would hold by now
            state = self.optimizer.state.setdefault(i, {})
            state[GRADIENT_SUM] = state.get(GRADIENT_SUM, 0.0) + np.asarray(g, np.float64)

    def snapshot(self) -> Optimizer:
        return copy.deepcopy(self.optimizer)

    def follow(self, step: int, first: tuple | None, seen: Seen, ref: dict) -> None:
        """After each step of the lock-step run (``first``: its (Divergence, Context) so far):
        step the shadow while the network matches; at the diverging step hand the Context
        that step's tensors and the optimizer as it was before it; then keep up to ``AFTER``
        later steps, for the hypotheses that need more than one."""
        if first is None:
            self.step(seen.before, seen.X, seen.y, ref)
        elif first[0].step == step:
            first[1].tensors, first[1].optimizer = seen.tensors, self.snapshot()
        elif len(first[1].after) < AFTER:
            first[1].after.append(seen)


def apply(opt: Optimizer, before: Weights, grads: Weights, skip: frozenset[int] = frozenset()) -> Weights:
    """The weights after one step of ``opt`` from ``before`` (copied); parameter i (2 l for
    W, 2 l + 1 for b) in ``skip`` keeps its value."""
    new = [(np.array(W, np.float64), np.array(b, np.float64)) for W, b in before]
    pairs = [
        (p, np.asarray(g, np.float64).reshape(p.shape))
        for (W, b), (gW, gb) in zip(new, grads)
        for p, g in ((W, gW), (b, gb))
    ]
    with np.errstate(all="ignore"):
        opt.step(pairs)
    for i in skip:
        new[i // 2][i % 2][...] = np.asarray(before[i // 2][i % 2], np.float64)
    return new


@dataclass(frozen=True)
class Trial:
    """One concrete mistake and the sentence naming it and its fix."""

    text: str
    hooks: oracle.Hooks = oracle.CORRECT
    update: Callable | None = None  # replaces the optimizer's _update(self, state, p, g, lr)
    only: frozenset[int] | None = None  # the parameters (2 l for W, 2 l + 1 for b) it replaces it for; None: all
    lr: Callable[[Optimizer, float], float] | None = None  # (optimizer, the spec's lr at the step) -> the lr used
    convention: str | None = None  # the optimizer's other published form
    skip: frozenset[int] = frozenset()
    reset_state: bool = False  # the optimizer's state is not kept between steps
    spec: ModelSpec | None = None  # the spec that expresses it, when it is a convention rather than a bug
    fitted: bool = False  # holds a constant fitted at the diverging step (constant only if later steps agree)
    kind: str | None = None  # the finding's kind where it is not its hypothesis's (a sign, a convention)


def optimizer_for(ctx: Context, trial: Trial = Trial("")) -> Optimizer:
    """The optimizer as the trial's network has it before the diverging step."""
    opt = (
        copy.deepcopy(ctx.optimizer)
        if ctx.optimizer is not None
        else get_optimizer(ctx.spec.optimizer, **optimizer_kwargs(ctx.spec))
    )
    base = type(opt)
    body: dict = {}
    if trial.update is not None:
        body["_update"] = trial.update if trial.only is None else _for_some(trial.update, base._update, trial.only)
    if trial.lr is not None:
        body["current_lr"] = property(lambda self: trial.lr(self, base.current_lr.fget(self)))
    if body:
        opt.__class__ = type(f"Mistaken{base.__name__}", (base,), body)
    if trial.convention and trial.convention != opt.convention:
        _convert_velocity(opt, trial.convention)
    return opt


def _for_some(wrong: Callable, right: Callable, only: frozenset[int]) -> Callable:
    """An ``_update`` that is ``wrong`` for the parameters in ``only`` (one line of a hand-written
    update is wrong, for the weights or for the biases) and ``right`` for the rest."""

    def _update(self, state, p, g, lr):
        i = next(j for j, s in self.state.items() if s is state)
        (wrong if i in only else right)(self, state, p, g, lr)

    return _update


def _convert_velocity(opt: Optimizer, to: str) -> None:
    """SGD momentum's buffer in the other form: keras v = -lr pytorch v (exact while the
    lr of the steps taken was constant, as it is until the forms first differ)."""
    if opt.iterations and getattr(opt, "momentum", 0):
        t = opt.iterations - 1
        lr = opt.lr / (1 + opt.decay * t)
        for state in opt.state.values():
            if "velocity" in state:
                state["velocity"] = state["velocity"] * (-lr if to == "keras" else -1 / lr)
    opt.convention = to


def matches(ours: np.ndarray, predicted: np.ndarray, tol: float) -> bool:
    """Reproduced to round-off: the same non-finite elements, the finite ones close."""
    o, p = np.asarray(ours, np.float64), np.asarray(predicted, np.float64)
    if o.shape != p.shape:
        return False
    bad = ~np.isfinite(o)
    if not np.array_equal(bad, ~np.isfinite(p)):
        return False
    return close(o[~bad], p[~bad], tol)


def predict(spec: ModelSpec, opt: Optimizer, trial: Trial, seen: Seen) -> dict:
    """Every gradient and update of one step as the trial's network computes it."""
    if trial.reset_state:
        opt.state.clear()
    with np.errstate(all="ignore"):
        grads = oracle.gradients(spec, seen.before, seen.X, seen.y, trial.hooks, opt.current_lr)
    new = apply(opt, seen.before, grads, trial.skip)
    out = {}
    for l, ((gW, gb), (W, b)) in enumerate(zip(grads, new)):
        out.update({("gradient", "W", l): gW, ("gradient", "b", l): gb, ("update", "W", l): W, ("update", "b", l): b})
    return out


def steps_to_check(ctx: Context) -> list[Seen]:
    """The diverging step and the later ones seen, up to the first whose tensors are not all
    finite (past an overflow, where NaN and inf fall depends on the order of operations)."""
    steps = [ctx.seen]
    for seen in ctx.after:
        if not all(np.all(np.isfinite(v)) for v in seen.tensors.values()):
            break
        steps.append(seen)
    return steps


def reproduces(ctx: Context, trial: Trial) -> int:
    """How many steps, from the diverging one on, the trial reproduces every tensor the
    user's code exposed; 0 when it does not reproduce the diverging step."""
    spec, tol = ctx.spec, MATCH.get(ctx.spec.dtype, 1e-7)
    opt = optimizer_for(ctx, trial)
    steps = steps_to_check(ctx)
    for j, seen in enumerate(steps):
        predicted = predict(spec, opt, trial, seen)
        for key, ours in seen.tensors.items():
            if ours is None or key not in predicted:
                continue
            theirs = predicted[key]
            if key[0] == "update":  # the change, not the weights: a small step is not hidden under large weights
                start = np.asarray(seen.before[key[2]][0 if key[1] == "W" else 1], np.float64)
                ours, theirs = np.asarray(ours, np.float64) - start, theirs - start
            if not matches(ours, theirs, tol):
                return j
    return len(steps)


def correct_gradient(ctx: Context) -> np.ndarray:
    """The spec's gradient (penalties included, weight decay not) of the diverging tensor."""
    l, which = ctx.key[2], 0 if ctx.key[1] == "W" else 1
    return oracle.gradients(ctx.spec, ctx.before, ctx.X, ctx.y)[l][which]


def implied_gradient(ctx: Context) -> np.ndarray | None:
    """The gradient the user's code used for the diverging tensor (penalties included, weight
    decay not): the tensor itself at the gradient phase; at the update phase, for SGD, the
    gradient that gives the user's update from the optimizer's state before the step."""
    if ctx.ours is None or ctx.phase not in ("gradient", "update"):
        return None
    if ctx.phase == "gradient":
        return np.asarray(ctx.ours, np.float64)
    spec = ctx.spec
    if spec.optimizer != "sgd" or spec.nesterov:
        return None
    opt = optimizer_for(ctx)
    l, which = ctx.key[2], 0 if ctx.key[1] == "W" else 1
    p = np.asarray(ctx.before[l][which], np.float64)
    step, lr = np.asarray(ctx.ours, np.float64) - p, opt.current_lr
    v = opt.state.get(2 * l + which, {}).get("velocity", np.zeros_like(p))
    if not spec.momentum:
        g = -step / lr
    elif opt.convention == "pytorch":
        g = -step / lr - spec.momentum * v
    else:
        g = (spec.momentum * v - step) / lr
    return g - spec.weight_decay * p


def ratio(ours: np.ndarray, theirs: np.ndarray) -> float | None:
    """c minimising |ours - c theirs| (None when theirs is 0 or ours not finite)."""
    o, t = np.asarray(ours, np.float64).ravel(), np.asarray(theirs, np.float64).ravel()
    tt = float(t @ t)
    if o.shape != t.shape or tt == 0 or not np.all(np.isfinite(o)):
        return None
    return float(o @ t) / tt
