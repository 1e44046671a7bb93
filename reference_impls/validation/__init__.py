"""Validate your own network: a hand-written network, in any of the common styles, checked
step by step against the frameworks, with where and why it departs.

>>> result = validate(layers=[dense1, relu, dense2, softmax], loss=loss, optimizer=sgd, X=X, y=y, steps=500)
>>> result.ok, result.first_divergence, result.diagnosis
>>> print(result)

See ``core.validate`` for the three styles; ``assert_validates`` is the pytest helper.
"""

from .core import DEFAULT_AGAINST, TOLERANCES, Divergence, ValidationResult, as_network, assert_validates, run_network, validate
from .usercode import UserCodeError

__all__ = ["DEFAULT_AGAINST", "TOLERANCES", "Divergence", "UserCodeError", "ValidationResult", "as_network", "assert_validates",
           "run_network", "validate"]
