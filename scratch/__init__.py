"""scratch: a neural network written by hand in NumPy (and nothing else).

Read in this order: ``layers`` (Dense), ``activations``, ``losses``, ``optimizers``,
``initializers``, ``model`` (Sequential). Each class keeps its forward and backward
passes side by side with the shapes in its docstring.
"""

import types as _types

from .activations import ACTIVATIONS, Activation, LeakyReLU, Linear, ReLU, Sigmoid, Softmax, Tanh, get_activation
from .gradcheck import numerical_gradient, relative_error
from .initializers import INITIALIZERS, Initializer, get_initializer
from .layers import Dense, Dropout
from .losses import (
    LOSSES,
    BinaryCrossEntropy,
    CategoricalCrossEntropy,
    Loss,
    MeanSquaredError,
    SigmoidBinaryCrossEntropy,
    SoftmaxCrossEntropy,
    get_loss,
)
from .metrics import accuracy, labels_from_outputs
from .model import History, Sequential, batch_indices
from .optimizers import OPTIMIZERS, SGD, Adagrad, Adam, Optimizer, RMSprop, get_optimizer

__all__ = [n for n, v in dict(globals()).items() if not n.startswith("_") and not isinstance(v, _types.ModuleType)]
