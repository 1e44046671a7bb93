"""``ModelSpec``: the one description every implementation is built from.

A spec states everything that decides a training trajectory: layer sizes, activations,
loss, optimizer and *all* its hyperparameters, batching, dtype, initializer and seed.
No implementation has defaults of its own; where frameworks write an algorithm
differently, the spec's ``convention`` names the form (see ``scratch.optimizers``).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from scratch import ACTIVATIONS, INITIALIZERS, Activation, get_activation, get_initializer
from scratch import LOSSES as SCRATCH_LOSSES
from scratch import OPTIMIZERS as SCRATCH_OPTIMIZERS
from scratch.losses import FUSED, REDUCTIONS
from scratch.optimizers import CONVENTIONS, DECAY_FORMS
from scratch.penalties import penalty as layer_penalty

# The names a spec may use are scratch's tables' (the fused losses on logits are internal).
LOSSES = tuple(name for name, cls in SCRATCH_LOSSES.items() if not cls.expects_logits)
OPTIMIZERS = tuple(SCRATCH_OPTIMIZERS)
DTYPES = ("float32", "float64")
# Output activation each probability loss needs.
LOSS_OUTPUT = {loss: activation for activation, loss in FUSED}
PENALTIES = ("l1", "l2", "l1_bias", "l2_bias")
# Who draws dropout masks: the harness, the same for every implementation, or each one itself.
DROPOUT_RNGS = ("shared", "native")
# Losses whose "sum" reduction also sums over outputs (the rest sum over samples only).
ELEMENTWISE_LOSSES = tuple(name for name in LOSSES if SCRATCH_LOSSES[name].elementwise)
# The spec field holding each activation parameter: {activation: {constructor argument: field}}.
ACTIVATION_FIELDS: dict[str, dict[str, str]] = {"leaky_relu": {"alpha": "leaky_alpha"}}


class SpecError(ValueError):
    """A spec that cannot describe a valid network; the message says what to change."""


Weights = list[tuple[np.ndarray, np.ndarray]]


def _draw_order(seed: int, n_samples: int, epoch: int) -> np.ndarray:
    """Epoch ``epoch``'s permutation of the rows, from ``(seed, epoch)`` alone."""
    return np.random.default_rng((seed, 0x5EED, epoch)).permutation(n_samples)


# Every implementation of a comparison (and its twin) draws the same epochs, and a small
# data set's epoch is a few steps long: those permutations are drawn once per process
# (shared arrays: the batches index with them and never write to them).
_CACHED_ROWS = 16_384
_epoch_order = functools.lru_cache(maxsize=4096)(_draw_order)


