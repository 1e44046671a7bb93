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

import math
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from scratch import get_loss

from .. import build, implementation_class
from ..base import NotExpressible
from ..equivalence import MAX_JUMP, rel_dev
from ..spec import ModelSpec, SpecError, Weights, penalty
from . import diagnose as dx
from .arrays import BlackBox, Functional
from .infer import infer_spec
from .styles import LayerObjects, Observed, UserNetwork
from .usercode import Caller, UserCodeError

DEFAULT_AGAINST = ("torch", "keras")
#: relative deviation allowed per tensor and step: float64 near round-off, float32 looser
TOLERANCES = {"float64": 1e-10, "float32": 1e-4}
PHASES = ("forward", "loss", "gradient", "update")


@dataclass
class Divergence:
    """Where the user's network first departs from a framework."""

    step: int  # 1-based; the forward outputs of step k use the weights after step k - 1
    phase: str  # forward / loss / gradient / update
    tensor: str  # as the user's code names it
    impl: str
    ours: np.ndarray
    theirs: np.ndarray
    deviation: float
    tolerance: float

    def __str__(self) -> str:
        return (f"step {self.step}, {self.phase}, {self.tensor} (vs {self.impl}): relative deviation "
                f"{self.deviation:.2e} > tolerance {self.tolerance:.0e}")


@dataclass
class ValidationResult:
    """The verdict. ``table`` has one row per (impl, step, tensor) compared."""

    ok: bool
    first_divergence: Divergence | None
    diagnosis: list[str]
    table: pd.DataFrame
    spec: ModelSpec
    style: str
    steps: int
    tolerance: float
    against: tuple[str, ...]
    not_expressible: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    suggested_spec: ModelSpec | None = None
    amplified: bool = False  # round-off grew through the dynamics; each step checked re-synchronised
    resynced_deviation: float | None = None  # largest one-step deviation from the same weights
    findings: list = field(default_factory=list)  # diagnose.Finding: text, kind, spec

    @property
    def compared(self) -> tuple[str, ...]:
        """The implementations actually compared (the rest were not expressible)."""
        return tuple(a for a in self.against if a not in self.not_expressible)

    def max_deviation(self) -> dict[str, float]:
        """Largest deviation per phase over every step and implementation."""
        if self.table.empty:
            return {}
        return self.table.groupby("phase")["deviation"].max().reindex([p for p in PHASES if p in set(self.table.phase)]).to_dict()

    def __str__(self) -> str:
        who = ", ".join(self.compared) or "no framework"
        head = "PASS" if self.ok else "FAIL"
        lines = [f"validate: {head} ({self.style}) against {who}: {self.spec.dtype}, {self.steps} step(s), "
                 f"tolerance {self.tolerance:.0e} relative"]
        if self.ok:
            worst = max(self.max_deviation().values(), default=0.0) if self.resynced_deviation is None else self.resynced_deviation
            how = " (each step from the same weights)" if self.amplified else ""
            lines.append(f"  your network computes what {who} compute{'s' if len(self.compared) == 1 else ''}: "
                         f"largest relative deviation {worst:.1e}{how}")
        elif self.first_divergence is not None:
            d = self.first_divergence
            lines.append(f"  first divergence: {d}")
            lines.append(f"    ours   {_preview(d.ours)}")
            lines.append(f"    theirs {_preview(d.theirs)}")
        if self.error:
            lines.append(f"  error: {self.error}")
        lines += [f"  - {text}" for text in self.diagnosis]
        if self.suggested_spec is not None:
            lines.append(f"  suggested spec: {_spec_changes(self.spec, self.suggested_spec)}")
        for impl, why in self.not_expressible.items():
            lines.append(f"  {impl}: not expressible: {why}")
        lines += [f"  note: {n}" for n in self.notes]
        devs = self.max_deviation()
        if devs:
            label = "free-running from the same start" if self.amplified else "over every step"
            lines.append(f"  largest deviation per phase ({label}): " + ", ".join(f"{p} {v:.1e}" for p, v in devs.items()))
        return "\n".join(lines)


def _preview(a: np.ndarray) -> str:
    text = np.array2string(np.asarray(a), precision=6, threshold=8, edgeitems=2, max_line_width=100)
    return " ".join(text.split())


def _spec_changes(old: ModelSpec, new: ModelSpec) -> str:
    changes = {k: v for k, v in new.to_dict().items() if old.to_dict()[k] != v}
    return "spec.replace(" + ", ".join(f"{k}={v!r}" for k, v in changes.items()) + ")"


