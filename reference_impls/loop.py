"""The machinery every adapter inherits: the training loop, data checks, modes and masks.

Batching, step counting, histories and validation live here, once, so every framework sees
the same batches in the same order and is measured the same way. The contract an adapter
fills in is ``base.Implementation``; this module only calls it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from importlib import metadata
from typing import TYPE_CHECKING, Any

import numpy as np

from scratch import labels_from_outputs

from .spec import ModelSpec, SpecError, Weights

if TYPE_CHECKING:
    from .base import AdapterFacts


class NotExpressible(SpecError):
    """The framework cannot express a feature the spec asks for (reported as
    "not expressible" in tables, never as a failure)."""

    def __init__(self, impl: str, feature: str) -> None:
        super().__init__(f"{impl} cannot express this spec: {feature}")
        self.impl, self.feature = impl, feature


def check_weights(spec: ModelSpec, weights: Weights) -> None:
    """Raise ``SpecError`` unless ``weights`` is ``[(W, b), ...]`` shaped for ``spec``."""
    shapes = list(zip(spec.sizes, spec.sizes[1:]))
    if len(weights) != len(shapes):
        raise SpecError(f"the spec has {len(shapes)} weight layers but {len(weights)} (W, b) pairs were given")
    for i, ((W, b), (fan_in, fan_out)) in enumerate(zip(weights, shapes)):
        if np.shape(W) != (fan_in, fan_out) or np.shape(b) != (fan_out,):
            raise SpecError(
                f"layer {i}: W must be ({fan_in}, {fan_out}) and b ({fan_out},) (W as (fan_in, fan_out)), "
                f"got {np.shape(W)} and {np.shape(b)}"
            )


def missing_features(facts: AdapterFacts, spec: ModelSpec) -> Iterator[str]:
    """What ``spec`` asks of a framework that its ``facts`` do not declare: names missing
    from its registries (so a missing entry is "not expressible", never a KeyError), float64
    accumulation, an optimizer form it does not follow."""
    for kind, names, known in (
        ("activation", spec.activations, facts.activations),
        ("loss", (spec.loss,), facts.losses),
        ("optimizer", (spec.optimizer,), facts.optimizers),
    ):
        for missing in dict.fromkeys(n for n in names if n not in known):
            yield f"the {missing} {kind} ({facts.name} has {', '.join(sorted(known))})"
    if spec.dtype == "float32" and spec.accumulate == "float64" and not facts.accumulates_float64:
        yield f"float32 products accumulated in float64 ({facts.name} sums float32 matrix products in float32)"
    if spec.convention_matters and spec.convention not in facts.conventions:
        yield (
            f"the {spec.convention} form of {spec.optimizer} "
            f"(it follows the {'/'.join(facts.conventions)} form; set convention = {facts.conventions[0]!r})"
        )


def installed(distributions: tuple[str, ...]) -> str:
    """Installed version from package metadata (asking the module would import it, and
    importing TensorFlow starts its runtime before threads are pinned)."""
    for dist in distributions:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return "not installed"


def optimizer_kwargs(spec: ModelSpec) -> dict[str, Any]:
    """The spec's hyperparameters for ``scratch.get_optimizer`` (names shared by design)."""
    per = {
        "sgd": dict(momentum=spec.momentum, nesterov=spec.nesterov),
        "adam": dict(beta1=spec.beta1, beta2=spec.beta2, eps=spec.eps),
        "rmsprop": dict(rho=spec.rho, eps=spec.eps, momentum=spec.momentum),
        "adagrad": dict(eps=spec.eps, initial_accumulator=spec.initial_accumulator),
    }[spec.optimizer]
    return dict(
        lr=float(spec.lr),
        decay=spec.lr_decay,
        decay_form=spec.lr_decay_form,
        weight_decay=spec.weight_decay,
        convention=spec.convention,
        **per,
    )


