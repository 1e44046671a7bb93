"""Step-by-step equivalence of an implementation with the scratch network.

For one spec, task data and implementation:

1. **One step** from identical weights on the first batch: loss, every gradient and every
   updated weight, each compared relative to its tensor's largest entry (a gradient: to its
   layer's largest gradient, since a bias gradient can cancel to ~0).
2. **Trajectory** of ``steps`` steps: the loss at every step, each relative to that step's
   loss (judged), and the final weights.
   ``growth`` records how the deviation grows (round-off amplified by the dynamics grows
   geometrically from ~1e-16; a wrong formula shows at step 1).
3. **Re-sync**: one step from the scratch trajectory's *final* weights (fresh optimizer
   state), comparing the loss and the updated weights, so the two still compute the same
   thing where training ended up. (Its gradients are not compared: near a minimum they
   are small sums of large terms, and their round-off relative to the largest entry says
   more about cancellation than about the implementations.)

Status:

- ``pass``: the one-step check and the trajectory are within tolerance;
- ``amplified``: the one-step check passes and the trajectory drifts past tolerance, but
  gradually (no step multiplies the running deviation by more than ``MAX_JUMP``): round-off
  amplified by the dynamics, reported with its growth per 100 steps, not a mismatch;
- ``fail``: the one-step check fails, the deviation jumps (a wrong formula, batch or
  schedule shows up that way), or a loss became NaN;
- ``not expressible`` (the framework lacks a feature the spec asks for) or ``error``.

The re-sync deviation is reported, not judged: where training saturates, an optimizer
that divides by a small ``sqrt(v) + eps`` (PyTorch's RMSprop form) turns the round-off of
tiny gradients into visible steps, so its size measures the step's conditioning.

The scratch twin follows the framework's optimizer convention (``spec.convention`` is set
to the implementation's own form): "the same steps" means the framework's steps.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .base import NotExpressible
from .registry import REFERENCE, build, native_spec
from .spec import ModelSpec, Weights

MAX_JUMP = 100.0  # largest one-step growth of the running deviation still read as round-off
TOLERANCES = {
    # (one step, trajectory), relative to each tensor's largest entry
    "float64": (1e-13, 1e-12),
    "float32": (1e-5, 1e-5),
}


def checkpoints(steps: int, n: int = 40) -> list[int]:
    """Log-spaced steps 1..steps at which the deviation curve is recorded."""
    return sorted({int(round(k)) for k in np.geomspace(1, steps, n)} | {steps})


def rel_dev(a: np.ndarray, b: np.ndarray, floor: float = 0.0) -> float:
    """``max |a - b| / max(|a|, |b|, floor)``; 0 when both are all zeros."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    scale = max(float(np.max(np.abs(a), initial=0)), float(np.max(np.abs(b), initial=0)), floor)
    diff = float(np.max(np.abs(a - b), initial=0))
    return 0.0 if diff == 0 else diff / scale if scale else math.inf


def weights_dev(a: Weights, b: Weights) -> float:
    """Largest per-tensor relative deviation over every W and b."""
    return max(rel_dev(x, y) for pa, pb in zip(a, b) for x, y in zip(pa, pb))


def gradients_dev(a: Weights, b: Weights) -> float:
    """Largest relative deviation of the gradients, each measured against the largest
    gradient of its layer: a bias gradient is a sum over the batch that can cancel to ~0,
    where its own relative round-off is unbounded (validate measures the same way)."""
    worst = 0.0
    for (dWa, dba), (dWb, dbb) in zip(a, b):
        floor = max(float(np.max(np.abs(x), initial=0)) for x in (dWa, dba, dWb, dbb))
        worst = max(worst, rel_dev(dWa, dWb, floor), rel_dev(dba, dbb, floor))
    return worst


def weights_abs(a: Weights, b: Weights) -> float:
    return max(float(np.max(np.abs(np.asarray(x, np.float64) - y))) for pa, pb in zip(a, b) for x, y in zip(pa, pb))