# ---- data ------------------------------------------------------------------------------------
def canonical_data(spec: ModelSpec, X: Any, y: Any, samples_as: str) -> tuple[np.ndarray, np.ndarray]:
    """The user's (X, y) in the frameworks' layout: X (n, features), y labels or targets."""
    X, y = np.asarray(X), np.asarray(y)
    if samples_as == "columns":
        X, y = X.T, (y.T if y.ndim == 2 else y)
    n = len(X)
    if spec.loss == "mse":
        return X, y.reshape(n, -1)
    if y.ndim == 2 and spec.loss == "categorical_crossentropy" and y.shape[1] > 1:
        return X, y.argmax(axis=1)
    if np.issubdtype(y.dtype, np.floating):
        if not np.all(np.isfinite(y)) or not np.array_equal(y, np.round(y)):
            raise SpecError(f"{spec.loss} needs integer class labels (0/1 for binary), got non-integer values in y")
        y = y.astype(np.int64)
    return X, (y.reshape(n) if spec.loss == "categorical_crossentropy" or spec.sizes[-1] == 1 else y.reshape(n, -1))


def detect_samples_as(spec: ModelSpec, X: Any) -> str:
    """"rows" when X is (n, features), "columns" when it is (features, n) (seed 001)."""
    shape = np.shape(X)
    if len(shape) != 2:
        raise SpecError(f"X must be a 2-d array, got shape {shape}")
    if shape[1] == spec.sizes[0]:
        return "rows"
    if shape[0] == spec.sizes[0]:
        return "columns"
    raise SpecError(f"X has shape {shape}, but the network takes {spec.sizes[0]} input features (rows or columns)")


def _take(a: np.ndarray, rows, samples_as: str) -> np.ndarray:
    if samples_as == "columns":
        return a[:, rows] if a.ndim == 2 else a[rows]
    return a[rows]


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

    def step(self, rows, wanted: set[str], start: Weights | None = None, masks: list | None = None) -> dict[tuple, Any]:
        """Tensors of the next step on ``rows`` (the twin's own next batch), from ``start``
        when given (re-synchronised: the twin's optimizer state is kept), with ``masks``
        (the user's dropout masks of this step) when given."""
        self.model.given_masks = None if masks is None else [None if m is None else np.asarray(m, self.model.dtype) for m in masks]
        if start is not None:
            self.model.load_weights([(np.asarray(W, self.model.dtype), np.asarray(b, self.model.dtype)) for W, b in start])
        Xb, yb = self.X[rows], self.y[rows]
        out: dict[tuple, Any] = {}
        if "forward" in wanted or "loss" in wanted:
            out.update({("forward", i): a for i, a in enumerate(self.model.layer_outputs(Xb)) if a is not None})
        if "gradient" in wanted or "loss" in wanted:
            loss, grads = self.model.gradients(Xb, yb)
            out[("loss",)] = np.asarray(loss)
            for l, (dW, db) in enumerate(grads):
                out[("gradient", "W", l)], out[("gradient", "b", l)] = dW, db
        self.model.run_steps(self.prepared, 1)
        for l, (W, b) in enumerate(self.model.get_weights()):
            out[("update", "W", l)], out[("update", "b", l)] = W, b
        return out


def _deviation(o: Observed, theirs: Any, floor: float = 0.0) -> float:
    """``rel_dev`` of ours and theirs; inf when ours did not map to their shape or is not finite."""
    if o.value is None or not np.all(np.isfinite(o.value)):
        return math.inf
    return rel_dev(o.value, theirs, floor)


def _floor(key: tuple, ref: dict) -> float:
    """A gradient is measured against the largest gradient of its layer: a bias gradient is
    a sum over the batch that can cancel to nearly 0, where relative round-off is unbounded."""
    if key[0] != "gradient":
        return 0.0
    return max(float(np.max(np.abs(ref[("gradient", w, key[2])]), initial=0)) for w in ("W", "b"))


# ---- the loop ---------------------------------------------------------------------------------
@dataclass
class _Run:
    rows: list[dict]
    first: tuple | None  # (Divergence, Context)
    error: UserCodeError | None
    steps_done: int
    per_step: list[float]
    loss_forms: dict[str, set] = field(default_factory=dict)  # steps whose loss matched only in another form (LOSS_FORMS)


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
    extra = penalty(spec, before) + spec.weight_decay / 2 * sum(float(np.square(W).sum() + np.square(b).sum()) for W, b in before)
    if extra and ("loss",) in ref:
        forms["penalised"] = np.asarray(ref[("loss",)]) + extra
        if clipped is not None:
            forms["clipped, penalised"] = clipped + extra
    return forms


