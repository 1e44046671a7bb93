"""The three ways in, on the seeds' own networks (the worked examples in examples/), spec
inference, the pytest helper, and a user's scratch.py beside their script."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from benchmarks.tasks import spiral
from reference_impls import SpecError, assert_validates, validate
from reference_impls.validation.infer import infer_activation, infer_loss
from reference_impls.validation.verdict import exit_code
from scratch import ACTIVATIONS

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples"))

import nnfs_book_style  # noqa: E402
import seed001_xor  # noqa: E402
import seed003_spiral  # noqa: E402
import seed004_simplenn  # noqa: E402


def test_seed001_arrays_and_functions_pass_500_steps_to_round_off():
    result = validate(**seed001_xor.network(), X=seed001_xor.total_input, y=seed001_xor.y_xor, steps=500)
    assert result.ok, str(result)
    assert result.compared == ("torch", "keras") and result.steps == 500
    assert result.table["deviation"].max() < 1e-13  # float64 round-off over 500 steps
    assert set(result.table.phase) == {"forward", "loss", "update"}
    assert "stored as (out, in)" in " ".join(result.notes)


def test_seed001_gradients_variant():
    """The same network as a function returning (loss, gradients): the update is then the spec's."""

    def grads(params, x, y):
        w1, w2 = params["w1"], params["w2"]
        z1, a1, z2, a2 = seed001_xor.forward_prop(w1, w2, x)
        loss = -np.mean(y * np.log(a2) + (1 - y) * np.log(1 - a2))
        _, dw2, _, dw1 = seed001_xor.back_prop(x.shape[1], w1, w2, z1, a1, z2, a2, y)
        return loss, {"dw1": dw1, "dw2": dw2}

    net = seed001_xor.network()
    result = validate(
        step=grads,
        params=net["params"],
        spec=net["spec"],
        data_layout="columns",
        X=seed001_xor.total_input,
        y=seed001_xor.y_xor,
        steps=300,
    )
    assert result.ok and "gradient" in set(result.table.phase), str(result)
    wrong = validate(
        step=lambda p, x, y: (grads(p, x, y)[0], {k: -v for k, v in grads(p, x, y)[1].items()}),
        params=net["params"],
        spec=net["spec"],
        data_layout="columns",
        X=seed001_xor.total_input,
        y=seed001_xor.y_xor,
        steps=10,
    )
    d = wrong.first_divergence
    assert (d.step, d.phase, d.tensor) == (1, "gradient", "dw1") and "sign" in [f.kind for f in wrong.findings], str(
        wrong
    )


def test_seed003_forward_only_classes():
    np.random.seed(0)
    X, y = spiral(100, 3, 0.2)
    result = validate(**seed003_spiral.forward_only(), X=X, y=y)
    assert result.ok and result.steps == 1, str(result)
    assert set(result.table.phase) == {"forward", "loss"} and len(result.table) == 2 * 5
    assert "forward-only" in " ".join(result.notes)


def test_seed003_trainable_passes_against_every_framework_that_can_express_it():
    np.random.seed(0)
    X, y = spiral(100, 3, 0.2)
    result = validate(**seed003_spiral.trainable(), X=X, y=y, steps=150, against="torch,keras,sklearn")
    assert result.ok and result.compared == ("torch", "keras", "sklearn"), str(result)
    assert result.table["deviation"].max() < 1e-10


def test_seed004_bug_is_named_then_the_fix_is_identified_and_passes():
    X, y = seed004_simplenn.X, seed004_simplenn.y
    bug = validate(**seed004_simplenn.as_printed(), X=X, y=y, steps=500)
    assert not bug.ok and "SimpleNN.backward raised AttributeError at step 1" in bug.error
    assert bug.failure.kind == "raised" and exit_code(bug) == 3  # the user's code failed to run
    assert "reads self.output_layer_output, which SimpleNN.forward never sets" in bug.diagnosis[0]
    assert "seed004_simplenn.py:" in bug.error and "output_error = y - self.output_layer_output" in bug.error

    fixed = validate(**seed004_simplenn.fixed(), X=X, y=y, steps=500)
    assert not fixed.ok and (fixed.first_divergence.step, fixed.first_divergence.phase) == (1, "update"), str(fixed)
    assert "1/2 * sum over samples of (y - y_hat)^2" in fixed.diagnosis[0]
    assert fixed.suggested_spec == seed004_simplenn.SPEC.replace(loss_reduction="sum", loss_scale=0.5)

    half = validate(**seed004_simplenn.fixed_half_sum(), X=X, y=y, steps=500)
    assert half.ok and half.compared == ("torch", "keras"), str(half)
    assert half.table["deviation"].max() < 1e-12


