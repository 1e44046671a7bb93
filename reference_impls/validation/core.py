"""``validate``: a user's network against the frameworks, step by step.

From the user's own initial weights, every framework twin takes the same steps on the same
batches as the user's network. Per step, in this order, each tensor the user's code
exposes is compared with the twin's: every layer's forward output, the loss, every
gradient, every updated weight. The deviation of a tensor is ``max |ours - theirs|`` over
the larger of their largest magnitudes (the loss: that step's relative difference), judged
against a tolerance that follows the dtype (stated in the result).

The first (step, phase, tensor) past the tolerance is the first divergence; the diagnosis
recognises the common mistakes there (``diagnose``). Where it finds a loss convention or
learning rate under which the network would be consistent, that spec is tried against the
frameworks on a fresh copy of the network, and said only once it passes.
"""

from __future__ import annotations

import time
import types
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..spec import ModelSpec, SpecError
from . import diagnose as dx
from . import lockstep, suggestions
from .arrays import Functional
from .blackbox import BlackBox, instance_of
from .data import canonical_data, detect_samples_as, labels_as
from .infer import infer_spec
from .judge import TOLERANCES
from .layered import LayerObjects
from .lockstep import amplified, build_twins
from .loops import repeated_steps, replaced
from .result import Divergence, ValidationResult
from .sandbox import DEFAULT_TIMEOUT, Limits, run_isolated
from .sandbox import available as sandbox_available
from .styles import UserNetwork, flat_samples
from .suggestions import try_suggestions
from .twinhost import make_twin
from .usercode import UserCodeError

DEFAULT_AGAINST = ("torch", "keras")
__all__ = [
    "DEFAULT_AGAINST",
    "TOLERANCES",
    "Divergence",
    "ValidationResult",
    "as_network",
    "assert_validates",
    "run_network",
    "validate",
]


def _check_dropout(net: UserNetwork, spec: ModelSpec) -> None:
    """The user's dropout layers and the spec's must sit after the same hidden layers: the
    masks the user's layers draw are fed to the twins in their place."""
    theirs = set(getattr(net, "dropouts", {}).values())
    ours = {i for i in range(len(spec.sizes) - 2) if spec.dropout_rate(i)}
    if theirs != ours:

        def where(layers: set[int]) -> str:
            return ", ".join(f"hidden layer {i}" for i in sorted(layers)) or "no layer"

        raise SpecError(
            f"the network has dropout after {where(theirs)} but the spec after {where(ours)}: "
            "state dropout=rate (one per hidden layer, 0 where there is none) to match the network"
        )
    if ours and spec.dropout_rng != "shared":
        raise SpecError(
            "validate feeds your network's own dropout masks to the frameworks: use dropout_rng='shared' (the default)"
        )


def run_network(
    net: UserNetwork,
    X: Any,
    y: Any,
    steps: int,
    against: Sequence[str] = DEFAULT_AGAINST,
    tolerance: float | None = None,
    suggest: bool = True,
) -> ValidationResult:
    """Validate a network already wrapped in one of the styles (see ``validate``); its
    ``seconds`` split the wall time: start-up (the data, the twins), your code, the twins'
    steps, the comparison, and the diagnosis (with its re-runs)."""
    t0 = time.perf_counter()
    result = _run_network(net, X, y, steps, against, tolerance, suggest)
    spent = sum(result.seconds.values())
    result.seconds["diagnosis"] = max(time.perf_counter() - t0 - spent, 0.0)
    return result