@dataclass
class Comparison:
    """Everything measured for one (spec, implementation) pair."""

    impl: str
    spec: ModelSpec
    steps: int
    status: str = "error"
    note: str = ""
    one_step_loss: float = math.nan
    one_step_grads: float = math.nan
    one_step_weights: float = math.nan
    resync: float = math.nan
    loss_max_abs: float = math.nan
    loss_max_rel: float = math.nan
    loss_step_rel: float = math.nan  # max over steps of |a - b| / max(|a|, |b|): what is judged
    weights_max_abs: float = math.nan
    weights_max_rel: float = math.nan
    growth_per_100_steps: float = math.nan
    max_step_growth: float = math.nan
    deviation_curve: list[tuple[int, float]] = field(default_factory=list)
    seconds: float = math.nan
    device: str = "cpu"  # where ``impl`` ran (the scratch twin: always the CPU)

    @property
    def one_step(self) -> float:
        return max(self.one_step_loss, self.one_step_grads, self.one_step_weights)


@dataclass
class FirstStep:
    """One network's step from given weights on the first batch: the loss and gradients
    before it (``gradients``, no update), the step's own reported loss, and the weights after."""

    loss: float
    grads: Weights | None
    step_loss: float
    weights: Weights


def _first_step(model, X, y, gradients: bool = True) -> FirstStep:
    rows = model.spec.batches(len(X), 0)[0]
    loss, grads = model.gradients(X[rows], y[rows]) if gradients else (math.nan, None)
    step_loss = model.train(X, y, 1)[0]
    return FirstStep(loss, grads, step_loss, model.get_weights())


def _one_step_devs(a: FirstStep, b: FirstStep) -> tuple[float, float, float]:
    """Deviations of (loss, gradients, updated weights) between two first steps."""
    return (
        max(rel_dev(a.loss, b.loss), rel_dev(a.step_loss, b.step_loss)),
        gradients_dev(a.grads, b.grads),
        weights_dev(a.weights, b.weights),
    )


@dataclass
class Reference:
    """The scratch twin's side of a comparison, computed once for every implementation that
    shares its spec (``reference``): its first step, its loss at every step (the first
    included), its final weights and its re-sync step from them."""

    first: FirstStep
    losses: np.ndarray
    final: Weights
    resync: FirstStep
    seconds: float


def reference(spec: ModelSpec, X: np.ndarray, y: np.ndarray, steps: int, weights: Weights | None = None) -> Reference:
    """Train the scratch twin of ``spec`` for ``steps`` steps from ``weights`` (default:
    ``spec.init_weights()``) as ``compare`` does; its result serves any implementation
    whose native spec equals ``spec`` (the convention included: the momentum forms agree
    in exact arithmetic, not in round-off)."""
    start = time.perf_counter()
    weights = spec.init_weights() if weights is None else weights
    ref = build(REFERENCE, spec, weights)
    first = _first_step(ref, X, y)
    # The one-step check took step 1; the trajectory continues from there.
    losses = np.concatenate([[first.step_loss], ref.train(X, y, steps - 1)])
    final = ref.get_weights()
    resync = _first_step(build(REFERENCE, spec, final), X, y, gradients=False)
    return Reference(first, losses, final, resync, time.perf_counter() - start)


def roundoff(dtype: str) -> float:
    """Deviations below this are plain round-off: 10 machine epsilons of ``dtype``."""
    return 10 * float(np.finfo(dtype).eps)


def _growth(curve: list[tuple[int, float]], floor: float) -> float:
    """Deviation growth factor per 100 steps: a log-linear fit over the geometric phase,
    above round-off (``floor``) and below saturation (1e-3, where trajectories decorrelate)."""
    pts = [(k, math.log10(d)) for k, d in curve if floor < d < 1e-3]
    if len(pts) < 2:
        return math.nan
    k, logd = np.array(pts).T
    if np.ptp(k) == 0:
        return math.nan
    return float(10 ** (np.polyfit(k, logd, 1)[0] * 100))


