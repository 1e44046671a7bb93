"""The catalogue of mistakes: a cause is named only when its recomputation reproduces.

Each ``Hypothesis`` is one mistake real hand-written code makes: the phases whose tensor it
can explain, and ``trials``: the concrete forms it takes for this spec and step (which layer,
every layer at once, a constant fitted at the diverging step), each a ``replay.Trial`` that
recomputes the user's steps with the mistake made and says what it is and how to fix it.
``explain`` names every hypothesis whose recomputation reproduces every gradient and update
the user's code exposed, at the diverging step and at each later step seen: with the spec's
penalties, the optimizer's state before the step, and the other layers as they are. A
constant fitted at one step (a factor, a learning rate, a dampening) is claimed constant
only when a later step agrees. Adding a mistake is one entry in ``REGISTRY`` and its test.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from ..spec import ModelSpec
from . import oracle
from .context import Context, Finding
from .conventions import convention_candidates, convention_words, reduction_words
from .oracle import Hooks, output_delta
from .replay import Trial, correct_gradient, implied_gradient, optimizer_for, ratio, reproduces, steps_to_check
from .update_forms import ADAM_FORMS, FORMS, adagrad_no_sqrt, adam_update, corrected, dampened, rms_no_sqrt

BOTH = ("gradient", "update")


@dataclass(frozen=True)
class Hypothesis:
    kind: str
    phases: tuple[str, ...]
    trials: Callable[[Context], Iterable[Trial]]
    tentative: bool = False  # a convention: said once the frameworks confirm its spec


def explain(ctx: Context) -> list[Finding]:
    """The findings of every hypothesis that reproduces the user's steps (one form each)."""
    if ctx.ours is None or ctx.phase not in BOTH or ctx.spec.has_dropout:
        return []
    if reproduces(ctx, Trial("the spec's own computation")):
        return []  # closer to the spec than any hypothesis can tell apart
    found, seen = [], len(steps_to_check(ctx))
    for h in REGISTRY:
        if ctx.phase not in h.phases:
            continue
        for trial in h.trials(ctx):
            if reproduces(ctx, trial) == seen:
                found.append(_finding(ctx, h, trial, seen))
                break
    return found


def _finding(ctx: Context, h: Hypothesis, trial: Trial, steps: int) -> Finding:
    k = ctx.step
    span = f"step {k}" if steps == 1 else f"steps {k}-{k + steps - 1}"
    text = f"{trial.text} (recomputed with this mistake, it reproduces every tensor your code exposed at {span})"
    if trial.fitted and steps == 1:
        text += f"; the constant was fitted at step {k} and no later step was seen: at this step only, not known to stay constant"
    return Finding(text, trial.kind or h.kind, trial.spec, h.tentative)


def _fmt(c: float) -> str:
    return f"{c:.6g}"


def short(x: float) -> float:
    """``x`` in the shortest decimal form that is ``x`` to 1e-9 (no float noise in suggestions)."""
    for digits in range(1, 17):
        v = float(f"{x:.{digits}g}")
        if math.isclose(v, x, rel_tol=1e-9):
            return v
    return x


def _at(ctx: Context) -> str:
    return f"{ctx.name} at step {ctx.step}"


# ---- activation derivatives --------------------------------------------------------------------
def _layer_sets(spec: ModelSpec, names: tuple[str, ...]) -> list[tuple[frozenset[int], str]]:
    """Each layer whose activation is one of ``names`` and whose derivative the backward uses,
    then every such layer of one activation at once (one shared activation class)."""
    last = len(spec.activations) - 1
    usable = [
        l
        for l, a in enumerate(spec.activations)
        if a in names and (l < last or spec.loss != "categorical_crossentropy")
    ]
    out = [(frozenset({l}), f"layer {l}'s {spec.activations[l]}") for l in usable]
    for name in dict.fromkeys(spec.activations[l] for l in usable):
        group = [l for l in usable if spec.activations[l] == name]
        if len(group) > 1:
            layers = ", ".join(map(str, group))
            out.append((frozenset(group), f"every {name} layer's (layers {layers}: one shared activation class)"))
    return out


