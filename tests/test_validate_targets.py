"""What ``FILE.py:NAME`` names, judged before any step: a NAME that gives no network, or needs
arguments, is bad input (one line, exit 2, saying what it gave and what to give); a file or
NAME() that raises, whatever it raises (a KeyboardInterrupt or a BaseException of the
user's own too), is the user's code failing (exit 3), named at their line."""

from __future__ import annotations

import textwrap

import pytest

from benchmarks.harness.validate import LoadError, UserCodeRaised, load_target, network_arguments

GIVES = {
    # target body -> words of the one line
    "def network():\n    return None\n": "network() gave None; return a dict of validate's arguments",
    "def network():\n    return 'net'\n": "network() gave a str;",
    "def network():\n    return [1, 2]\n": "network() gave a list of 2;",
    "network = 3\n": "network gave a int;",
    "def network(seed):\n    return None\n": "network takes seed without defaults, and validate calls it with no arguments",
    "class network:\n    def __init__(self, sizes, lr):\n        pass\n": "network takes sizes, lr without defaults",
}


def _load(tmp_path, body: str) -> dict:
    path = tmp_path / "net.py"
    path.write_text(textwrap.dedent(body))
    obj, module, _ = load_target(f"{path}:network")
    return network_arguments(obj, module, None, "network")


@pytest.mark.parametrize("body", list(GIVES), ids=["none", "str", "list", "int", "needs-seed", "class-needs-args"])
def test_a_name_that_gives_no_network_is_one_line_of_bad_input(tmp_path, body):
    with pytest.raises(LoadError) as caught:
        _load(tmp_path, body)
    assert not isinstance(caught.value, UserCodeRaised), "bad input, not the user's code failing"
    assert GIVES[body] in str(caught.value), str(caught.value)
    assert "\n" not in str(caught.value)


RAISES = {
    "interrupt-in-network": (
        "def network():\n    raise KeyboardInterrupt\n",
        "calling network() raised KeyboardInterrupt",
    ),
    "own-base-exception-at-import": (
        "class Stop(BaseException):\n    pass\n\nraise Stop('early')\n",
        "raised Stop: early (net.py:4)",
    ),
}


@pytest.mark.parametrize("name", list(RAISES))
def test_whatever_the_users_code_raises_is_their_code_failing(tmp_path, name):
    body, words = RAISES[name]
    with pytest.raises(UserCodeRaised, match=None) as caught:
        _load(tmp_path, body)
    assert words in str(caught.value), str(caught.value)


def test_a_scripts_global_array_is_one_line_asking_for_the_loops_body(tmp_path):
    """iamtrask-style: weights as globals, the loop already run at import."""
    path = tmp_path / "net.py"
    path.write_text("import numpy as np\nsyn0 = np.zeros((3, 4))\nfor _ in range(3):\n    syn0 += 1\n")
    obj, module, _ = load_target(f"{path}:syn0")
    with pytest.raises(LoadError, match=r"syn0 is an array of the file itself: .*def step\(params, X, y\)"):
        network_arguments(obj, module, None, "syn0")


def test_a_network_object_fed_forward_under_another_name_is_taken_as_the_model(tmp_path):
    """James Loy's NeuralNetwork(x, y): feedforward()/backprop(), the data held by the object."""
    kwargs = _load(
        tmp_path,
        """
        import numpy as np
        from reference_impls import ModelSpec

        SPEC = ModelSpec(sizes=(3, 4, 1), activations=("sigmoid", "sigmoid"), loss="mse", use_bias=False)

        class NeuralNetwork:
            def __init__(self, x, y):
                self.input, self.y = x, y
                self.weights1 = np.zeros((x.shape[1], 4))

            def feedforward(self):
                pass

            def backprop(self):
                pass

        def network():
            return NeuralNetwork(np.zeros((4, 3)), np.zeros((4, 1)))
        """,
    )
    assert type(kwargs["model"]).__name__ == "NeuralNetwork"


def test_a_network_object_that_only_trains_is_taken_as_the_model(tmp_path):
    """An object with a training call and no forward (Rashid's train/query) is the network."""
    kwargs = _load(
        tmp_path,
        """
        import numpy as np
        from reference_impls import ModelSpec

        SPEC = ModelSpec(sizes=(2, 3, 2), activations=("sigmoid", "sigmoid"), loss="mse", use_bias=False)

        class Net:
            def __init__(self):
                self.wih = np.zeros((3, 2))

            def train(self, inputs_list, targets_list):
                pass

        def network():
            return Net()
        """,
    )
    assert type(kwargs["model"]).__name__ == "Net" and kwargs["spec"].sizes == (2, 3, 2)
