"""The lock-step run: the user's network and each framework twin take the same steps on the
same batches from the same weights; per step, every tensor the user's code exposes is judged
against the twin's (``judge``), in phase order, and the first departure is kept with what
the diagnosis needs (``diagnose.Context``)."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scratch import get_loss

from ..base import NotExpressible
from ..equivalence import MAX_JUMP
from ..registry import build
from ..spec import ModelSpec, Weights, penalty
from . import diagnose as dx
from .data import take
from .judge import deviation, floor, term_scales
from .phrasing import PHASES
from .result import Divergence
from .styles import Observed, UserNetwork
from .usercode import Caller, UserCodeError


def in_user_layout(raw: np.ndarray, ours: np.ndarray | None, theirs: np.ndarray) -> np.ndarray:
    """The framework's tensor laid out as the user's is: transposed or reshaped as the user's
    own array was to reach the frameworks' layout."""
    raw, theirs = np.asarray(raw), np.asarray(theirs)
    if ours is None or raw.shape == theirs.shape:
        return theirs
    if ours.ndim == 2 and ours.T.shape == raw.shape and np.array_equal(ours.T, raw, equal_nan=True):
        return theirs.T
    return theirs.reshape(raw.shape) if theirs.size == raw.size else theirs


# ---- the twins --------------------------------------------------------------------------------
class Twin:
    """A framework built from the user's initial weights, stepping in lock-step."""

    def __init__(self, impl: str, spec: ModelSpec, weights: Weights, X: np.ndarray, y: np.ndarray) -> None:
        # The user's network follows one optimizer form: a framework that writes the
        # algorithm differently is "not expressible", never silently switched (build raises).
        self.impl, self.spec = impl, spec
        self.model = build(impl, spec, weights)
        self.prepared = self.model.prepare(X, y)
        self.X, self.y = self.model.check_data(X, y)

    def step(
        self, rows, wanted: set[str], start: Weights | None = None, masks: list | None = None, repeat: int = 1
    ) -> dict[tuple, Any]:
        """Tensors of the next step on ``rows`` (the batch the user's code was handed), from
        ``start`` when given (re-synchronised: the twin's optimizer state is kept), with
        ``masks`` (the user's dropout masks of this step) when given; ``repeat`` updates on
        that batch (a training call that loops over it by itself)."""
        self.model._batch = lambda n, t: rows  # the twin trains on exactly the rows the user's code was handed
        self.model.given_masks = (
            None if masks is None else [None if m is None else np.asarray(m, self.model.dtype) for m in masks]
        )
        if start is not None:
            self.model.load_weights(
                [(np.asarray(W, self.model.dtype), np.asarray(b, self.model.dtype)) for W, b in start]
            )
        Xb, yb = self.X[rows], self.y[rows]
        out: dict[tuple, Any] = {}
        if "forward" in wanted or "loss" in wanted:
            out.update({("forward", i): a for i, a in enumerate(self.model.layer_outputs(Xb)) if a is not None})
        if "gradient" in wanted or "loss" in wanted:
            loss, grads = self.model.gradients(Xb, yb)
            out[("loss",)] = np.asarray(loss)
            for l, (dW, db) in enumerate(grads):
                out[("gradient", "W", l)], out[("gradient", "b", l)] = dW, db
        self.model.run_steps(self.prepared, repeat)
        for l, (W, b) in enumerate(self.model.get_weights()):
            out[("update", "W", l)], out[("update", "b", l)] = W, b
        return out


# ---- the loop ---------------------------------------------------------------------------------
@dataclass
class Run:
    rows: list[dict]
    first: tuple | None  # (Divergence, Context)
    error: UserCodeError | None
    steps_done: int
    per_step: list[float]
    loss_forms: dict[str, set] = field(
        default_factory=dict
    )  # steps whose loss matched only in another form (LOSS_FORMS)
    stop: str | None = None  # why the run stopped before its last step
    seconds: dict[str, float] = field(default_factory=dict)  # your code / twins / comparison


def _loss_of_output(spec: ModelSpec, seen: list[Observed], yb: np.ndarray, n: int) -> list[Observed]:
    """A loss for styles that expose only the output: the spec's loss of that output."""
    last = ("forward", 2 * (len(spec.sizes) - 1) - 1)
    if any(o.key == ("loss",) for o in seen):
        return []
    out = next((o for o in seen if o.key == last and o.value is not None), None)
    if out is None or not np.all(np.isfinite(out.value)):
        return []
    loss = get_loss(spec.loss, reduction=spec.loss_reduction, scale=spec.loss_scale).calculate(out.value, yb)
    return [Observed(("loss",), f"{spec.loss} of {out.name}", np.asarray(loss), np.asarray(loss), derived=True)]