def _derivative(
    names: tuple[str, ...], derivative: oracle.Derivative, words: str
) -> Callable[[Context], Iterator[Trial]]:
    def trials(ctx: Context) -> Iterator[Trial]:
        for layers, who in _layer_sets(ctx.spec, names):
            yield Trial(
                f"{_at(ctx)} is what back-propagation gives when {who} derivative {words}",
                Hooks(derivative=derivative, layers=layers),
            )

    return trials


def _on_pre(act, z, a):
    return act.derivative(z)


def _on_post(act, z, a):
    return act.derivative(act.f(a))


def _unmasked(act, z, a):
    return np.ones_like(z)


def _mask_at_zero(act, z, a):
    return np.where(z >= 0, 1.0, act.derivative(act.f(z))).astype(z.dtype)  # below zero: 0, or the leaky slope


# ---- gradients of the weights ------------------------------------------------------------------
def _transposed(ctx: Context) -> Iterator[Trial]:
    square = [l for l, (a, b) in enumerate(zip(ctx.spec.sizes, ctx.spec.sizes[1:])) if a == b]
    sets = [(frozenset({l}), f"layer {l}'s") for l in square]
    if len(square) > 1:
        sets.append((frozenset(square), "every square layer's"))
    for layers, who in sets:
        yield Trial(
            f"{_at(ctx)} is what back-propagation gives when {who} weight gradient is transposed (square, so the shapes "
            "agree): compute dweights as inputs.T @ dvalues (shape (in, out), like weights)",
            Hooks(weight_grad=lambda x, d: (x.T @ d).T, layers=layers),
        )


def _updated_first(ctx: Context) -> Iterator[Trial]:
    spec = ctx.spec
    if spec.optimizer == "sgd" and not spec.momentum and len(spec.sizes) > 2:
        yield Trial(
            f"{_at(ctx)} is what back-propagation gives when each layer updates its weights before it computes its "
            "input gradient from them (dinputs from the already-updated weights, as a backward that updates its own "
            "weights does): compute dinputs = dvalues @ W.T with the weights of the forward pass, then update",
            Hooks(updates_inside=True),
        )


# ---- the loss gradient -------------------------------------------------------------------------
def _through(spec: ModelSpec, a: np.ndarray, dA: np.ndarray) -> np.ndarray:
    """dL/dz from dL/da through the output activation's own Jacobian (scratch's backward
    from the output ``a`` where it is not diagonal: softmax's)."""
    act = spec.activation(-1)
    derivative = act.derivative(a)
    if derivative is None:
        act.output = a
        return act.backward(dA)
    return dA * derivative


def _delta_again(ctx: Context) -> Iterator[Trial]:
    out = ctx.spec.activations[-1]
    if ctx.spec.loss == "mse":
        return
    yield Trial(
        f"{_at(ctx)} is what back-propagation gives when the cross-entropy delta (a - y) is multiplied by the "
        f"{out} derivative again: with cross-entropy on a {out} output dL/dz is (a - y) itself (the derivative "
        "cancels); pass (a - y) straight to the dense layer, or pass dL/da to the activation",
        Hooks(delta=lambda s, z, a, Y, n: _through(s, a, output_delta(s, z, a, Y, n))),
    )


def _wrong_loss(ctx: Context) -> Iterator[Trial]:
    spec = ctx.spec
    out, loss = spec.activations[-1], spec.loss
    f = spec.loss_factor
    if loss == "mse":
        return
    said = f"on the {out} output where the spec's loss is {loss.replace('_', ' ')}"
    for scale, form in ((lambda n, k: 2 / (n * k), "2 (a - y) / (n k)"), (lambda n, k: 1 / n, "(a - y) / n")):
        yield Trial(
            f"{_at(ctx)} is what back-propagation gives with the MSE gradient {form} {said}: use the "
            f"{loss.replace('_', ' ')} gradient",
            Hooks(delta=lambda s, z, a, Y, n, sc=scale: _through(s, a, sc(n, a.shape[1]) * (a - Y) * f(n))),
        )
    if loss == "categorical_crossentropy":
        yield Trial(
            f"{_at(ctx)} is what back-propagation gives with binary cross-entropy's gradient "
            f"-(y / a - (1 - y) / (1 - a)) {said}: use -y / a (or (a - y) through softmax)",
            Hooks(delta=lambda s, z, a, Y, n: _through(s, a, -(Y / a - (1 - Y) / (1 - a)) / (n * a.shape[1]) * f(n))),
        )
    else:
        for norm, form in ((lambda n, k: n * k, "n k"), (lambda n, k: n, "n")):
            yield Trial(
                f"{_at(ctx)} is what back-propagation gives when binary cross-entropy's gradient lacks its "
                f"(1 - y) term: -y / a / ({form}) {said} (categorical cross-entropy's form); use "
                "-(y / a - (1 - y) / (1 - a))",
                Hooks(delta=lambda s, z, a, Y, n, nm=norm: _through(s, a, -Y / a / nm(n, a.shape[1]) * f(n))),
            )


