"""Keras 3: a ``keras.Sequential`` of ``Dense`` layers, compiled and trained on the spec's
batches (never ``fit``'s own batch 32 or shuffling). On the TensorFlow backend each step is
one ``tf.function`` of Keras's own train step (``Model.compute_loss``, the optimizer's
``apply_gradients``): the arithmetic of ``train_on_batch``, bit for bit (a test compares
them), without its per-call metric resets and data adaptation (1.3-1.7 -> 0.6-1.1 ms per
step on the gates and spiral). Other backends use ``train_on_batch``.

Runs on the TensorFlow backend by default and on any backend ``KERAS_BACKEND`` names.
TensorFlow's oneDNN kernels change round-off, so ``TF_ENABLE_ONEDNN_OPTS=0`` is set before
TensorFlow is imported, unless the user set it; ``KerasImplementation.environment()``
records the value.

Conventions, named once:
- ``Dense`` kernels are ``(in, out)`` like the spec: no transpose.
- Cross-entropy is computed on logits (``from_logits=True``) by a training model whose last
  Dense is linear; a second model that shares its layers adds the output activation for
  ``predict_proba``. On the TensorFlow backend Keras does this by itself for a softmax or
  sigmoid output; writing it out keeps every backend the same.
- Everything is built *and run* with ``floatx`` set to the spec's dtype. Keras creates its
  loss tracker and learning-rate variable in ``floatx``, and when it traces the train step
  it turns Python-float hyperparameters into ``floatx`` tensors before casting them
  (``ops.cast(self.momentum, variable.dtype)``): at float32, a float64 run would train
  with momentum 0.8999999761581421 and report float32-rounded losses.
- ``l1``, ``l2`` (``l1_bias``, ``l2_bias``) per layer are each Dense layer's
  ``kernel_regularizer`` (``bias_regularizer``) in Keras's own L1L2 form.
- dropout (``dropout_rng="native"``): ``keras.layers.Dropout`` seeded from the spec's seed.
- dropout: the spec's masks for the step are extra inputs of the training model, multiplied
  in after each hidden activation (``keras.layers.Dropout`` draws its own); the prediction
  model has none.
- ``weight_decay`` becomes L2 regularizers ``(wd/2)||p||^2`` on kernels and biases (Keras's
  own ``weight_decay`` is decoupled); the penalty Keras adds to the reported loss is
  subtracted again, so ``train`` reports the data loss like every implementation.
- ``lr_decay`` is ``InverseTimeDecay(lr, decay_steps=1, decay_rate=lr_decay)``.
- TensorFlow's ``tf.cast(python_float, tf.float64)`` goes through float32, and Keras casts
  Python-float constants that way in optimizers (momentum, betas), ``InverseTimeDecay``
  and ``L2`` (whose factor ``float()`` strips any NumPy type). In float64 runs this adapter
  therefore passes NumPy scalars of the spec's dtype, and uses ``ExactL1L2`` (Keras's L2
  formula with the factor kept in the weights' dtype). TF's ``LeakyRelu`` kernel stores
  its slope as a 32-bit attribute, so leaky ReLU is ``where(x > 0, x, alpha * x)`` with
  alpha in the spec's dtype. Built-in Keras, in float64, would train with the
  float32-rounded constants (a relative 1e-8 difference per step, see the tests).
- Optimizers follow the Keras forms (``spec.convention == "keras"``).
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import contextlib  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402

from . import keras_steps, threads  # noqa: E402
from .base import AdapterFacts, Implementation, NotExpressible, Presentation  # noqa: E402
from .spec import ELEMENTWISE_LOSSES, SpecError, Weights, penalty  # noqa: E402

# name -> Keras activation, called with the spec's parameters of the activation in the spec's
# dtype (spec.activation_params). TF's LeakyRelu kernel keeps its slope as a 32-bit attribute,
# so leaky ReLU is written out with alpha a NumPy scalar of the spec's dtype.
ACTIVATIONS = {
    "relu": lambda: "relu",
    "leaky_relu": lambda alpha: lambda x: keras.ops.where(x > 0, x, alpha * x),
    "sigmoid": lambda: "sigmoid",
    "tanh": lambda: "tanh",
    "linear": lambda: "linear",
    "softmax": lambda: "softmax",
}

LOSSES = {
    "categorical_crossentropy": lambda r, logits=True: keras.losses.SparseCategoricalCrossentropy(
        from_logits=logits, reduction=r
    ),
    "binary_crossentropy": lambda r, logits=True: keras.losses.BinaryCrossentropy(from_logits=logits, reduction=r),
    "mse": lambda r, logits=True: keras.losses.MeanSquaredError(reduction=r),
}
LOSS_NAMES = {
    "categorical_crossentropy": "SparseCategoricalCrossentropy",
    "binary_crossentropy": "BinaryCrossentropy",
    "mse": "MeanSquaredError",
}
# Keras's per-sample MSE and BCE are means over the outputs: its "sum" adds samples only.
REDUCTIONS = {"mean": "sum_over_batch_size", "sum": "sum"}


def _loss_factor(spec) -> float:
    """``loss_scale``, times k outputs for an element-wise "sum" (Keras's per-sample mean
    over the outputs leaves that out)."""
    outputs = spec.sizes[-1] if spec.loss_reduction == "sum" and spec.loss in ELEMENTWISE_LOSSES else 1
    return spec.loss_scale * outputs


def _loss(spec):
    """The spec's loss in Keras: its own reduction, times ``_loss_factor``."""
    base = LOSSES[spec.loss](
        REDUCTIONS[spec.loss_reduction], spec.fused
    )  # fused=False: on probabilities, clipped by Keras
    factor = np.asarray(_loss_factor(spec), dtype=spec.dtype)  # exact in float64 (see below)
    if factor == 1:
        return base
    return lambda y_true, y_pred: base(y_true, y_pred) * factor


