"""Plain-language reasons for a first divergence.

Each check looks at the tensor where the user's network first departs (ours) and the
framework's (theirs), computed from the same weights on the same batch, and recognises one
kind of common mistake: a non-finite value (softmax overflow, log of 0), a transposed or
unsummed array, a constant factor (sign, sum vs mean, a 1/2, the batch size, the learning
rate), a skipped update, a lost momentum state, a learning-rate schedule, or an activation
derivative taken at the wrong point (recomputed by ``oracle``). A constant factor that a
loss convention explains comes with the spec that expresses it (``Finding.spec``), which
``validate`` then tries against the frameworks before it says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..spec import ModelSpec, Weights, penalty
from . import oracle

CLOSE = 1e-8  # relative residual below which a hypothesis "reproduces" the user's tensor


@dataclass
class Finding:
    text: str
    kind: str
    spec: ModelSpec | None = None  # a spec under which the network may be consistent
    tentative: bool = False  # said only if ``spec`` then passes against the frameworks


@dataclass
class Context:
    """Everything known at the first divergence."""

    spec: ModelSpec
    impl: str
    step: int  # 1-based
    phase: str
    key: tuple
    name: str
    raw: np.ndarray  # ours, as the user's code holds it
    ours: np.ndarray | None  # ours in the frameworks' layout (None: shape does not map)
    theirs: np.ndarray
    before: Weights  # the user's weights at the start of this step (frameworks' layout)
    X: np.ndarray  # the batch (frameworks' layout)
    y: np.ndarray
    grads: dict = field(default_factory=dict)  # the user's gradients at this step, by key
    theirs_grads: dict = field(default_factory=dict)  # the framework's gradients at this step
    theirs_forward: dict = field(default_factory=dict)
    lr_history: list[float] = field(default_factory=list)  # the spec's lr at steps 1..step
    loss_matched: bool = False  # the user's loss value agreed at this step
    lr_given: bool = False  # the user's code was handed the spec's lr (so lr cannot differ)

    @property
    def n(self) -> int:
        return len(self.X)


def close(a: np.ndarray, b: np.ndarray, tol: float = CLOSE) -> bool:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return False
    scale = max(float(np.max(np.abs(a), initial=0)), float(np.max(np.abs(b), initial=0)))
    return scale == 0 or float(np.max(np.abs(a - b))) <= tol * scale


def factor_of(ours: np.ndarray, theirs: np.ndarray) -> float | None:
    """c with ours = c * theirs (least squares), when that explains ours; else None."""
    o, t = np.asarray(ours, np.float64).ravel(), np.asarray(theirs, np.float64).ravel()
    tt = float(t @ t)
    if o.shape != t.shape or tt == 0 or not np.all(np.isfinite(o)):
        return None
    c = float(o @ t) / tt
    return c if close(o, c * t, 1e-7) else None


def _fmt(c: float) -> str:
    return f"{c:.6g}"


# ---- the checks, in order ----------------------------------------------------------------------
def diagnose(ctx: Context) -> list[Finding]:
    extra = _loss_penalty(ctx)  # tentative: said only if the frameworks confirm it
    for check in (_nonfinite, _shape, _clipping, _transposed, _skipped, _momentum, _factor, _penalty_gradient, _mistakes, _optimizer_form):
        found = check(ctx)
        if found:
            return found + extra
    return [unexplained(ctx)] + extra


def _loss_penalty(ctx: Context) -> list[Finding]:
    """Ours = theirs + lam * S at the loss: the loss includes an L2 term other than the
    spec's (cs231n's ``reg * np.sum(W * W)``), on the weights (S = sum ||W||^2) or on every
    parameter. One number always fits one loss, so each reading is tentative: it is said
    only when the network then passes against the frameworks."""
    if ctx.phase != "loss" or ctx.ours is None or not np.all(np.isfinite(ctx.ours)):
        return []
    spec = ctx.spec
    extra = float(np.sum(ctx.ours)) - float(np.sum(ctx.theirs)) - penalty(spec, ctx.before)
    s_w = sum(float(np.square(W).sum()) for W, _ in ctx.before)
    s_b = sum(float(np.square(b).sum()) for _, b in ctx.before)
    out = []
    for changes, s, where in ((("l2",), s_w, "the weights"), (("l2", "l2_bias"), s_w + s_b, "every weight and bias")):
        if s <= 0 or extra <= 0 or (len(changes) == 2 and s_b == 0):
            continue
        lam = float(f"{extra / s + spec.penalties(0)[1]:.12g}")  # in the spec's form l * ||P||^2
        try:
            cand = spec.replace(**{name: lam for name in changes})
        except ValueError:
            continue
        out.append(Finding(f"your loss includes an L2 term {lam:.6g} * sum ||P||^2 on {where} (as reg * np.sum(W * W)), "
                           f"where the spec states {', '.join(f'{n}={getattr(spec, n)}' for n in changes)}",
                           "penalty_in_loss", cand, tentative=True))
    return out


def unexplained(ctx: Context) -> Finding:
    return Finding(
        f"no known mistake reproduces {ctx.name} at step {ctx.step}: compare its formula with the framework's "
        f"(largest difference {float(np.max(np.abs(ctx.ours - ctx.theirs))):.3g})" if ctx.ours is not None else
        f"no known mistake reproduces {ctx.name} at step {ctx.step}", "unknown")


def _nonfinite(ctx: Context) -> list[Finding]:
    if np.all(np.isfinite(ctx.raw)):
        return []
    spec = ctx.spec
    if ctx.phase == "forward":
        i = ctx.key[1]
        act = spec.activations[i // 2] if i % 2 else None
        logits = ctx.theirs_forward.get(("forward", i - 1))
        big = math.log(np.finfo(spec.dtype).max)
        if act == "softmax" and logits is not None and float(np.max(logits)) > big:
            return [Finding(
                f"softmax overflow in {ctx.name} at step {ctx.step}: exp() of logits up to {float(np.max(logits)):.4g} "
                f"exceeds {spec.dtype}'s range (exp(x) overflows above {big:.1f}) and inf/inf gives NaN; "
                "subtract each row's max before exp (np.exp(x - x.max(axis=1, keepdims=True))), which leaves softmax unchanged",
                "softmax_overflow")]
        return [Finding(f"{ctx.name} became {'NaN' if np.isnan(ctx.raw).any() else 'inf'} at step {ctx.step} where the "
                        f"framework's is finite (largest framework value {float(np.max(np.abs(ctx.theirs))):.3g})", "nonfinite")]
    if ctx.phase == "loss" and spec.loss != "mse":
        return [Finding(f"the loss is {float(ctx.raw.ravel()[0])} at step {ctx.step}: log(0) from a probability of exactly "
                        "0 or 1; clip predictions to [1e-7, 1 - 1e-7] before the log, or compute the loss on logits", "log_zero")]
    return [Finding(f"{ctx.name} became non-finite at step {ctx.step} (the framework's is finite)", "nonfinite")]


def _shape(ctx: Context) -> list[Finding]:
    if ctx.ours is not None:
        return []
    raw, theirs = np.asarray(ctx.raw), ctx.theirs
    kind = ctx.key[0]
    want = theirs.shape
    if kind in ("gradient", "update") and ctx.key[1] == "b":
        fan_out = want[0]
        if raw.ndim == 2 and raw.shape == (ctx.n, fan_out):
            summed = raw.sum(axis=0)
            target = theirs if kind == "gradient" else None
            tail = " and its sum over the batch equals the framework's" if target is not None and close(summed, target) else ""
            return [Finding(
                f"{ctx.name} has shape {raw.shape}, one row per sample: the bias gradient is not summed over the batch{tail}; "
                "use np.sum(dvalues, axis=0, keepdims=True)", "bias_not_summed")]
        if raw.ndim == 2 and ctx.n in raw.shape and 1 in raw.shape:
            return [Finding(
                f"{ctx.name} has shape {raw.shape} where the bias has {fan_out} values: it is summed over axis=1 (the units) "
                "instead of axis=0 (the samples); use np.sum(dvalues, axis=0, keepdims=True)", "bias_wrong_axis")]
    if raw.shape == want[::-1] and raw.ndim == 2:
        return [Finding(f"{ctx.name} has shape {raw.shape}, the transpose of the framework's {want}: "
                        f"{_transpose_hint(ctx)}", "transposed")]
    return [Finding(f"{ctx.name} has shape {raw.shape}; the framework's is {want} at step {ctx.step}", "shape")]


def _clipping(ctx: Context) -> list[Finding]:
    """A probability loss that clips at 1e-7 departs from the unclipped loss on logits
    wherever a predicted probability is beyond the clip: in its value, and in its gradient,
    which is 0 there."""
    spec = ctx.spec
    if ctx.phase not in ("loss", "gradient") or spec.loss == "mse":
        return []
    last = ctx.theirs_forward.get(("forward", 2 * (len(spec.sizes) - 1) - 1))
    if last is None or not (float(np.min(last)) < 1e-7 or float(np.max(last)) > 1 - 1e-7):
        return []
    what = "the loss differs" if ctx.phase == "loss" else f"{ctx.name} differs"
    why = "" if ctx.phase == "loss" else " (the clipped loss has zero gradient beyond the clip, so less or no gradient flows back)"
    return [Finding(
        f"{what} at step {ctx.step} where predicted probabilities reach {float(np.min(last)):.1e}: your loss clips "
        f"probabilities (to [1e-7, 1 - 1e-7], as the tutorials do){why}, and the frameworks compute cross-entropy on logits "
        "without clipping; the two agree only while every probability stays inside the clip (smaller weights or inputs)",
        "clipping")]


def _transpose_hint(ctx: Context) -> str:
    if ctx.key[0] == "gradient":
        return "compute dweights as inputs.T @ dvalues (shape (in, out), like weights)"
    if ctx.key[0] == "forward":
        return "multiply inputs @ weights with weights of shape (in, out), or inputs @ weights.T for (out, in)"
    return "the update adds a transposed array; keep gradients in the weights' shape"


def _transposed(ctx: Context) -> list[Finding]:
    o, t = ctx.ours, ctx.theirs
    if o is None or o.ndim != 2 or o.shape[0] != o.shape[1] or ctx.key[0] not in ("gradient", "forward"):
        return []
    if close(o, t.T):
        return [Finding(f"{ctx.name} is the transpose of the framework's (square, so the shapes agree): {_transpose_hint(ctx)}",
                        "transposed")]
    return []


def _delta(ctx: Context) -> tuple[np.ndarray, np.ndarray] | None:
    """(our update, their update) of the diverging weight, from the same starting weights."""
    if ctx.key[0] != "update" or ctx.ours is None:
        return None
    l, which = ctx.key[2], 0 if ctx.key[1] == "W" else 1
    start = ctx.before[l][which]
    return ctx.ours - start, ctx.theirs - start


def _skipped(ctx: Context) -> list[Finding]:
    d = _delta(ctx)
    if d is None:
        return []
    ours, theirs = d
    if np.all(ours == 0) and np.any(theirs != 0):
        return [Finding(f"{ctx.name} did not change at step {ctx.step} while the framework's moved by up to "
                        f"{float(np.max(np.abs(theirs))):.3g}: layer {ctx.key[2]}'s update was skipped "
                        "(is the optimizer called for every dense layer?)", "update_skipped")]
    return []


def _their_gradient(ctx: Context) -> np.ndarray | None:
    key = ("gradient",) + tuple(ctx.key[1:])
    return ctx.grads.get(key, ctx.theirs_grads.get(key))


def _momentum(ctx: Context) -> list[Finding]:
    spec, d = ctx.spec, _delta(ctx)
    if d is None or ctx.step < 2 or spec.optimizer != "sgd" or not spec.momentum:
        return []
    g = _their_gradient(ctx)
    if g is not None and close(d[0], -ctx.lr_history[-1] * g, 1e-7):
        return [Finding(f"{ctx.name} at step {ctx.step} moved by exactly -lr * gradient, plain SGD: the momentum state "
                        f"is not kept between steps (momentum {spec.momentum} in the spec); store the velocity on the "
                        "layer (or optimizer) and reuse it at the next step", "momentum_lost")]
    return []


def convention_candidates(spec: ModelSpec, n: int, c: float) -> list[ModelSpec]:
    """Specs differing only in the loss convention whose loss is ``c`` times ``spec``'s,
    the conventions tutorials use most first (1/2 sum of squares, the plain sum, ...)."""
    base = spec.loss_factor(n)
    out = []
    for reduction, scale in (("sum", 0.5), ("sum", 1.0), ("mean", 1.0), ("mean", 0.5), ("mean", 2.0), ("sum", 2.0)):
        cand = spec.replace(loss_reduction=reduction, loss_scale=scale)
        if cand != spec and math.isclose(cand.loss_factor(n) / base, c, rel_tol=1e-7):
            out.append(cand)
    return out


def convention_words(spec: ModelSpec) -> str:
    """The loss convention of ``spec`` in words: ``1/2 * sum over samples and outputs``."""
    scale = {1.0: "", 0.5: "1/2 * ", 2.0: "2 * "}.get(float(spec.loss_scale), f"{spec.loss_scale:g} * ")
    over = "samples and outputs" if spec.loss in ("mse", "binary_crossentropy") and spec.sizes[-1] > 1 else "samples"
    red = f"sum over {over}" if spec.loss_reduction == "sum" else f"mean over {over}"
    what = {"mse": "(y - y_hat)^2", "binary_crossentropy": "binary cross-entropy", "categorical_crossentropy": "cross-entropy"}[spec.loss]
    return f"{scale}{red} of {what}"


def _factor(ctx: Context) -> list[Finding]:
    spec = ctx.spec
    d = _delta(ctx)
    if ctx.ours is None:
        return []
    ours, theirs = d if d is not None else (ctx.ours, ctx.theirs)
    if np.all(ours == 0) and np.any(theirs != 0) and ctx.phase == "gradient":
        return [Finding(f"{ctx.name} is all zeros at step {ctx.step} where the framework's is not: no gradient reaches it "
                        "(is the backward of a layer above it returning zeros or not called?)", "zero_gradient")]
    c = factor_of(ours, theirs)
    if c is None or math.isclose(c, 1.0, rel_tol=1e-9):
        return []
    what = {"loss": "the loss", "gradient": ctx.name, "update": f"the update of {ctx.name}", "forward": ctx.name}[ctx.phase]
    head = f"{what} is {_fmt(c)} x the framework's at step {ctx.step}"
    if math.isclose(c, -1.0, rel_tol=1e-7):
        tail = ("the sign is flipped: the weights move uphill (+= where -= is meant, or y - y_hat where the derivative needs y_hat - y)"
                if ctx.phase == "update" else "the sign is flipped (y - y_hat where the derivative needs y_hat - y?)")
        return [Finding(f"{head}: {tail}", "sign")]
    if ctx.phase == "forward":
        return [Finding(f"{head}: the layer's output is scaled", "factor")]
    gradient_matched = ctx.phase == "update" and ("gradient",) + tuple(ctx.key[1:]) in ctx.grads
    if gradient_matched:  # the gradient agreed at this step, so the step size differs
        return _learning_rate(ctx, c, head)
    cands = [] if ctx.loss_matched else convention_candidates(spec, ctx.n, c)
    if ctx.phase == "update":
        if ctx.step > 1 and spec.lr_decay:
            return _learning_rate(ctx, c, head)
        alt = (f"; or the learning rate is {_fmt(c * ctx.lr_history[-1])} instead of {_fmt(ctx.lr_history[-1])}"
               if spec.optimizer == "sgd" and not spec.momentum and not ctx.lr_given else "")
        lr_spec = spec.replace(lr=spec.lr * c) if alt else None
        if cands:
            cand = cands[0]
            return [Finding(f"{head}: consistent with gradient descent on {convention_words(cand)} "
                            f"(the spec says {convention_words(spec)}){alt}", "convention", cand)] + (
                [Finding(f"the same update follows from lr {_fmt(spec.lr * c)}", "learning_rate", lr_spec)] if lr_spec else [])
        if lr_spec:
            return [Finding(f"{head}: the step size differs: effective learning rate {_fmt(c * ctx.lr_history[-1])} "
                            f"where the spec's is {_fmt(ctx.lr_history[-1])} (or the gradient is scaled by {_fmt(c)})",
                            "learning_rate", lr_spec)]
        return [Finding(f"{head}: the update is off by a constant factor", "factor")]
    if cands:
        cand = cands[0]
        return [Finding(f"{head}: your network uses {convention_words(cand)}, the spec {convention_words(spec)} "
                        f"(batch of {ctx.n}); {_reduction_words(spec, cand, ctx.n)}", "convention", cand)]
    n, k = ctx.n, spec.sizes[-1]
    square = spec.loss == "mse"
    known = {
        float(n * k) if square else float(n): (f"the number of terms averaged ({n * k if square else n}): the backward sums "
                                               "where the loss takes the mean (divide the loss gradient by the batch size)"),
        1 / (n * k if square else n): "1 / the number of terms: the backward divides by the batch size where the loss sums",
        2.0: "2: an extra factor 2 in the loss gradient" if not square else "2: the loss has a 1/2 the gradient lacks",
        0.5: ("1/2: the derivative of the square (y_hat - y)^2 is 2 (y_hat - y); the 2 is missing" if square
              else "1/2: an extra 1/2 in the loss gradient"),
        float(k): f"the number of outputs ({k})",
    }
    lead = "with the loss value agreeing, " if ctx.loss_matched else ""
    for value, words in known.items():
        if math.isclose(c, value, rel_tol=1e-7):
            return [Finding(f"{head}: {lead}off by {words}", "factor")]
    return [Finding(f"{head}: {lead}off by a constant factor", "factor")]


def _reduction_words(spec: ModelSpec, cand: ModelSpec, n: int) -> str:
    if spec.loss_reduction != cand.loss_reduction:
        return f"a sum instead of a mean multiplies every gradient by the {cand.loss_factor(n) / spec.loss_factor(n):g} terms" if cand.loss_reduction == "sum" \
            else "a mean instead of a sum divides every gradient by the number of terms"
    return "a constant factor on the loss scales every gradient alike"


def _learning_rate(ctx: Context, c: float, head: str) -> list[Finding]:
    spec, lrs = ctx.spec, ctx.lr_history
    ours_lr = c * lrs[-1]
    if ctx.step == 1 and spec.lr_decay and math.isclose(ours_lr, spec.lr / (1 + spec.lr_decay), rel_tol=1e-9):
        return [Finding(f"{head}, with the same gradient: the learning rate at the first step is already decayed "
                        f"({_fmt(ours_lr)} = lr / (1 + {spec.lr_decay:g})): the decay counts steps from 1; the first update "
                        "should use the full lr (t = 0)", "lr_schedule")]
    if ctx.step == 1 or not spec.lr_decay:
        return [Finding(f"{head}, with the same gradient: the learning rate is {_fmt(ours_lr)} where the spec's is {_fmt(lrs[-1])}",
                        "learning_rate", spec.replace(lr=spec.lr * c) if ctx.step == 1 and not spec.momentum else None)]
    t = ctx.step - 1
    decay = (spec.lr / ours_lr - 1) / t if ours_lr > 0 else math.nan
    if math.isclose(ours_lr, spec.lr, rel_tol=1e-7):
        text = f"the learning rate is still {_fmt(spec.lr)} at step {ctx.step}: no decay is applied (the spec's lr_decay {spec.lr_decay} gives {_fmt(lrs[-1])})"
        return [Finding(f"{head}, with the same gradient: {text}", "lr_schedule", spec.replace(lr_decay=0.0))]
    text = (f"the learning rate schedule differs: yours is {_fmt(ours_lr)} at step {ctx.step}, the spec's lr / (1 + {spec.lr_decay:g} t) "
            f"gives {_fmt(lrs[-1])}")
    if decay > 0 and math.isfinite(decay):
        text += f"; yours fits lr / (1 + {decay:.6g} t)"
        # off by one step? lr / (1 + d (t + 1)) or lr / (1 + d (t - 1))
        for shift, words in ((1, "counts steps from 1 (decays before the first update)"), (-1, "lags one step behind")):
            if math.isclose(spec.lr / (1 + spec.lr_decay * (t + shift)), ours_lr, rel_tol=1e-9):
                text += f": the decay {words}"
        return [Finding(f"{head}, with the same gradient: {text}", "lr_schedule", spec.replace(lr_decay=float(decay)))]
    return [Finding(f"{head}, with the same gradient: {text}", "lr_schedule")]


FORMS = {
    ("sgd", "pytorch"): "v = mu v + g; w -= lr v (PyTorch)",
    ("sgd", "keras"): "v = mu v - lr g; w += v (Keras, the book's)",
}


def _optimizer_form(ctx: Context) -> list[Finding]:
    """The other of the two published forms of the optimizer (tried, then said)."""
    spec = ctx.spec
    if ctx.phase != "update" or not spec.convention_matters:
        return []
    other = next(c for c in ("pytorch", "keras") if c != spec.convention)
    form = FORMS.get((spec.optimizer, other), f"the {other} form")
    return [Finding(f"{ctx.name} follows the {other} form of {spec.optimizer} ({form}), not the {spec.convention} form "
                    "the spec states", "optimizer_form", spec.replace(convention=other), tentative=True)]


def _penalty_gradient(ctx: Context) -> list[Finding]:
    """Ours = theirs + c * P for the diverging parameter P: an L2 term other than the spec's
    (the gradient of (l/2)||P||^2 where the spec says l ||P||^2, cs231n's 0.5 * reg; a penalty
    in the loss but not in its gradient; weight decay the spec does not state)."""
    if ctx.ours is None or ctx.phase not in ("gradient", "update"):
        return []
    spec = ctx.spec
    l, which = ctx.key[2], 0 if ctx.key[1] == "W" else 1
    P = np.asarray(ctx.before[l][which], np.float64)
    if ctx.phase == "gradient":
        diff = np.asarray(ctx.ours, np.float64) - ctx.theirs
    elif spec.optimizer == "sgd" and (ctx.step == 1 or not spec.momentum):
        diff = (np.asarray(ctx.theirs, np.float64) - ctx.ours) / ctx.lr_history[-1]  # the updates are -lr * gradient
    else:
        return []
    c = factor_of(diff, P)
    if c is None or not np.any(P):
        return []
    name = ("l2", "l2_bias")[which]
    per_layer = [spec.penalties(i)[1 + 2 * which] for i in range(len(spec.sizes) - 1)]
    have = per_layer[l]
    yours = have + c / 2  # in the spec's form: yours * ||P||^2, gradient 2 * yours * P
    what = "weights" if which == 0 else "biases"
    if have and math.isclose(c, -have, rel_tol=1e-6):
        text = (f"the L2 term of {ctx.name}'s gradient at step {ctx.step} is {have:g} * P, the gradient of ({have:g}/2) ||P||^2 "
                f"(the 0.5 * reg convention); the spec's {name}={have:g} means {have:g} ||P||^2, whose gradient is {2 * have:g} * P")
    elif have and math.isclose(c, -2 * have, rel_tol=1e-6):
        text = (f"{ctx.name}'s gradient at step {ctx.step} has no L2 term, though the spec puts {name}={have:g} on layer {l}'s "
                f"{what}: is the penalty added to the loss but left out of its gradient?")
    else:
        text = (f"{ctx.name}'s gradient at step {ctx.step} carries an L2 term {2 * yours:.6g} * P where the spec's {name}={have:g} "
                f"gives {2 * have:g} * P: your network penalises layer {l}'s {what} with {yours:.6g} ||P||^2")
    if yours < -1e-12:
        return [Finding(text, "penalty_gradient")]
    per_layer[l] = max(yours, 0.0)
    value = per_layer[0] if len(set(per_layer)) == 1 else tuple(per_layer)
    return [Finding(text, "penalty_gradient", spec=spec.replace(**{name: value}))]


def _mistakes(ctx: Context) -> list[Finding]:
    """Recompute the step with each known mistake and see which reproduces ours."""
    if ctx.ours is None or ctx.phase not in ("gradient", "update"):
        return []
    spec = ctx.spec
    if ctx.phase == "update" and not (spec.optimizer == "sgd" and (ctx.step == 1 or not spec.momentum)):
        return []
    l, which = ctx.key[2], 0 if ctx.key[1] == "W" else 1
    for mistake in oracle.candidate_mistakes(spec):
        g = oracle.gradients(spec, ctx.before, ctx.X, ctx.y, mistake)[l][which]
        expected = g if ctx.phase == "gradient" else ctx.before[l][which] - ctx.lr_history[-1] * g
        if close(ctx.ours, expected, 1e-7):
            return [Finding(f"{ctx.name} at step {ctx.step} is what back-propagation gives when {mistake.describe(spec)}", mistake.kind)]
    return []