def _terms(spec: ModelSpec, n: int) -> int:
    return n * spec.sizes[-1] if spec.loss == "mse" else n


def _known_factors(ctx: Context) -> list[tuple[Callable[[int], float], str]]:
    """The constants hand-written loss gradients are off by, as functions of the batch's rows
    (a sum where the mean is meant is off by the batch's own size at every step)."""
    spec, k = ctx.spec, ctx.spec.sizes[-1]
    square, m = spec.loss == "mse", _terms(spec, ctx.n)
    known = [
        (lambda n: -1.0, "the sign is flipped (y - y_hat where the derivative needs y_hat - y?)"),
        (
            lambda n: float(_terms(spec, n)),
            f"off by the number of terms averaged ({m}): the backward sums where the loss "
            "takes the mean (divide the loss gradient by the batch size)",
        ),
        (
            lambda n: 1 / _terms(spec, n),
            "off by 1 / the number of terms: the loss gradient is divided by the batch size "
            "once too often (or where the loss sums)",
        ),
        (
            lambda n: 2.0,
            "off by 2: the loss has a 1/2 the gradient lacks"
            if square
            else "off by 2: an extra factor 2 in the loss gradient",
        ),
        (
            lambda n: 0.5,
            "off by 1/2: the derivative of the square (y_hat - y)^2 is 2 (y_hat - y); the 2 is missing"
            if square
            else "off by 1/2: an extra 1/2 in the loss gradient",
        ),
    ]
    if k > 1:
        known.append((lambda n: float(k), f"off by the number of outputs ({k})"))
        if square:
            known.append(
                (
                    lambda n: float(n),
                    f"off by the batch size ({ctx.n}): the update sums over the batch's samples "
                    "where the loss takes the mean (the learning rate not divided by the batch size)",
                )
            )
    return known


def _scaled(c: float | Callable[[int], float]) -> Hooks:
    factor = c if callable(c) else (lambda n: c)
    return Hooks(delta=lambda s, z, a, Y, n: output_delta(s, z, a, Y, n) * factor(n))


def _loss_factor(ctx: Context) -> Iterator[Trial]:
    """The loss gradient times a constant: the known ones, a fixed batch size, the one fitted."""
    spec, n = ctx.spec, ctx.n
    head = lambda c: f"{_at(ctx)}: the loss gradient is {_fmt(c)} x the spec's"
    known = _known_factors(ctx)
    for f, words in known:
        c = f(n)
        cands = [] if ctx.loss_matched else convention_candidates(spec, n, c)
        if cands:
            cand = cands[0]
            how = (
                f"consistent with gradient descent on {convention_words(cand)} (the spec says {convention_words(spec)})"
                if ctx.phase == "update"
                else f"your network uses {convention_words(cand)}, the spec {convention_words(spec)} "
                f"(batch of {n}); {reduction_words(spec, cand, n)}"
            )
            yield Trial(f"{head(c)}: {how}", _scaled(f), spec=cand, kind="convention")
        else:
            lead = "with the loss value agreeing, " if ctx.loss_matched and c != -1 else ""
            yield Trial(f"{head(c)}: {lead}{words}", _scaled(f), kind="sign" if c == -1 else None)
    g = implied_gradient(ctx)
    if g is None:
        return
    l, which = ctx.key[2], 0 if ctx.key[1] == "W" else 1
    pen = oracle.penalty_gradients(spec, ctx.before)[l][which]
    c = ratio(g - pen, correct_gradient(ctx) - pen)
    if c is None or abs(c) < 1e-12 or math.isclose(c, 1, rel_tol=1e-9):
        return
    if any(math.isclose(c, f(n), rel_tol=1e-7) for f, _ in known):
        return
    m = _terms(spec, n) / c
    if abs(m - round(m)) < 1e-6 * m and round(m) >= 1:
        M = round(m)
        unit = "terms" if spec.loss == "mse" else "rows"
        yield Trial(
            f"{head(c)}: your backward divides by {M} whatever the batch's size ({_terms(spec, n)} {unit} at this step): "
            "divide by the batch's own size",
            _scaled(lambda nb, M=M: _terms(spec, nb) / M),
        )
    yield Trial(f"{head(c)} at every element: the loss gradient is scaled by a constant", _scaled(c), fitted=True)


