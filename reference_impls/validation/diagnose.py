"""Plain-language reasons for a first divergence.

The checks of what a tensor is, without a hypothesis: a non-finite value (softmax overflow,
log of 0), an array of the wrong shape (transposed, a bias gradient not summed or summed over
the wrong axis), probabilities beyond a loss's clip, an L2 term other than the spec's, a loss
a constant times the spec's. Gradients and updates are explained by recomputation
(``hypotheses``): a cause is named only when recomputing the user's steps with that mistake
reproduces them. Where nothing does, ``unexplained`` says so and shows the element-wise ratio
ours / theirs. A loss convention or optimizer form comes with the spec that expresses it
(``Finding.spec``), which ``validate`` then tries against the frameworks before it says so.
"""

from __future__ import annotations

import math

import numpy as np

from scratch.losses import EPS

from ..spec import penalty
from .context import CLOSE, Context, Finding, Seen, close  # noqa: F401  (the names core.py uses)
from .conventions import convention_candidates, convention_words, reduction_words
from .hypotheses import explain
from .replay import Shadow  # noqa: F401


def exposed(seen: list) -> dict:
    """The gradients and updates a step's ``Observed`` tensors hold, in the frameworks' layout, by key."""
    return {o.key: o.value for o in seen if o.key[0] in ("gradient", "update") and o.value is not None}


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
    """The findings at a first divergence: the first check that says something, else what
    was seen; a loss with an unstated L2 term is added, tentative, whatever else is found."""
    extra = _loss_penalty(ctx)  # tentative: said only if the frameworks confirm it
    for check in (_shape, explain, _nonfinite, _clipping, _transposed, _penalty_gradient, _factor):
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
        out.append(
            Finding(
                f"your loss includes an L2 term {lam:.6g} * sum ||P||^2 on {where} (as reg * np.sum(W * W)), "
                f"where the spec states {', '.join(f'{n}={getattr(spec, n)}' for n in changes)}",
                "penalty_in_loss",
                cand,
                tentative=True,
            )
        )
    return out


def unexplained(ctx: Context) -> Finding:
    """Nothing reproduces: say so, and show the element-wise ratio ours / theirs (of the
    change, for an update) so that what was seen is there to read."""
    head = f"no known mistake reproduces {ctx.name} at step {ctx.step}"
    if ctx.ours is None:
        return Finding(head, "unknown")
    tried = " (each of the catalogue's recomputations was tried)" if ctx.phase in ("gradient", "update") else ""
    ours, theirs = np.asarray(ctx.ours, np.float64), np.asarray(ctx.theirs, np.float64)
    if ctx.phase == "update":
        start = np.asarray(ctx.before[ctx.key[2]][0 if ctx.key[1] == "W" else 1], np.float64)
        ours, theirs = ours - start, theirs - start
    return Finding(f"{head}{tried}: compare its formula with the framework's; {ratio_pattern(ours, theirs)}", "unknown")