def _checked(model):
    """``model`` driven in its adapter's ``check_mode`` (an exact mode: the same numbers)."""
    return model.use_mode(model.facts.check_mode)


def compare(
    spec: ModelSpec,
    impl: str,
    X: np.ndarray,
    y: np.ndarray,
    steps: int,
    weights: Weights | None = None,
    twin: Callable[[], Reference] | None = None,
    device: str = "cpu",
) -> Comparison:
    """Train ``impl`` and its scratch twin from the same weights; measure every deviation.

    ``twin``: returns the twin's side, as ``reference`` computes it for this very native
    spec, data, steps and weights (``check`` shares one among the frameworks whose spec
    is the same); called only once ``impl`` is known to express the spec. Without it the
    twin is trained here. ``seconds`` includes the twin's time."""
    spec = native_spec(spec, impl)
    result = Comparison(impl, spec, int(steps), device=device)
    start = time.perf_counter()
    weights = spec.init_weights() if weights is None else weights
    try:
        other = _checked(build(impl, spec, weights, device=device))
    except NotExpressible as exc:
        result.status, result.note = "not expressible", exc.feature
        return result
    if spec.native_dropout:  # no step-by-step comparison exists: the distributions are compared
        from .dropout_stats import compare_native_dropout  # scipy, only for native dropout

        stat = compare_native_dropout(spec, impl, X, y, steps)
        result.status, result.note, result.seconds = stat.status, stat.note, time.perf_counter() - start
        return result
    twin_seconds = 0.0
    try:
        ref = reference(spec, X, y, steps, weights) if twin is None else twin()
        twin_seconds = ref.seconds if twin is not None else 0.0
        first = _first_step(other, X, y)
        result.one_step_loss, result.one_step_grads, result.one_step_weights = _one_step_devs(ref.first, first)
        la = ref.losses
        lb = np.concatenate([[first.step_loss], other.train(X, y, steps - 1)])
        diff = np.abs(la - lb)
        scale = float(np.max(np.abs(la)))
        # Each step's difference over that step's loss: a loss that shrinks by 1e5 would
        # hide a growing deviation if it were measured against the largest loss.
        per_step = diff / np.maximum(np.maximum(np.abs(la), np.abs(lb)), np.finfo(np.float64).tiny)
        running = np.maximum.accumulate(per_step)
        result.loss_max_abs = float(np.max(diff))
        result.loss_max_rel = float(np.max(diff) / scale)
        result.loss_step_rel = float(running[-1])
        result.deviation_curve = [(k, float(running[k - 1])) for k in checkpoints(steps)]
        wa, wb = ref.final, other.get_weights()
        result.weights_max_abs, result.weights_max_rel = weights_abs(wa, wb), weights_dev(wa, wb)
        floor = roundoff(spec.dtype)
        result.growth_per_100_steps = _growth(result.deviation_curve, floor)
        result.max_step_growth = float(np.max(running[1:] / np.maximum(running[:-1], floor), initial=1.0))
        # The re-sync step from the twin's final weights compares its loss and updated weights.
        resync = _first_step(other.restart(wa), X, y, gradients=False)
        result.resync = max(
            abs(ref.resync.step_loss - resync.step_loss) / scale, weights_dev(ref.resync.weights, resync.weights)
        )
        if not (np.all(np.isfinite(la)) and np.all(np.isfinite(lb))):
            result.note = "a loss became NaN or inf"
        result.status = _status(result)
    except Exception as exc:  # recorded in the table, the sweep goes on
        result.status, result.note = "error", f"{type(exc).__name__}: {exc}"
    result.seconds = time.perf_counter() - start + twin_seconds
    return result


def _status(r: Comparison) -> str:
    step_tol, traj_tol = TOLERANCES[r.spec.dtype]
    if r.note or not r.one_step <= step_tol:
        return "fail"
    if r.loss_step_rel <= traj_tol and r.weights_max_rel <= traj_tol:
        return "pass"
    return "amplified" if r.max_step_growth <= MAX_JUMP else "fail"
