"""The styles real from-scratch programs are written in (``tests/styles/``: our own networks in
the styles of Nielsen's book, cs231n, the deeplearning.ai course and Ng's ex4 (one unrolled
parameter vector), the layer-class tutorials, the six-scalar intro network, the NNFS book, a
from-scratch ML library, "Make Your Own Neural Network", Raschka's NeuralNetMLP, micrograd and
"Grokking Deep Learning", James Loy's network built on its data, Samay Shamdasani's
``Neural_Network`` and iamtrask's 11-line script), each handed to ``validate`` with its few lines of glue: every
correct network passes, and every one-line bug is caught at the step and phase where it first
shows (and at the very tensor where the style exposes it one update at a time); for the
styles in ``NAMED``, its cause is named too."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import numpy as np
import pytest

from reference_impls import validate
from tests.styles.survey import glue_lines

STYLES = sorted(
    m.name for m in pkgutil.iter_modules([str(Path(__file__).parent / "styles")]) if m.name.startswith("style_")
)
MODULES = {name[len("style_") :]: importlib.import_module(f"tests.styles.{name}") for name in STYLES}
# a training call that makes many updates (the six-scalar network's 1000 hard-coded epochs) has
# no tensor of its own to point at within the call: its step and phase are what can be located
WHOLE_CALL = {"zhou"}
# styles whose every bug must also be NAMED: the diagnosis holds one of its EXPECT keys
NAMED = {"rashid", "raschka", "ng_ex4", "micrograd", "trask", "nnfs", "loy", "shamdasani", "trask11"}


def _run(style: str, bug: str | None, steps: int | None = None):
    kwargs = MODULES[style].glue(bug)
    n = kwargs.pop("steps")
    return validate(**kwargs, steps=steps or n, against=("torch",))


@pytest.mark.parametrize("style", sorted(MODULES))
def test_correct_network_passes_with_five_lines_of_glue(style):
    assert glue_lines(MODULES[style]) <= 5
    result = _run(style, None, steps=3 if style in WHOLE_CALL else None)
    assert result.ok, str(result)
    assert result.compared == ("torch",) and len(result.table) > 0


CASES = [(style, bug) for style, module in sorted(MODULES.items()) for bug in module.BUGS]


@pytest.mark.parametrize(("style", "bug"), CASES, ids=[f"{s}-{b}" for s, b in CASES])
def test_one_line_bug_is_located(style, bug):
    want = MODULES[style].EXPECT[bug]
    result = _run(style, bug, steps=max(want["step"], 2))
    d = result.first_divergence
    assert not result.ok and d is not None, str(result)
    whole = style in WHOLE_CALL or want["phase"] == "loss"  # the loss is one number, named by the call that returns it
    ours = (d.step, d.phase) if whole else (d.step, d.phase, d.tensor)
    theirs = (want["step"], want["phase"]) if whole else (want["step"], want["phase"], want["tensor"])
    assert ours == theirs, f"ours {ours} vs expected {theirs}\n{result}"
    if style in NAMED:
        said = " ".join(result.diagnosis).lower()
        assert any(k.lower() in said for k in want["keys"]), f"ours: {result.diagnosis} vs expected {want['cause']}"


def test_layer_class_tutorial_validates_as_layer_objects_with_nothing_but_its_parts():
    """The layer-class tutorial's parts as they are (layers whose backward takes the learning
    rate and updates inside, a (loss, loss_prime) pair of functions, data kept (n, 1, features)):
    no spec, no glue; its mistakes are then caught step by step, forward and loss included."""
    from tests.styles import style_aflak as sa

    X, y = sa.xor()[0].reshape(4, 1, 2), sa.xor()[1].astype(float).reshape(4, 1, 1)
    net = sa.make(None)
    result = validate(layers=net.layers, loss=(net.loss, net.loss_prime), X=X, y=y, steps=8, against=("torch",))
    assert result.ok and result.spec.batch_size == 1 and set(result.table.phase) >= {"forward", "loss", "update"}, str(
        result
    )
    broken = sa.make("activation_prime_on_output")
    result = validate(
        layers=broken.layers, loss=(broken.loss, broken.loss_prime), X=X, y=y, steps=8, against=("torch",)
    )
    assert not result.ok and result.first_divergence.phase == "update", str(result)


def test_book_network_in_lists_needs_no_names():
    """Nielsen's network keeps weights (out, in) and biases (out, 1) in Python lists: found by
    shape, read as (out, in), with no weights= and no weight_layout=."""
    kwargs = MODULES["nielsen"].glue(None)
    for key in ("weights", "weight_layout", "steps"):
        kwargs.pop(key)
    result = validate(**kwargs, steps=5, against=("torch",))
    assert result.ok, str(result)
    assert "layer 0: weights[0], biases[0]; layer 1: weights[1], biases[1], stored as (out, in)" in " ".join(
        result.notes
    )


def test_a_training_call_that_redraws_its_weights_is_described_not_misnamed():
    """A from-scratch library's fit() that draws its weights again on every call: no step
    explains the change, and the finding says what was seen and what does that."""
    from tests.styles import style_mlfromscratch as sm

    kwargs = sm.glue(None)

    def fit_redrawing(model, X, y):
        model._initialize_weights(X, y)  # the published fit() begins by initialising
        return model.fit(X, y)

    kwargs.update(step=fit_redrawing, steps=2)
    result = validate(**kwargs, against=("torch",))
    assert not result.ok and [f.kind for f in result.findings] == ["replaced"], str(result)
    assert "re-draw its weights" in result.diagnosis[0]


def test_the_result_splits_its_time_between_start_up_your_code_twins_comparison_and_diagnosis():
    result = _run("nnfs", "l2_grad_missing_2", steps=2)
    assert list(result.seconds) == ["start-up", "your code", "twins", "comparison", "diagnosis"], result.seconds
    assert all(v >= 0 for v in result.seconds.values()) and "  time: start-up " in str(result)


def test_a_published_adam_with_a_slip_is_judged_as_adam_not_sgd():
    """The NNFS book's Adam with its square root dropped matches no optimizer on the probe:
    its class name makes it Adam (not SGD), so the slip is named by Adam's catalogue."""
    result = _run("nnfs", "adam_missing_sqrt", steps=2)
    assert result.spec.optimizer == "adam", str(result)
    assert "taken as adam (its class name Optimizer_Adam)" in " ".join(result.notes), result.notes
    assert "without the square root" in " ".join(result.diagnosis), f"ours: {result.diagnosis}"


