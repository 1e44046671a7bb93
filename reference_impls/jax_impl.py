"""JAX with optax: the network as a pure function of its parameters, differentiated by
``jax.value_and_grad``, trained by an optax chain.

Conventions, named once:
- float64 through JAX's x64 mode: ``jax_enable_x64`` is set when this module is imported
  (without it JAX silently turns every float64 array into float32); a float32 spec builds
  float32 arrays, and Python-float hyperparameters stay weakly typed (float32 arithmetic).
- Parameters are ``[{"W": (in, out), "b": (out,)}, ...]``, the spec's layout: no transpose;
  ``use_bias=False`` leaves ``"b"`` out (``get_weights`` reads zeros).
- Cross-entropy is computed on logits (optax's ``softmax_cross_entropy_with_integer_labels``;
  binary: the same loss on logits, its derivative stated as the frameworks compute it, see
  ``sigmoid_binary_cross_entropy``), the output activation applied only for
  ``predict_proba``; ``fused=False``: on the probabilities clipped to [EPS, 1 - EPS], as the
  book's chapter 16 and Keras compute it. MSE is ``squared_error`` on the outputs.
- ``loss_reduction`` is the mean or the sum of those per-sample (per-element for MSE and
  BCE) losses, ``loss_scale`` a factor on it.
- ``l1``, ``l2`` (and on biases) per layer are explicit penalty terms differentiated with
  the loss; the reported loss is the data loss alone, like every implementation's.
- The optimizer, ``weight_decay`` and ``lr_decay`` in the spec's form: ``jax_optimizers``.
- dropout: the spec's masks for the step, multiplied in after each hidden activation; with
  ``dropout_rng="native"``, JAX's own ``random.bernoulli`` on a key seeded from the spec,
  split once per step.
- Modes: ``harness`` compiles the whole step (forward, gradients, optimizer update) with
  ``jax.jit`` into one XLA program, as JAX's users write a training step; ``eager`` runs the
  same step op by op (every primitive dispatched as its own kernel, ~50x slower here). XLA
  fuses the jitted arithmetic differently, so the two agree to round-off, not bit for bit.
  The network's functions are built once per network and optimizer (``functions``), so a
  rebuilt or restarted model, or another seed, reuses the compiled steps.
"""

from __future__ import annotations

import functools
import os
import warnings

import jax

jax.config.update("jax_enable_x64", True)  # before any array exists: float64 specs stay float64
# JAX warns at every os.fork(). validate forks a child per user network that runs only the
# user's code, never JAX (validation/sandbox.py), so the warning would only alarm its users.
warnings.filterwarnings("ignore", message=r"os\.fork\(\) was called", category=RuntimeWarning)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

from scratch.losses import EPS  # noqa: E402  (the clip of a loss on probabilities)

from . import jax_optimizers  # noqa: E402
from .base import AdapterFacts, Implementation, Presentation  # noqa: E402
from .spec import ModelSpec, Weights  # noqa: E402

# name -> function, called with the spec's parameters of the activation (spec.activation_params)
ACTIVATIONS = {
    "relu": lambda: jax.nn.relu,
    "leaky_relu": lambda alpha: lambda x: jnp.where(x > 0, x, alpha * x),
    "sigmoid": lambda: jax.nn.sigmoid,
    "tanh": lambda: jnp.tanh,
    "linear": lambda: lambda x: x,
    "softmax": lambda: lambda x: jax.nn.softmax(x, axis=1),
}


@jax.custom_jvp
def sigmoid_binary_cross_entropy(z, y):
    """``max(z, 0) - z y + log(1 + exp(-|z|))`` per element, on logits, with the derivative
    ``sigmoid(z) - y`` as PyTorch's ``BCEWithLogitsLoss`` and the scratch network compute it.
    Differentiating optax's form (``log_sigmoid``) gives ``-sigmoid(-z)`` for y = 1: more
    digits where the output saturates, but not the frameworks' number, and an optimizer that
    divides by the gradient's own size (RMSprop) turns those last-bit differences into steps."""
    return jnp.maximum(z, 0) - z * y + jnp.log1p(jnp.exp(-jnp.abs(z)))


@sigmoid_binary_cross_entropy.defjvp
def _sigmoid_binary_cross_entropy_jvp(primals, tangents):
    (z, y), (dz, _) = primals, tangents
    return sigmoid_binary_cross_entropy(z, y), (1 / (1 + jnp.exp(-z)) - y) * dz


# name -> (logits or outputs, targets) -> per-sample (categorical) or per-element losses
LOSSES = {
    "categorical_crossentropy": optax.losses.softmax_cross_entropy_with_integer_labels,  # logits, labels
    "binary_crossentropy": sigmoid_binary_cross_entropy,  # logits
    "mse": optax.losses.squared_error,  # outputs
}


def _clipped_categorical(p, y):
    return -jnp.log(jnp.take_along_axis(jnp.clip(p, EPS, 1 - EPS), y[:, None], axis=1)[:, 0])


