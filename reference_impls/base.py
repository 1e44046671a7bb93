"""The adapter contract: what one framework supplies to stand behind the shared interface.

An adapter is a subclass of ``Implementation`` in ``reference_impls/<name>_impl.py`` that
declares ``ADAPTER = TheClass`` and ``PRESENTATION = Presentation(...)``, listed once in
``registry.ADAPTERS``. It gives:

- ``facts``: an ``AdapterFacts``, everything it declares as data (name, versions,
  capabilities: the keys of its activation/loss/optimizer tables, devices, modes);
- the required methods below (``@abstractmethod``): build, weights in and out, data to
  native, one step, probabilities, gradients;
- any optional hook below, overridden only where the framework differs from the default.

Everything else (the training loop, batching, data checks, ``train``/``fit``/``predict``)
is ``loop.TrainingLoop``, inherited and never overridden.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from scratch.optimizers import CONVENTIONS

from .loop import NotExpressible, TrainingLoop, check_weights, installed, missing_features, optimizer_kwargs
from .spec import ModelSpec, Weights

__all__ = ["AdapterFacts", "Implementation", "NotExpressible", "Presentation", "check_weights", "optimizer_kwargs"]


@dataclass(frozen=True)
class AdapterFacts:
    """An adapter's declared facts, as data: what it is, what a spec may ask of it, where and how it runs."""

    name: str  # the key of build(name, ...): its module is ``<name>_impl``
    display_name: str  # how tables and reports name it
    import_module: str  # the module whose import ``t_import`` times
    activations: Collection[str]  # what a spec may name: its registries' keys
    losses: Collection[str]
    optimizers: Collection[str]
    distributions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # version key -> distributions
    conventions: tuple[str, ...] = CONVENTIONS  # optimizer formula families it follows (spec.convention)
    devices: tuple[str, ...] = ("cpu",)  # what build(..., device=) accepts
    accumulates_float64: bool = False  # float32 products summed in float64 (spec.accumulate)
    modes: dict[str, str] = field(default_factory=dict)  # mode -> one line; "harness" first (default added)
    exact_modes: frozenset[str] = frozenset({"harness"})  # modes bit for bit the harness's step
    check_mode: str = "harness"  # the exact mode ``check`` drives it in (the cheapest)
    eager_baseline: str | None = None  # the mode that is the op-by-op yardstick of per-step overhead

    def __post_init__(self) -> None:
        if "harness" not in self.modes:
            object.__setattr__(
                self, "modes", {"harness": f"{self.display_name} as the harness drives it", **self.modes}
            )


@dataclass(frozen=True)
class Presentation:
    """How reports show an implementation (no number depends on it); its place in tables is
    its place in ``registry.ADAPTERS``."""

    colour: str


class Implementation(TrainingLoop, ABC):
    """One network built from a ``ModelSpec`` and initial weights (public interface in
    DESIGN.md: ``train``, ``fit``, ``predict_proba``, ``predict``, ``get_weights``, ``gradients``)."""

    facts: ClassVar[AdapterFacts]

    # ---- required -------------------------------------------------------------------------
    @abstractmethod
    def _build(self) -> None:
        """Create the network and optimizer from ``self.spec``."""

    @abstractmethod
    def set_weights(self, weights: Weights) -> None:
        """Load ``[(W (fan_in, fan_out), b (fan_out,)), ...]``; resets no optimizer state."""

    @abstractmethod
    def get_weights(self) -> Weights:
        """Copies of the current weights as NumPy arrays, the layout of ``set_weights``."""

    @abstractmethod
    def _native(self, X: Any, y: Any) -> tuple[Any, Any]:
        """Checked NumPy data -> whatever ``_step`` consumes (tensors, arrays)."""

    @abstractmethod
    def _step(self, X: Any, y: Any) -> float:
        """One forward, backward and update on a batch; the batch loss before the update."""

    @abstractmethod
    def _proba(self, X: Any) -> Any:
        """Output activations ``(n, k)`` as NumPy, no update."""

    @abstractmethod
    def gradients(self, X: Any, y: Any) -> tuple[float, Weights]:
        """Loss and ``[(dL/dW, dL/db), ...]`` on the whole of ``(X, y)``, no update."""

    # ---- optional hooks, with their defaults ----------------------------------------------
    @classmethod
    def unsupported(cls, spec: ModelSpec) -> Iterator[str]:
        """Features of ``spec`` it cannot express; default: what ``facts`` does not declare."""
        return missing_features(cls.facts, spec)

    @classmethod
    def device_problem(cls, device: str) -> str | None:
        """Why ``device`` cannot be used here now (e.g. no GPU), or None; default: declared is usable."""
        return None if device in cls.facts.devices else f"{cls.facts.name} runs on {', '.join(cls.facts.devices)}"

    @classmethod
    def pin_threads(cls, n: int) -> dict[str, int]:
        """Give its own thread pools ``n`` threads (``threads.py`` helpers); what is in force. Default: none."""
        return {}

    @classmethod
    def environment(cls) -> dict[str, str]:
        """What changes its numbers: default, the installed versions of ``facts.distributions``."""
        return {key: installed(dists) for key, dists in cls.facts.distributions.items()}

    @classmethod
    def describe_training(cls, spec: ModelSpec) -> str | None:
        """The spec's loss and optimizer as this framework's users write them; default: None."""
        return None

    def _use_mode(self, mode: str) -> None:
        """Switch the step to a declared ``mode`` other than the current one."""
        raise NotImplementedError(f"{self.facts.name} declares mode {mode!r} but does not implement it")

    def load_weights(self, weights: Weights) -> None:
        """``set_weights`` keeping the optimizer's state (re-synchronising a twin mid-training)."""
        self.set_weights(weights)

    def restart(self, weights: Weights) -> Implementation:
        """As ``build`` returns it anew from ``weights``, same mode, step 0; default: build again."""
        return type(self)(self.spec, weights, device=self.device).use_mode(self.mode)

    def layer_outputs(self, X: Any) -> list[Any]:
        """Every layer's output (Dense 0, activation 0, Dense 1, ...); default: ``[output]``."""
        return [self.predict_proba(X)]

    def _take(self, data: Any, rows: Any) -> Any:
        """The rows of a batch from native data; default: ``data[rows]``."""
        return data[rows]
