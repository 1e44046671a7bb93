"""Style 11: Sebastian Raschka's ``NeuralNetMLP`` ("Machine Learning with PyTorch and
Scikit-Learn", ch. 11, the NumPy MLP that followed "Python Machine Learning"'s).

Sources read (style only, no code copied): public copies of the chapter's code found by
its gradient names (``d_loss__d_w_h``): the ``NeuralNetMLP`` class with ``forward`` and
``backward``, ``int_to_onehot``, ``minibatch_generator`` and the ``train`` function, and
readers' two-hidden-layer variants of it.

Style facts that matter to a validator:
- ``weight_h`` (hidden, features) and ``weight_out`` (classes, hidden): (out, in), drawn
  from ``RandomState(seed).normal(0, 0.1)``; ``bias_h``, ``bias_out`` zeros of (out,).
  The forward pass multiplies by ``weight.T``; sigmoid in both layers.
- ``forward(x)`` returns ``(a_h, a_out)``; ``backward(x, a_h, a_out, y)`` takes the integer
  labels, one-hots them inside and RETURNS the four gradients (output layer first); it
  updates nothing. The update lines ``model.weight_h -= learning_rate * d_loss__d_w_h`` live
  in a module-level ``train(model, X_train, y_train, X_valid, y_valid, num_epochs,
  learning_rate)`` that loops epochs and shuffled minibatches (``minibatch_generator``,
  global ``np.random``) and evaluates both sets each epoch.
- ``d_loss__d_a_out = 2 (a_out - y_onehot) / n``: divided by the batch rows only, while
  the printed loss ``np.mean((onehot - probas) ** 2)`` also averages over the classes: the
  gradient is that of k x the printed MSE (``loss_scale=k``).
- With a minibatch the size of the data each epoch is one full-batch step (the shuffle only
  reorders rows).
- The first edition's ``NeuralNetMLP`` (``w_h``, ``b_h``, ``w_out``, ``b_out`` in (in, out),
  ``fit`` with the minibatch loop inside, a summed cross-entropy cost and ``l2 * W`` in the
  update) is the same black box with other names.
"""

from __future__ import annotations

import numpy as np

from reference_impls import ModelSpec

from ._data import planted, xor

BUGS = {
    "grad_through_d_a_out": "d_loss__a_h = d_loss__d_a_out @ weight_out: the output sigmoid's derivative skipped on the way back",
    "bias_h_mean": "d_loss__d_b_h = np.mean(delta_h, axis=0) where the weights' gradient sums",
    "derivative_sigmoid_again": "d_a_h__d_z_h = sigmoid(a_h) * (1 - sigmoid(a_h)): the derivative of the output, not of z_h",
    "out_update_sign": "model.weight_out += learning_rate * d_loss__d_w_out (the other three lines right)",
}

EXPECT = {
    "grad_through_d_a_out": dict(
        step=1, phase="update", tensor="weight_h", cause="errors sent back before the derivative", keys=("before",)
    ),
    "bias_h_mean": dict(step=1, phase="update", tensor="bias_h", cause="1/n on the bias gradient", keys=("bias",)),
    "derivative_sigmoid_again": dict(
        step=1, phase="update", tensor="weight_h", cause="derivative on the output", keys=("on its output",)
    ),
    "out_update_sign": dict(step=1, phase="update", tensor="weight_out", cause="sign", keys=("sign", "uphill")),
}

_bug = None
minibatch_size = 4  # the chapter uses 100 on MNIST; here the whole XOR set is one minibatch


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def int_to_onehot(y, num_labels):
    ary = np.zeros((y.shape[0], num_labels))
    ary[np.arange(y.shape[0]), y] = 1
    return ary


