"""Validate your own network: a hand-written network, in any of the common styles, checked
step by step against the frameworks, with where and why it departs.

>>> result = validate(layers=[dense1, relu, dense2, softmax], loss=loss, optimizer=sgd, X=X, y=y, steps=500)
>>> result.ok, result.first_divergence, result.diagnosis
>>> print(result)

See ``core.validate`` for the three styles; ``assert_validates`` is the pytest helper.

The package, one idea per module, in the order data flows:

- ``styles`` (the shared interface and layouts), ``layered``, ``arrays``: the user's network
  behind one interface per style; ``infer`` reads a spec off layer objects by probing them;
- ``data``: the user's data in their layout and the frameworks';
- ``lockstep``: the user's network and the framework twins stepping together;
- ``judge``: deviations against what round-off allows;
- ``diagnose`` with ``oracle`` and ``loops``: the hypotheses that explain a departure, each a
  recomputation;
- ``suggestions``: conventions the network follows, checked before they are said;
- ``result``: the verdict; ``core``: ``validate`` itself.
"""

from .core import (
    DEFAULT_AGAINST,
    TOLERANCES,
    Divergence,
    ValidationResult,
    as_network,
    assert_validates,
    run_network,
    validate,
)
from .usercode import UserCodeError

__all__ = [
    "DEFAULT_AGAINST",
    "TOLERANCES",
    "Divergence",
    "UserCodeError",
    "ValidationResult",
    "as_network",
    "assert_validates",
    "run_network",
    "validate",
]