def ratio_pattern(ours: np.ndarray, theirs: np.ndarray) -> str:
    """The element-wise ratio ours / theirs in words: its range, how it varies, the signs."""
    diff = float(np.max(np.abs(ours - theirs), initial=0)) if ours.shape == theirs.shape else math.nan
    if ours.shape != theirs.shape or not np.all(np.isfinite(ours)):
        return f"largest difference {diff:.3g}"
    tiny = 1e-12 * max(float(np.max(np.abs(theirs), initial=0)), 1e-300)
    r = np.where(np.abs(theirs) > tiny, ours / np.where(np.abs(theirs) > tiny, theirs, 1), np.nan)
    if np.all(np.isnan(r)):
        return f"largest difference {diff:.3g} (the framework's is 0)"
    lo, mid, hi = np.nanmin(r), np.nanmedian(r), np.nanmax(r)

    def same(a: np.ndarray) -> bool:
        return bool(np.nanmax(a) - np.nanmin(a) <= 1e-6 * max(1.0, float(np.nanmax(np.abs(a)))))

    if same(r):
        how = "the same at every element at this step"
    elif r.ndim == 2 and all(same(row) for row in r if not np.all(np.isnan(row))):
        how = "constant along each row, different between rows"
    elif r.ndim == 2 and all(same(col) for col in r.T if not np.all(np.isnan(col))):
        how = "constant down each column, different between columns"
    else:
        how = "varying from element to element"
    agree = float(np.mean(np.sign(ours) == np.sign(theirs)))
    return (
        f"ours / theirs element-wise: min {lo:.4g}, median {mid:.4g}, max {hi:.4g}, {how}; signs agree at "
        f"{agree:.0%} of elements; largest difference {diff:.3g}"
    )


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
            return [
                Finding(
                    f"softmax overflow in {ctx.name} at step {ctx.step}: exp() of logits up to "
                    f"{float(np.max(logits)):.4g} "
                    f"exceeds {spec.dtype}'s range (exp(x) overflows above {big:.1f}) and inf/inf gives NaN; "
                    "subtract each row's max before exp (np.exp(x - x.max(axis=1, keepdims=True))), which "
                    "leaves softmax unchanged",
                    "softmax_overflow",
                )
            ]
        return [
            Finding(
                f"{ctx.name} became {'NaN' if np.isnan(ctx.raw).any() else 'inf'} at step {ctx.step} where the "
                f"framework's is finite (largest framework value {float(np.max(np.abs(ctx.theirs))):.3g})",
                "nonfinite",
            )
        ]
    if ctx.phase == "loss" and spec.loss != "mse":
        return [
            Finding(
                f"the loss is {float(ctx.raw.ravel()[0])} at step {ctx.step}: log(0) from a probability of exactly "
                "0 or 1; clip predictions to [1e-7, 1 - 1e-7] before the log, or compute the loss on logits",
                "log_zero",
            )
        ]
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
            tail = (
                " and its sum over the batch equals the framework's"
                if target is not None and close(summed, target)
                else ""
            )
            return [
                Finding(
                    f"{ctx.name} has shape {raw.shape}, one row per sample: the bias gradient is not summed "
                    f"over the batch{tail}; "
                    "use np.sum(dvalues, axis=0, keepdims=True)",
                    "bias_not_summed",
                )
            ]
        if raw.ndim == 2 and ctx.n in raw.shape and 1 in raw.shape:
            return [
                Finding(
                    f"{ctx.name} has shape {raw.shape} where the bias has {fan_out} values: it is summed over "
                    "axis=1 (the units) "
                    "instead of axis=0 (the samples); use np.sum(dvalues, axis=0, keepdims=True)",
                    "bias_wrong_axis",
                )
            ]
    if raw.shape == want[::-1] and raw.ndim == 2:
        return [
            Finding(
                f"{ctx.name} has shape {raw.shape}, the transpose of the framework's {want}: {_transpose_hint(ctx)}",
                "transposed",
            )
        ]
    return [Finding(f"{ctx.name} has shape {raw.shape}; the framework's is {want} at step {ctx.step}", "shape")]


def _clipping(ctx: Context) -> list[Finding]:
    """A probability loss that clips at 1e-7 departs from the unclipped loss on logits
    wherever a predicted probability is beyond the clip: in its value, and in its gradient,
    which is 0 there."""
    spec = ctx.spec
    if ctx.phase not in ("loss", "gradient") or spec.loss == "mse":
        return []
    last = ctx.theirs_forward.get(("forward", 2 * (len(spec.sizes) - 1) - 1))
    if last is None or not (float(np.min(last)) < EPS or float(np.max(last)) > 1 - EPS):
        return []
    what = "the loss differs" if ctx.phase == "loss" else f"{ctx.name} differs"
    why = (
        ""
        if ctx.phase == "loss"
        else " (the clipped loss has zero gradient beyond the clip, so less or no gradient flows back)"
    )
    return [
        Finding(
            f"{what} at step {ctx.step} where predicted probabilities reach {float(np.min(last)):.1e}: your loss clips "
            f"probabilities (to [1e-7, 1 - 1e-7], as the tutorials do){why}, and the frameworks compute "
            "cross-entropy on logits "
            "without clipping; the two agree only while every probability stays inside the clip (smaller "
            "weights or inputs)",
            "clipping",
        )
    ]


def _transpose_hint(ctx: Context) -> str:
    if ctx.key[0] == "gradient":
        return "compute dweights as inputs.T @ dvalues (shape (in, out), like weights)"
    if ctx.key[0] == "forward":
        return "multiply inputs @ weights with weights of shape (in, out), or inputs @ weights.T for (out, in)"
    return "the update adds a transposed array; keep gradients in the weights' shape"