def test_nnfs_book_style_inferred_and_validated():
    from nnfs.datasets import spiral_data  # the nnfs package is a test dependency (pyproject's [test])

    np.random.seed(0)
    X, y = spiral_data(samples=100, classes=3)
    result = validate(**nnfs_book_style.network(), X=X, y=y, steps=500)
    spec = result.spec
    assert (spec.sizes, spec.activations, spec.loss) == ((2, 64, 3), ("relu", "softmax"), "categorical_crossentropy")
    assert (spec.optimizer, spec.lr, spec.lr_decay, spec.momentum, spec.convention) == ("sgd", 1.0, 1e-3, 0.9, "keras")
    assert result.ok and result.compared == ("keras",), str(result)
    assert "keras form of sgd" in result.not_expressible["torch"]
    # Without decay the two momentum forms agree, and torch takes part.
    plain = validate(**nnfs_book_style.network(decay=0.0), X=X, y=y, steps=200)
    assert plain.ok and plain.compared == ("torch", "keras"), str(plain)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_inferred_by_probing(name):
    """Every entry of scratch's table is recognised, its parameters (the leaky slope) read back."""
    from scratch import get_activation

    act = get_activation(name, alpha=0.2) if name == "leaky_relu" else get_activation(name)
    found = infer_activation(act, 4, "float64")
    assert found.name == name and (name != "leaky_relu" or found.alpha == pytest.approx(0.2))


@pytest.mark.parametrize(
    "reduction,scale", [("mean", 1.0), ("sum", 0.5), ("sum", 1.0)], ids=["mean", "half-sum", "sum"]
)
def test_loss_inferred_by_probing(reduction, scale):
    class SquaredError:  # a user's loss written with that convention
        def calculate(self, out, y):
            total = np.sum((out - y) ** 2) if reduction == "sum" else np.mean((out - y) ** 2)
            return scale * total

    y = np.random.default_rng(0).uniform(size=(7, 1))
    assert infer_loss(SquaredError(), ("linear",), 1, y, "float64") == ("linear", "mse", reduction, scale)


@pytest.mark.parametrize("name", ["SoftmaxCE", "CostFn", "Activation_Softmax_Loss_CategoricalCrossentropy"])
def test_fused_loss_and_optimizer_are_recognised_by_what_they_do_not_their_names(name):
    """The NNFS book's network (fused softmax + cross-entropy, Adam) with its loss and
    optimizer classes renamed: the output activation, the loss and the optimizer are probed,
    never read off a class name."""
    from tests.styles import style_nnfs

    net = style_nnfs.glue()
    net["loss"].__class__ = type(name, (type(net["loss"]),), {})
    net["optimizer"].__class__ = type("Opt", (type(net["optimizer"]),), {})
    result = validate(**{**net, "steps": 5}, against=("torch",))
    assert result.ok, str(result)
    assert (result.spec.activations[-1], result.spec.loss, result.spec.optimizer) == (
        "softmax",
        "categorical_crossentropy",
        "adam",
    )


def test_unknown_activation_says_to_pass_a_spec():
    class Swish:
        def forward(self, x):
            self.output = x / (1 + np.exp(-x))

    with pytest.raises(SpecError, match="pass spec="):
        infer_activation(Swish(), 3, "float64")


def test_assert_validates_message_prints_ours_next_to_theirs():
    net = seed004_simplenn.fixed()
    with pytest.raises(AssertionError) as info:
        assert_validates(**net, X=seed004_simplenn.X, y=seed004_simplenn.y, steps=20)
    text = str(info.value)
    assert "first divergence: step 1, update, weights_input_hidden" in text and "ours " in text and "theirs " in text
    assert assert_validates(
        **seed004_simplenn.fixed_half_sum(), X=seed004_simplenn.X, y=seed004_simplenn.y, steps=20
    ).ok