def _layer_factor(ctx: Context) -> Iterator[Trial]:
    """One layer's weight or bias gradient off by a constant where the others are right
    (``dW2 = dZ2 @ A1.T`` without its 1/m while db2 has it)."""
    for l in range(len(ctx.spec.sizes) - 1):
        for which, what in ((0, "weight"), (1, "bias")):
            for f, words in (
                (lambda n: float(n), "the batch size: its 1/m (1/n) is missing"),
                (lambda n: 1 / n, "1 / the batch size: it is divided by the batch size twice"),
                (lambda n: 2.0, "2"),
                (lambda n: 0.5, "1/2"),
                (lambda n: -1.0, "-1: its sign is flipped"),
            ):
                yield Trial(
                    f"{_at(ctx)}: layer {l}'s {what} gradient alone is off by {words} (the other gradients are right)",
                    Hooks(scale=lambda ll, w, n, l=l, which=which, f=f: f(n) if (ll, w) == (l, which) else 1.0),
                )


# ---- the optimizer -----------------------------------------------------------------------------
def _skipped(ctx: Context) -> Iterator[Trial]:
    l = ctx.key[2]
    yield Trial(
        f"{_at(ctx)} did not move: layer {l}'s update was skipped (is the optimizer called for every dense layer?)",
        skip=frozenset({2 * l, 2 * l + 1}),
    )
    which, what = (2 * l, "weights") if ctx.key[1] == "W" else (2 * l + 1, "bias")
    yield Trial(
        f"{_at(ctx)} did not move: only layer {l}'s {what} update was skipped (its line of the update is missing)",
        skip=frozenset({which}),
    )
    layers = len(ctx.spec.sizes) - 1
    if layers > 1:  # one update function for every layer, its bias (or weights) line missing
        yield Trial(
            f"{_at(ctx)} did not move: every layer's {what} update was skipped (the {what} line of the update is "
            "missing)",
            skip=frozenset(2 * i + which % 2 for i in range(layers)),
        )


def _bias_summed(ctx: Context) -> Iterator[Trial]:
    """A bias gradient summed over every element (``np.sum(dZ)`` without an axis, the course
    notebooks' most-copied slip) or averaged over the units too, then broadcast to every unit."""
    if ctx.key[1] != "b":
        return
    layers = len(ctx.spec.sizes) - 1
    sets = [(frozenset({ctx.key[2]}), f"layer {ctx.key[2]}'s")] + (
        [(frozenset(range(layers)), "every layer's")] if layers > 1 else []
    )
    for which, who in sets:
        yield Trial(
            f"{_at(ctx)} is what back-propagation gives when {who} bias gradient is summed over every element, "
            "samples and units together (np.sum(dZ) with no axis), one number for every unit: sum over the samples "
            "only (axis=0 for rows, axis=1 with keepdims=True for columns)",
            Hooks(bias_grad=lambda d: np.full(d.shape[1], d.sum()), layers=which),
        )