def _clipped_loss(spec: ModelSpec, ref: dict, y: np.ndarray) -> np.ndarray | None:
    """The framework's loss computed the tutorials' way: from its probabilities, clipped to
    [1e-7, 1 - 1e-7] (the frameworks' own loss works on logits, unclipped)."""
    probs = ref.get(("forward", 2 * (len(spec.sizes) - 1) - 1))
    if probs is None:
        return None
    return np.asarray(get_loss(spec.loss, reduction=spec.loss_reduction, scale=spec.loss_scale).calculate(probs, y))


# The ways tutorials write the reported loss other than the frameworks' (data loss on logits),
# each accepted when it explains the user's loss exactly, and then said.
LOSS_FORMS = {
    "clipped": "with the framework's probabilities clipped to [1e-7, 1 - 1e-7] as your loss clips them "
    "(the frameworks' loss on logits is unclipped; gradients are unaffected)",
    "penalised": "as the data loss plus the spec's L1/L2 penalty at the step's weights: your loss includes the "
    "regularization term, the frameworks report the data loss (gradients and updates are compared as they are)",
    "clipped, penalised": "as the clipped data loss plus the spec's L1/L2 penalty (your loss clips probabilities and "
    "includes the regularization term)",
}


def _loss_forms(spec: ModelSpec, ref: dict, y: np.ndarray, before: Weights) -> dict[str, np.ndarray]:
    """The framework's loss in each of LOSS_FORMS that applies to this spec and step."""
    forms: dict[str, np.ndarray] = {}
    clipped = _clipped_loss(spec, ref, y) if spec.loss != "mse" else None
    if clipped is not None:
        forms["clipped"] = clipped
    extra = penalty(spec, before) + spec.weight_decay / 2 * sum(
        float(np.square(W).sum() + np.square(b).sum()) for W, b in before
    )
    if extra and ("loss",) in ref:
        forms["penalised"] = np.asarray(ref[("loss",)]) + extra
        if clipped is not None:
            forms["clipped, penalised"] = clipped + extra
    return forms


def _order(o: Observed) -> tuple:
    """Phase order, then layer before W/b for gradients and updates."""
    phase = o.key[0]
    return (PHASES.index(phase), (o.key[2], o.key[1]) if phase in ("gradient", "update") else o.key[1:])


def run(
    net: UserNetwork,
    spec: ModelSpec,
    X: Any,
    y: Any,
    Xc: np.ndarray,
    yc: np.ndarray,
    twins: list[Twin],
    steps: int,
    tol: float,
    resync: bool = False,
) -> Run:
    """Up to ``steps`` steps in lock-step; ``Run.seconds`` splits the time between the user's
    code, the framework twins and the comparison (the rest)."""
    seconds = {"your code": 0.0, "twins": 0.0}
    t0 = time.perf_counter()
    result = _steps(net, spec, X, y, Xc, yc, twins, steps, tol, resync, seconds)
    seconds["comparison"] = max(time.perf_counter() - t0 - seconds["your code"] - seconds["twins"], 0.0)
    result.seconds = seconds
    return result


