"""What the "Neural Networks from Scratch" book's code does, expressed by one spec and run in
every implementation that can express it: its initializer, its learning-rate decay form,
its unfused sigmoid + binary cross-entropy (chapter 16), Adam with decay (chapter 10) and
L2 on one layer (chapter 14), step by step in float64, on the book's spiral data from the
``nnfs`` package. The models are written from the book's stated hyperparameters."""

from __future__ import annotations

import numpy as np
import pytest
from nnfs.datasets import spiral_data

from reference_impls import FRAMEWORKS, ModelSpec, build
from reference_impls.equivalence import compare
from scratch import SGD


def _spiral(classes: int) -> tuple[np.ndarray, np.ndarray]:
    np.random.seed(0)  # what nnfs.init() seeds, without its global patches of NumPy
    return spiral_data(samples=100, classes=classes)


def test_book_initializer_is_the_books_draw_in_float64_and_float32():
    spec = ModelSpec(
        sizes=(2, 3, 5), activations=("relu", "softmax"), loss="categorical_crossentropy", init="nnfs", seed=0
    )
    np.random.seed(0)
    W1, W2 = 0.01 * np.random.randn(2, 3), 0.01 * np.random.randn(3, 5)  # Layer_Dense's draw, in order
    (A, a), (B, b) = spec.init_weights()
    assert np.array_equal(A, W1) and np.array_equal(B, W2) and not a.any() and not b.any()
    np.random.seed(0)  # nnfs.init() makes randn return float32 before the 0.01 *
    F1 = 0.01 * np.random.randn(2, 3).astype(np.float32)
    (A32, _), _ = spec.replace(dtype="float32").init_weights()
    assert A32.dtype == np.float32 and np.array_equal(A32, F1)  # all 6, not only those the float64 draw rounds to


def test_decay_forms_follow_their_formulas_and_differ_in_the_last_bit():
    lr, decay = 0.05, 1e-2  # (with lr = 1 the two forms coincide)
    for form, formula in (
        ("divide", lambda t: lr / (1 + decay * t)),
        ("multiply", lambda t: lr * (1 / (1 + decay * t))),
    ):
        opt = SGD(lr=lr, decay=decay, decay_form=form)
        rates = []
        for _ in range(101):
            rates.append(opt.current_lr)
            opt.step([(np.zeros(1), np.zeros(1))])
        assert rates == [formula(t) for t in range(101)], form
    differ = sum(lr / (1 + decay * t) != lr * (1 / (1 + decay * t)) for t in range(101))
    assert differ > 0  # the book's printed rates are the multiply form's


@pytest.mark.parametrize("impl", ["torch", "keras"])
@pytest.mark.parametrize("form", ["divide", "multiply"])
def test_frameworks_follow_each_decay_form(impl, form):
    X, y = _spiral(3)
    spec = ModelSpec(
        sizes=(2, 16, 3),
        activations=("relu", "softmax"),
        loss="categorical_crossentropy",
        lr=0.5,
        lr_decay=1e-2,
        lr_decay_form=form,
        convention="keras" if impl == "keras" else "pytorch",
    )
    r = compare(spec, impl, X, y, 300)
    assert r.status == "pass" and r.weights_max_rel < 1e-12, (r.status, r.note, r.loss_step_rel, r.weights_max_rel)


BOOK = {
    # chapter 10: Adam(learning_rate=0.05, decay=5e-7), 2-64-3 on spiral_data(100, 3)
    "ch10-adam-decay": (
        3,
        dict(
            sizes=(2, 64, 3),
            activations=("relu", "softmax"),
            loss="categorical_crossentropy",
            optimizer="adam",
            lr=0.05,
            lr_decay=5e-7,
            eps=1e-7,
            lr_decay_form="multiply",
            init="nnfs",
        ),
    ),
    # chapter 14: L2 5e-4 on the first layer's weights and biases, Adam(0.02, decay=5e-7)
    "ch14-l2-one-layer": (
        3,
        dict(
            sizes=(2, 64, 3),
            activations=("relu", "softmax"),
            loss="categorical_crossentropy",
            optimizer="adam",
            lr=0.02,
            lr_decay=5e-7,
            eps=1e-7,
            lr_decay_form="multiply",
            init="nnfs",
            l2=(5e-4, 0.0),
            l2_bias=(5e-4, 0.0),
        ),
    ),
    # chapter 15: dropout 0.1 after the 512-unit hidden layer, L2 5e-4 on it, Adam(0.05, decay=5e-5)
    "ch15-dropout": (
        3,
        dict(
            sizes=(2, 512, 3),
            activations=("relu", "softmax"),
            loss="categorical_crossentropy",
            dropout=0.1,
            optimizer="adam",
            lr=0.05,
            lr_decay=5e-5,
            eps=1e-7,
            lr_decay_form="multiply",
            init="nnfs",
            l2=(5e-4, 0.0),
            l2_bias=(5e-4, 0.0),
        ),
    ),
    # chapter 16: binary logistic regression, sigmoid then BCE each with its own backward (unfused)
    "ch16-unfused-bce": (
        2,
        dict(
            sizes=(2, 64, 1),
            activations=("relu", "sigmoid"),
            loss="binary_crossentropy",
            fused=False,
            optimizer="adam",
            lr=0.001,
            lr_decay=5e-7,
            eps=1e-7,
            lr_decay_form="multiply",
            init="nnfs",
            l2=(5e-4, 0.0),
            l2_bias=(5e-4, 0.0),
        ),
    ),
}