def _run_network(
    net: UserNetwork, X: Any, y: Any, steps: int, against: Sequence[str], tolerance: float | None, suggest: bool
) -> ValidationResult:
    t0 = time.perf_counter()
    spec = net.spec
    _check_dropout(net, spec)
    tol = TOLERANCES[spec.dtype] if tolerance is None else float(tolerance)
    Xc, yc = canonical_data(spec, X, y, net.samples_as)
    weights = [(np.asarray(W, spec.dtype), np.asarray(b, spec.dtype)) for W, b in net.weights()]
    if not spec.use_bias and any(np.any(b != 0) for _, b in weights):
        raise SpecError("the spec says use_bias=False but the network's biases are not zero")
    twins, skipped = build_twins(spec, against, weights, Xc, yc, make_twin)
    steps = int(steps) if net.trains else 1
    setup = time.perf_counter() - t0
    run = lockstep.run(net, spec, X, y, Xc, yc, twins, steps, tol)
    table = pd.DataFrame(run.rows, columns=["impl", "step", "phase", "tensor", "deviation", "tolerance", "ok"])
    result = ValidationResult(
        ok=False,
        first_divergence=None,
        diagnosis=[],
        table=table,
        spec=spec,
        style=net.style,
        steps=run.steps_done,
        tolerance=tol,
        against=tuple(against),
        not_expressible=skipped,
        notes=list(net.notes),
        seconds={"start-up": setup, **run.seconds},
    )
    if run.stop:
        result.notes.append(run.stop)
    for form, at in run.loss_forms.items():
        result.notes.append(f"at {len(at)} step(s) your loss matched only {lockstep.LOSS_FORMS[form]}")
    if not net.trains:
        why = net.untrained_because() if hasattr(net, "untrained_because") else "no backward or optimizer"
        result.notes.append(f"forward-only network ({why}): compared the forward pass and the loss at its weights")
    if run.error is not None:
        result.error = str(run.error)
        result.diagnosis = run.error.hints or [f"fix the error in {run.error.where} and run again"]
        if run.first is not None:  # a tensor already departed before the error: say why
            result.first_divergence, ctx = run.first
            result.findings = [f for f in dx.diagnose(ctx) if not f.tentative]
            result.diagnosis = [f.text for f in result.findings] + result.diagnosis
        return result
    if not twins:
        result.diagnosis = ["no framework could express this spec: nothing was compared"]
        return result
    if run.first is None:
        result.ok = True
        return result
    result.first_divergence, ctx = run.first
    if amplified(run, tol):
        # Round-off grows through chaotic dynamics; whether each step is right is asked
        # again with the twins re-synchronised to the user's weights before every step.
        fresh = suggestions.fresh(net)
        twins, _ = build_twins(spec, against, weights, Xc, yc, make_twin)
        again = lockstep.run(fresh, spec, X, y, Xc, yc, twins, steps, tol, resync=True)
        if again.first is None and again.error is None:
            worst = max(again.per_step, default=0.0)
            result.ok, result.amplified, result.first_divergence = True, True, None
            result.resynced_deviation = worst
            result.notes.append(
                f"round-off grew through the dynamics past {tol:.0e} by step {ctx.step} "
                f"(from {run.per_step[0]:.1e} at step 1): not a mismatch; re-synchronised to your weights "
                f"before every step, the largest deviation is {worst:.1e}"
            )
            return result
        run = again
        result.first_divergence, ctx = again.first
        result.notes.append(
            "the deviation grew gradually; re-synchronised before every step, one step still departs (below)"
        )
    trained = result.table[result.table.phase.isin(["gradient", "update"])]
    ctx.only_loss = ctx.phase == "loss" and len(trained) > 0 and bool(trained.ok.all())
    findings = repeated_steps(ctx, net.call_name) or dx.diagnose(ctx)
    if net.style == "black box" and not [f for f in findings if not f.tentative and f.kind != "unknown"]:
        findings = replaced(ctx, net.call_name) or findings  # only an opaque training call can re-draw its weights
    result.findings = [f for f in findings if not f.tentative]
    result.diagnosis = [f.text for f in result.findings]
    if suggest:
        try_suggestions(result, net, X, y, steps, against, tolerance, findings, run_network)
    if not result.diagnosis:
        result.diagnosis = [dx.unexplained(ctx).text]
    return result


# ---- the public function -------------------------------------------------------------------
def as_network(
    *,
    layers=None,
    loss=None,
    optimizer=None,
    step=None,
    params=None,
    model=None,
    spec: ModelSpec | None = None,
    forward=None,
    returns: str = "auto",
    weights: Sequence[Any] | Callable | None = None,
    weight_layout: str | None = None,
    X: Any = None,
    y: Any = None,
    data_layout: str | None = None,
) -> UserNetwork:
    """Wrap a user's network in its style (exactly one of layers / step / model)."""
    given = [
        name
        for name, v in (("layers", layers), ("step", step if model is None else None), ("model", model))
        if v is not None
    ]
    if len(given) != 1:
        raise SpecError(
            "give exactly one of layers=[...] (layer objects), step=fn with params= (arrays and functions), "
            f"or model=obj (a black box); got {', '.join(given) or 'none'}"
        )
    for what, held in (("model", model), ("params", params)):
        if isinstance(held, types.ModuleType):  # a script: globals for weights, a top-level loop for training
            raise SpecError(
                f"{what}= is the module {held.__name__}: a script's weights are its globals and its training loop runs "
                "at import, so validate cannot take one step of it; move the loop's body into def step(params, X, y) "
                "returning the new weights and pass params={'W1': W1, ...} (the globals' arrays) with step=step"
            )
    if weight_layout not in (None, "in_out", "out_in"):
        raise SpecError(f"weight_layout must be 'in_out' or 'out_in', got {weight_layout!r}")
    if layers is not None:
        net: UserNetwork = LayerObjects(layers, loss, optimizer, spec, weight_layout, np.shape(X)[:2])
        if spec is None:
            per_sample = np.ndim(X) == 3  # (n, 1, features): data kept one sample at a time, trained one at a time
            net.spec, inferred = infer_spec(net, flat_samples(np.asarray(y)), per_sample)
            net.notes += [f"inferred {note}" for note in inferred]
    elif step is not None and model is None:
        if params is None:
            raise SpecError("the arrays-and-functions style needs params= (the arrays step updates)")
        net = Functional(
            step, params, spec, returns=returns, forward=forward, weights=weights, weight_layout=weight_layout
        )
    else:
        model, built = instance_of(model)
        net = BlackBox(model, spec, step=step, weights=weights, weight_layout=weight_layout)
        net.notes += built
    if data_layout not in (None, "rows", "columns"):
        raise SpecError(f"data_layout must be 'rows' or 'columns', got {data_layout!r}")
    net.samples_as = data_layout or detect_samples_as(net.spec, X)
    return net