def _state_lost(ctx: Context) -> Iterator[Trial]:
    spec = ctx.spec
    if ctx.step < 2 or (spec.optimizer == "sgd" and not spec.momentum):
        return
    if spec.optimizer == "sgd":
        what = (
            f"moved by exactly -lr * gradient, plain SGD: the momentum state is not kept between steps (momentum "
            f"{spec.momentum} in the spec); store the velocity on the layer (or optimizer) and reuse it at the next step"
        )
    else:
        what = (
            f"is what {spec.optimizer} gives from a fresh state: its running averages (and step count) are not kept "
            "between steps; store them on the layer (or optimizer) and reuse them"
        )
    yield Trial(f"{_at(ctx)} {what}", reset_state=True)


def _scopes(ctx: Context) -> list[tuple[frozenset[int] | None, str]]:
    """Every parameter, then the weights only, then the biases only (one line of the update wrong)."""
    L = len(ctx.spec.sizes) - 1
    return [
        (None, ""),
        (frozenset(range(0, 2 * L, 2)), " (in the weights' update only)"),
        (frozenset(range(1, 2 * L, 2)), " (in the biases' update only)"),
    ]


def _adam(ctx: Context) -> Iterator[Trial]:
    if ctx.spec.optimizer != "adam":
        return
    for only, where in _scopes(ctx):
        for words, c1, c2 in ADAM_FORMS:
            yield Trial(
                f"{_at(ctx)} is Adam's update when {words}{where}: use m / (1 - b1**t) and v / (1 - b2**t) with "
                "t = 1 at the first step",
                update=adam_update(c1, c2),
                only=only,
            )


def _no_sqrt(ctx: Context) -> Iterator[Trial]:
    spec = ctx.spec
    fix = "divide by sqrt(v_hat) + eps"
    if spec.optimizer == "adam":
        for only, where in _scopes(ctx):
            yield Trial(
                f"{_at(ctx)} is Adam's update without the square root{where}: m_hat / (v_hat + eps); {fix}",
                update=adam_update(corrected, corrected, root=lambda x: x),
                only=only,
            )
    elif spec.optimizer == "rmsprop" and not spec.momentum:
        yield Trial(
            f"{_at(ctx)} is RMSprop's update without the square root: g / (s + eps); divide by sqrt(s) + eps",
            update=rms_no_sqrt,
        )
    elif spec.optimizer == "adagrad":
        yield Trial(
            f"{_at(ctx)} is Adagrad's update without the square root: g / (G + eps); divide by sqrt(G) + eps",
            update=adagrad_no_sqrt,
        )


def _momentum_average(ctx: Context) -> Iterator[Trial]:
    spec = ctx.spec
    if spec.optimizer != "sgd" or not spec.momentum or spec.nesterov or ctx.phase != "update":
        return
    mu, lr = spec.momentum, short(spec.lr * (1 - spec.momentum))
    yield Trial(
        f"{_at(ctx)} is SGD with momentum written as an average, v = mu v + (1 - mu) g from v = 0: every step is "
        f"(1 - mu) = {_fmt(1 - mu)} times PyTorch's v = mu v + g; drop the (1 - mu), or state lr={lr}",
        lr=lambda opt, now: (1 - mu) * now,
        convention="pytorch",
        spec=spec.replace(lr=lr),
    )


def _dampening(ctx: Context) -> Iterator[Trial]:
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
        f"{_at(ctx)} is SGD with momentum and dampening {_fmt(d)}: v = mu v + (1 - {_fmt(d)}) g (PyTorch's "
        f"SGD(dampening={_fmt(d)}), the first step undampened). Not expressible in the spec: momentum with dampening "
        "(the spec has no dampening field, so no framework twin here follows it); with v = mu v + g the network "
        "follows the spec",
        update=dampened(1 - keep),
        convention="pytorch",
        fitted=True,
    )


def _other_form(ctx: Context) -> Iterator[Trial]:
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


