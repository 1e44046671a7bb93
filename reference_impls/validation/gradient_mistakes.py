"""Mistakes in back-propagation, for the catalogue in ``hypotheses``: an activation's
derivative, the weight and bias gradients, the loss gradient and its constant factors.
Each function yields the ``Trial`` forms one mistake takes for a spec and step."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import numpy as np

from ..spec import ModelSpec
from . import oracle
from .context import Context
from .conventions import convention_candidates, convention_words, reduction_words
from .oracle import Hooks, output_delta
from .replay import Trial, correct_gradient, implied_gradient, ratio
from .wording import at, fmt


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


def derivative_trials(
    names: tuple[str, ...], derivative: oracle.Derivative, words: str
) -> Callable[[Context], Iterator[Trial]]:
    def trials(ctx: Context) -> Iterator[Trial]:
        for layers, who in _layer_sets(ctx.spec, names):
            yield Trial(
                f"{at(ctx)} is what back-propagation gives when {who} derivative {words}",
                Hooks(derivative=derivative, layers=layers),
            )

    return trials


def on_pre(act, z, a):
    return act.derivative(z)


def on_post(act, z, a):
    return act.derivative(act.f(a))


def unmasked(act, z, a):
    return np.ones_like(z)


def activation_again(act, z, a):
    return act.f(a)


def mask_at_zero(act, z, a):
    return np.where(z >= 0, 1.0, act.derivative(act.f(z))).astype(z.dtype)  # below zero: 0, or the leaky slope


# ---- gradients of the weights ------------------------------------------------------------------
def transposed(ctx: Context) -> Iterator[Trial]:
    square = [l for l, (a, b) in enumerate(zip(ctx.spec.sizes, ctx.spec.sizes[1:])) if a == b]
    for layers, who in _each_then_all(square, "layer {}'s", "every square layer's"):
        yield Trial(
            f"{at(ctx)} is what back-propagation gives when {who} weight gradient is transposed (square, so the shapes "
            "agree): compute dweights as inputs.T @ dvalues (shape (in, out), like weights)",
            Hooks(weight_grad=lambda x, d: (x.T @ d).T, layers=layers),
        )


def updated_first(ctx: Context) -> Iterator[Trial]:
    spec = ctx.spec
    if spec.optimizer == "sgd" and not spec.momentum and len(spec.sizes) > 2:
        yield Trial(
            f"{at(ctx)} is what back-propagation gives when each layer updates its weights before it computes its "
            "input gradient from them (dinputs from the already-updated weights, as a backward that updates its own "
            "weights does): compute dinputs = dvalues @ W.T with the weights of the forward pass, then update",
            Hooks(updates_inside=True),
        )


def errors_back(ctx: Context) -> Iterator[Trial]:
    """A layer that sends back its errors dL/da through its weights, not its deltas dL/dz:
    its activation's derivative is used for its own weight gradient only (``hidden_errors =
    who.T @ output_errors``, as "Make Your Own Neural Network" prints it)."""
    spec, L = ctx.spec, len(ctx.spec.sizes) - 1
    senders = [
        l
        for l in range(1, L)
        if spec.activations[l] != "softmax" and (l < L - 1 or oracle.output_error(spec, *_probe(spec)) is not None)
    ]
    for layers, who in _each_then_all(senders, "layer {}", "every layer"):
        yield Trial(
            f"{at(ctx)} is what back-propagation gives when {who} sends back its errors (dL/da) through its weights "
            "before multiplying them by its activation's derivative (hidden_errors = W.T @ errors): the derivative "
            "is used for its own weight gradient only; send back W.T @ (errors * derivative), the delta",
            Hooks(errors_back=layers),
        )


def _each_then_all(layers: list[int], one: str, every: str) -> list[tuple[frozenset[int], str]]:
    """The layers a mistake may be in, one at a time and (when several) all together, each
    with its words (``one`` formatted with the layer's index)."""
    sets = [(frozenset({l}), one.format(l)) for l in layers]
    return sets + [(frozenset(layers), every)] if len(layers) > 1 else sets


def _probe(spec: ModelSpec) -> tuple[np.ndarray, np.ndarray]:
    """A one-row output and target, only to ask whether the output's error is written out."""
    k = spec.sizes[-1]
    return np.full((1, k), 0.5), np.full((1, k), 0.5)


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


def delta_again(ctx: Context) -> Iterator[Trial]:
    out = ctx.spec.activations[-1]
    if ctx.spec.loss == "mse":
        return
    yield Trial(
        f"{at(ctx)} is what back-propagation gives when the cross-entropy delta (a - y) is multiplied by the "
        f"{out} derivative again: with cross-entropy on a {out} output dL/dz is (a - y) itself (the derivative "
        "cancels); pass (a - y) straight to the dense layer, or pass dL/da to the activation",
        Hooks(delta=lambda s, z, a, Y, n: _through(s, a, output_delta(s, z, a, Y, n))),
    )


def wrong_loss(ctx: Context) -> Iterator[Trial]:
    spec = ctx.spec
    out, loss = spec.activations[-1], spec.loss
    f = spec.loss_factor
    if loss == "mse":
        return
    said = f"on the {out} output where the spec's loss is {loss.replace('_', ' ')}"
    for scale, form in ((lambda n, k: 2 / (n * k), "2 (a - y) / (n k)"), (lambda n, k: 1 / n, "(a - y) / n")):
        yield Trial(
            f"{at(ctx)} is what back-propagation gives with the MSE gradient {form} {said}: use the "
            f"{loss.replace('_', ' ')} gradient",
            Hooks(delta=lambda s, z, a, Y, n, sc=scale: _through(s, a, sc(n, a.shape[1]) * (a - Y) * f(n))),
        )
    if (out, loss) in (("softmax", "categorical_crossentropy"), ("sigmoid", "binary_crossentropy")):
        yield Trial(
            f"{at(ctx)} is what back-propagation gives when the output gradient is the predicted probabilities "
            f"alone: the targets are never subtracted; the fused {out} + cross-entropy gradient is (a - y) / n "
            "(in the NNFS book's form, dinputs[range(n), y_true] -= 1 before dividing by n)",
            Hooks(delta=lambda s, z, a, Y, n: a / n * f(n)),
        )
    if loss == "categorical_crossentropy":
        yield Trial(
            f"{at(ctx)} is what back-propagation gives with binary cross-entropy's gradient "
            f"-(y / a - (1 - y) / (1 - a)) {said}: use -y / a (or (a - y) through softmax)",
            Hooks(delta=lambda s, z, a, Y, n: _through(s, a, -(Y / a - (1 - Y) / (1 - a)) / (n * a.shape[1]) * f(n))),
        )
    else:
        for norm, form in ((lambda n, k: n * k, "n k"), (lambda n, k: n, "n")):
            yield Trial(
                f"{at(ctx)} is what back-propagation gives when binary cross-entropy's gradient lacks its "
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


def loss_factor(ctx: Context) -> Iterator[Trial]:
    """The loss gradient times a constant: the known ones, a fixed batch size, the one fitted."""
    spec, n = ctx.spec, ctx.n

    def head(c: float) -> str:
        return f"{at(ctx)}: the loss gradient is {fmt(c)} x the spec's"

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
            f"{head(c)}: your backward divides by {M} whatever the batch's size "
            f"({_terms(spec, n)} {unit} at this step): divide by the batch's own size",
            _scaled(lambda nb, M=M: _terms(spec, nb) / M),
        )
    yield Trial(f"{head(c)} at every element: the loss gradient is scaled by a constant", _scaled(c), fitted=True)


def layer_factor(ctx: Context) -> Iterator[Trial]:
    """One layer's weight or bias gradient off by a constant where the others are right
    (``dW2 = dZ2 @ A1.T`` without its 1/m while db2 has it), or every layer's, as one Dense
    class shared by all layers makes it (``db = np.mean(dout, axis=0)``)."""
    layers = len(ctx.spec.sizes) - 1
    sets = [(frozenset({l}), f"layer {l}'s", " alone", "the other gradients") for l in range(layers)]
    if layers > 1:
        sets.append((frozenset(range(layers)), "every layer's", "", "the {other} gradients"))
    for chosen, whose, alone, others in sets:
        # 2: the weights' and the bias's together (one Theta matrix holding both, its 1/m forgotten)
        for which, what, other in ((0, "weight", "bias"), (1, "bias", "weight"), (2, "weight and bias", "")):
            if (not ctx.spec.use_bias and (which or len(chosen) == layers)) or (which == 2 and len(chosen) == layers):
                continue  # every layer's whole gradient off by a constant is the loss gradient's (loss_factor)
            for f, words in (
                (lambda n: float(n), "the batch size: its 1/m (1/n) is missing"),
                (lambda n: 1 / n, "1 / the batch size: it is divided by the batch size twice"),
                (lambda n: 2.0, "2"),
                (lambda n: 0.5, "1/2"),
                (lambda n: -1.0, "-1: its sign is flipped"),
            ):
                right = others.format(other=other)
                yield Trial(
                    f"{at(ctx)}: {whose} {what} gradient{alone} is off by {words} ({right} are right)",
                    Hooks(
                        scale=lambda ll, w, n, ls=chosen, which=which, f=f: (
                            f(n) if ll in ls and which in (w, 2) else 1.0
                        )
                    ),
                )


def bias_summed(ctx: Context) -> Iterator[Trial]:
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
            f"{at(ctx)} is what back-propagation gives when {who} bias gradient is summed over every element, "
            "samples and units together (np.sum(dZ) with no axis), one number for every unit: sum over the samples "
            "only (axis=0 for rows, axis=1 with keepdims=True for columns)",
            Hooks(bias_grad=lambda d: np.full(d.shape[1], d.sum()), layers=which),
        )