@pytest.mark.parametrize(("first", "step", "form"), [(0, 2, "after each update"), (1, 1, "before its first use")])
def test_a_learning_rate_decayed_inside_the_training_call_is_named(first, step, form):
    """Nielsen's network with eta decayed on a counter of the step's own (the spec has no
    decay): named with the decay it fits, and the spec that expresses it where there is one."""
    nielsen = MODULES["nielsen"]
    kwargs = nielsen.glue(None)
    calls = [first]

    def decaying(net, X, y):
        eta = nielsen.ETA / (1 + 0.01 * calls[0])
        calls[0] += 1
        net.update_mini_batch([(x.reshape(-1, 1), t.reshape(-1, 1)) for x, t in zip(X, y)], eta)

    kwargs.update(step=decaying, steps=6)
    result = validate(**kwargs, against=("torch",))
    d = result.first_divergence
    assert not result.ok and (d.step, d.phase) == (step, "update"), str(result)
    said = " ".join(result.diagnosis)
    assert "decays the learning rate by itself, lr / (1 + 0.01 t)" in said and form in said, f"ours: {said}"
    if form == "after each update":
        assert result.suggested_spec is not None and result.suggested_spec.lr_decay == 0.01, str(result)


def test_a_reported_error_twice_the_loss_descended_is_named_as_the_reported_loss_only():
    """Grokking's printed error, np.sum((layer_2 - goal) ** 2), returned as the step's loss: it is
    2 x the 1/2 convention its gradients descend. The updates all match, so the finding says only
    the reported loss differs, not that a factor scales every gradient."""
    trask = MODULES["trask"]
    kwargs = trask.glue(None)
    kwargs.pop("steps")

    def step_reporting_error(params, layer_0, goal):
        layer_2 = trask.relu(layer_0.dot(params["weights_0_1"])).dot(params["weights_1_2"])
        return trask.step(params, layer_0, goal), float(np.sum((layer_2 - goal) ** 2))

    result = validate(**{**kwargs, "step": step_reporting_error}, steps=3, against=("torch",))
    d = result.first_divergence
    assert not result.ok and (d.step, d.phase) == (1, "loss"), str(result)
    said = " ".join(result.diagnosis)
    assert "only the loss your code reports differs" in said and "scales every gradient" not in said, f"ours: {said}"


@pytest.mark.parametrize(("bug", "where"), [(None, None), ("derivative_sigmoid_again", (1, "gradient", "weight_h"))])
def test_a_backward_returning_gradients_is_fed_forwards_outputs_and_stepped_with_no_glue(bug, where):
    """Raschka's NeuralNetMLP with no step=: backward(x, a_h, a_out, y) is given what forward
    returned and its returned gradients are stepped with the spec's optimizer (the module-level
    train loop is not needed); a slip in backward is then located at the gradient itself."""
    kwargs = MODULES["raschka"].glue(bug)
    for key in ("steps", "step"):
        kwargs.pop(key)
    result = validate(**kwargs, steps=3, against=("torch",))
    notes = " ".join(result.notes)
    assert "backward's a_h, a_out are taken from what NeuralNetMLP.forward returns" in notes, notes
    assert "returns the gradients and updates nothing: validate steps them with the spec's sgd" in notes, notes
    if where is None:
        assert result.ok, str(result)
        return
    d = result.first_divergence
    ours, theirs = (d.step, d.phase, d.tensor.endswith(f"(for {where[2]})")), (where[0], where[1], True)
    assert not result.ok and ours == theirs, f"ours {d} vs expected {where}\n{result}"
