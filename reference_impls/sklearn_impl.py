"""scikit-learn: ``MLPClassifier`` / ``MLPRegressor`` driven so they take the spec's steps.

How it is driven: one ``partial_fit`` call per step, on exactly that step's batch, with
``batch_size`` equal to the batch, ``shuffle=False``, ``alpha`` from the spec's
weights-only ``l2`` (0 without),
``early_stopping=False``, ``learning_rate="constant"``, and momentum, Nesterov and Adam's
constants copied from the spec. ``partial_fit`` initialises the network on its first call,
so the adapter makes that call on a throwaway batch, then overwrites the weights with the
spec's and discards the optimizer state: the first counted step starts from the same
state as every other implementation.

sklearn's loss definitions differ, so its hyperparameters are rescaled (exactly):
- ``squared_error`` is ``1/2 mean (y - p)^2`` and its gradient is ``(p - y) / n`` (not
  divided by the k outputs): c = k / 2 times the spec's mse gradient.
- ``log_loss`` (softmax) and ``binary_log_loss`` (one sigmoid) equal the spec's: c = 1.
- ``binary_log_loss`` on k independent sigmoids (multi-label ``MLPClassifier``, fitted on
  an ``(n, k)`` 0/1 indicator matrix) sums over the k outputs where the spec averages:
  its loss and gradient are c = k times the spec's.
A gradient scaled by c is the spec's step when SGD's ``learning_rate_init = lr / c``
(momentum too, the update is linear in lr * g) and Adam's ``epsilon = c * eps`` (Adam is
scale-free but for eps). Reported losses are converted back (mse: twice sklearn's).
The spec's ``loss_reduction`` and ``loss_scale`` multiply the mean gradient by
``spec.loss_factor(n)``, which depends on the batch size for "sum": c, and so lr or eps, is
set again whenever the batch size changes (the last short batch of an epoch).
Its optimizers follow the Keras forms (``spec.convention == "keras"``); probabilities
are clipped at machine epsilon in the reported loss only (the gradient is ``p - y``).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Iterator

import numpy as np
import sklearn
from sklearn.neural_network import MLPClassifier, MLPRegressor

from .base import AdapterFacts, Implementation, Presentation
from .spec import ModelSpec, Weights

ACTIVATIONS = {"linear": "identity", "sigmoid": "logistic", "tanh": "tanh", "relu": "relu"}


def gradient_scale(spec: ModelSpec, n_samples: int) -> float:
    """c in ``sklearn's gradient = c * the spec's gradient`` on a batch of ``n_samples``."""
    k = spec.sizes[-1]
    per_output = {"mse": k / 2, "binary_crossentropy": k}.get(spec.loss, 1.0)
    return per_output / spec.loss_factor(n_samples)


# The loss picks MLP's output unit (softmax, logistic, identity): what the spec may name.
LOSSES = {"categorical_crossentropy": "softmax", "binary_crossentropy": "logistic", "mse": "identity"}
SOLVERS = {"sgd": "sgd", "adam": "adam"}


class SklearnImplementation(Implementation):
    facts = AdapterFacts(
        name="sklearn",
        display_name="scikit-learn",
        import_module="sklearn",
        activations=frozenset(ACTIVATIONS) | {"softmax"},  # softmax: MLPClassifier's own output
        losses=frozenset(LOSSES),
        optimizers=frozenset(SOLVERS),
        distributions={"sklearn": ("scikit-learn",)},
        conventions=("keras",),
        modes={
            "harness": "MLPClassifier/MLPRegressor.partial_fit on each batch (scikit-learn's own incremental step)",
            "backprop": "the loop body partial_fit runs for one batch: its _backprop and optimizer update_params, "
            "without re-validating and re-binarizing the labels (private API; bit for bit partial_fit)",
        },
        exact_modes=frozenset({"harness", "backprop"}),
        check_mode="backprop",
    )

    @classmethod
    def unsupported(cls, spec: ModelSpec) -> Iterator[str]:
        yield from super().unsupported(spec)
        hidden = sorted(set(spec.hidden_activations))
        if len(hidden) > 1:
            yield f"mixed hidden activations {', '.join(hidden)} (one activation serves every hidden layer)"
        elif hidden and hidden[0] not in ACTIVATIONS:
            yield f"the {hidden[0]} hidden activation (identity, logistic, tanh and relu exist)"
        if spec.loss == "mse" and spec.output_activation != "linear":
            yield f"mse on a {spec.output_activation} output (MLPRegressor's output is linear)"
        # Each reason says whether scikit-learn lacks the feature or only this adapter does.
        if spec.loss == "categorical_crossentropy" and spec.sizes[-1] == 2:
            yield (
                "a 2-unit softmax output (scikit-learn lacks it: MLPClassifier uses one logistic unit for two classes)"
            )
        if not spec.use_bias:
            yield "layers without biases (scikit-learn lacks it: MLP layers always have intercepts)"
        if spec.weight_decay:
            yield "L2 on biases (scikit-learn lacks it: alpha penalises weights only; use l2 for weights-only L2)"
        if spec.lr_decay:
            yield "inverse-time learning-rate decay (scikit-learn lacks it: invscaling is lr / t^power_t, per epoch)"
        l2 = {spec.penalties(i)[1] for i in range(len(spec.sizes) - 1)}
        if any(spec.penalties(i)[0] for i in range(len(spec.sizes) - 1)):
            yield "L1 penalties (scikit-learn lacks them: alpha is L2)"
        if any(spec.penalties(i)[2] or spec.penalties(i)[3] for i in range(len(spec.sizes) - 1)):
            yield "penalties on biases (scikit-learn lacks them: alpha penalises weights only)"
        if spec.has_dropout:
            yield "dropout (scikit-learn lacks it: MLP has no dropout)"
        if not spec.fused and spec.loss != "mse":
            yield (
                "cross-entropy on clipped probabilities (scikit-learn lacks it: its log-loss gradient is always p - y)"
            )
        if len(l2) > 1:
            yield "different L2 per layer (scikit-learn lacks it: one alpha for every layer)"

    def _use_mode(self, mode: str) -> None:
        self._lean = mode == "backprop"

    def _build(self) -> None:
        spec = self.spec
        self.c, self.n_seen = gradient_scale(spec, 1), None
        common = dict(
            hidden_layer_sizes=spec.sizes[1:-1],
            activation=ACTIVATIONS[spec.hidden_activations[0]] if spec.hidden_activations else "identity",
            solver=SOLVERS[spec.optimizer],
            alpha=0.0,
            learning_rate="constant",
            learning_rate_init=float(spec.lr) / self.c if spec.optimizer == "sgd" else float(spec.lr),
            momentum=spec.momentum,
            nesterovs_momentum=spec.nesterov,
            beta_1=spec.beta1,
            beta_2=spec.beta2,
            epsilon=spec.eps * self.c,
            shuffle=False,
            early_stopping=False,
            max_iter=1,
            tol=0.0,
            n_iter_no_change=2**31 - 1,
            random_state=0,
        )
        self.classifier = spec.loss != "mse"
        self.multilabel = spec.loss == "binary_crossentropy" and spec.sizes[-1] > 1
        self.est = MLPClassifier(**common) if self.classifier else MLPRegressor(**common)
        self.n_classes = max(spec.sizes[-1], 2)
        # Throwaway first call: partial_fit initialises on its first call. A multi-label
        # network is told so by an indicator matrix holding both values in every column.
        X0 = np.zeros((self.n_classes, spec.sizes[0]), dtype=self.dtype)
        if self.multilabel:
            y0 = np.zeros((self.n_classes, spec.sizes[-1]), dtype=np.int64)
            y0[1::2] = 1
            self.est.partial_fit(X0, y0, classes=np.arange(self.n_classes))
        elif self.classifier:
            self.est.partial_fit(X0, np.arange(self.n_classes), classes=np.arange(self.n_classes))
        else:
            y0 = np.zeros((self.n_classes, spec.sizes[-1]), dtype=self.dtype)
            self.est.partial_fit(X0, y0[:, 0] if spec.sizes[-1] == 1 else y0)

    def set_weights(self, weights: Weights) -> None:
        est = self.est
        est.coefs_ = [np.array(W, dtype=self.dtype) for W, _ in weights]
        est.intercepts_ = [np.array(b, dtype=self.dtype) for _, b in weights]
        # A fresh optimizer (zero momentum / moments, t = 0) at the next partial_fit.
        if hasattr(est, "_optimizer"):
            del est._optimizer
        est.t_, est.loss_curve_, est.best_loss_, est._no_improvement_count = 0, [], np.inf, 0

    def load_weights(self, weights: Weights) -> None:
        """In place: sklearn's optimizer holds the very arrays, and its state stays."""
        for W0, b0, (W, b) in zip(self.est.coefs_, self.est.intercepts_, weights):
            W0[...], b0[...] = W, b

    def get_weights(self) -> Weights:
        return [(W.copy(), b.copy()) for W, b in zip(self.est.coefs_, self.est.intercepts_)]

    def _rescale(self, n_samples: int) -> None:
        """Set lr (SGD) or eps (Adam), and alpha, for a batch of ``n_samples``: see the
        module notes. sklearn's L2 gradient is alpha W / n before our division by c, so the
        spec's 2 l2 W needs alpha = 2 l2 n c."""
        if n_samples == self.n_seen:
            return
        self.n_seen = n_samples
        c = self.c = gradient_scale(self.spec, n_samples)
        opt = getattr(self.est, "_optimizer", None)
        self.est.alpha = 2 * self.spec.penalties(0)[1] * n_samples * c
        if self.spec.optimizer == "sgd":
            self.est.learning_rate_init = float(self.spec.lr) / c
            if opt is not None:
                opt.learning_rate = self.est.learning_rate_init
        else:
            self.est.epsilon = self.spec.eps * c
            if opt is not None:
                opt.epsilon = self.est.epsilon

    def _alpha_penalty(self, n_samples: int) -> float:
        """The L2 term sklearn adds to its reported loss, at the current weights."""
        if not self.est.alpha:
            return 0.0
        return 0.5 * self.est.alpha * sum(float(np.square(W).sum()) for W in self.est.coefs_) / n_samples

    def _native(self, X, y):
        return X, (y if self.classifier else y.reshape(len(y), -1))

    def _reported(self, sklearn_loss: float, n_samples: int) -> float:
        """sklearn's loss in the spec's definition."""
        mean = (
            2.0 * sklearn_loss
            if self.spec.loss == "mse"
            else sklearn_loss / self.spec.sizes[-1]
            if self.multilabel
            else sklearn_loss
        )
        return mean * self.spec.loss_factor(n_samples)

    _lean = False

    def _step(self, X, y) -> float:
        self.est.batch_size = len(X)
        self._rescale(len(X))
        before = self._alpha_penalty(len(X))  # sklearn's loss_ is computed before its update
        if self._lean:
            return self._reported(self._backprop_step(X, y) - before, len(X))
        # Its classes were given at the throwaway first call, so none are passed again (sklearn
        # would re-derive and compare them each step); the step's arguments are the adapter's
        # own, already checked arrays, so sklearn's parameter and finiteness checks are skipped
        # (its documented config_context switches): about a third of a gate step's time.
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            if self.classifier:
                self.est.partial_fit(X, y)
            else:
                self.est.partial_fit(X, y[:, 0] if y.shape[1] == 1 else y)
        return self._reported(float(self.est.loss_) - before, len(X))

    def _targets(self, y: np.ndarray) -> np.ndarray:
        """What partial_fit trains on: labels as its LabelBinarizer's 0/1 matrix (as bool,
        like sklearn; one column for two classes), regression targets as ``(n, k)``."""
        if not self.classifier:
            return y
        if self.multilabel:
            return y.astype(bool)
        classes = self.est.classes_
        return (y[:, None] == classes[1:]) if len(classes) == 2 else (y[:, None] == classes)

    def _backprop_step(self, X: np.ndarray, y: np.ndarray) -> float:
        """One ``partial_fit`` on a batch as sklearn's ``_fit_stochastic`` takes it (one
        epoch of one batch): ``_backprop``, ``update_params``, the epoch's bookkeeping and
        ``_fit``'s finiteness check; returns sklearn's ``loss_``, computed as it does."""
        from sklearn.neural_network._stochastic_optimizers import AdamOptimizer, SGDOptimizer

        est, n = self.est, len(X)
        params = est.coefs_ + est.intercepts_
        if not hasattr(est, "_optimizer"):  # as partial_fit creates it after set_weights
            est._optimizer = (
                SGDOptimizer(
                    params, est.learning_rate_init, est.learning_rate, est.momentum, est.nesterovs_momentum, est.power_t
                )
                if est.solver == "sgd"
                else AdamOptimizer(params, est.learning_rate_init, est.beta_1, est.beta_2, est.epsilon)
            )
        layers = len(self.spec.sizes)
        activations, deltas = [X] + [None] * (layers - 1), [None] * (layers - 1)
        coef_grads = [np.empty_like(W) for W in est.coefs_]
        intercept_grads = [np.empty_like(b) for b in est.intercepts_]
        args = (X, self._targets(y), None) if self._backprop_weights else (X, self._targets(y))
        batch_loss, coef_grads, intercept_grads = est._backprop(*args, activations, deltas, coef_grads, intercept_grads)
        accumulated = 0.0
        accumulated += batch_loss * n  # the epoch's running sum, then its mean: as sklearn rounds it
        est._optimizer.update_params(params, coef_grads + intercept_grads)
        est.n_iter_, est.loss_ = 1, accumulated / n
        est.t_ += n
        est.loss_curve_.append(est.loss_)
        est._update_no_improvement_count(False, None, None, None)
        est._optimizer.iteration_ends(est.t_)
        if not all(np.isfinite(w).all() for w in params):
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may contain large values and need to "
                "be preprocessed."
            )
        return float(est.loss_)

    @functools.cached_property
    def _backprop_weights(self) -> bool:
        """Whether this scikit-learn's ``_backprop`` takes ``sample_weight`` (1.6 on)."""
        return "sample_weight" in inspect.signature(self.est._backprop).parameters

    def _proba(self, X: np.ndarray) -> np.ndarray:
        if not self.classifier:
            return self.est.predict(X).reshape(len(X), -1)
        proba = self.est.predict_proba(X)
        return proba[:, 1:] if self.spec.sizes[-1] == 1 else proba  # binary: columns are (1 - p, p)

    def gradients(self, X, y):
        """sklearn's own back-propagation (the private ``_backprop`` that ``partial_fit``
        calls), converted to the spec's loss definition."""
        X, y = self._native(*self.check_data(X, y))
        est = self.est
        self._rescale(len(X))
        target = est._label_binarizer.transform(y).astype(self.dtype) if self.classifier else y
        n_layers = len(self.spec.sizes)
        activations = [X] + [None] * (n_layers - 1)
        deltas = [None] * (n_layers - 1)
        coef_grads = [np.empty_like(W) for W in est.coefs_]
        intercept_grads = [np.empty_like(b) for b in est.intercepts_]
        args = [X, target, None] if self._backprop_weights else [X, target]
        loss, coef_grads, intercept_grads = est._backprop(*args, activations, deltas, coef_grads, intercept_grads)
        return self._reported(float(loss) - self._alpha_penalty(len(X)), len(X)), [
            (dW / self.c, db / self.c) for dW, db in zip(coef_grads, intercept_grads)
        ]

    def layer_outputs(self, X: np.ndarray) -> list[np.ndarray]:
        """sklearn's own forward pass gives each layer's activation; the pre-activations
        it never keeps are ``None`` (its last entry is the output activation)."""
        est = self.est
        activations = [np.asarray(X, self.dtype)] + [None] * (len(self.spec.sizes) - 1)
        activations = est._forward_pass(activations)
        outputs: list = []
        for a in activations[1:-1]:
            outputs += [None, a.copy()]
        return outputs + [None, activations[-1].copy()]


ADAPTER = SklearnImplementation
PRESENTATION = Presentation(colour="#2ca02c")
