"""PyTorch: ``nn.Sequential`` of ``nn.Linear`` layers trained with ``torch.optim``.

Conventions, named once:
- ``nn.Linear`` stores ``weight`` as ``(out, in)``: loading transposes the spec's
  ``(in, out)`` matrix, reading transposes back.
- Cross-entropy losses are computed on logits (``CrossEntropyLoss``, ``BCEWithLogitsLoss``,
  mean reduction), the output activation is applied only for ``predict_proba``: the same
  fused loss the scratch network trains with.
- ``loss_reduction`` is the loss's own ``reduction`` ("mean"/"sum"), ``loss_scale`` a
  constant factor on it; ``use_bias=False`` is ``nn.Linear(bias=False)``.
- ``l1``, ``l2`` (and on biases) per layer are explicit penalty terms backpropagated with
  the loss; the reported loss is the data loss alone, like every implementation's.
- ``weight_decay`` is PyTorch's own (coupled L2: ``g += wd * p``, every parameter).
- ``lr_decay`` in the "multiply" form is a ``LambdaLR`` schedule ``1 / (1 + decay * t)``
  stepped once per step; in the "divide" form ``lr / (1 + decay * t)`` is set before each step.
- ``device``: the modules and every tensor live on ``cpu`` or ``cuda``; arrays come back
  through ``.cpu()``. (cuBLAS sums in another order than the CPU: see docs/cluster.md.)
- dropout is ``MaskDropout``, multiplying by the spec's mask for the step (see its note),
  or with ``dropout_rng="native"`` torch's own ``nn.functional.dropout`` on a random stream
  seeded from the spec and kept apart from torch's global one.
- ``fused=False``: cross-entropy on the output probabilities, clipped as Keras and the book clip.
- Optimizers follow the PyTorch forms (``spec.convention == "pytorch"``).
"""

from __future__ import annotations

import os

import numpy as np
import torch
from torch import nn

from scratch.losses import EPS  # the clip of a loss on probabilities (Keras's epsilon, the tutorials')

from . import threads
from .base import AdapterFacts, Implementation, Presentation
from .spec import SpecError, Weights

# name -> module, called with the spec's parameters of the activation (spec.activation_params)
ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": lambda alpha: nn.LeakyReLU(negative_slope=alpha),
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "linear": nn.Identity,
    "softmax": lambda: nn.Softmax(dim=1),
}

LOSSES = {
    "categorical_crossentropy": nn.CrossEntropyLoss,  # on logits, integer targets
    "binary_crossentropy": nn.BCEWithLogitsLoss,  # on logits
    "mse": nn.MSELoss,  # on outputs, mean over every element
}

OPTIMIZERS = {
    "sgd": lambda s: dict(momentum=s.momentum, nesterov=s.nesterov),
    "adam": lambda s: dict(betas=(s.beta1, s.beta2), eps=s.eps),
    "rmsprop": lambda s: dict(alpha=s.rho, eps=s.eps, momentum=s.momentum),
    "adagrad": lambda s: dict(eps=s.eps, initial_accumulator_value=s.initial_accumulator),
}
OPTIMIZER_CLASSES = {
    "sgd": torch.optim.SGD,
    "adam": torch.optim.Adam,
    "rmsprop": torch.optim.RMSprop,
    "adagrad": torch.optim.Adagrad,
}
TORCH_DTYPES = {"float32": torch.float32, "float64": torch.float64}


