"""Style 12: Andrew Ng's Machine Learning course, ex4 ("Neural Network Learning"), ported to
Python: every parameter unrolled into ONE flat vector.

Sources read (style only, no code copied): public Python ports of ex4 found by
``def nnCostFunction(nn_params,`` (the course's own Python port of the exercises with its
``utils.py`` and ``nn_params = np.concatenate([Theta1.ravel(), Theta2.ravel()])``, and
several students' ports, one of them reshaping with ``order='F'`` as Octave's ``(:)`` does).

Style facts that matter to a validator:
- Each layer is ONE matrix ``Theta`` (out, in + 1) whose FIRST column is the bias: a column
  of ones is prepended to the layer's input (``np.concatenate([np.ones((m, 1)), X], 1)``).
  There is no bias array anywhere.
- All Thetas are unrolled into one 1-d ``nn_params`` (row-major in NumPy ports; Octave's and
  a few ports' column-major); ``nnCostFunction(nn_params, input_layer_size,
  hidden_layer_size, num_labels, X, y, lambda_)`` reshapes them back and returns
  ``(J, grad)`` with ``grad`` unrolled the same way; ``scipy.optimize.minimize(...,
  jac=True)`` or a hand-written gradient descent steps the flat vector.
- Sigmoid in both layers, one sigmoid per class on one-hot rows ``np.eye(num_labels)[y]``:
  J = -(1/m) sum over samples AND classes of the binary cross-entropy (``loss_scale=K``).
- Regularization ``lambda_ / (2 m) * sum(Theta[:, 1:] ** 2)`` skips the bias column; its
  gradient ``(lambda_ / m) * Theta[:, 1:]``: the spec's ``l2 = lambda_ / (2 m)`` on the
  weights, none on the biases. J includes it.
"""

from __future__ import annotations

import numpy as np

from reference_impls import ModelSpec

from ._data import planted, xor

BUGS = {
    "reg_on_bias_column": "Theta1_grad += (lambda_ / m) * Theta1: the bias column regularized in the gradient",
    "theta2_grad_no_1_over_m": "Theta2_grad = Delta2 (its 1/m forgotten; Theta1_grad keeps it)",
    "sigmoid_gradient_of_a2": "delta_2 uses sigmoidGradient(a2) (the activation) where sigmoidGradient takes z2",
    "reg_gradient_over_2m": "the gradient's regularization written lambda_ / (2 m), copied from the cost",
}

EXPECT = {
    "reg_on_bias_column": dict(
        step=1, phase="gradient", tensor="the gradient's layer 0 b", cause="bias regularized", keys=("bias",)
    ),
    "theta2_grad_no_1_over_m": dict(
        step=1, phase="gradient", tensor="the gradient's layer 1 W", cause="1/m missing", keys=("1/m",)
    ),
    "sigmoid_gradient_of_a2": dict(
        step=1, phase="gradient", tensor="the gradient's layer 0 W", cause="derivative on the output", keys=("output",)
    ),
    "reg_gradient_over_2m": dict(
        step=1, phase="gradient", tensor="the gradient's layer 0 W", cause="half the L2 gradient", keys=("l2", "L2")
    ),
}

_bug = None


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoidGradient(z):  # noqa: N802 (the course's name)
    g = sigmoid(z)
    return g * (1 - g)


def randInitializeWeights(L_in, L_out, epsilon_init=0.12):  # noqa: N802, N803
    return np.random.rand(L_out, 1 + L_in) * 2 * epsilon_init - epsilon_init


def nnCostFunction(nn_params, input_layer_size, hidden_layer_size, num_labels, X, y, lambda_=0.0):  # noqa: N802
    Theta1 = np.reshape(nn_params[: hidden_layer_size * (input_layer_size + 1)], (hidden_layer_size, -1))  # noqa: N806
    Theta2 = np.reshape(nn_params[hidden_layer_size * (input_layer_size + 1) :], (num_labels, -1))  # noqa: N806
    m = y.size

    a1 = np.concatenate([np.ones((m, 1)), X], axis=1)
    z2 = a1 @ Theta1.T
    a2 = np.concatenate([np.ones((m, 1)), sigmoid(z2)], axis=1)
    a3 = sigmoid(a2 @ Theta2.T)
    y_matrix = np.eye(num_labels)[y]

    reg = (lambda_ / (2 * m)) * (np.sum(np.square(Theta1[:, 1:])) + np.sum(np.square(Theta2[:, 1:])))
    J = (-1 / m) * np.sum(np.log(a3) * y_matrix + np.log(1 - a3) * (1 - y_matrix)) + reg

    delta_3 = a3 - y_matrix
    slope = sigmoidGradient(a2[:, 1:]) if _bug == "sigmoid_gradient_of_a2" else sigmoidGradient(z2)
    delta_2 = (delta_3 @ Theta2)[:, 1:] * slope
    Delta1, Delta2 = delta_2.T @ a1, delta_3.T @ a2  # noqa: N806

    Theta1_grad = (1 / m) * Delta1  # noqa: N806
    Theta2_grad = Delta2 if _bug == "theta2_grad_no_1_over_m" else (1 / m) * Delta2  # noqa: N806
    c = lambda_ / (2 * m) if _bug == "reg_gradient_over_2m" else lambda_ / m
    if _bug == "reg_on_bias_column":
        Theta1_grad = Theta1_grad + c * Theta1  # noqa: N806
    else:
        Theta1_grad[:, 1:] = Theta1_grad[:, 1:] + c * Theta1[:, 1:]
    Theta2_grad[:, 1:] = Theta2_grad[:, 1:] + c * Theta2[:, 1:]
    return J, np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])


input_layer_size, hidden_layer_size, num_labels = 2, 3, 2
lambda_, alpha, m = 1.0, 1.0, 4
SPEC = ModelSpec(
    sizes=(2, 3, 2),
    activations=("sigmoid", "sigmoid"),
    loss="binary_crossentropy",
    loss_scale=num_labels,
    l2=lambda_ / (2 * m),
    lr=alpha,
)


def make(bug=None):
    global _bug
    _bug = planted(BUGS, bug)
    np.random.seed(4)
    initial_Theta1 = randInitializeWeights(input_layer_size, hidden_layer_size)  # noqa: N806
    initial_Theta2 = randInitializeWeights(hidden_layer_size, num_labels)  # noqa: N806
    return np.concatenate([initial_Theta1.ravel(), initial_Theta2.ravel()])


def glue(bug=None) -> dict:
    initial_nn_params = make(bug)
    X, y = xor()  # data
    step = lambda p, X, y: nnCostFunction(p["nn_params"], 2, 3, 2, X, y, lambda_)
    return dict(step=step, params={"nn_params": initial_nn_params}, spec=SPEC, X=X, y=y, steps=10)