def _order(o: Observed) -> tuple:
    """Phase order, then layer before W/b for gradients and updates."""
    phase = o.key[0]
    return (PHASES.index(phase), (o.key[2], o.key[1]) if phase in ("gradient", "update") else o.key[1:])


def _run(net: UserNetwork, spec: ModelSpec, X: Any, y: Any, Xc: np.ndarray, yc: np.ndarray, twins: list[Twin],
         steps: int, tol: float, resync: bool = False) -> _Run:
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
        Xb, yb = _take(np.asarray(X), rows, net.samples_as), _take(np.asarray(y), rows, net.samples_as)
        nb = len(Xc[rows])
        error = None
        try:
            seen = net.step(Xb, yb, caller)
        except UserCodeError as exc:
            error, seen = exc, list(getattr(exc, "seen", []))
        seen = sorted(seen + _loss_of_output(spec, seen, yc[rows], nb), key=_order)
        wanted = {o.key[0] for o in seen}
        worst = 0.0
        loss_ok = True
        for twin in twins:
            ref = twin.step(rows, wanted, before if resync else None, net.masks)
            for o in seen:
                if o.key not in ref:
                    continue
                dev = _deviation(o, ref[o.key], _floor(o.key, ref))
                if o.key == ("loss",) and not dev <= tol:
                    for form, theirs in _loss_forms(spec, ref, yc[rows], before).items():
                        if _deviation(o, theirs) <= tol:
                            dev = _deviation(o, theirs)
                            loss_forms.setdefault(form, set()).add(k)
                            break
                worst = max(worst, dev)
                rows_out.append(dict(impl=twin.impl, step=k, phase=o.key[0], tensor=o.name, deviation=dev, tolerance=tol, ok=dev <= tol))
                if o.key == ("loss",):
                    loss_ok = loss_ok and dev <= tol
                if first is None and not dev <= tol:
                    ctx = dx.Context(spec, twin.impl, k, o.key[0], o.key, o.name, o.raw, o.value, np.asarray(ref[o.key]), before,
                                     Xc[rows], yc[rows], {x.key: x.value for x in seen if x.key[0] == "gradient" and x.value is not None},
                                     {key: v for key, v in ref.items() if key[0] == "gradient"},
                                     {key: v for key, v in ref.items() if key[0] == "forward"}, list(lr_history),
                                     loss_matched=any(x.key == ("loss",) and not x.derived for x in seen) and loss_ok,
                                     lr_given=net.takes_lr)
                    first = (Divergence(k, o.key[0], o.name, twin.impl, o.raw, np.asarray(ref[o.key]), dev, tol), ctx)
        if error is not None:
            return _Run(rows_out, first, error, k - 1, per_step, loss_forms)
        shadow.follow(k, first, dx.Seen(before, Xc[rows], yc[rows], dx.exposed(seen)), ref if twins else {})
        per_step.append(worst)
        if any(o.value is not None and not np.all(np.isfinite(o.value)) for o in seen):
            return _Run(rows_out, first, None, k, per_step, loss_forms)
        if not net.trains:
            return _Run(rows_out, first, None, k, per_step, loss_forms)
    return _Run(rows_out, first, None, steps, per_step, loss_forms)


def _build_twins(spec: ModelSpec, against: Sequence[str], weights: Weights, Xc, yc) -> tuple[list[Twin], dict[str, str]]:
    twins, skipped = [], {}
    for impl in against:
        implementation_class(impl)  # an unknown name raises SpecError naming the choices
        try:
            twins.append(Twin(impl, spec, weights, Xc, yc))
        except NotExpressible as exc:  # the adapter's advice to change the spec does not apply to a user's network
            skipped[impl] = re.sub(r"; set convention = '\w+'", "", exc.feature)
    return twins, skipped


def _amplified(run: _Run, tol: float) -> bool:
    """Round-off grown by the dynamics: within tolerance at step 1, then no step multiplies
    the deviation by more than MAX_JUMP on the way past the tolerance."""
    d = run.first[0] if run.first else None
    if d is None or d.step < 2 or not run.per_step or run.per_step[0] > tol or not math.isfinite(d.deviation):
        return False
    curve = np.maximum(np.array(run.per_step[: d.step]), np.finfo(np.float64).eps)
    return bool(np.max(curve[1:] / curve[:-1]) <= MAX_JUMP)