# Hyperparameters go in as NumPy scalars of the spec's dtype (``f``): TensorFlow's
# ``tf.cast(0.9, tf.float64)`` converts a Python float to float32 first, so Keras's
# ``ops.cast(self.momentum, variable.dtype)`` would give a float64 run the momentum
# 0.8999999761581421 (np.float64 is a float subclass, so Keras's checks accept it).
OPTIMIZERS = {
    "sgd": lambda s, lr, f: keras.optimizers.SGD(learning_rate=lr, momentum=f(s.momentum), nesterov=s.nesterov),
    "adam": lambda s, lr, f: keras.optimizers.Adam(
        learning_rate=lr, beta_1=f(s.beta1), beta_2=f(s.beta2), epsilon=f(s.eps)
    ),
    "rmsprop": lambda s, lr, f: keras.optimizers.RMSprop(
        learning_rate=lr, rho=f(s.rho), epsilon=f(s.eps), momentum=f(s.momentum)
    ),
    "adagrad": lambda s, lr, f: keras.optimizers.Adagrad(
        learning_rate=lr, epsilon=f(s.eps), initial_accumulator_value=f(s.initial_accumulator)
    ),
}


@contextlib.contextmanager
def floatx(dtype: str):
    old = keras.config.floatx()
    keras.config.set_floatx(dtype)
    try:
        yield
    finally:
        keras.config.set_floatx(old)


def _activation(spec, name: str):
    """The table's activation, its parameters in the spec's dtype (unsupported() checked the name)."""
    dtype = np.dtype(spec.dtype).type
    return ACTIVATIONS[name](**{k: dtype(v) for k, v in spec.activation_params(name).items()})