def _clipped_binary(p, y):
    p = jnp.clip(p, EPS, 1 - EPS)
    return -(y * jnp.log(p) + (1 - y) * jnp.log(1 - p))


# fused=False: the loss on the output probabilities, clipped
CLIPPED_LOSSES = {"categorical_crossentropy": _clipped_categorical, "binary_crossentropy": _clipped_binary}
REDUCTIONS = {"mean": jnp.mean, "sum": jnp.sum}


def _dense(layer: dict, X):
    """``X: (n, in) -> (n, out)``: ``X W + b``."""
    return X @ layer["W"] + layer["b"] if "b" in layer else X @ layer["W"]


class Functions:
    """The spec's network as pure functions of ``(params, data)`` and its optax chain, eager
    and jitted; built once per spec (``functions``) so that rebuilt models share compiled steps."""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        self.hidden = [ACTIVATIONS[a](**spec.activation_params(a)) for a in spec.hidden_activations]
        self.head = ACTIVATIONS[spec.output_activation](**spec.activation_params(spec.output_activation))
        self.fused = spec.loss != "mse" and spec.fused
        per_item = LOSSES[spec.loss] if self.fused or spec.loss == "mse" else CLIPPED_LOSSES[spec.loss]
        reduce, scale = REDUCTIONS[spec.loss_reduction], float(spec.loss_scale)
        self.loss = (lambda z, y: reduce(per_item(z, y))) if scale == 1 else lambda z, y: reduce(per_item(z, y)) * scale
        self.rates = [spec.dropout_rate(i) for i in range(len(spec.sizes) - 2)]
        self.tx = jax_optimizers.optimizer(spec)
        self.value_and_grad = jax.value_and_grad(self.objective, has_aux=True)
        self.jit_step, self.jit_value_and_grad = jax.jit(self.step), jax.jit(self.value_and_grad)
        self.proba = jax.jit(lambda params, X: self.head(self.logits(params, X)))

    def logits(self, params: list, X, masks=None, key=None):
        """``X: (n, in) -> (n, k)`` pre-activation outputs, with this step's dropout (the
        given ``masks``, one per hidden layer or None; or drawn from ``key``)."""
        a = X
        for i, layer in enumerate(params[:-1]):
            a = self.hidden[i](_dense(layer, a))
            if masks is not None and masks[i] is not None:
                a = a * masks[i]
            elif key is not None and self.rates[i]:
                keep = jax.random.bernoulli(jax.random.fold_in(key, i), 1 - self.rates[i], a.shape)
                a = jnp.where(keep, a / (1 - self.rates[i]), 0)
        return _dense(params[-1], a)

    def penalty(self, params: list):
        """The spec's l1/l2 terms on each layer's weights and biases."""
        total = 0.0
        for i, layer in enumerate(params):
            l1, l2, l1b, l2b = self.spec.penalties(i)
            for name, (c1, c2) in (("W", (l1, l2)), ("b", (l1b, l2b))):
                if c1 and name in layer:  # |x| as x sign(x): derivative sign(x), 0 at 0 (jnp.abs's is 1 there)
                    total = total + c1 * jnp.sum(layer[name] * jnp.sign(layer[name]))
                if c2 and name in layer:
                    total = total + c2 * jnp.sum(jnp.square(layer[name]))
        return total

    def objective(self, params: list, X, y, masks=None, key=None):
        """(data loss + penalties, data loss): what is differentiated, and what is reported."""
        z = self.logits(params, X, masks, key)
        loss = self.loss(z if self.fused else self.head(z), y)
        return (loss + self.penalty(params) if self.spec.regularized else loss), loss

    def step(self, params: list, opt_state, X, y, masks=None, key=None):
        """One training step: (new params, new optimizer state, the batch's data loss)."""
        (_, loss), grads = self.value_and_grad(params, X, y, masks, key)
        updates, opt_state = self.tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss


def functions(spec: ModelSpec) -> Functions:
    """``Functions`` of ``spec``, shared in this process by every model whose spec differs
    only in what the functions never read (the seed, the batching)."""
    return _functions(spec.replace(seed=0, batch_size=None, shuffle=False))


@functools.lru_cache(maxsize=32)
def _functions(spec: ModelSpec) -> Functions:
    return Functions(spec)


# mode -> the Functions' (training step, loss and gradients) it runs
MODES = {
    "harness": lambda f: (f.jit_step, f.jit_value_and_grad),
    "eager": lambda f: (f.step, f.value_and_grad),
}
# XLA's CPU pool to one thread (it reads XLA_FLAGS once, when JAX's backend starts)
ONE_THREAD_FLAGS = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"