def _check_dropout(net: UserNetwork, spec: ModelSpec) -> None:
    """The user's dropout layers and the spec's must sit after the same hidden layers: the
    masks the user's layers draw are fed to the twins in their place."""
    theirs = set(getattr(net, "dropouts", {}).values())
    ours = {i for i in range(len(spec.sizes) - 2) if spec.dropout_rate(i)}
    if theirs != ours:
        where = lambda s: ", ".join(f"hidden layer {i}" for i in sorted(s)) or "no layer"
        raise SpecError(f"the network has dropout after {where(theirs)} but the spec after {where(ours)}: "
                        "state dropout=rate (one per hidden layer, 0 where there is none) to match the network")
    if ours and spec.dropout_rng != "shared":
        raise SpecError("validate feeds your network's own dropout masks to the frameworks: use dropout_rng='shared' (the default)")


def run_network(net: UserNetwork, X: Any, y: Any, steps: int, against: Sequence[str] = DEFAULT_AGAINST,
                tolerance: float | None = None, suggest: bool = True) -> ValidationResult:
    """Validate a network already wrapped in one of the styles (see ``validate``)."""
    spec = net.spec
    _check_dropout(net, spec)
    tol = TOLERANCES[spec.dtype] if tolerance is None else float(tolerance)
    Xc, yc = canonical_data(spec, X, y, net.samples_as)
    weights = [(np.asarray(W, spec.dtype), np.asarray(b, spec.dtype)) for W, b in net.weights()]
    if not spec.use_bias and any(np.any(b != 0) for _, b in weights):
        raise SpecError("the spec says use_bias=False but the network's biases are not zero")
    twins, skipped = _build_twins(spec, against, weights, Xc, yc)
    steps = int(steps) if net.trains else 1
    run = _run(net, spec, X, y, Xc, yc, twins, steps, tol)
    table = pd.DataFrame(run.rows, columns=["impl", "step", "phase", "tensor", "deviation", "tolerance", "ok"])
    result = ValidationResult(ok=False, first_divergence=None, diagnosis=[], table=table, spec=spec, style=net.style,
                              steps=run.steps_done, tolerance=tol, against=tuple(against), not_expressible=skipped,
                              notes=list(net.notes))
    for form, at in run.loss_forms.items():
        result.notes.append(f"at {len(at)} step(s) your loss matched only {LOSS_FORMS[form]}")
    if not net.trains:
        result.notes.append("forward-only network (no backward or optimizer): compared the forward pass and the loss at its weights")
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
    if _amplified(run, tol):
        # Round-off grows through chaotic dynamics; whether each step is right is asked
        # again with the twins re-synchronised to the user's weights before every step.
        fresh = net.fresh()
        twins, _ = _build_twins(spec, against, weights, Xc, yc)
        again = _run(fresh, spec, X, y, Xc, yc, twins, steps, tol, resync=True)
        if again.first is None and again.error is None:
            worst = max(again.per_step, default=0.0)
            result.ok, result.amplified, result.first_divergence = True, True, None
            result.resynced_deviation = worst
            result.notes.append(
                f"round-off grew through the dynamics past {tol:.0e} by step {ctx.step} (from {run.per_step[0]:.1e} at step 1): "
                f"not a mismatch; re-synchronised to your weights before every step, the largest deviation is {worst:.1e}")
            return result
        run = again
        result.first_divergence, ctx = again.first
        result.notes.append("the deviation grew gradually; re-synchronised before every step, one step still departs (below)")
    findings = dx.diagnose(ctx)
    result.findings = [f for f in findings if not f.tentative]
    result.diagnosis = [f.text for f in result.findings]
    if suggest:
        _try_suggestions(result, net, X, y, steps, against, tolerance, findings)
    if not result.diagnosis:
        result.diagnosis = [dx.unexplained(ctx).text]
    return result


def _try_suggestions(result: ValidationResult, net: UserNetwork, X, y, steps: int, against, tolerance, findings: list) -> None:
    """Run each suggested spec on a fresh copy of the network; keep the first that passes."""
    for finding in findings:
        if finding.spec is None:
            continue
        fresh = net.fresh()
        fresh.spec = finding.spec
        try:
            trial = run_network(fresh, X, y, steps, against, tolerance, suggest=False)
        except SpecError:  # e.g. a convention no framework here expresses
            continue
        if finding.tentative and not trial.compared:
            result.diagnosis.append(f"{finding.text}? (not checked: none of {', '.join(against)} expresses that form)")
            continue
        if trial.ok and trial.compared:
            result.suggested_spec = finding.spec
            if finding.tentative:
                if finding.kind == "penalty_in_loss":  # confirmed, it explains the loss's "constant factor"
                    result.findings = [f for f in result.findings if f.kind != "factor"]
                    result.diagnosis = [f.text for f in result.findings]
                result.diagnosis.append(finding.text)
                result.findings.append(finding)
            words = "; ".join(_native_words(impl, finding.spec) for impl in trial.compared)
            result.diagnosis.append(
                f"your network is consistent under another convention: it matches {words} (checked over {trial.steps} steps, "
                f"largest deviation {max(trial.max_deviation().values()):.1e}); pass {_spec_changes(result.spec, finding.spec)}")
            return