class TorchImplementation(Implementation):
    facts = AdapterFacts(
        name="torch",
        display_name="PyTorch",
        import_module="torch",
        activations=frozenset(ACTIVATIONS),
        losses=frozenset(LOSSES),
        optimizers=frozenset(OPTIMIZERS),
        distributions={"torch": ("torch",)},
        conventions=("pytorch",),
        devices=("cpu", "cuda"),
        modes={
            "harness": "PyTorch eager: forward, backward and optimizer.step op by op (evaluation under inference_mode)",
            "compile": "torch.compile of the forward pass and loss (its backward compiled with it); "
            "the optimizer step eager",
        },
        eager_baseline="harness",  # PyTorch eager: the usual yardstick of a hand-written network's per-step cost
    )

    @classmethod
    def device_problem(cls, device: str) -> str | None:
        if device == "cuda" and not torch.cuda.is_available():
            return "torch sees no CUDA device here (torch.cuda.is_available() is False)"
        return super().device_problem(device)

    @classmethod
    def pin_threads(cls, n: int) -> dict[str, int]:
        return threads.pin_torch(torch, n)

    @classmethod
    def describe_training(cls, spec) -> str:
        """The spec's loss and optimizer as a PyTorch user writes them."""
        loss = f"nn.{LOSSES[spec.loss].__name__}(reduction={spec.loss_reduction!r})"
        loss += "" if spec.loss_scale == 1 else f" x {spec.loss_scale:g}"
        return f"{loss} and torch.optim.{OPTIMIZER_CLASSES[spec.optimizer].__name__}(lr={spec.lr:g})"

    def _use_mode(self, mode: str) -> None:
        if mode == "compile":
            self._loss = torch.compile(type(self)._loss.__get__(self))
        else:
            self.__dict__.pop("_loss", None)  # the class's eager _loss again

    def _build(self) -> None:
        spec = self.spec
        self.tdtype = TORCH_DTYPES[spec.dtype]
        modules: list[nn.Module] = []
        for i, ((fan_in, fan_out), act) in enumerate(zip(zip(spec.sizes, spec.sizes[1:]), spec.hidden_activations)):
            modules += [
                nn.Linear(fan_in, fan_out, bias=spec.use_bias, dtype=self.tdtype),
                ACTIVATIONS[act](**spec.activation_params(act)),
            ]
            if spec.dropout_rate(i):
                modules.append(MaskDropout(spec.dropout_rate(i) if spec.native_dropout else 0.0))
        modules.append(nn.Linear(spec.sizes[-2], spec.sizes[-1], bias=spec.use_bias, dtype=self.tdtype))
        self.body = nn.Sequential(*modules)  # outputs logits (pre-activation)
        self.head = ACTIVATIONS[spec.output_activation](**spec.activation_params(spec.output_activation))
        self.dropouts = [m for m in self.body if isinstance(m, MaskDropout)]
        if spec.native_dropout:  # torch's own dropout, on a random stream of this model's own
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(spec.seed)
                self.rng_state = torch.get_rng_state()
        self.tdevice = _device(self.device)
        self.body.to(self.tdevice)
        self.fused = spec.loss != "mse" and spec.fused
        self.loss_fn = (
            LOSSES[spec.loss](reduction=spec.loss_reduction)
            if self.fused or spec.loss == "mse"
            else _clipped_loss(spec.loss, spec.loss_reduction, spec.sizes[-1])
        )
        self.loss_scale = float(spec.loss_scale)
        self.regularized = spec.regularized  # asked once, not per step (~30 us on a gate)
        self.linears = [m for m in self.body if isinstance(m, nn.Linear)]
        self.optimizer = OPTIMIZER_CLASSES[spec.optimizer](
            self.body.parameters(),
            lr=float(spec.lr),
            weight_decay=spec.weight_decay,
            **OPTIMIZERS[spec.optimizer](spec),
        )
        decay = spec.lr_decay
        # LambdaLR sets lr * (1 / (1 + d t)): the "multiply" form. The "divide" form lr / (1 + d t)
        # is set on the parameter groups before each step (_step), exactly as written.
        multiply = decay and spec.lr_decay_form == "multiply"
        self.scheduler = (
            torch.optim.lr_scheduler.LambdaLR(self.optimizer, lambda t: 1.0 / (1.0 + decay * t)) if multiply else None
        )

    def set_weights(self, weights: Weights) -> None:
        with torch.no_grad():
            for lin, (W, b) in zip(self.linears, weights):
                lin.weight.copy_(self._tensor(np.ascontiguousarray(W.T)))  # (in, out) -> (out, in)
                if lin.bias is not None:
                    lin.bias.copy_(self._tensor(b))

    def get_weights(self) -> Weights:
        return [(_numpy(lin.weight).T.copy(), _bias(lin)) for lin in self.linears]

    def _native(self, X, y):
        yt = self._tensor(y)
        if self.spec.loss == "binary_crossentropy":
            yt = yt.reshape(len(y), -1).to(self.tdtype)
        return self._tensor(np.ascontiguousarray(X)), yt

    def _take(self, data, rows):
        return data[rows] if isinstance(rows, slice) else data[self._tensor(rows)]

    def _tensor(self, a: np.ndarray) -> torch.Tensor:
        """A NumPy array on this model's device (shared memory on the CPU)."""
        return torch.from_numpy(a).to(self.tdevice)

    def _loss(self, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        z = self.body(X)
        loss = self.loss_fn(z if self.fused else self.head(z), y)
        return loss if self.loss_scale == 1 else loss * self.loss_scale

    def _penalty(self) -> torch.Tensor | float:
        """The spec's l1/l2 penalties on each layer, an explicit term of the loss (PyTorch's
        weight_decay is L2 on every parameter alike, so per-layer and L1 terms are written out)."""
        total: torch.Tensor | float = 0.0
        for i, lin in enumerate(self.linears):
            for p, (l1, l2) in ((lin.weight, self.spec.penalties(i)[:2]), (lin.bias, self.spec.penalties(i)[2:])):
                if l1:
                    total = total + l1 * p.abs().sum()
                if l2:
                    total = total + l2 * p.square().sum()
        return total

    def _backward(self, X: torch.Tensor, y: torch.Tensor, masks: list | None) -> torch.Tensor:
        """Data loss (returned, as every implementation reports it) and, backpropagated with
        it, the penalties; with this step's dropout masks, removed again afterwards."""
        for module, mask in zip(self.dropouts, [m for m in masks or [] if m is not None]):
            module.mask = self._tensor(mask)
        try:
            if self.spec.native_dropout:
                with torch.random.fork_rng(devices=[]):
                    torch.set_rng_state(self.rng_state)
                    for module in self.dropouts:
                        module.active = True
                    loss = self._loss(X, y)
                    self.rng_state = torch.get_rng_state()
            else:
                loss = self._loss(X, y)
            (loss + self._penalty() if self.regularized else loss).backward()
        finally:
            for module in self.dropouts:
                module.mask, module.active = None, False
        return loss

    def _step(self, X, y) -> float:
        if self.spec.lr_decay and self.scheduler is None:
            for group in self.optimizer.param_groups:
                group["lr"] = float(self.spec.lr) / (1.0 + self.spec.lr_decay * self.steps_taken)
        self.optimizer.zero_grad(set_to_none=True)
        loss = self._backward(X, y, self.masks)
        self.optimizer.step()
        if self.scheduler is not None:
            self.scheduler.step()
        return loss.item()

    def _proba(self, X: np.ndarray) -> np.ndarray:
        # Evaluation only: inference_mode (no autograd bookkeeping at all), the documented
        # fastest way to run a forward pass; its tensors never enter a training step.
        with torch.inference_mode():
            return _numpy(self.head(self.body(self._tensor(np.ascontiguousarray(X)))))

    def gradients(self, X, y):
        Xt, yt = self._native(*self.check_data(X, y))
        self.body.zero_grad(set_to_none=True)
        loss = self._backward(Xt, yt, self.next_masks(len(Xt)))
        grads = [(_numpy(lin.weight.grad).T.copy(), _bias(lin, grad=True)) for lin in self.linears]
        self.body.zero_grad(set_to_none=True)
        return loss.item(), grads

    def layer_outputs(self, X: np.ndarray) -> list[np.ndarray]:
        out, outputs = self._tensor(np.ascontiguousarray(X, dtype=self.dtype)), []
        with torch.inference_mode():
            for module in [m for m in self.body if not isinstance(m, MaskDropout)] + [self.head]:
                out = module(out)
                outputs.append(_numpy(out).copy())
        return outputs


class MaskDropout(nn.Module):
    """Dropout with a mask given from outside (the spec's, the same for every implementation):
    ``x * mask`` during a training step, the identity otherwise. ``nn.Dropout`` draws its own
    mask from torch's generator, which no other framework could reproduce; with a ``rate``
    (``dropout_rng="native"``) and ``active`` set for a training step, it is that dropout."""

    def __init__(self, rate: float = 0.0) -> None:
        super().__init__()
        self.mask: torch.Tensor | None = None
        self.rate, self.active = rate, False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mask is not None:
            return x * self.mask
        return nn.functional.dropout(x, self.rate, training=True) if self.active and self.rate else x


def _clipped_loss(loss: str, reduction: str, k: int):
    """Cross-entropy on probabilities clipped to [EPS, 1 - EPS], as the book's chapter 16 and
    Keras's from_logits=False compute it (PyTorch's BCELoss clamps log at -100 instead)."""
    reduce = torch.mean if reduction == "mean" else torch.sum

    def binary(p: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        p = p.clamp(EPS, 1 - EPS)
        return reduce(-(y * p.log() + (1 - y) * (1 - p).log()))

    def categorical(p: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return reduce(-p.clamp(EPS, 1 - EPS).gather(1, y.reshape(-1, 1)).log())

    return binary if loss == "binary_crossentropy" else categorical


def _bias(lin: nn.Linear, grad: bool = False) -> np.ndarray:
    """A layer's bias (or its gradient) as NumPy; zeros for a layer built without one."""
    if lin.bias is None:
        return np.zeros(lin.out_features, dtype=str(lin.weight.dtype).removeprefix("torch."))
    return _numpy(lin.bias.grad if grad else lin.bias).copy()


def _numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy()


def _device(name: str) -> torch.device:
    """``cpu`` or ``cuda``; asking for CUDA where there is none is one clear error."""
    if name == "cuda" and not torch.cuda.is_available():
        raise SpecError(
            "--device cuda: torch sees no CUDA device here (torch.cuda.is_available() is False); use --device cpu"
        )
    if name == "cuda":
        # PyTorch's deterministic settings: cuBLAS needs a fixed workspace for repeatable sums,
        # and TF32 would round float32 products to 10 mantissa bits.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True)
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    return torch.device(name)


ADAPTER = TorchImplementation
PRESENTATION = Presentation(colour="#ff7f0e")
