"""Known framework differences, made explicit: each one is shown to matter (the other
convention does not match) and the scratch network is shown to match each framework under
that framework's own convention. Also gradients of the whole scratch network against
torch.autograd, tf.GradientTape and scikit-learn's back-propagation."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.tasks import TASKS
from reference_impls import FRAMEWORKS, ModelSpec, NotExpressible, build
from reference_impls.equivalence import rel_dev, weights_dev

SPIRAL = TASKS["spiral"].spec.replace(sizes=(2, 16, 3))


def trajectory(impl: str, spec: ModelSpec, X, y, steps: int = 50):
    model = build(impl, spec, spec.init_weights())
    return model.train(X, y, steps), model.get_weights()


DIFFERENCES = {
    # name: (spec changes, framework following each convention)
    "adam-epsilon-placement": dict(optimizer="adam", lr=0.01, eps=1e-3),
    "rmsprop-epsilon-inside-sqrt": dict(optimizer="rmsprop", lr=0.01, eps=1e-3, rho=0.9),
    "rmsprop-momentum-buffer": dict(optimizer="rmsprop", lr=0.01, eps=1e-3, rho=0.9, momentum=0.5),
    "adagrad-epsilon": dict(optimizer="adagrad", lr=0.1, eps=1e-2, initial_accumulator=0.1),
    "momentum-under-lr-decay": dict(optimizer="sgd", lr=0.3, momentum=0.9, lr_decay=0.5),
    "nesterov-under-lr-decay": dict(optimizer="sgd", lr=0.3, momentum=0.9, nesterov=True, lr_decay=0.5),
}
FOLLOWERS = {"pytorch": "torch", "keras": "keras"}


@pytest.mark.parametrize("difference", list(DIFFERENCES))
def test_scratch_follows_each_frameworks_convention(difference, spiral_data):
    X, y = spiral_data
    changes = DIFFERENCES[difference]
    for convention, framework in FOLLOWERS.items():
        spec = SPIRAL.replace(convention=convention, **changes)
        fw_losses, fw_weights = trajectory(framework, spec, X, y)
        own_losses, own_weights = trajectory("scratch", spec, X, y)
        other = spec.replace(convention="keras" if convention == "pytorch" else "pytorch")
        _, other_weights = trajectory("scratch", other, X, y)
        assert rel_dev(fw_losses, own_losses) < 1e-13 and weights_dev(fw_weights, own_weights) < 1e-12
        assert weights_dev(fw_weights, other_weights) > 1e-6, f"{difference}: the conventions coincide"


def test_momentum_forms_coincide_at_a_constant_learning_rate(spiral_data):
    X, y = spiral_data
    spec = SPIRAL.replace(optimizer="sgd", lr=0.3, momentum=0.9)
    assert not spec.convention_matters
    _, a = trajectory("scratch", spec.replace(convention="pytorch"), X, y, 200)
    _, b = trajectory("scratch", spec.replace(convention="keras"), X, y, 200)
    assert weights_dev(a, b) < 1e-12


def test_sklearn_gradient_scale_for_its_loss_definitions(spiral_data):
    """squared_error is 1/2 mean (y - p)^2 with gradient (p - y)/n for every output: for k
    outputs c = k/2 times the spec's mse gradient, compensated in lr (SGD) or eps (Adam)."""
    from reference_impls.sklearn_impl import gradient_scale

    X, _ = spiral_data
    for k in (1, 2, 3):
        spec = ModelSpec(sizes=(2, 8, k), activations=("tanh", "linear"), loss="mse", optimizer="sgd", lr=0.1)
        assert gradient_scale(spec, 7) == k / 2
        model = build("sklearn", spec.replace(convention="keras"))
        assert model.est.learning_rate_init == pytest.approx(0.1 / (k / 2))
        y = np.tile(X[:, :1] ** 2, (1, k))
        loss, grads = model.gradients(X, y)
        ref_loss, ref_grads = build("scratch", spec).gradients(X, y)
        assert rel_dev(loss, ref_loss) < 1e-14 and weights_dev(grads, ref_grads) < 1e-12