def _native_words(impl: str, spec: ModelSpec) -> str:
    cls = implementation_class(impl)
    describe = getattr(cls, "describe_training", None)
    return f"{impl} with {describe(spec)}" if describe else impl


# ---- the public function -------------------------------------------------------------------
def as_network(*, layers=None, loss=None, optimizer=None, step=None, params=None, model=None, spec: ModelSpec | None = None,
               forward=None, returns: str = "auto", weights: Sequence[str] | None = None, weight_layout: str | None = None,
               X: Any = None, y: Any = None, data_layout: str | None = None) -> UserNetwork:
    """Wrap a user's network in its style (exactly one of layers / step / model)."""
    given = [name for name, v in (("layers", layers), ("step", step if model is None else None), ("model", model)) if v is not None]
    if len(given) != 1:
        raise SpecError("give exactly one of layers=[...] (layer objects), step=fn with params= (arrays and functions), "
                        f"or model=obj (a black box); got {', '.join(given) or 'none'}")
    if weight_layout not in (None, "in_out", "out_in"):
        raise SpecError(f"weight_layout must be 'in_out' or 'out_in', got {weight_layout!r}")
    if layers is not None:
        net: UserNetwork = LayerObjects(layers, loss, optimizer, spec)
        if spec is None:
            net.spec, inferred = infer_spec(net, y)
            net.notes += [f"inferred {note}" for note in inferred]
    elif step is not None and model is None:
        if params is None:
            raise SpecError("the arrays-and-functions style needs params= (the arrays step updates)")
        net = Functional(step, params, spec, returns=returns, forward=forward, weights=weights, weight_layout=weight_layout)
    else:
        net = BlackBox(model, spec, step=step, weights=weights, weight_layout=weight_layout)
    if data_layout not in (None, "rows", "columns"):
        raise SpecError(f"data_layout must be 'rows' or 'columns', got {data_layout!r}")
    net.samples_as = data_layout or detect_samples_as(net.spec, X)
    return net


def validate(*, X: Any, y: Any, steps: int = 100, against: Sequence[str] = DEFAULT_AGAINST, tolerance: float | None = None,
             layers=None, loss=None, optimizer=None, step=None, params=None, model=None, spec: ModelSpec | None = None,
             forward=None, returns: str = "auto", weights: Sequence[str] | None = None, weight_layout: str | None = None,
             data_layout: str | None = None) -> ValidationResult:
    """Check a hand-written network against the frameworks, step by step.

    Three ways in (exactly one):

    - ``layers=[dense1, relu, dense2, ...], loss=..., optimizer=...``: layer objects
      (spec inferred by probing when not given);
    - ``step=fn, params={...}, spec=...``: ``fn(params, X, y)`` returns the new params (or
      ``(new params, loss)``, or ``(loss, gradients)``); ``forward=fn(params, X)`` optionally
      exposes the outputs (the last, or every z and a in order);
    - ``model=obj, spec=...``: an object whose ``forward(X)``/``backward(X, y, lr)`` (or
      ``step=fn(model, X, y)``) trains it; ``weights=[names]`` or found by shape.

    ``X``, ``y`` are the user's own data, samples as rows or as columns (detected, or
    ``data_layout=``). Batches follow ``spec.batch_size`` (full batch by default). Returns a
    ``ValidationResult``; errors in the user's code are reported in it, bad arguments raise
    ``SpecError`` with one line saying what to change.
    """
    if not (isinstance(steps, int) and steps >= 1):
        raise SpecError(f"steps must be a positive integer, got {steps!r}")
    if isinstance(against, str):
        against = [a for a in against.split(",") if a]
    net = as_network(layers=layers, loss=loss, optimizer=optimizer, step=step, params=params, model=model, spec=spec,
                     forward=forward, returns=returns, weights=weights, weight_layout=weight_layout, X=X, y=y, data_layout=data_layout)
    return run_network(net, X, y, steps, tuple(against), tolerance)


def assert_validates(**kwargs: Any) -> ValidationResult:
    """``validate`` for a user's own test suite: raises ``AssertionError`` with "ours vs
    theirs at step k, tensor t" and the diagnosis unless the network matches."""
    result = validate(**kwargs)
    if not result.ok:
        raise AssertionError(str(result))
    return result