def test_bad_arguments_are_one_line_spec_errors():
    X, y = seed004_simplenn.X, seed004_simplenn.y
    with pytest.raises(SpecError, match="give exactly one of"):
        validate(X=X, y=y)
    with pytest.raises(SpecError, match="needs spec=ModelSpec"):
        validate(model=seed004_simplenn.SimpleNNFixed(2, 2, 1), X=X, y=y)
    with pytest.raises(SpecError, match="unknown implementation 'tensorflow'"):
        validate(**seed004_simplenn.fixed(), X=X, y=y, against=["tensorflow"])
    with pytest.raises(SpecError, match="X has shape"):
        validate(**seed004_simplenn.fixed(), X=np.zeros((4, 3)), y=y)
    spec = seed004_simplenn.SPEC.replace(sizes=(2, 3, 1))
    with pytest.raises(SpecError, match=r"no array of shape \(2, 3\)"):
        validate(model=seed004_simplenn.SimpleNNFixed(2, 2, 1), spec=spec, X=X, y=y)


@pytest.mark.parametrize("order", ["theirs-first", "ours-first"])
def test_a_user_scratch_py_beside_the_script_breaks_nothing(tmp_path, order):
    (tmp_path / "scratch.py").write_text(
        "import numpy as np\nclass Layer_Dense:\n    def __init__(self, i, o):\n"
        "        self.weights = 0.1 * np.random.randn(i, o); self.biases = np.zeros((1, o))\n"
        "    def forward(self, x):\n        self.output = x @ self.weights + self.biases\n"
    )
    (tmp_path / "benchmarks.py").write_text(
        "raise ImportError('the user benchmarks.py was imported by scratchbench')\n"
    )
    imports = ["from scratch import Layer_Dense", "from reference_impls import validate"]
    body = textwrap.dedent("""
        import numpy as np
        {0}
        {1}
        class Sigmoid:
            def forward(self, x):
                self.output = 1 / (1 + np.exp(-x))
        class MSE:
            def calculate(self, out, y):
                return np.mean((out - y) ** 2)
        np.random.seed(0)
        X, y = np.random.randn(6, 2), np.random.rand(6, 1)
        layers = [Layer_Dense(2, 3), Sigmoid(), Layer_Dense(3, 1), Sigmoid()]
        r = validate(layers=layers, loss=MSE(), X=X, y=y, against="torch")
        import scratch
        print("RESULT", r.ok, hasattr(scratch, "Layer_Dense"))
    """).format(*(imports if order == "theirs-first" else imports[::-1]))
    (tmp_path / "mynet.py").write_text(body)
    proc = subprocess.run([sys.executable, "mynet.py"], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "RESULT True True" in proc.stdout, proc.stdout + proc.stderr[-2000:]


def test_book_style_l2_on_one_layer_is_inferred_and_validated():
    """The book's chapter 14: weight_regularizer_l2 / bias_regularizer_l2 on the first layer,
    whose backward adds 2 * l2 * w to dweights; read off the layers and checked per step."""
    from nnfs.datasets import spiral_data

    class RegularizedDense(nnfs_book_style.Layer_Dense):
        def __init__(self, n_in, n_out, weight_regularizer_l2=0.0, bias_regularizer_l2=0.0):
            super().__init__(n_in, n_out)
            self.weight_regularizer_l2, self.bias_regularizer_l2 = weight_regularizer_l2, bias_regularizer_l2

        def backward(self, dvalues):
            super().backward(dvalues)
            self.dweights += 2 * self.weight_regularizer_l2 * self.weights
            self.dbiases += 2 * self.bias_regularizer_l2 * self.biases

    np.random.seed(0)
    X, y = spiral_data(samples=100, classes=3)
    net = nnfs_book_style.network(decay=0.0)
    net["layers"][0] = RegularizedDense(2, 64, 5e-4, 5e-4)
    net["layers"][0].weights = 0.01 * np.random.default_rng(0).normal(size=(2, 64))
    result = validate(**net, X=X, y=y, steps=200)
    assert result.spec.l2 == (5e-4, 0.0) and result.spec.l2_bias == (5e-4, 0.0), result.spec
    assert result.ok and result.compared == ("torch", "keras"), str(result)
    assert "gradient" in set(result.table.phase)