def _lr_schedule(ctx: Context) -> Iterator[Trial]:
    spec = ctx.spec
    if not spec.lr_decay or ctx.phase != "update":
        return
    d, lr = spec.lr_decay, spec.lr
    yield Trial(
        f"{_at(ctx)}, with the same gradient: the learning rate is still {_fmt(lr)}: no decay is applied (the spec's "
        f"lr_decay {d} gives {_fmt(ctx.lr_history[-1])})",
        lr=lambda opt, _: lr,
        spec=spec.replace(lr_decay=0.0),
    )
    yield Trial(
        f"{_at(ctx)}, with the same gradient: the learning rate decay counts steps from 1 (decays before the first "
        "update); the first update should use the full lr (t = 0)",
        lr=lambda opt, _: lr / (1 + d * (opt.iterations + 1)),
    )
    yield Trial(
        f"{_at(ctx)}, with the same gradient: the learning rate decay lags one step behind",
        lr=lambda opt, _: lr / (1 + d * max(opt.iterations - 1, 0)),
    )


def _lr_factor(ctx: Context) -> Iterator[Trial]:
    if ctx.phase != "update":
        return
    l, which = ctx.key[2], 0 if ctx.key[1] == "W" else 1
    start = np.asarray(ctx.before[l][which], np.float64)
    c = ratio(np.asarray(ctx.ours, np.float64) - start, np.asarray(ctx.theirs, np.float64) - start)
    if c is None or math.isclose(c, 1, rel_tol=1e-9):
        return
    if math.isclose(c, -1, rel_tol=1e-7):
        yield Trial(
            f"{_at(ctx)}: the update has the wrong sign: the weights move uphill (+= where -= is meant)",
            lr=lambda opt, lr: -lr,
            kind="sign",
        )
        return
    spec, now = ctx.spec, ctx.lr_history[-1] if ctx.lr_history else ctx.spec.lr
    yield Trial(
        f"{_at(ctx)}, with the same gradient: the learning rate is {_fmt(c * now)} where the spec's is {_fmt(now)} "
        f"(lr x {_fmt(c)})",
        lr=lambda opt, lr: c * lr,
        spec=spec.replace(lr=short(spec.lr * c)) if c > 0 else None,
        fitted=True,
    )


REGISTRY: list[Hypothesis] = [
    Hypothesis("update_skipped", ("update",), _skipped),
    Hypothesis("momentum_lost", ("update",), _state_lost),
    Hypothesis(
        "derivative_on_pre",
        BOTH,
        _derivative(
            ("sigmoid", "tanh"),
            _on_pre,
            "is evaluated on its pre-activation z instead of its output: a formula written for the output (like x * (1 - x) "
            "for sigmoid) must be given the activation's output",
        ),
    ),
    Hypothesis(
        "derivative_on_post",
        BOTH,
        _derivative(
            ("sigmoid", "tanh"),
            _on_post,
            "is evaluated on its output instead of its pre-activation z: a formula written for the input (like "
            "sigmoid(x) * (1 - sigmoid(x))) must be given z",
        ),
    ),
    Hypothesis(
        "relu_mask_dropped",
        BOTH,
        _derivative(
            ("relu", "leaky_relu"),
            _unmasked,
            "is dropped: the gradient passes through unmasked; multiply it by (z > 0) (the same as (a > 0))",
        ),
    ),
    Hypothesis(
        "relu_mask_at_zero",
        BOTH,
        _derivative(
            ("relu", "leaky_relu"),
            _mask_at_zero,
            "mask is taken as z >= 0: at z = 0 the frameworks use ReLU'(0) = 0, so use z > 0",
        ),
    ),
    Hypothesis("transposed", BOTH, _transposed),
    Hypothesis("bias_summed_over_all", BOTH, _bias_summed),
    Hypothesis("updated_before_backprop", BOTH, _updated_first),
    Hypothesis("delta_times_derivative", BOTH, _delta_again),
    Hypothesis("wrong_loss", BOTH, _wrong_loss),
    Hypothesis("factor", BOTH, _loss_factor),
    Hypothesis("layer_factor", BOTH, _layer_factor),
    Hypothesis("adam_bias_correction", ("update",), _adam),
    Hypothesis("missing_sqrt", ("update",), _no_sqrt),
    Hypothesis("momentum_average", ("update",), _momentum_average),
    Hypothesis("dampening", ("update",), _dampening),
    Hypothesis("optimizer_form", ("update",), _other_form, tentative=True),
    Hypothesis("lr_schedule", ("update",), _lr_schedule),
    Hypothesis("learning_rate", ("update",), _lr_factor),
]
