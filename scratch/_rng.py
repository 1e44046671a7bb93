"""Random sources: an explicit ``numpy.random.Generator``, a legacy ``RandomState``, or the
legacy global state that ``np.random.seed(42)`` sets (what the tutorials use)."""

from __future__ import annotations

import numpy as np

RNG = np.random.Generator | np.random.RandomState | int | None


def as_rng(rng: RNG) -> np.random.Generator | np.random.RandomState:
    """Normalise ``rng``: an int seeds a new Generator; None means the legacy global
    state, so ``np.random.seed(42)`` followed by library calls draws exactly what the
    tutorials' ``np.random.rand`` calls draw."""
    if rng is None:
        return np.random.mtrand._rand  # the RandomState behind np.random.seed / np.random.rand
    if isinstance(rng, (np.random.Generator, np.random.RandomState)):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(f"rng must be a numpy Generator, RandomState, int seed or None, got {type(rng).__name__}")
