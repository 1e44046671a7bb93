"""Native dropout, compared statistically.

With ``dropout_rng="native"`` every implementation draws its masks from its own random
stream (torch's generator, Keras's seed generator, NumPy), as a user's code does, so no two
trajectories agree step by step. What must agree is the *distribution* of what training
does. For each seed s, both implementations start from the spec's initial weights for s and
train the same steps; given s, their two runs differ only in which masks were drawn, and the
masks come from the same distribution when both drop with the same rate and scale. So the
paired difference ``theirs(s) - ours(s)`` of any training outcome is symmetric about 0, and
the Wilcoxon signed-rank test (scipy) asks whether it is. Two outcomes are tested:

- the mean training loss over the run (with dropout on): sensitive to the drop rate and to
  the scaling of kept units during training;
- the final loss on the training data with dropout off: sensitive to a mismatch between
  training-time and prediction-time scaling (e.g. dropout without the 1/(1 - rate) scale).

The verdict is ``pass`` when no test rejects at ``alpha`` (each at ``alpha / 2``,
Bonferroni), else ``fail``, with every median and p-value in the note. The seeds are fixed,
so a given comparison always returns the same verdict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from scratch import get_loss

from .registry import REFERENCE, build, native_spec
from .spec import ModelSpec

OUTCOMES = ("mean training loss", "final loss, dropout off")


@dataclass
class DropoutComparison:
    """The paired outcomes of ``seeds`` runs of ``impl`` and ``reference`` with native dropout."""

    impl: str
    reference: str
    spec: ModelSpec
    steps: int
    seeds: list[int]
    ours: dict[str, np.ndarray] = field(default_factory=dict)  # outcome -> one value per seed (reference)
    theirs: dict[str, np.ndarray] = field(default_factory=dict)  # outcome -> one value per seed (impl)
    p_values: dict[str, float] = field(default_factory=dict)
    alpha: float = 0.01
    status: str = "error"
    note: str = ""

    def median_rel_diff(self, outcome: str) -> float:
        """Median over seeds of (theirs - ours) / ours: the size of any difference."""
        a, b = self.ours[outcome], self.theirs[outcome]
        return float(np.median((b - a) / np.maximum(np.abs(a), np.finfo(float).tiny)))


def _outcomes(name: str, spec: ModelSpec, X: np.ndarray, y: np.ndarray, steps: int) -> tuple[float, float]:
    model = build(name, spec)
    losses = model.run_steps(model.prepare(X, y), steps)
    proba = model.predict_proba(X).astype(np.float64)
    loss = get_loss(spec.loss).calculate(proba, y)  # on probabilities, dropout off
    return float(np.mean(losses)), float(loss)


def compare_native_dropout(
    spec: ModelSpec,
    impl: str,
    X: np.ndarray,
    y: np.ndarray,
    steps: int,
    seeds: int | list[int] = 20,
    reference: str = REFERENCE,
    alpha: float = 0.01,
) -> DropoutComparison:
    """``impl`` against ``reference``, both with their own dropout, over ``seeds`` paired
    runs of ``steps`` steps on ``(X, y)``; see the module notes for the test."""
    if not spec.has_dropout:
        raise ValueError("the spec has no dropout: compare it step by step (reference_impls.equivalence.compare)")
    spec = native_spec(spec.replace(dropout_rng="native"), impl)  # both in the framework's optimizer form
    seeds = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    if len(seeds) < 10:
        raise ValueError(f"a paired signed-rank test needs at least 10 seeds to reject at 1%, got {len(seeds)}")
    r = DropoutComparison(impl, reference, spec, int(steps), seeds, alpha=alpha)
    rows = {
        name: np.array([_outcomes(name, spec.replace(seed=s), X, y, steps) for s in seeds])
        for name in (reference, impl)
    }
    for k, outcome in enumerate(OUTCOMES):
        r.ours[outcome], r.theirs[outcome] = rows[reference][:, k], rows[impl][:, k]
        diff = r.theirs[outcome] - r.ours[outcome]
        r.p_values[outcome] = 1.0 if not np.any(diff) else float(stats.wilcoxon(diff).pvalue)
    rejected = [o for o, p in r.p_values.items() if not p >= alpha / len(OUTCOMES)]
    r.status = "fail" if rejected else "pass"
    parts = [
        f"{o}: {reference} {np.median(r.ours[o]):.4g}, {impl} {np.median(r.theirs[o]):.4g} "
        f"(median; {r.median_rel_diff(o):+.1%} paired), p = {r.p_values[o]:.2g}"
        for o in OUTCOMES
    ]
    verdict = (
        f"differs in distribution ({', '.join(rejected)}) at alpha {alpha:g}"
        if rejected
        else f"same distribution at alpha {alpha:g}"
    )
    r.note = f"native dropout over {len(seeds)} seeds x {steps} steps, {verdict}; " + "; ".join(parts)
    if any(not math.isfinite(v) for vs in (*r.ours.values(), *r.theirs.values()) for v in vs):
        r.status, r.note = "fail", "non-finite loss in a native-dropout run; " + r.note
    return r