@pytest.mark.parametrize("impl", ["scratch-unfused-vs-torch", *FRAMEWORKS])
@pytest.mark.parametrize("chapter", list(BOOK), ids=list(BOOK))
def test_book_models_through_build(chapter, impl):
    classes, fields = BOOK[chapter]
    X, y = _spiral(classes)
    if classes == 2:
        y = y.reshape(-1, 1)
    spec = ModelSpec(**fields)
    if impl == "scratch-unfused-vs-torch":  # the scratch network itself trains the book's model
        model = build("scratch", spec)
        losses = model.train(X, y, 50)
        assert np.all(np.isfinite(losses)) and losses[-1] < losses[0]
        return
    r = compare(spec, impl, X, y, 100)
    if r.status == "not expressible":
        # The book's Adam puts eps outside sqrt(v_hat) (PyTorch's form); Keras writes its own,
        # and scikit-learn lacks per-layer L2 on biases and unfused losses.
        assert impl in ("keras", "sklearn"), r.note
        return
    # One step from the same weights: the loss to the last bit; the gradients to the round-off
    # of sums over 300 samples that cancel (the book's 0.01-scale weights make them small).
    assert r.one_step_loss < 1e-15 and r.one_step_grads < 1e-12 and r.one_step_weights < 1e-12, (
        r.one_step_loss,
        r.one_step_grads,
        r.one_step_weights,
    )
    # 100 steps: Adam divides by sqrt(v) and so amplifies that round-off (x2.8 per 100 steps at
    # most here); still far inside 1e-9.
    assert r.loss_max_rel < 1e-9 and r.weights_max_rel < 1e-9, (
        r.loss_max_rel,
        r.weights_max_rel,
        r.growth_per_100_steps,
    )


def test_unfused_loss_clips_like_the_book():
    """Fused and unfused agree while probabilities stay inside [1e-7, 1 - 1e-7]; unfused
    reports the clipped loss beyond it, in every implementation alike."""
    spec = ModelSpec(sizes=(2, 4, 1), activations=("tanh", "sigmoid"), loss="binary_crossentropy", fused=False, lr=0.1)
    weights = [(np.full((2, 4), 5.0), np.zeros(4)), (np.full((4, 1), 9.0), np.zeros(1))]
    X, y = np.array([[2.0, 2.0], [0.0, 0.01]]), np.array([0, 1])
    losses = {impl: build(impl, spec, weights).train(X, y, 1)[0] for impl in ("scratch", "torch", "keras")}
    fused = build("scratch", spec.replace(fused=True), weights).train(X, y, 1)[0]
    assert losses["scratch"] == pytest.approx(
        -np.log(1e-7) / 2 + -np.log(1 / (1 + np.exp(-9 * 4 * np.tanh(0.05)))) / 2, rel=1e-6
    )
    assert fused > losses["scratch"] + 5  # the unclipped loss of p = 1 - 1e-16 at label 0 is ~36 / 2
    assert losses["torch"] == pytest.approx(losses["scratch"], rel=1e-12) and losses["keras"] == pytest.approx(
        losses["scratch"], rel=1e-12
    )


def test_chapter5_untrained_loss_prints_as_the_book(tmp_path):
    """Chapter 5: after nnfs.init(), spiral_data(100, 3), Dense(2, 3), ReLU, Dense(3, 3),
    softmax and cross-entropy print "loss: 1.0986104". nnfs.init() patches NumPy for the
    whole process (float32 randn/zeros, np.dot summed in float64), so the book's run and the
    scratch network's run each happen in a fresh interpreter; the scratch network uses the
    book's initializer on the legacy global stream and float64 accumulation."""
    import subprocess
    import sys

    script = tmp_path / "ch5.py"
    script.write_text(
        "import nnfs, numpy as np\nfrom nnfs.datasets import spiral_data\nnnfs.init()\n"
        "X, y = spiral_data(samples=100, classes=3)\n"
        "from scratch import Dense, ReLU, Softmax, CategoricalCrossEntropy\n"
        "d1 = Dense(2, 3, 'nnfs', rng=None, dtype='float32', accumulate='float64')\n"
        "d2 = Dense(3, 3, 'nnfs', rng=None, dtype='float32', accumulate='float64')\n"
        "out = Softmax().forward(d2.forward(ReLU().forward(d1.forward(X))))\n"
        "loss = np.mean(CategoricalCrossEntropy().forward(out, y))\n"
        "print('loss:', loss, loss.dtype)\n"
    )
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "loss: 1.0986104 float32", proc.stdout


def test_float64_accumulation_is_scratch_only_and_said_so():
    spec = ModelSpec(
        sizes=(2, 3, 3),
        activations=("relu", "softmax"),
        loss="categorical_crossentropy",
        dtype="float32",
        accumulate="float64",
        init="nnfs",
    )
    X, y = _spiral(3)
    assert compare(spec, "torch", X.astype(np.float32), y, 5).note.startswith("float32 products accumulated in float64")
    spec = spec.replace(sizes=(2, 64, 3), lr=1.0)
    a, b = build("scratch", spec), build("scratch", spec.replace(accumulate="native"))
    a.train(X, y, 20), b.train(X, y, 20)
    (Wa, _), _ = a.get_weights()
    (Wb, _), _ = b.get_weights()
    assert Wa.dtype == np.float32 and not np.array_equal(Wa, Wb)  # the two float32 arithmetics differ