def _transposed(ctx: Context) -> list[Finding]:
    o, t = ctx.ours, ctx.theirs  # a square gradient is recomputed transposed in ``hypotheses``
    if o is None or o.ndim != 2 or o.shape[0] != o.shape[1] or ctx.key[0] != "forward":
        return []
    if close(o, t.T):
        return [
            Finding(
                f"{ctx.name} is the transpose of the framework's (square, so the shapes agree): {_transpose_hint(ctx)}",
                "transposed",
            )
        ]
    return []


def _factor(ctx: Context) -> list[Finding]:
    """A loss or a layer output a constant times the framework's, a gradient all zeros.
    (Gradients and updates scaled by a constant are recomputations in ``hypotheses``.)"""
    if ctx.ours is None or ctx.phase not in ("loss", "forward", "gradient"):
        return []
    ours, theirs = ctx.ours, ctx.theirs
    if ctx.phase == "gradient":
        if np.all(ours == 0) and np.any(theirs != 0):
            return [
                Finding(
                    f"{ctx.name} is all zeros at step {ctx.step} where the framework's is not: no gradient reaches it "
                    "(is the backward of a layer above it returning zeros or not called?)",
                    "zero_gradient",
                )
            ]
        return []
    c = factor_of(ours, theirs)
    if c is None or math.isclose(c, 1.0, rel_tol=1e-9):
        return []
    what = "the loss" if ctx.phase == "loss" else ctx.name
    head = f"{what} is {_fmt(c)} x the framework's at step {ctx.step}"
    if math.isclose(c, -1.0, rel_tol=1e-7):
        return [Finding(f"{head}: the sign is flipped", "sign")]
    if ctx.phase == "forward":
        return [Finding(f"{head}: the layer's output is scaled at every element", "factor")]
    cands = convention_candidates(ctx.spec, ctx.n, c)
    if cands and ctx.only_loss:  # the gradients descend the spec's loss: only the number reported differs
        return [
            Finding(
                f"{head}, while every gradient and update matches the spec's at every step: only the loss your code "
                f"reports differs (it reports {convention_words(cands[0])}; its gradients descend the spec's "
                f"{convention_words(ctx.spec)}); the training is right: report the spec's loss (or none)",
                "reported_loss",
            )
        ]
    if cands:
        cand = cands[0]
        return [
            Finding(
                f"{head}: your network uses {convention_words(cand)}, the spec {convention_words(ctx.spec)} "
                f"(batch of {ctx.n}); {reduction_words(ctx.spec, cand, ctx.n)}",
                "convention",
                cand,
            )
        ]
    return [
        Finding(
            f"{head} (one number at one step: compare the loss's formula with the spec's {convention_words(ctx.spec)})",
            "factor",
        )
    ]


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
        text = (
            f"the L2 term of {ctx.name}'s gradient at step {ctx.step} is {have:g} * P, the gradient of "
            f"({have:g}/2) ||P||^2 "
            f"(the 0.5 * reg convention); the spec's {name}={have:g} means {have:g} ||P||^2, whose gradient is "
            f"{2 * have:g} * P"
        )
    elif have and math.isclose(c, -2 * have, rel_tol=1e-6):
        text = (
            f"{ctx.name}'s gradient at step {ctx.step} has no L2 term, though the spec puts {name}={have:g} on "
            f"layer {l}'s "
            f"{what}: is the penalty added to the loss but left out of its gradient?"
        )
    else:
        text = (
            f"{ctx.name}'s gradient at step {ctx.step} carries an L2 term {2 * yours:.6g} * P where the spec's "
            f"{name}={have:g} "
            f"gives {2 * have:g} * P: your network penalises layer {l}'s {what} with {yours:.6g} ||P||^2"
        )
    if yours < -1e-12:
        return [Finding(text, "penalty_gradient")]
    per_layer[l] = max(yours, 0.0)
    value = per_layer[0] if len(set(per_layer)) == 1 else tuple(per_layer)
    return [Finding(text, "penalty_gradient", spec=spec.replace(**{name: value}))]
