"""scratch: a neural network written by hand in NumPy (and nothing else).

Read in this order: ``layers`` (Dense), ``activations``, ``losses``, ``penalties``,
``optimizers``, ``initializers``, ``model`` (Sequential); ``lean`` (the in-place training
step) only when memory matters. Each class keeps its forward and backward
passes side by side with the shapes in its docstring.
"""

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

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "LeakyReLU",
    "Linear",
    "ReLU",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "get_activation",
    "numerical_gradient",
    "relative_error",
    "INITIALIZERS",
    "Initializer",
    "get_initializer",
    "Dense",
    "Dropout",
    "LOSSES",
    "BinaryCrossEntropy",
    "CategoricalCrossEntropy",
    "Loss",
    "MeanSquaredError",
    "SigmoidBinaryCrossEntropy",
    "SoftmaxCrossEntropy",
    "get_loss",
    "accuracy",
    "labels_from_outputs",
    "History",
    "Sequential",
    "batch_indices",
    "OPTIMIZERS",
    "SGD",
    "Adagrad",
    "Adam",
    "Optimizer",
    "RMSprop",
    "get_optimizer",
]