@dataclass(frozen=True)
class ModelSpec:
    """A fully specified multilayer perceptron and how to train it.

    ``sizes`` are the layer widths, input first: ``(2, 64, 3)`` is 2 -> 64 -> 3.
    ``activations`` has one entry per weight layer; the last is the output activation.
    ``batch_size=None`` trains on the full batch. ``shuffle`` draws each epoch's order from
    ``seed`` (the same order for every implementation). Optimizer fields that the chosen
    optimizer does not use are ignored by all implementations alike.
    """

    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    loss: str
    loss_reduction: str = "mean"  # "mean" or "sum" (over samples, and outputs for mse/bce)
    loss_scale: float = 1.0  # constant factor on the loss: 0.5 for the 1/2 sum (y - p)^2 convention
    optimizer: str = "sgd"
    lr: float = 0.01
    momentum: float = 0.0  # SGD and RMSprop
    nesterov: bool = False  # SGD
    beta1: float = 0.9  # Adam
    beta2: float = 0.999  # Adam
    eps: float = 1e-8  # Adam, RMSprop, Adagrad
    rho: float = 0.9  # RMSprop's decay (PyTorch calls it alpha)
    initial_accumulator: float = 0.0  # Adagrad
    weight_decay: float = 0.0  # L2: (wd/2) ||theta||^2 on every weight and bias (PyTorch's weight_decay)
    # Penalties added to the loss, the book's and Keras's form (no 1/2): l1 * sum|W|, l2 * sum W^2 on
    # weights only, l1_bias / l2_bias on biases; a number for every layer or a tuple, one per layer.
    l1: float | tuple[float, ...] = 0.0
    l2: float | tuple[float, ...] = 0.0
    l1_bias: float | tuple[float, ...] = 0.0
    l2_bias: float | tuple[float, ...] = 0.0
    lr_decay: float = 0.0  # lr_t = lr / (1 + lr_decay * t)
    lr_decay_form: str = (
        "divide"  # "divide": lr / (1 + d t) (Keras); "multiply": lr * (1 / (1 + d t)) (the book, torch's LambdaLR)
    )
    convention: str = "pytorch"  # optimizer formula family: "pytorch" or "keras"
    leaky_alpha: float = 0.01  # slope of leaky_relu for x < 0
    use_bias: bool = True  # False: no biases (seed 001's network); b stays zero
    # Dropout after each hidden activation: a rate for every hidden layer or one per hidden
    # layer. With dropout_rng "shared", masks are drawn here from (seed, step), inverted (kept
    # units scaled by 1/(1-rate)), and fed identically to every implementation, so
    # trajectories stay comparable step by step. With "native", each implementation uses its
    # own dropout layer and random stream (seeded from seed): trajectories differ, and
    # implementations are compared statistically over seeds (reference_impls.dropout_stats).
    dropout: float | tuple[float, ...] = 0.0
    dropout_rng: str = "shared"
    accumulate: str = "native"  # "float64": float32 matrix products summed in float64, rounded once (nnfs.init())
    fused: bool = True  # cross-entropy on logits (stable); False: on the clipped probabilities, as the book's ch. 16
    batch_size: int | None = None
    shuffle: bool = False
    dtype: str = "float64"
    init: str = "glorot_uniform"
    seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "sizes", tuple(self.sizes))
        object.__setattr__(self, "activations", tuple(self.activations))
        for name in (*PENALTIES, "dropout"):
            value = getattr(self, name)
            if isinstance(value, list):
                object.__setattr__(self, name, tuple(value))
        for problem in self._problems():
            raise SpecError(problem)

    def _problems(self) -> Iterator[str]:
        sizes, acts = self.sizes, self.activations
        if len(sizes) < 2 or not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in sizes):
            yield f"sizes must be two or more positive integers (input first), got {sizes}"
        if len(acts) != len(sizes) - 1:
            yield f"{len(sizes) - 1} weight layers need {len(sizes) - 1} activations, got {len(acts)}: {acts}"
        for a in acts:
            if a not in ACTIVATIONS:
                yield f"unknown activation {a!r}; choose one of: {', '.join(sorted(ACTIVATIONS))}"
        if "softmax" in acts[:-1]:
            yield "softmax is only supported as the output activation"
        if self.loss not in LOSSES:
            yield f"unknown loss {self.loss!r}; choose one of: {', '.join(LOSSES)}"
        if self.loss_reduction not in REDUCTIONS:
            yield f"unknown loss_reduction {self.loss_reduction!r}; choose one of: {', '.join(REDUCTIONS)}"
        need = LOSS_OUTPUT.get(self.loss)
        if need and acts and acts[-1] != need:
            yield f"{self.loss} needs a {need} output activation, got {acts[-1]!r}"
        if self.loss == "categorical_crossentropy" and sizes[-1] < 2:
            yield "categorical_crossentropy needs at least 2 outputs; use binary_crossentropy for one"
        if self.optimizer not in OPTIMIZERS:
            yield f"unknown optimizer {self.optimizer!r}; choose one of: {', '.join(OPTIMIZERS)}"
        if self.dropout_rng not in DROPOUT_RNGS:
            yield f"dropout_rng must be one of {', '.join(DROPOUT_RNGS)}, got {self.dropout_rng!r}"
        if self.accumulate not in ("native", "float64"):
            yield f"accumulate must be 'native' or 'float64', got {self.accumulate!r}"
        if self.lr_decay_form not in DECAY_FORMS:
            yield f"unknown lr_decay_form {self.lr_decay_form!r}; choose one of: {', '.join(DECAY_FORMS)}"
        if self.convention not in CONVENTIONS:
            yield f"unknown convention {self.convention!r}; choose one of: {', '.join(CONVENTIONS)}"
        if self.dtype not in DTYPES:
            yield f"dtype must be one of {', '.join(DTYPES)}, got {self.dtype!r}"
        if self.init not in INITIALIZERS:
            yield f"unknown init {self.init!r}; choose one of: {', '.join(sorted(INITIALIZERS))}"
        for name in ("lr", "eps", "loss_scale"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                yield f"{name} must be a positive number, got {value!r}"
        for name in ("momentum", "beta1", "beta2", "rho"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and 0 <= value < 1):
                yield f"{name} must lie in [0, 1), got {value!r}"
        for name in ("weight_decay", "lr_decay", "initial_accumulator", "leaky_alpha"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                yield f"{name} must be a non-negative number, got {value!r}"
        for name in PENALTIES:
            value = getattr(self, name)
            values = value if isinstance(value, tuple) else (value,)
            if isinstance(value, tuple) and len(value) != len(sizes) - 1:
                yield (
                    f"{name} has {len(value)} values but the network has {len(sizes) - 1} layers: "
                    "give one number, or one per layer"
                )
            if not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v >= 0 for v in values
            ):
                yield f"{name} must be a non-negative number or one per layer, got {value!r}"
        rates = self.dropout if isinstance(self.dropout, tuple) else (self.dropout,)
        if isinstance(self.dropout, tuple) and len(self.dropout) != len(sizes) - 2:
            yield (
                f"dropout has {len(self.dropout)} rates but the network has {len(sizes) - 2} hidden layers: "
                "give one rate, or one per hidden layer"
            )
        if not all(isinstance(r, (int, float)) and not isinstance(r, bool) and 0 <= r < 1 for r in rates):
            yield f"dropout rates must lie in [0, 1), got {self.dropout!r}"
        if (self.l1_bias or self.l2_bias) and not self.use_bias:
            yield "l1_bias / l2_bias need use_bias = true"
        for name in ("nesterov", "shuffle", "use_bias", "fused"):
            if not isinstance(getattr(self, name), bool):
                yield f"{name} must be true or false, got {getattr(self, name)!r}"
        if self.nesterov and not self.momentum > 0:
            yield "nesterov needs momentum > 0"
        if self.batch_size is not None and not (isinstance(self.batch_size, int) and self.batch_size >= 1):
            yield f"batch_size must be a positive integer or None (full batch), got {self.batch_size!r}"
        if not isinstance(self.seed, int) or self.seed < 0:
            yield f"seed must be a non-negative integer, got {self.seed!r}"

    # ---- derived facts ---------------------------------------------------------------
    def activation_params(self, name: str) -> dict[str, float]:
        """The parameters this spec gives activation ``name`` (``{"alpha": leaky_alpha}`` for
        leaky ReLU, ``{}`` for most): what every adapter's activation table is called with."""
        return {param: getattr(self, attr) for param, attr in ACTIVATION_FIELDS.get(name, {}).items()}

    @property
    def output_activation(self) -> str:
        return self.activations[-1]

    @property
    def hidden_activations(self) -> tuple[str, ...]:
        return self.activations[:-1]

    @property
    def n_params(self) -> int:
        return sum((a + 1) * b for a, b in zip(self.sizes, self.sizes[1:]))

    @property
    def convention_matters(self) -> bool:
        """Whether the PyTorch and Keras forms of this optimizer differ for this spec:
        always for Adam, RMSprop and Adagrad; for SGD only with momentum under lr decay."""
        if self.optimizer == "sgd":
            return self.momentum > 0 and self.lr_decay > 0
        return True

    def penalties(self, layer: int) -> tuple[float, float, float, float]:
        """(l1, l2, l1_bias, l2_bias) of weight layer ``layer``."""
        return tuple(float(v[layer] if isinstance(v, tuple) else v) for v in (getattr(self, n) for n in PENALTIES))

    def activation(self, layer: int) -> Activation:
        """Weight layer ``layer``'s activation, with its parameters, from scratch's table."""
        name = self.activations[layer]
        return get_activation(name, **self.activation_params(name))

    @property
    def regularized(self) -> bool:
        """Whether any layer has an l1/l2 penalty."""
        return any(any(self.penalties(i)) for i in range(len(self.sizes) - 1))

    def dropout_rate(self, hidden: int) -> float:
        """The dropout rate after hidden layer ``hidden`` (0-based)."""
        return float(self.dropout[hidden] if isinstance(self.dropout, tuple) else self.dropout)

    @property
    def has_dropout(self) -> bool:
        return any(self.dropout_rate(i) for i in range(len(self.sizes) - 2))

    @property
    def shared_dropout(self) -> bool:
        """Whether the harness feeds every implementation the same dropout masks."""
        return self.has_dropout and self.dropout_rng == "shared"

    @property
    def native_dropout(self) -> bool:
        """Whether each implementation draws its own dropout masks (no step-by-step comparison)."""
        return self.has_dropout and self.dropout_rng == "native"

    def dropout_masks(self, step: int, n_rows: int) -> list[np.ndarray | None]:
        """Step ``step``'s masks, one per hidden layer (None where its rate is 0): kept units
        1 / (1 - rate), dropped 0 (the book's binomial(1, 1 - rate) / (1 - rate)), drawn from
        ``(seed, step)`` so any step's masks can be drawn again on their own."""
        rng = np.random.default_rng((self.seed, 0xD20, step))
        masks: list[np.ndarray | None] = []
        for i, width in enumerate(self.sizes[1:-1]):
            rate = self.dropout_rate(i)
            keep = rng.random((n_rows, width)) >= rate
            masks.append((keep / (1 - rate)).astype(self.dtype) if rate else None)
        return masks

    def loss_factor(self, n_samples: int) -> float:
        """The spec's batch loss over the mean loss, for a batch of ``n_samples``:
        ``loss_scale`` times the number of terms a "sum" adds up (1 for the mean)."""
        if self.loss_reduction == "mean":
            return float(self.loss_scale)
        terms = n_samples * self.sizes[-1] if self.loss in ELEMENTWISE_LOSSES else n_samples
        return float(self.loss_scale) * terms

    def replace(self, **changes: Any) -> ModelSpec:
        """A copy with some fields changed (validated like a new spec)."""
        return dataclasses.replace(self, **changes)

    # ---- weights and batches -----------------------------------------------------------
    def init_weights(self, seed: int | None = None) -> Weights:
        """The initial ``[(W, b), ...]``, ``W: (fan_in, fan_out)``, ``b: (fan_out,)``, drawn
        once in NumPy from ``seed`` (default: the spec's) with the spec's initializer."""
        init = get_initializer(self.init)
        seed = self.seed if seed is None else seed
        # The book's draw comes from NumPy's legacy stream (np.random.seed(seed); randn ...).
        rng = np.random.RandomState(seed) if init.stream == "legacy" else np.random.default_rng(seed)
        out = []
        for fan_in, fan_out in zip(self.sizes, self.sizes[1:]):
            W, b = init(fan_in, fan_out, rng, self.dtype)
            out.append((W, b.reshape(-1) if self.use_bias else np.zeros(fan_out, self.dtype)))
        return out

    def batches(self, n_samples: int, epoch: int) -> list[slice | np.ndarray]:
        """Row selections of epoch ``epoch``'s mini-batches, in order: slices when not
        shuffling, else index arrays of a permutation drawn from ``(seed, epoch)``, so any
        epoch can be regenerated on its own (for resuming)."""
        size = n_samples if self.batch_size is None else min(self.batch_size, n_samples)
        if not self.shuffle:
            return [slice(start, min(start + size, n_samples)) for start in range(0, n_samples, size)]
        order = (
            _epoch_order(self.seed, n_samples, epoch)
            if n_samples <= _CACHED_ROWS
            else _draw_order(self.seed, n_samples, epoch)
        )
        return [order[start : start + size] for start in range(0, n_samples, size)]

    def batch_stream(self, n_samples: int) -> Iterator[slice | np.ndarray]:
        """Every batch of epoch 0, then epoch 1, ... without end."""
        epoch = 0
        while True:
            yield from self.batches(n_samples, epoch)
            epoch += 1

    def steps_per_epoch(self, n_samples: int) -> int:
        """ceil(n / batch): the number of batches ``batches`` yields (computed, not drawn)."""
        size = n_samples if self.batch_size is None else min(self.batch_size, n_samples)
        return -(-n_samples // size)

    # ---- serialisation ---------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values (tuples become lists)."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self) if f.init}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelSpec:
        """Build from a mapping; unknown keys raise ``SpecError`` naming the valid ones."""
        if not isinstance(data, dict):
            raise SpecError(f"a spec must be a table of fields, got {type(data).__name__}")
        valid = [f.name for f in fields(cls) if f.init]
        unknown = sorted(set(data) - set(valid))
        if unknown:
            raise SpecError(f"unknown spec field(s) {', '.join(unknown)}; valid fields: {', '.join(valid)}")
        missing = [name for name in ("sizes", "activations", "loss") if name not in data]
        if missing:
            raise SpecError(f"spec is missing required field(s): {', '.join(missing)}")
        data = dict(data)
        if data.get("batch_size") in ("full", "none", "None"):
            data["batch_size"] = None
        for name in ("sizes", "activations"):
            if not isinstance(data[name], (list, tuple)):
                raise SpecError(f"{name} must be a list, got {data[name]!r}")
        return cls(**data)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_json(cls, text: str) -> ModelSpec:
        return cls._parse(text, json.loads, json.JSONDecodeError, "JSON")

    def to_toml(self) -> str:
        """TOML has no null: a full-batch spec writes ``batch_size = "full"``."""
        import tomli_w

        data = self.to_dict()
        if data["batch_size"] is None:
            data["batch_size"] = "full"
        return tomli_w.dumps(data)

    @classmethod
    def from_toml(cls, text: str) -> ModelSpec:
        return cls._parse(text, tomllib.loads, tomllib.TOMLDecodeError, "TOML")

    @classmethod
    def _parse(cls, text: str, loads, error: type[Exception], fmt: str) -> ModelSpec:
        try:
            data = loads(text)
        except error as exc:
            raise SpecError(f"spec is not valid {fmt}: {exc}") from None
        return cls.from_dict(data)


def penalty(spec: ModelSpec, weights: Weights) -> float:
    """The penalties' value at ``weights`` (what frameworks add to their reported loss)."""
    total = 0.0
    for i, (W, b) in enumerate(weights):
        total += layer_penalty(W, b, *spec.penalties(i))
    return total


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