class JaxImplementation(Implementation):
    facts = AdapterFacts(
        name="jax",
        display_name="JAX",
        import_module="jax",
        activations=frozenset(ACTIVATIONS),
        losses=frozenset(LOSSES),
        optimizers=frozenset(name for name, _ in jax_optimizers.FORMS),
        distributions={"jax": ("jax",), "jaxlib": ("jaxlib",), "optax": ("optax",)},
        conventions=("pytorch", "keras"),
        modes={
            "harness": "jax.jit of the whole training step (forward, value_and_grad, optax update): one XLA program",
            "eager": "JAX eager: value_and_grad and the optax update op by op, not jitted (XLA fuses the jitted "
            "step's arithmetic differently: round-off apart)",
        },
        exact_modes=frozenset({"harness"}),
    )

    @classmethod
    def pin_threads(cls, n: int) -> dict[str, int]:
        """One thread: XLA's CPU flags, while JAX's backend has not started (other counts:
        XLA sizes its pool to the machine, recorded as such)."""
        try:  # JAX-internal: whether XLA's backend has read its flags already
            from jax._src.xla_bridge import backends_are_initialized
        except ImportError:  # another JAX: assume started, set nothing
            return {"threads_jax": os.cpu_count() or 1}
        flags = os.environ.get("XLA_FLAGS", "")
        if n == 1 and not backends_are_initialized() and ONE_THREAD_FLAGS not in flags:
            os.environ["XLA_FLAGS"] = f"{flags} {ONE_THREAD_FLAGS}".strip()
        return {"threads_jax": 1 if ONE_THREAD_FLAGS in os.environ.get("XLA_FLAGS", "") else os.cpu_count() or 1}

    @classmethod
    def describe_training(cls, spec) -> str:
        """The spec's loss and optimizer as a JAX user writes them."""
        per_item = LOSSES[spec.loss] if spec.loss == "mse" or spec.fused else CLIPPED_LOSSES[spec.loss]
        where = "optax.losses." if per_item.__module__.startswith("optax") else ""
        loss = f"jnp.{spec.loss_reduction}({where}{per_item.__name__.lstrip('_')}(...))"
        loss += "" if spec.loss_scale == 1 else f" x {spec.loss_scale:g}"
        form = f" in the {spec.convention} form" if spec.convention_matters else ""
        return f"{loss} and optax.{spec.optimizer}(learning_rate={spec.lr:g}){form}"

    def _build(self) -> None:
        self.fns = functions(self.spec)
        self.params: list | None = None
        self.opt_state = None
        self.key = jax.random.PRNGKey(self.spec.seed) if self.spec.native_dropout else None
        self._use_mode(self.mode)

    def _use_mode(self, mode: str) -> None:
        self._train, self._value_and_grad = MODES[mode](self.fns)

    def set_weights(self, weights: Weights) -> None:
        # Copied first: on the CPU a device array may share a NumPy array's memory, and a
        # caller (a user's network under validate) may update its own arrays in place.
        self.params = [
            {"W": jnp.asarray(np.array(W)), **({"b": jnp.asarray(np.array(b))} if self.spec.use_bias else {})}
            for W, b in weights
        ]
        if self.opt_state is None:
            self.opt_state = self.fns.tx.init(self.params)

    def get_weights(self) -> Weights:
        return [self._pair(layer) for layer in self.params]

    def _pair(self, layer: dict) -> tuple[np.ndarray, np.ndarray]:
        """(W, b) of a layer (or of its gradients) as NumPy; b zeros without biases."""
        W = np.array(layer["W"])
        return W, np.array(layer["b"]) if "b" in layer else np.zeros(W.shape[1], self.dtype)

    def _native(self, X, y):
        if self.spec.loss == "binary_crossentropy":
            y = y.reshape(len(y), -1).astype(self.dtype)
        return X, y  # NumPy: batches are taken there, and a jitted step takes NumPy arguments

    def _masks(self, masks: list | None) -> tuple | None:
        return None if masks is None else tuple(masks)

    def _step(self, X, y) -> float:
        key = None
        if self.key is not None:
            self.key, key = jax.random.split(self.key)
        self.params, self.opt_state, loss = self._train(self.params, self.opt_state, X, y, self._masks(self.masks), key)
        return float(loss)

    def _proba(self, X: np.ndarray) -> np.ndarray:
        return np.array(self.fns.proba(self.params, X))

    def gradients(self, X, y):
        X, y = self._native(*self.check_data(X, y))
        key = None if self.key is None else jax.random.split(self.key)[1]  # the next step's key, not consumed
        (_, loss), grads = self._value_and_grad(self.params, X, y, self._masks(self.next_masks(len(X))), key)
        return float(loss), [self._pair(g) for g in grads]

    def layer_outputs(self, X: np.ndarray) -> list[np.ndarray]:
        out, outputs = jnp.asarray(np.asarray(X, self.dtype)), []
        activations = [*self.fns.hidden, self.fns.head]
        for layer, activation in zip(self.params, activations):
            z = _dense(layer, out)
            out = activation(z)
            outputs += [np.array(z), np.array(out)]
        return outputs


ADAPTER = JaxImplementation
PRESENTATION = Presentation(colour="#9467bd")