class ExactL1L2(keras.regularizers.Regularizer):
    """``l1 * sum|x| + l2 * sum(x^2)`` like ``keras.regularizers.L1L2``, with the factors in
    x's dtype (Keras's own would cast them through float32)."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1, self.l2 = l1, l2

    def __call__(self, x):
        total = 0.0
        if self.l1:
            total += keras.ops.convert_to_tensor(np.asarray(self.l1, dtype=x.dtype)) * keras.ops.sum(keras.ops.abs(x))
        if self.l2:
            total += keras.ops.convert_to_tensor(np.asarray(self.l2, dtype=x.dtype)) * keras.ops.sum(
                keras.ops.square(x)
            )
        return total

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


class MultiplyInverseTimeDecay(keras.optimizers.schedules.LearningRateSchedule):
    """``lr * (1 / (1 + decay * t))``: the book's form of inverse-time decay (Keras's own
    InverseTimeDecay divides, ``lr / (1 + decay * t)``, which differs in the last bit)."""

    def __init__(self, lr, decay, dtype: str) -> None:
        self.lr, self.decay, self.dtype = lr, decay, dtype

    def __call__(self, step):
        t = keras.ops.cast(step, self.dtype)
        one = keras.ops.convert_to_tensor(np.asarray(1.0, self.dtype))
        return keras.ops.convert_to_tensor(np.asarray(self.lr, self.dtype)) * (
            one / (one + np.asarray(self.decay, self.dtype) * t)
        )

    def get_config(self) -> dict:
        return {"lr": float(self.lr), "decay": float(self.decay), "dtype": self.dtype}


def _probabilities(name: str):
    """sigmoid / softmax written out, so Keras's TensorFlow backend cannot recover the
    logits from the op (it does for its own sigmoid and softmax, and then fuses the loss)."""
    if name == "sigmoid":
        return lambda x: 1 / (1 + keras.ops.exp(-x))

    def softmax(x):
        e = keras.ops.exp(x - keras.ops.max(x, axis=1, keepdims=True))
        return e / keras.ops.sum(e, axis=1, keepdims=True)

    return softmax


def _regularizer(l1: float, l2: float) -> ExactL1L2 | None:
    return ExactL1L2(l1, l2) if l1 or l2 else None


class KerasImplementation(Implementation):
    facts = AdapterFacts(
        name="keras",
        display_name="Keras",
        import_module="keras",
        activations=frozenset(ACTIVATIONS),
        losses=frozenset(LOSSES),
        optimizers=frozenset(OPTIMIZERS),
        distributions={"keras": ("keras",), "tensorflow": ("tensorflow-cpu", "tensorflow")},
        conventions=("keras",),
        devices=("cpu", "cuda"),
        modes={
            "harness": "Keras's own train step (compute_loss, apply_gradients) as one tf.function, "
            "bit for bit train_on_batch",
            "fit": "model.fit for one epoch on the step's batch, as a Keras user would write it",
            "tf.function": "a bare tf.function step: the loss on the training model, GradientTape, optimizer.apply",
            "xla": "the bare tf.function step compiled by XLA (jit_compile=True)",
        },
        exact_modes=frozenset({"harness", "fit", "tf.function"}),
    )

    @classmethod
    def device_problem(cls, device: str) -> str | None:
        if device == "cuda" and keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            if not tf.config.list_physical_devices("GPU"):
                return "TensorFlow sees no GPU here"
        return super().device_problem(device)

    @classmethod
    def pin_threads(cls, n: int) -> dict[str, int]:
        """The pools of the backend in use: TensorFlow's, or PyTorch's."""
        if keras.backend.backend() == "torch":
            import torch

            return threads.pin_torch(torch, n)
        import tensorflow as tf

        return threads.pin_tensorflow(tf, n)

    @classmethod
    def environment(cls) -> dict[str, str]:
        return {
            **super().environment(),
            "KERAS_BACKEND": keras.backend.backend(),
            "TF_ENABLE_ONEDNN_OPTS": os.environ.get("TF_ENABLE_ONEDNN_OPTS", ""),
        }

    @classmethod
    def unsupported(cls, spec):
        yield from super().unsupported(spec)
        # Keras's type promotion maps float64 to float32 outside TensorFlow, "aligned with
        # JAX's default" (keras/src/backend/common/dtypes.py): matmuls of float64 weights
        # run in float32 on the torch backend. Asked of Keras itself, not assumed.
        if spec.dtype == "float64" and keras.backend.result_type("float64", "float64") != "float64":
            yield (
                f"float64 arithmetic on the {keras.backend.backend()} backend (Keras promotes float64 to float32 there)"
            )

    @classmethod
    def describe_training(cls, spec) -> str:
        """The spec's loss and optimizer as a Keras user writes them."""
        logits = "" if spec.loss == "mse" else f"from_logits={spec.fused}, "
        factor = _loss_factor(spec)
        loss = f"keras.losses.{LOSS_NAMES[spec.loss]}({logits}reduction={REDUCTIONS[spec.loss_reduction]!r})"
        loss += "" if factor == 1 else f" x {factor:g}"
        name = {"sgd": "SGD", "adam": "Adam", "rmsprop": "RMSprop", "adagrad": "Adagrad"}[spec.optimizer]
        return f"{loss} and keras.optimizers.{name}(learning_rate={spec.lr:g})"

    def _build(self) -> None:
        spec = self.spec
        # float64: NumPy scalars keep constants exact (see above); float32: Python floats,
        # whose float32 conversion is the right rounding (and np.float32 is no float).
        f = np.float64 if spec.dtype == "float64" else float
        with floatx(spec.dtype), self._placement():
            wd = spec.weight_decay / 2  # coupled L2 on everything: (wd/2) ||p||^2
            inputs = keras.Input((spec.sizes[0],), dtype=spec.dtype)
            self.dense, self.layers = [], []  # Dense layers; every layer in order
            mask_inputs = []  # the spec's dropout masks come in as inputs of the training model
            x = xt = inputs  # the prediction path and the training path (with dropout), sharing layers
            for i, fan_out in enumerate(spec.sizes[1:]):
                l1, l2, l1b, l2b = spec.penalties(i)
                layer = keras.layers.Dense(
                    fan_out,
                    use_bias=spec.use_bias,
                    kernel_regularizer=_regularizer(l1, l2 + wd),
                    bias_regularizer=_regularizer(l1b, l2b + wd) if spec.use_bias else None,
                    dtype=spec.dtype,
                )
                last = i == len(spec.sizes) - 2
                unfused_out = last and not spec.fused and spec.loss != "mse"
                act = keras.layers.Activation(
                    _probabilities(spec.activations[i]) if unfused_out else _activation(spec, spec.activations[i]),
                    dtype=spec.dtype,
                )
                self.dense.append(layer)
                self.layers += [layer, act]
                x = act(layer(x))
                logits = layer(xt)
                xt = act(logits)
                if not last and spec.dropout_rate(i) and spec.dropout_rng == "native":
                    # Keras's own dropout (seeded, active in train_on_batch only).
                    xt = keras.layers.Dropout(spec.dropout_rate(i), seed=spec.seed * 1009 + i, dtype=spec.dtype)(xt)
                elif not last and spec.dropout_rate(i):
                    mask = keras.Input((fan_out,), dtype=spec.dtype)
                    mask_inputs.append(mask)
                    xt = keras.layers.Multiply(dtype=spec.dtype)([xt, mask])
            self.fused = spec.loss != "mse" and spec.fused
            self.model = keras.Model(inputs, x)  # what a Keras user would write
            self.train_model = keras.Model(
                [inputs, *mask_inputs] if mask_inputs else inputs, logits if self.fused else xt
            )
            lr = float(spec.lr)  # becomes a variable created in floatx: exact
            if spec.lr_decay and spec.lr_decay_form == "multiply":
                lr = MultiplyInverseTimeDecay(lr, spec.lr_decay, spec.dtype)
            elif spec.lr_decay:
                lr = keras.optimizers.schedules.InverseTimeDecay(f(lr), decay_steps=1, decay_rate=f(spec.lr_decay))
            self.optimizer = OPTIMIZERS[spec.optimizer](spec, lr, f)
            self.loss_fn = _loss(spec)
            self.train_model.compile(optimizer=self.optimizer, loss=self.loss_fn)
            self.optimizer.build(self.train_model.trainable_variables)
            self.train_model.make_train_function()
            self._train_step = (
                keras_steps.tf_train_step(self.train_model) if keras.backend.backend() == "tensorflow" else None
            )
            self.penalised = bool(spec.weight_decay or spec.regularized)  # Keras's loss includes regularizers
            # The optimizer's state as built (step count, slots; a learning-rate schedule
            # reads the step count): what restart() puts back.
            self._fresh_optimizer = [np.array(v.numpy()) for v in self.optimizer.variables]

    def restart(self, weights: Weights) -> KerasImplementation:
        """The optimizer's variables back to their values as built, the weights loaded, step
        0: a fresh build's state without building and tracing again. Keras's own dropout
        keeps a seed generator's state in the model, so that spec is built anew."""
        if self.spec.native_dropout:
            return super().restart(weights)
        for variable, value in zip(self.optimizer.variables, self._fresh_optimizer):
            variable.assign(value)
        self.set_weights(weights)
        self.steps_taken, self._epoch_cache, self.masks = 0, None, None
        return self

    def set_weights(self, weights: Weights) -> None:
        for layer, (W, b) in zip(self.dense, weights):
            layer.set_weights([W, b] if self.spec.use_bias else [W])

    def get_weights(self) -> Weights:
        return [_pair(self, [np.array(a) for a in layer.get_weights()]) for layer in self.dense]

    def _native(self, X, y):
        if self.spec.loss == "binary_crossentropy":
            y = y.reshape(len(y), -1).astype(self.dtype)
        return X, y

    def _penalty(self) -> float:
        """What the regularizers add to Keras's reported loss: the spec's penalties and
        (wd/2) sum ||p||^2 over every weight and bias (b = 0 without biases)."""
        weights = self.get_weights()
        wd = self.spec.weight_decay
        return (
            penalty(self.spec, weights) + sum(float(np.sum(np.square(a))) for W, b in weights for a in (W, b)) * wd / 2
        )

    def _spec_penalty(self):
        """The spec's l1/l2 terms as a Keras expression (not weight_decay, which is an
        optimizer's and left out of gradients() as in every implementation)."""
        total = 0.0
        for i, layer in enumerate(self.dense):
            l1, l2, l1b, l2b = self.spec.penalties(i)
            for v, reg in (
                (layer.kernel, _regularizer(l1, l2)),
                (layer.bias if self.spec.use_bias else None, _regularizer(l1b, l2b)),
            ):
                if reg is not None and v is not None:
                    total += reg(v)
        return total

    def train_inputs(self, X, masks):
        """The training model's inputs: X, and the step's dropout masks when there are any."""
        given = [m for m in masks or [] if m is not None]
        return [X, *given] if given else X

    def _use_mode(self, mode: str) -> None:
        if keras.backend.backend() != "tensorflow":
            raise NotExpressible(
                self.facts.name, f"the {mode} mode (it needs the TensorFlow backend, not {keras.backend.backend()})"
            )
        if mode in ("tf.function", "xla") and self.penalised:
            raise NotExpressible(
                self.facts.name, f"the {mode} mode with penalties (the bare step leaves Keras's regularizers out)"
            )
        if mode == "harness":
            self._train_step = keras_steps.tf_train_step(self.train_model)
        elif mode == "fit":
            fit = self.train_model.fit
            self._train_step = lambda x, y: fit(x, y, batch_size=len(y), epochs=1, shuffle=False, verbose=0).history[
                "loss"
            ][0]
        else:
            self._train_step = keras_steps.tf_bare_step(
                self.train_model, self.optimizer, self.loss_fn, jit=mode == "xla"
            )

    def _step(self, X, y) -> float:
        penalty = self._penalty() if self.penalised else 0.0
        with floatx(self.spec.dtype), self._placement():
            if self._train_step is None:
                return float(self.train_model.train_on_batch(self.train_inputs(X, self.masks), y)) - penalty
            loss, n = self.dtype.type(self._train_step(self.train_inputs(X, self.masks), y)), self.dtype.type(len(X))
            # As Keras's loss tracker reports one batch: (loss n) / n, rounded in the spec's dtype
            # (here, on the host: in the graph TensorFlow may simplify it away).
            return float(loss * n / n) - penalty

    def _proba(self, X: np.ndarray) -> np.ndarray:
        with self._placement():
            return keras.ops.convert_to_numpy(self.model(X, training=False))

    def _placement(self):
        """TensorFlow's device scope for ``self.device`` (other backends place by themselves)."""
        if keras.backend.backend() != "tensorflow":
            return contextlib.nullcontext()
        import tensorflow as tf

        if self.device == "cuda" and not tf.config.list_physical_devices("GPU"):
            raise SpecError("--device cuda: TensorFlow sees no GPU here; use --device cpu")
        if self.device == "cuda":  # TensorFlow's deterministic kernels; no TF32 rounding of float32 products
            tf.config.experimental.enable_op_determinism()
            tf.config.experimental.enable_tensor_float_32_execution(False)
        return tf.device("/GPU:0" if self.device == "cuda" else "/CPU:0")

    def gradients(self, X, y):
        X, y = self._native(*self.check_data(X, y))
        with floatx(self.spec.dtype), self._placement():
            loss, grads = keras_steps.GRADIENTS[keras.backend.backend()](self, X, y, self.variables())
        per_layer = 2 if self.spec.use_bias else 1
        return loss, [_pair(self, grads[i : i + per_layer]) for i in range(0, len(grads), per_layer)]

    def variables(self) -> list:
        """Trainable variables, layer by layer: kernel (and bias)."""
        return [
            v for layer in self.dense for v in ([layer.kernel, layer.bias] if self.spec.use_bias else [layer.kernel])
        ]

    def layer_outputs(self, X: np.ndarray) -> list[np.ndarray]:
        out, outputs = np.asarray(X, self.dtype), []
        with floatx(self.spec.dtype), self._placement():
            for layer in self.layers:
                out = layer(out)
                outputs.append(keras.ops.convert_to_numpy(out))
        return outputs


def _pair(impl: KerasImplementation, arrays: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(W, b) from a layer's [kernel, bias] (or [kernel]: b is zeros without biases)."""
    W = arrays[0]
    return W, arrays[1] if len(arrays) > 1 else np.zeros(W.shape[1], impl.dtype)


ADAPTER = KerasImplementation
PRESENTATION = Presentation(colour="#d62728")
