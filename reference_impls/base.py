"""The one interface every implementation shares, and the loop they all train with.

An adapter supplies only what differs between frameworks: building the network, moving
weights in and out, converting data, one optimizer step, probabilities, and gradients.
Batching, step counting, histories and validation live here, once, so every framework
sees the same batches in the same order and is measured the same way.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from importlib import metadata
from typing import Any, ClassVar

import numpy as np

from scratch import labels_from_outputs
from scratch.optimizers import CONVENTIONS

from .spec import ModelSpec, SpecError, Weights


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


class Implementation(ABC):
    """One network built from a ``ModelSpec`` and initial weights.

    Public interface (DESIGN.md): ``train(X, y, steps)`` -> per-step losses,
    ``fit(X, y, epochs)`` -> per-epoch history, ``predict_proba``, ``predict``,
    ``get_weights``, ``gradients``. ``y`` is integer class labels for classification
    losses and real targets for ``mse``.
    """

    name: ClassVar[str]
    #: optimizer formula families this framework follows (``spec.convention``)
    conventions: ClassVar[tuple[str, ...]] = CONVENTIONS
    # Facts the harness and the report need, declared here so no code outside
    # reference_impls names a framework: how tables and plots label, order and colour it,
    # what ``t_import`` times, and which installed distributions give its version.
    display_name: ClassVar[str]
    order: ClassVar[int]
    colour: ClassVar[str]
    import_module: ClassVar[str]
    distributions: ClassVar[dict[str, tuple[str, ...]]] = {}
    #: what the spec may name; derived from each adapter's registries (their keys)
    activations: ClassVar[frozenset[str]]
    losses: ClassVar[frozenset[str]]
    optimizers: ClassVar[frozenset[str]]

    #: devices this implementation can run on (``build(..., device=)``); NumPy's is the CPU
    devices: ClassVar[tuple[str, ...]] = ("cpu",)

    @classmethod
    def device_problem(cls, device: str) -> str | None:
        """Why ``device`` cannot be used here now (e.g. no GPU), or None."""
        return None if device in cls.devices else f"{cls.name} runs on {', '.join(cls.devices)}"

    def __init__(self, spec: ModelSpec, weights: Weights | None = None, device: str = "cpu") -> None:
        problems = list(self.unsupported(spec))
        if device not in self.devices:
            problems.append(f"the {device} device ({self.name} runs on {', '.join(self.devices)})")
        if problems:
            raise NotExpressible(self.name, "; ".join(problems))
        self.device = device
        self.spec = spec
        self.dtype = np.dtype(spec.dtype)
        weights = spec.init_weights() if weights is None else weights
        check_weights(spec, weights)
        self.steps_taken = 0
        self._epoch_cache: tuple[int, int, list] | None = None
        self._build()
        self.set_weights([(np.asarray(W, self.dtype), np.asarray(b, self.dtype)) for W, b in weights])

    def __repr__(self) -> str:
        return f"<{self.name} implementation of {self.spec.sizes} {self.spec.optimizer}>"

    #: whether float32 products can be summed in float64 (``spec.accumulate``): scratch's only
    accumulates_float64: ClassVar[bool] = False

    # ---- what each framework supplies ----------------------------------------------------
    @classmethod
    def unsupported(cls, spec: ModelSpec) -> Iterator[str]:
        """Features of ``spec`` this framework cannot express: names missing from its
        registries (so a missing entry is "not expressible", never a KeyError), and an
        optimizer form it does not follow."""
        for kind, names, known in (
            ("activation", spec.activations, cls.activations),
            ("loss", (spec.loss,), cls.losses),
            ("optimizer", (spec.optimizer,), cls.optimizers),
        ):
            for missing in dict.fromkeys(n for n in names if n not in known):
                yield f"the {missing} {kind} ({cls.name} has {', '.join(sorted(known))})"
        if spec.dtype == "float32" and spec.accumulate == "float64" and not cls.accumulates_float64:
            yield f"float32 products accumulated in float64 ({cls.name} sums float32 matrix products in float32)"
        if spec.convention_matters and spec.convention not in cls.conventions:
            yield (
                f"the {spec.convention} form of {spec.optimizer} "
                f"(it follows the {'/'.join(cls.conventions)} form; set convention = {cls.conventions[0]!r})"
            )

    @classmethod
    def pin_threads(cls, n: int) -> dict[str, int]:
        """Give this framework's own thread pools ``n`` threads (NumPy's BLAS is pinned for
        all by ``reference_impls.pin_threads``); returns what is in force."""
        return {}

    @classmethod
    def environment(cls) -> dict[str, str]:
        """What changes this framework's numbers: installed versions, settings."""
        return {key: _installed(dists) for key, dists in cls.distributions.items()}

    @classmethod
    def version(cls) -> str:
        """One string for reports, e.g. ``"PyTorch 2.13.0"``."""
        first = next(iter(cls.distributions.values()), None)
        return f"{cls.display_name} {_installed(first)}" if first else cls.display_name

    # ---- execution modes: how the framework's step is driven ----------------------------
    #: the modes whose losses equal the harness's bit for bit (the same arithmetic, driven
    #: differently); the others (compilers that fuse and reorder) agree to round-off only
    exact_modes: ClassVar[frozenset[str]] = frozenset({"harness"})
    #: the exact mode ``check`` drives this framework in: the harness's very steps (bit for
    #: bit, ``tests/test_lean_steps.py``), at less cost per step where the adapter has one
    check_mode: ClassVar[str] = "harness"
    #: the mode that is this framework's op-by-op eager step where it is the yardstick of
    #: per-step overhead on small tasks (the performance target "scratch at most 0.45x the
    #: eager baseline"); None for the others
    eager_baseline: ClassVar[str | None] = None
    mode: str = "harness"

    @classmethod
    def modes(cls) -> dict[str, str]:
        """Every way this framework's training step can be driven, name -> one line on what
        it is: ``"harness"`` (how ``run_steps`` drives it, always present) first, then the
        framework's own faster documented modes, so benchmarks time each side by side
        without naming a framework."""
        return {"harness": f"{cls.display_name} as the harness drives it"}

    def use_mode(self, mode: str) -> Implementation:
        """Drive this model's later steps in ``mode`` (a key of ``modes()``), same weights and
        optimizer state; returns the model. Raises ``SpecError`` for an unknown mode and
        ``NotExpressible`` where this spec cannot run in it. A compiling mode compiles on
        the first step (time it after a warm-up step)."""
        known = self.modes()
        if mode not in known:
            raise SpecError(f"{self.name} has no mode {mode!r}; choose one of: {', '.join(known)}")
        if mode != self.mode:
            self._use_mode(mode)
            self.mode = mode
        return self

    def _use_mode(self, mode: str) -> None:
        """Switch the step to ``mode`` (only called for a declared mode other than the current)."""
        raise NotImplementedError(f"{self.name} declares mode {mode!r} but does not implement it")

    @abstractmethod
    def _build(self) -> None:
        """Create the network and optimizer from ``self.spec``."""

    @abstractmethod
    def set_weights(self, weights: Weights) -> None:
        """Load ``[(W (fan_in, fan_out), b (fan_out,)), ...]``; resets no optimizer state."""

    def load_weights(self, weights: Weights) -> None:
        """``set_weights`` keeping the optimizer's state (momentum, moments, step count):
        for re-synchronising a twin with another network mid-training."""
        self.set_weights(weights)

    def restart(self, weights: Weights) -> Implementation:
        """This model as ``build`` would return it anew from ``weights``, in the same mode:
        fresh optimizer state, step 0 (the equivalence check's re-sync step). The default
        builds it again; an adapter whose build is costly (tracing, compiling) resets the
        state of the one it has, to the same numbers."""
        return type(self)(self.spec, weights, device=self.device).use_mode(self.mode)

    @abstractmethod
    def get_weights(self) -> Weights:
        """Copies of the current weights as NumPy arrays, the layout of ``set_weights``."""

    @abstractmethod
    def _native(self, X: np.ndarray, y: np.ndarray) -> tuple[Any, Any]:
        """Checked NumPy data -> whatever ``_step`` consumes (tensors, arrays)."""

    @abstractmethod
    def _step(self, X: Any, y: Any) -> float:
        """One forward, backward and update on a batch; the batch loss before the update."""

    @abstractmethod
    def _proba(self, X: np.ndarray) -> np.ndarray:
        """Output activations ``(n, k)`` as NumPy, no update."""

    @abstractmethod
    def gradients(self, X: np.ndarray, y: np.ndarray) -> tuple[float, Weights]:
        """Loss and ``[(dL/dW, dL/db), ...]`` on the whole of ``(X, y)``, no update."""

    masks: list | None = None  # this step's dropout masks (spec.dropout_masks), set by run_steps
    # Masks from outside for the coming steps instead of the spec's (validate feeds the ones
    # a user's own dropout drew); the same list format as spec.dropout_masks.
    given_masks: list | None = None

    def next_masks(self, n_rows: int) -> list | None:
        """The dropout masks the next step draws, for ``gradients`` on a batch of ``n_rows``."""
        if not self.spec.shared_dropout:
            return None
        return self.given_masks if self.given_masks is not None else self.spec.dropout_masks(self.steps_taken, n_rows)

    def layer_outputs(self, X: np.ndarray) -> list[np.ndarray]:
        """Every layer's output on ``X`` (no update), in the order of the scratch network's
        layers: Dense 0 (pre-activation), activation 0, Dense 1, ... . Frameworks that
        expose only their final output return ``[output]``."""
        return [self.predict_proba(X)]

    def _take(self, data: Any, rows: slice | np.ndarray) -> Any:
        """The rows of a batch from native data."""
        return data[rows]

    # ---- shared machinery ----------------------------------------------------------------
    def check_data(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Validate ``(X, y)`` against the spec; returns X in the spec dtype and y as
        int64 labels (cross-entropy losses) or ``(n, k)`` targets in the spec dtype (mse).

        One-hot ``y`` ``(n, k)`` with categorical cross-entropy becomes labels here, once,
        so every framework trains on the same thing; every problem is one ``SpecError``."""
        spec = self.spec
        if X is None or y is None:
            raise SpecError(
                f"train needs both X and y, got {'X' if X is None else 'y'} = None; pass y as class labels (or targets for mse)"
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
                f"X has {len(X)} samples but y has {'no samples (a scalar)' if y.ndim == 0 else len(y)}; give one label per row"
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
                    f"y of shape {y.shape} is not one-hot (each row one 1, the rest 0); give labels 0..{k - 1} or one-hot rows"
                )
            y = y.argmax(axis=1)
        n_classes = 2 if spec.loss == "binary_crossentropy" else k
        if not np.issubdtype(y.dtype, np.integer):
            if not (np.all(np.isfinite(y)) and np.array_equal(y, np.round(y))):
                raise SpecError("class labels must be integers (no NaN)")
        if spec.loss != "binary_crossentropy" and y.ndim != 1:
            raise SpecError(f"y must be labels (n,) or one-hot (n, {k}) for {spec.loss}, got shape {y.shape}")
        if y.size and (y.min() < 0 or y.max() >= n_classes):
            raise SpecError(f"class labels must lie in [0, {n_classes - 1}], got [{y.min()}, {y.max()}]")
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


def _installed(distributions: tuple[str, ...]) -> str:
    """Installed version from package metadata (asking the module would import it, and
    importing TensorFlow starts its runtime before threads are pinned)."""
    for dist in distributions:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return "not installed"