class TrainingLoop:
    """What ``Implementation`` adds to an adapter's contract: construction from a spec and
    weights, the shared step loop, data checks, modes and dropout masks. It calls only the
    contract's methods (``_build``, ``set_weights``, ``_native``, ``_step``, ``_proba``,
    ``_use_mode``, ``_take``, ``unsupported``)."""

    facts: AdapterFacts
    mode: str = "harness"
    masks: list | None = None  # this step's dropout masks (spec.dropout_masks), set by run_steps
    # Masks from outside for the coming steps instead of the spec's (validate feeds the ones
    # a user's own dropout drew); the same list format as spec.dropout_masks.
    given_masks: list | None = None

    def __init__(self, spec: ModelSpec, weights: Weights | None = None, device: str = "cpu") -> None:
        facts = self.facts
        problems = list(self.unsupported(spec))
        if device not in facts.devices:
            problems.append(f"the {device} device ({facts.name} runs on {', '.join(facts.devices)})")
        if problems:
            raise NotExpressible(facts.name, "; ".join(problems))
        self.device, self.spec, self.dtype = device, spec, np.dtype(spec.dtype)
        weights = spec.init_weights() if weights is None else weights
        check_weights(spec, weights)
        self.steps_taken = 0
        self._epoch_cache: tuple[int, int, list] | None = None
        self._build()
        self.set_weights([(np.asarray(W, self.dtype), np.asarray(b, self.dtype)) for W, b in weights])

    def __repr__(self) -> str:
        return f"<{self.facts.name} implementation of {self.spec.sizes} {self.spec.optimizer}>"

    @classmethod
    def version(cls) -> str:
        """One string for reports, e.g. ``"PyTorch 2.13.0"``."""
        first = next(iter(cls.facts.distributions.values()), None)
        return f"{cls.facts.display_name} {installed(first)}" if first else cls.facts.display_name

    @classmethod
    def modes(cls) -> dict[str, str]:
        """Every way this framework's training step can be driven, name -> one line on what
        it is: ``"harness"`` (how ``run_steps`` drives it) first, then the framework's own
        faster documented modes, so benchmarks time each side by side."""
        return cls.facts.modes

    def use_mode(self, mode: str) -> TrainingLoop:
        """Drive this model's later steps in ``mode`` (a key of ``modes()``), same weights and
        optimizer state; returns the model. Raises ``SpecError`` for an unknown mode and
        ``NotExpressible`` where this spec cannot run in it. A compiling mode compiles on
        the first step (time it after a warm-up step)."""
        known = self.modes()
        if mode not in known:
            raise SpecError(f"{self.facts.name} has no mode {mode!r}; choose one of: {', '.join(known)}")
        if mode != self.mode:
            self._use_mode(mode)
            self.mode = mode
        return self

    def next_masks(self, n_rows: int) -> list | None:
        """The dropout masks the next step draws, for ``gradients`` on a batch of ``n_rows``."""
        if not self.spec.shared_dropout:
            return None
        return self.given_masks if self.given_masks is not None else self.spec.dropout_masks(self.steps_taken, n_rows)

    def check_data(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Validate ``(X, y)`` against the spec; returns X in the spec dtype and y as
        int64 labels (cross-entropy losses) or ``(n, k)`` targets in the spec dtype (mse).

        One-hot ``y`` ``(n, k)`` with categorical cross-entropy becomes labels here, once,
        so every framework trains on the same thing; every problem is one ``SpecError``."""
        spec = self.spec
        if X is None or y is None:
            raise SpecError(
                f"train needs both X and y, got {'X' if X is None else 'y'} = None; pass y as class labels (or "
                "targets for mse)"
            )
        X, y = np.asarray(X), np.asarray(y)
        if X.ndim != 2 or X.shape[1] != spec.sizes[0]:
            raise SpecError(f"X must have shape (n, {spec.sizes[0]}) for this spec, got {X.shape}")
        if not len(X):
            raise SpecError("X has 0 rows; give at least one sample")
        if not (np.issubdtype(X.dtype, np.number) and not np.issubdtype(X.dtype, np.complexfloating)) or not np.all(
            np.isfinite(X)
        ):
            raise SpecError(f"X contains NaN, inf or non-numbers (dtype {X.dtype}); clean the data first")
        if y.ndim == 0 or len(y) != len(X):
            raise SpecError(
                f"X has {len(X)} samples but y has {'no samples (a scalar)' if y.ndim == 0 else len(y)}; give one "
                "label per row"
            )
        if not (np.issubdtype(y.dtype, np.number) or y.dtype == bool) or np.issubdtype(y.dtype, np.complexfloating):
            raise SpecError(
                f"y must be numbers (class labels 0..k-1, or targets for mse), got dtype {y.dtype}; "
                "map string labels to integers first, e.g. np.unique(y, return_inverse=True)[1]"
            )
        y = y.astype(np.int64) if y.dtype == bool else y
        k = spec.sizes[-1]
        if spec.loss == "mse":
            y = y.reshape(len(y), -1).astype(self.dtype)
            if y.shape[1] != k or not np.all(np.isfinite(y)):
                raise SpecError(f"mse targets must be finite with {k} column(s), got shape {y.shape}")
            return X.astype(self.dtype, copy=False), y
        if spec.loss == "categorical_crossentropy" and y.ndim == 2 and y.shape[1] == k and k > 1:
            if not (np.all((y == 0) | (y == 1)) and np.all(y.sum(axis=1) == 1)):
                raise SpecError(
                    f"y of shape {y.shape} is not one-hot (each row one 1, the rest 0); give labels 0..{k - 1} or "
                    "one-hot rows"
                )
            y = y.argmax(axis=1)
        n_classes = 2 if spec.loss == "binary_crossentropy" else k
        if not np.issubdtype(y.dtype, np.integer):
            if not (np.all(np.isfinite(y)) and np.array_equal(y, np.round(y))):
                raise SpecError("class labels must be integers (no NaN)")
        if spec.loss != "binary_crossentropy" and y.ndim != 1:
            raise SpecError(f"y must be labels (n,) or one-hot (n, {k}) for {spec.loss}, got shape {y.shape}")
        if y.size and (y.min() < 0 or y.max() >= n_classes):
            outputs = f"{k} output" + ("s" if k > 1 else "")
            raise SpecError(
                f"class labels must lie in [0, {n_classes - 1}] for a network with {outputs}, got [{y.min()}, "
                f"{y.max()}]: {y.max() + 1} classes need an output layer of {y.max() + 1} units (or pick a task "
                f"with {n_classes} classes)"
            )
        if spec.loss == "binary_crossentropy" and y.reshape(len(y), -1).shape[1] != k:
            raise SpecError(f"binary_crossentropy with {k} outputs needs {k} label column(s), got shape {y.shape}")
        return X.astype(self.dtype, copy=False), y.astype(np.int64)

    def _batch(self, n: int, step: int) -> slice | np.ndarray:
        """The rows of global step ``step`` (epochs continue across calls)."""
        per_epoch = self.spec.steps_per_epoch(n)
        epoch, i = divmod(step, per_epoch)
        if self._epoch_cache is None or self._epoch_cache[:2] != (n, epoch):
            self._epoch_cache = (n, epoch, self.spec.batches(n, epoch))
        return self._epoch_cache[2][i]

    def train(self, X: np.ndarray, y: np.ndarray, steps: int) -> np.ndarray:
        """Take ``steps`` optimizer steps on the spec's batches (continuing from earlier
        calls); returns each step's loss, measured before its update, as float64."""
        return self.run_steps(self.prepare(X, y), steps)

    def prepare(self, X: np.ndarray, y: np.ndarray) -> tuple[int, Any, Any]:
        """Check and convert data once: ``(n_samples, native X, native y)`` for ``run_steps``."""
        Xc, yc = self.check_data(X, y)
        return (len(Xc), *self._native(Xc, yc))

    def run_steps(self, prepared: tuple[int, Any, Any], steps: int, seconds: np.ndarray | None = None) -> np.ndarray:
        """``steps`` steps on prepared data. With ``seconds`` (an array of length ``steps``),
        each step's wall time (taking its batch, forward, backward, update) is stored there."""
        n, Xn, yn = prepared
        losses = np.empty(int(steps))
        clock = time.perf_counter
        has_dropout = self.spec.shared_dropout  # asked once: a property over every layer (native dropout draws its own)
        for k in range(int(steps)):
            rows = self._batch(n, self.steps_taken)
            start = clock()
            if has_dropout:
                self.masks = self.next_masks(len(range(n)[rows]) if isinstance(rows, slice) else len(rows))
            losses[k] = self._step(self._take(Xn, rows), self._take(yn, rows))
            if seconds is not None:
                seconds[k] = clock() - start
            self.steps_taken += 1
        return losses

    def fit(self, X: np.ndarray, y: np.ndarray, epochs: int) -> dict[str, list[float]]:
        """Train ``epochs`` passes. History per epoch: ``loss``, the batch-size-weighted mean
        of that epoch's step losses (Keras's convention), and ``accuracy`` of ``predict`` on
        ``X`` after the epoch (NaN for regression)."""
        Xc, yc = self.check_data(X, y)
        prepared = self.prepare(Xc, yc)  # converted once, not per epoch
        n = len(Xc)
        sizes = np.array([len(range(n)[b]) if isinstance(b, slice) else len(b) for b in self.spec.batches(n, 0)])
        history: dict[str, list[float]] = {"loss": [], "accuracy": []}
        for _ in range(int(epochs)):
            losses = self.run_steps(prepared, len(sizes))
            history["loss"].append(float(np.dot(losses, sizes) / n))
            history["accuracy"].append(self.accuracy(Xc, yc))
        return history

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        """Fraction of correct labels (per output for binary cross-entropy); NaN for mse."""
        if self.spec.loss == "mse":
            return float("nan")
        predicted = self.predict(X)
        return float(np.mean(predicted == np.asarray(y).reshape(predicted.shape)))

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Output activations ``(n, k)`` (class probabilities, or ``(n, 1)`` for one sigmoid)."""
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.spec.sizes[0]:
            raise SpecError(f"X must have shape (n, {self.spec.sizes[0]}) for this spec, got {X.shape}")
        return self._proba(X.astype(self.dtype, copy=False))

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Class labels ``(n,)``: argmax of a softmax, ``output >= 0.5`` for one sigmoid
        (``(n, k)`` 0/1 labels for k independent sigmoids)."""
        proba = self.predict_proba(X)
        if self.spec.loss == "binary_crossentropy" and proba.shape[1] > 1:
            return (proba >= 0.5).astype(np.int64)
        return labels_from_outputs(proba)
