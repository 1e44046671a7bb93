"""The catalogue of mistakes: a cause is named only when its recomputation reproduces.

Each ``Hypothesis`` is one mistake real hand-written code makes: the phases whose tensor it
can explain, and ``trials``: the concrete forms it takes for this spec and step (which layer,
every layer at once, a constant fitted at the diverging step), each a ``replay.Trial`` that
recomputes the user's steps with the mistake made and says what it is and how to fix it.
``explain`` names every hypothesis whose recomputation reproduces every gradient and update
the user's code exposed, at the diverging step and at each later step seen: with the spec's
penalties, the optimizer's state before the step, and the other layers as they are. A
constant fitted at one step (a factor, a learning rate, a dampening) is claimed constant
only when a later step agrees. The mistakes themselves live in ``gradient_mistakes`` (back-propagation) and
``update_mistakes`` (the optimizer). Adding a mistake is one function there, one entry in
``REGISTRY`` and its test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .context import Context, Finding
from .gradient_mistakes import (
    activation_again,
    bias_summed,
    delta_again,
    derivative_trials,
    errors_back,
    layer_factor,
    loss_factor,
    mask_at_zero,
    on_post,
    on_pre,
    transposed,
    unmasked,
    updated_first,
    wrong_loss,
)
from .replay import Trial, reproduces, steps_to_check
from .update_mistakes import (
    adam,
    dampening,
    lr_factor,
    lr_schedule,
    momentum_average,
    never_zeroed,
    no_sqrt,
    other_form,
    skipped,
    state_lost,
)

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
        text += (
            f"; the constant was fitted at step {k} and no later step was seen: at this step only, "
            "not known to stay constant"
        )
    return Finding(text, trial.kind or h.kind, trial.spec, h.tentative)


REGISTRY: list[Hypothesis] = [
    Hypothesis("update_skipped", ("update",), skipped),
    Hypothesis("momentum_lost", ("update",), state_lost),
    Hypothesis("gradients_never_zeroed", ("update",), never_zeroed),
    Hypothesis(
        "derivative_on_pre",
        BOTH,
        derivative_trials(
            ("sigmoid", "tanh"),
            on_pre,
            "is evaluated on its pre-activation z instead of its output: a formula written for the output "
            "(like x * (1 - x) for sigmoid) must be given the activation's output",
        ),
    ),
    Hypothesis(
        "derivative_on_post",
        BOTH,
        derivative_trials(
            ("sigmoid", "tanh"),
            on_post,
            "is evaluated on its output instead of its pre-activation z: a formula written for the input (like "
            "sigmoid(x) * (1 - sigmoid(x))) must be given z",
        ),
    ),
    Hypothesis(
        "relu_mask_dropped",
        BOTH,
        derivative_trials(
            ("relu", "leaky_relu"),
            unmasked,
            "is dropped: the gradient passes through unmasked; multiply it by (z > 0) (the same as (a > 0))",
        ),
    ),
    Hypothesis(
        "derivative_dropped",
        BOTH,
        derivative_trials(
            ("sigmoid", "tanh"),
            unmasked,
            "is dropped: the gradient passes through without it; multiply it by the derivative (a * (1 - a) for "
            "sigmoid, 1 - a**2 for tanh, a the layer's output)",
        ),
    ),
    Hypothesis(
        "activation_for_derivative",
        BOTH,
        derivative_trials(
            ("sigmoid", "tanh"),
            activation_again,
            "is the activation applied again to the layer's output (nonlin(a) where nonlin(a, deriv=True), "
            "a * (1 - a) for sigmoid, is meant)",
        ),
    ),
    Hypothesis(
        "relu_mask_at_zero",
        BOTH,
        derivative_trials(
            ("relu", "leaky_relu"),
            mask_at_zero,
            "mask is taken as z >= 0: at z = 0 the frameworks use ReLU'(0) = 0, so use z > 0",
        ),
    ),
    Hypothesis("transposed", BOTH, transposed),
    Hypothesis("bias_summed_over_all", BOTH, bias_summed),
    Hypothesis("updated_before_backprop", BOTH, updated_first),
    Hypothesis("errors_sent_back", BOTH, errors_back),
    Hypothesis("delta_times_derivative", BOTH, delta_again),
    Hypothesis("wrong_loss", BOTH, wrong_loss),
    Hypothesis("factor", BOTH, loss_factor),
    Hypothesis("layer_factor", BOTH, layer_factor),
    Hypothesis("adam_bias_correction", ("update",), adam),
    Hypothesis("missing_sqrt", ("update",), no_sqrt),
    Hypothesis("momentum_average", ("update",), momentum_average),
    Hypothesis("dampening", ("update",), dampening),
    Hypothesis("optimizer_form", ("update",), other_form, tentative=True),
    Hypothesis("lr_schedule", ("update",), lr_schedule),
    Hypothesis("learning_rate", ("update",), lr_factor),
]