def _steps(
    net: UserNetwork,
    spec: ModelSpec,
    X: Any,
    y: Any,
    Xc: np.ndarray,
    yc: np.ndarray,
    twins: list[Twin],
    steps: int,
    tol: float,
    resync: bool,
    seconds: dict[str, float],
) -> Run:
    clock = time.perf_counter
    caller = Caller()
    rows_out: list[dict] = []
    first = None
    per_step: list[float] = []
    n = len(Xc)
    stream = spec.batch_stream(n)
    lr_history: list[float] = []
    loss_forms: dict[str, set] = {}
    shadow = dx.Shadow(spec)  # the optimizer state the user's had while it matched, for the diagnosis
    for k in range(1, steps + 1):
        caller.step = k
        rows = next(stream)
        lr_history.append(spec.lr / (1 + spec.lr_decay * (k - 1)))
        before = net.weights()
        Xb, yb = take(np.asarray(X), rows, net.samples_as), take(np.asarray(y), rows, net.samples_as)
        nb = len(Xc[rows])
        error = None
        t = clock()
        try:
            seen = net.step(Xb, yb, caller)
        except UserCodeError as exc:
            error, seen = exc, list(getattr(exc, "seen", []))
        seconds["your code"] += clock() - t
        seen = sorted(seen + _loss_of_output(spec, seen, yc[rows], nb), key=_order)
        wanted = {o.key[0] for o in seen}
        scales = term_scales(spec, before, Xc[rows], yc[rows], lr_history[-1])
        worst = 0.0
        loss_ok = True
        for twin in twins:
            t = clock()
            ref = twin.step(rows, wanted, before if resync else None, net.masks, net.steps_per_call)
            seconds["twins"] += clock() - t
            for o in seen:
                if o.key not in ref:
                    continue
                dev = deviation(o.value, ref[o.key], floor(o.key, scales, ref))
                if o.key == ("loss",) and not dev <= tol:
                    for form, theirs in _loss_forms(spec, ref, yc[rows], before).items():
                        if deviation(o.value, theirs) <= tol:
                            dev = deviation(o.value, theirs)
                            loss_forms.setdefault(form, set()).add(k)
                            break
                worst = max(worst, dev)
                rows_out.append(
                    dict(
                        impl=twin.impl,
                        step=k,
                        phase=o.key[0],
                        tensor=o.name,
                        deviation=dev,
                        tolerance=tol,
                        ok=dev <= tol,
                    )
                )
                if o.key == ("loss",):
                    loss_ok = loss_ok and dev <= tol
                if first is None and not dev <= tol:
                    ctx = dx.Context(
                        spec,
                        twin.impl,
                        k,
                        o.key[0],
                        o.key,
                        o.name,
                        o.raw,
                        o.value,
                        np.asarray(ref[o.key]),
                        before,
                        Xc[rows],
                        yc[rows],
                        {x.key: x.value for x in seen if x.key[0] == "gradient" and x.value is not None},
                        {key: v for key, v in ref.items() if key[0] == "gradient"},
                        {key: v for key, v in ref.items() if key[0] == "forward"},
                        list(lr_history),
                        loss_matched=any(x.key == ("loss",) and not x.derived for x in seen) and loss_ok,
                        lr_given=net.takes_lr,
                        tensors=dx.exposed(seen),
                        optimizer=shadow.snapshot(),
                    )
                    theirs = np.asarray(ref[o.key])
                    shown = in_user_layout(o.raw, o.value, theirs)
                    first = (Divergence(k, o.key[0], o.worst_name(theirs), twin.impl, o.raw, shown, dev, tol), ctx)
        if error is not None:
            return Run(rows_out, first, error, k - 1, per_step, loss_forms)
        shadow.follow(k, first, dx.Seen(before, Xc[rows], yc[rows], dx.exposed(seen)), ref if twins else {})
        per_step.append(worst)
        bad = next((o for o in seen if o.value is not None and not np.all(np.isfinite(o.value))), None)
        if bad is not None:
            run = Run(rows_out, first, None, k, per_step, loss_forms)
            what = "NaN" if np.isnan(bad.value).any() else "inf"
            run.stop = (
                f"stopped after step {k} of {steps}: your {bad.name} became {what} there ({bad.key[0]}), so "
                "later steps compare nothing"
            )
            return run
        if not net.trains:
            return Run(rows_out, first, None, k, per_step, loss_forms)
    return Run(rows_out, first, None, steps, per_step, loss_forms)


def build_twins(
    spec: ModelSpec, against: Sequence[str], weights: Weights, Xc, yc, make: Callable[..., Twin] = Twin
) -> tuple[list[Twin], dict[str, str]]:
    twins, skipped = [], {}
    for impl in against:
        try:  # an unknown name raises SpecError naming the choices
            twins.append(make(impl, spec, weights, Xc, yc))
        except NotExpressible as exc:  # the adapter's advice to change the spec does not apply to a user's network
            skipped[impl] = re.sub(r"; set convention = '\w+'", "", exc.feature)
    return twins, skipped


def amplified(run: Run, tol: float) -> bool:
    """Round-off grown by the dynamics: within tolerance at step 1, then no step multiplies
    the deviation by more than MAX_JUMP on the way past the tolerance."""
    d = run.first[0] if run.first else None
    if d is None or d.step < 2 or not run.per_step or run.per_step[0] > tol or not math.isfinite(d.deviation):
        return False
    curve = np.maximum(np.array(run.per_step[: d.step]), np.finfo(np.float64).eps)
    return bool(np.max(curve[1:] / curve[:-1]) <= MAX_JUMP)