def prepare(
    *,
    X: Any,
    y: Any,
    labels: str | None = None,
    steps_per_call: int = 1,
    spec: ModelSpec | None = None,
    data_layout: str | None = None,
    **network: Any,
) -> tuple[UserNetwork, tuple[Any, Any]]:
    """The user's network wrapped in its style (``as_network``) and the data as their code
    takes it (``labels``); ``steps_per_call`` updates per call of their training step."""
    if not (isinstance(steps_per_call, int) and steps_per_call >= 1):
        raise SpecError(f"steps_per_call must be a positive integer, got {steps_per_call!r}")
    y = labels_as(y, labels, spec.sizes[-1] if spec is not None else None, data_layout)
    net = as_network(**network, spec=spec, data_layout=data_layout, X=X, y=y)
    net.steps_per_call = steps_per_call
    return net, (X, y)


def validate(
    *,
    X: Any,
    y: Any,
    steps: int = 100,
    against: Sequence[str] = DEFAULT_AGAINST,
    tolerance: float | None = None,
    layers=None,
    loss=None,
    optimizer=None,
    step=None,
    params=None,
    model=None,
    spec: ModelSpec | None = None,
    forward=None,
    returns: str = "auto",
    weights: Sequence[Any] | Callable | None = None,
    weight_layout: str | None = None,
    data_layout: str | None = None,
    labels: str | None = None,
    steps_per_call: int = 1,
    timeout: float | None = DEFAULT_TIMEOUT,
    memory: int | None = None,
    isolate: bool = True,
) -> ValidationResult:
    """Check a hand-written network against the frameworks, step by step.

    Three ways in (exactly one):

    - ``layers=[dense1, relu, dense2, ...], loss=..., optimizer=...``: layer objects
      (spec inferred by probing when not given);
    - ``step=fn, params={...}, spec=...``: ``fn(params, X, y)`` returns the new params (or
      ``(new params, loss)``, or ``(loss, gradients)``); ``forward=fn(params, X)`` optionally
      exposes the outputs (the last, or every z and a in order);
    - ``model=obj, spec=...``: an object whose ``forward(X)``/``backward(X, y, lr)`` (or
      ``step=fn(model, X, y)``) trains it; ``weights=[paths]`` or found by shape.

    ``X``, ``y`` are the user's own data, samples as rows or as columns (detected, or
    ``data_layout=``), or as (n, 1, features) per-sample rows; ``labels="onehot"`` hands the
    user's code one-hot rows made from class indices (``"sparse"``: the reverse). Batches
    follow ``spec.batch_size`` (full batch by default; 1 for code that trains one sample per
    call); ``steps_per_call=k`` for a training call that makes k updates on the batch it is
    handed (an epoch count hard-coded inside it). Returns a ``ValidationResult``; errors in
    the user's code are reported in it, bad arguments raise ``SpecError`` with one line
    saying what to change.

    The network runs in a child process (``sandbox``; ``isolate=False``: in this one):
    ``timeout`` seconds of its code over the whole validation, ``memory`` MB it may
    allocate. Its exceptions, exits, crashes, hangs and memory exhaustion come back as
    ``result.failure``; ``verdict.exit_code(result)`` is the command line's exit status.
    """
    if not (isinstance(steps, int) and steps >= 1):
        raise SpecError(f"steps must be a positive integer, got {steps!r}")
    if isinstance(against, str):
        against = [a for a in against.split(",") if a]
    args = dict(
        layers=layers,
        loss=loss,
        optimizer=optimizer,
        step=step,
        params=params,
        model=model,
        spec=spec,
        forward=forward,
        returns=returns,
        weights=weights,
        weight_layout=weight_layout,
        X=X,
        y=y,
        data_layout=data_layout,
        labels=labels,
        steps_per_call=steps_per_call,
    )
    t0 = time.perf_counter()
    if isolate and sandbox_available():
        result = run_isolated(
            lambda: prepare(**args), None, None, steps, tuple(against), tolerance, Limits(timeout, memory), run_network
        )
    else:
        net, (X, y) = prepare(**args)
        result = run_network(net, X, y, steps, tuple(against), tolerance)
    if result.seconds:  # loading your network (and its process) counts as start-up
        result.seconds["start-up"] += max(time.perf_counter() - t0 - sum(result.seconds.values()), 0.0)
    return result


def assert_validates(**kwargs: Any) -> ValidationResult:
    """``validate`` for a user's own test suite: raises ``AssertionError`` with "ours vs
    theirs at step k, tensor t" and the diagnosis unless the network matches."""
    try:
        result = validate(**kwargs)
    except UserCodeError as exc:  # the network could not even be set up (it exited, crashed, hung)
        raise AssertionError(f"validate: ERROR: {exc}") from None
    if not result.ok:
        raise AssertionError(str(result))
    return result