def test_probability_clipping_is_a_real_difference():
    """The fused loss on logits and the clipped probability loss agree until saturation;
    every framework trains with the fused one, as the scratch network does by default."""
    spec = ModelSpec(sizes=(1, 1), activations=("sigmoid",), loss="binary_crossentropy", optimizer="sgd", lr=0.1)
    weights = [(np.array([[40.0]]), np.array([0.0]))]
    X, y = np.array([[1.0]]), np.array([0])  # logit 40 for a negative example: p = 1 - 4e-18
    losses = {
        impl: build(impl, spec.replace(convention="keras" if impl != "torch" else "pytorch"), weights).gradients(X, y)[
            0
        ]
        for impl in ("scratch", "keras", "torch")
    }
    assert (
        losses["scratch"] == pytest.approx(40.0)
        and losses["keras"] == pytest.approx(40.0)
        and losses["torch"] == pytest.approx(40.0)
    )
    from scratch import BinaryCrossEntropy

    assert BinaryCrossEntropy().calculate(np.array([[1 - 4e-18]]), y) == pytest.approx(-np.log(1e-7))  # clipped at 1e-7


NETS = {
    "sigmoid-bce": ModelSpec(sizes=(2, 6, 1), activations=("tanh", "sigmoid"), loss="binary_crossentropy"),
    "softmax-ce-deep": ModelSpec(
        sizes=(2, 7, 5, 3), activations=("relu", "sigmoid", "softmax"), loss="categorical_crossentropy"
    ),
    "leaky-softmax": ModelSpec(
        sizes=(2, 9, 3), activations=("leaky_relu", "softmax"), loss="categorical_crossentropy", leaky_alpha=0.2
    ),
    "mse-2-outputs": ModelSpec(sizes=(2, 6, 2), activations=("tanh", "linear"), loss="mse"),
}


# What scikit-learn's MLP cannot build: those pairs are checked to be refused, not compared.
SKLEARN_CANNOT = {"softmax-ce-deep": "mixed hidden activations", "leaky-softmax": "the leaky_relu activation"}
AUTODIFF_CASES = [(net, fw) for net in NETS for fw in FRAMEWORKS if not (fw == "sklearn" and net in SKLEARN_CANNOT)]


@pytest.mark.parametrize("net", list(SKLEARN_CANNOT))
def test_sklearn_refuses_what_it_cannot_express(net):
    with pytest.raises(NotExpressible, match=SKLEARN_CANNOT[net]):
        build("sklearn", NETS[net].replace(convention="keras"))


@pytest.mark.parametrize("net,framework", AUTODIFF_CASES, ids=[f"{n}-{f}" for n, f in AUTODIFF_CASES])
def test_whole_network_gradients_match_autodiff(net, framework, spiral_data):
    """scratch's hand-written backward pass against torch.autograd, tf.GradientTape and
    sklearn's _backprop: <= 1e-10 relative per tensor, float64."""
    X, labels = spiral_data
    spec = NETS[net].replace(init="he_normal", seed=3)
    y = {"binary_crossentropy": (labels == 0).astype(int), "categorical_crossentropy": labels, "mse": X**2}[spec.loss]
    other = build(framework, spec.replace(convention="keras" if framework != "torch" else "pytorch"))
    loss, grads = other.gradients(X, y)
    ref_loss, ref_grads = build("scratch", spec).gradients(X, y)
    assert rel_dev(loss, ref_loss) <= 1e-13
    for i, ((dW, db), (rW, rb)) in enumerate(zip(grads, ref_grads)):
        assert rel_dev(dW, rW) <= 1e-10, f"layer {i} dW: {rel_dev(dW, rW):.2e}"
        assert rel_dev(db, rb) <= 1e-10, f"layer {i} db: {rel_dev(db, rb):.2e}"


def test_tensorflow_turns_python_floats_into_float32():
    """Why the Keras adapter passes NumPy scalars: tf.cast rounds a Python float through
    float32, so Keras's own ops.cast(self.momentum, float64) gives 0.8999999761581421."""
    import tensorflow as tf

    assert float(tf.cast(0.9, tf.float64)) == float(np.float32(0.9)) != 0.9
    assert float(tf.cast(np.float64(0.9), tf.float64)) == 0.9