class NeuralNetMLP:
    def __init__(self, num_features, num_hidden, num_classes, random_seed=123):
        self.num_classes = num_classes
        rng = np.random.RandomState(random_seed)
        self.weight_h = rng.normal(loc=0.0, scale=0.1, size=(num_hidden, num_features))
        self.bias_h = np.zeros(num_hidden)
        self.weight_out = rng.normal(loc=0.0, scale=0.1, size=(num_classes, num_hidden))
        self.bias_out = np.zeros(num_classes)

    def forward(self, x):
        a_h = sigmoid(np.dot(x, self.weight_h.T) + self.bias_h)
        a_out = sigmoid(np.dot(a_h, self.weight_out.T) + self.bias_out)
        return a_h, a_out

    def backward(self, x, a_h, a_out, y):
        y_onehot = int_to_onehot(y, self.num_classes)
        d_loss__d_a_out = 2.0 * (a_out - y_onehot) / y.shape[0]
        delta_out = d_loss__d_a_out * a_out * (1.0 - a_out)
        d_loss__dw_out = np.dot(delta_out.T, a_h)
        d_loss__db_out = np.sum(delta_out, axis=0)
        sent_back = d_loss__d_a_out if _bug == "grad_through_d_a_out" else delta_out
        d_loss__a_h = np.dot(sent_back, self.weight_out)
        if _bug == "derivative_sigmoid_again":
            d_a_h__d_z_h = sigmoid(a_h) * (1.0 - sigmoid(a_h))
        else:
            d_a_h__d_z_h = a_h * (1.0 - a_h)
        delta_h = d_loss__a_h * d_a_h__d_z_h
        d_loss__d_w_h = np.dot(delta_h.T, x)
        d_loss__d_b_h = np.mean(delta_h, axis=0) if _bug == "bias_h_mean" else np.sum(delta_h, axis=0)
        return d_loss__dw_out, d_loss__db_out, d_loss__d_w_h, d_loss__d_b_h


def minibatch_generator(X, y, minibatch_size):
    indices = np.arange(X.shape[0])
    np.random.shuffle(indices)
    for start_idx in range(0, indices.shape[0] - minibatch_size + 1, minibatch_size):
        batch_idx = indices[start_idx : start_idx + minibatch_size]
        yield X[batch_idx], y[batch_idx]


def compute_mse_and_acc(nnet, X, y, num_labels=2):
    _, probas = nnet.forward(X)
    mse = np.mean((int_to_onehot(y, num_labels) - probas) ** 2)
    return mse, np.mean(np.argmax(probas, axis=1) == y)


def train(model, X_train, y_train, X_valid, y_valid, num_epochs, learning_rate=0.1):
    epoch_loss = []
    for _ in range(num_epochs):
        for X_train_mini, y_train_mini in minibatch_generator(X_train, y_train, minibatch_size):
            a_h, a_out = model.forward(X_train_mini)
            d_loss__d_w_out, d_loss__d_b_out, d_loss__d_w_h, d_loss__d_b_h = model.backward(
                X_train_mini, a_h, a_out, y_train_mini
            )
            model.weight_h -= learning_rate * d_loss__d_w_h
            model.bias_h -= learning_rate * d_loss__d_b_h
            if _bug == "out_update_sign":
                model.weight_out += learning_rate * d_loss__d_w_out
            else:
                model.weight_out -= learning_rate * d_loss__d_w_out
            model.bias_out -= learning_rate * d_loss__d_b_out
        train_mse, _ = compute_mse_and_acc(model, X_train, y_train)
        compute_mse_and_acc(model, X_valid, y_valid)
        epoch_loss.append(train_mse)
    return epoch_loss


LEARNING_RATE = 0.5
SPEC = ModelSpec(
    sizes=(2, 3, 2), activations=("sigmoid", "sigmoid"), loss="mse", loss_scale=2, lr=LEARNING_RATE, seed=0
)


def make(bug=None):
    global _bug
    _bug = planted(BUGS, bug)
    return NeuralNetMLP(num_features=2, num_hidden=3, num_classes=2, random_seed=123)


def glue(bug=None) -> dict:
    model = make(bug)
    X, y = xor()  # data
    step = lambda m, X, y: train(m, X, y, X, y, num_epochs=1, learning_rate=LEARNING_RATE)
    return dict(model=model, step=step, spec=SPEC, X=X, y=y, steps=10)
