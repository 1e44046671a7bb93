"""Suggestions: a finding that names a convention the network follows (a loss reduction, a
learning rate, an optimizer form) comes with the spec that expresses it; that spec is run
against the frameworks on a fresh copy of the network, and said only once it passes, in its
shortest form."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..spec import ModelSpec, SpecError
from .phrasing import spec_changes
from .result import ValidationResult
from .styles import UserNetwork
from .twinhost import adapter_call


def shortest(value: Any) -> Any:
    """A float (or each float of a list or tuple) in the fewest significant digits that stay
    within 1e-9 of it: float noise such as 1.4999999999999944 is 1.5."""
    if isinstance(value, (list, tuple)):
        return type(value)(shortest(v) for v in value)
    if not isinstance(value, float) or not math.isfinite(value) or value == 0:
        return value
    for digits in range(1, 17):
        short = float(f"{value:.{digits}g}")
        if abs(short - value) <= 1e-9 * abs(value):
            return short
    return value


def rounded(old: ModelSpec, new: ModelSpec) -> ModelSpec:
    """``new`` with the fields it changes from ``old`` in their shortest form."""
    changes = {k: shortest(getattr(new, k)) for k, v in new.to_dict().items() if old.to_dict()[k] != v}
    try:
        return new.replace(**changes)
    except SpecError:
        return new


def fresh(net: UserNetwork) -> UserNetwork:
    """An untouched copy of ``net``, driven the same way."""
    fresh = net.fresh()
    fresh.samples_as, fresh.steps_per_call = net.samples_as, net.steps_per_call
    return fresh


def try_suggestions(
    result: ValidationResult,
    net: UserNetwork,
    X,
    y,
    steps: int,
    against,
    tolerance,
    findings: list,
    run_network: Callable[..., ValidationResult],
) -> None:
    """Run each suggested spec on a fresh copy of the network (with ``run_network``, the
    lock-step validation); keep the first that passes."""
    for finding in findings:
        if finding.spec is None:
            continue
        finding.spec = rounded(result.spec, finding.spec)
        trial_net = fresh(net)
        trial_net.spec = finding.spec
        try:
            trial = run_network(trial_net, X, y, steps, against, tolerance, suggest=False)
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
                f"your network is consistent under another convention: it matches {words} (checked over "
                f"{trial.steps} steps, largest deviation {max(trial.max_deviation().values()):.1e}); "
                f"pass {spec_changes(result.spec, finding.spec)}"
            )
            return


def _native_words(impl: str, spec: ModelSpec) -> str:
    words = adapter_call(impl, "describe_training", spec)  # in the framework's twin host when it has one
    return f"{impl} with {words}" if words else impl
