"""Spec inference for a network of layer objects given without a spec.

Everything is read off copies of the user's objects, never the originals:
- layer sizes from the dense layers' weight shapes, dtype from their dtype;
- each activation by running a copy on probe inputs and matching the result against each
  entry of scratch's ``ACTIVATIONS``, its parameters (the leaky slope) fitted to the probe;
- the loss by evaluating a copy on probe predictions and the user's own first labels, and
  matching the value against every loss, reduction (mean, sum) and factor (1, 1/2, 2); when
  the layers end with a dense layer, the loss is given logits and the output activation it
  applies itself (softmax, sigmoid or none) is found the same way;
- the optimizer by three observed updates of a copy on a known gradient, reproduced by one
  of the scratch optimizers (SGD, Adam, RMSprop, Adagrad) in either convention, with the
  hyperparameters its attributes hold (``learning_rate``, ``decay``, ``momentum``,
  ``beta_1``...) or the spec's defaults.

No class or attribute name decides what an object is: only what it computes.
What was inferred is returned as notes for the user to confirm.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from scratch import ACTIVATIONS, OPTIMIZERS, Activation, get_loss, get_optimizer
from scratch.optimizers import CONVENTIONS as OPTIMIZER_CONVENTIONS

from ..base import optimizer_kwargs
from ..spec import ACTIVATION_FIELDS, ModelSpec, SpecError
from .layered import (
    LayerObjects,
    bias_attr,
    forward_of,
    gradient_names,
    weight_attr,
)
from .lossview import LossView
from .updates import EXPECTED, OptimizerCall
from .usercode import Caller, describe

PROBE_ROWS = 7


def _forward(obj: Any, X: np.ndarray) -> Any:
    out = forward_of(obj)(X)
    return out if out is not None else getattr(obj, "output", None)


def infer_activation(act: Any, width: int, dtype: str) -> Activation:
    """The activation an object computes, parameters included (the leaky slope): the first
    entry of scratch's ``ACTIVATIONS`` that, fitted to its output on probe inputs, reproduces it."""
    P = np.linspace(-3.0, 3.0, PROBE_ROWS * width).reshape(PROBE_ROWS, width).astype(dtype)
    P = P[np.random.default_rng(0).permutation(PROBE_ROWS)]  # rows differ, so softmax is visible
    try:
        with np.errstate(all="ignore"):
            out = np.asarray(_forward(copy.deepcopy(act), P.copy()), dtype=np.float64)
    except Exception as exc:
        raise SpecError(
            f"could not probe {describe(act)}.forward to infer the activation ({type(exc).__name__}: {exc}); pass spec="
        ) from None
    if out.shape != P.shape:
        raise SpecError(f"{describe(act)}.forward changed the shape {P.shape} -> {out.shape}; pass spec=")
    P = P.astype(np.float64)
    for cls in ACTIVATIONS.values():  # in the table's order: relu before a leaky one of slope 0
        candidate = cls.from_sample(P, out)
        if np.allclose(out, candidate.f(P), rtol=1e-6, atol=1e-9):
            return candidate
    raise SpecError(f"{describe(act)} is none of {', '.join(ACTIVATIONS)} on probe inputs; pass spec=")


LOSS_CANDIDATES = {"softmax": ("categorical_crossentropy",), "sigmoid": ("binary_crossentropy", "mse")}
CONVENTIONS = (("mean", 1.0), ("sum", 0.5), ("sum", 1.0), ("mean", 0.5), ("mean", 2.0), ("sum", 2.0))


def _loss_value(loss: Any, out: np.ndarray, y: Any) -> float:
    return float(LossView(copy.deepcopy(loss)).value(out.copy(), copy.deepcopy(y), Caller()))


def infer_loss(loss: Any, outputs: tuple[str, ...], k: int, y: Any, dtype: str) -> tuple[str, str, str, float]:
    """(output activation, loss name, reduction, scale): which known loss, on which of the
    ``outputs`` activations, gives the loss object's value on probe inputs. The loss is
    given the activation's output, or the logits when ``outputs`` has several candidates
    (layers that end with a dense layer: the loss applies the output activation itself)."""
    rng = np.random.default_rng(1)
    yy = np.asarray(y)
    Z = rng.normal(size=(len(yy), k)).astype(dtype)
    fused = len(outputs) > 1
    values = {}
    for output in outputs:
        act = ACTIVATIONS[output].f  # the output activations probed have no parameters
        given = Z if fused else act(Z.astype(np.float64)).astype(dtype)
        if given.tobytes() not in values:
            try:
                values[given.tobytes()] = _loss_value(loss, given, y)
            except Exception as exc:
                raise SpecError(
                    f"could not probe {describe(loss)} to infer the loss ({type(exc).__name__}: {exc}); pass spec="
                ) from None
        value = values[given.tobytes()]
        if not math.isfinite(value):  # judged at step 1 ("your loss returned NaN"), not refused here
            return output, LOSS_CANDIDATES.get(output, ("mse",))[0], "mean", 1.0
        P = act(Z.astype(np.float64))
        for name in LOSS_CANDIDATES.get(output, ("mse",)):
            target = (
                yy.argmax(axis=1) if name == "categorical_crossentropy" and yy.ndim == 2 and yy.shape[1] > 1 else yy
            )
            if name != "categorical_crossentropy":
                target = target.reshape(len(yy), -1).astype(np.float64)
                if target.shape[1] != k:
                    continue
            for reduction, scale in CONVENTIONS:
                try:
                    expected = get_loss(name, reduction=reduction, scale=scale).calculate(P, target)
                except (ValueError, IndexError):
                    continue
                if math.isclose(value, expected, rel_tol=1e-6):
                    return output, name, reduction, scale
    shown = ", ".join(f"{v:.6g}" for v in values.values())
    raise SpecError(
        f"{describe(loss)} gives {shown} on probe inputs, which matches no known loss/reduction "
        f"({', '.join(n for o in outputs for n in LOSS_CANDIDATES.get(o, ('mse',)))}); pass spec="
    )


ATTRS = {
    "lr": ("learning_rate", "lr", "eta", "step_size"),
    "lr_decay": ("decay", "lr_decay", "learning_rate_decay"),
    "momentum": ("momentum", "mu"),
    "beta1": ("beta_1", "beta1"),
    "beta2": ("beta_2", "beta2"),
    "eps": ("epsilon", "eps"),
    "rho": ("rho",),
}


def _attr(obj: Any, names: tuple[str, ...]) -> float | None:
    for name in names:
        value = getattr(obj, name, None)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    return None


def _observe_updates(
    net: LayerObjects, optimizer: Any, G: np.ndarray, g: np.ndarray, steps: int = 3
) -> list[np.ndarray]:
    """The weight changes of a copy of the first dense layer over ``steps`` updates by a copy
    of the optimizer, with the gradients ``G``, ``g`` stored under every name it may read."""
    layer = copy.deepcopy(net.layers[net.dense[0]])
    opt = copy.deepcopy(optimizer)
    w, b = weight_attr(layer), bias_attr(layer)
    G = G.T if net.layout == "out_in" else G
    g = g.reshape(np.shape(getattr(layer, b)))
    deltas = []
    for _ in range(steps):
        before = getattr(layer, w).copy()
        for name in gradient_names(w, "W"):
            layer.__dict__[name] = G.copy()
        for name in gradient_names(b, "b"):
            layer.__dict__[name] = g.copy()
        for method, args in OptimizerCall.of(opt).calls(opt, [layer], [0]):
            getattr(opt, method)(*args)
        with np.errstate(all="ignore"):
            delta = getattr(layer, w) - before
        deltas.append(delta.T if net.layout == "out_in" else delta)
    return deltas


def _estimated_lr(kind: str, delta: np.ndarray, G: np.ndarray) -> float:
    """The learning rate one first update implies: ``-delta / G`` for SGD, ``|delta|`` for
    the adaptive optimizers (their first step is about lr per element)."""
    ratio = -delta / G if kind == "sgd" else np.abs(delta) * (np.sqrt(10.0) if kind == "rmsprop" else 1.0)
    return float(f"{float(np.median(ratio)):.6g}")


def _reproduces(fields: dict[str, Any], dtype: str, W: np.ndarray, G: np.ndarray, deltas: list[np.ndarray]) -> bool:
    try:
        spec = ModelSpec(sizes=(1, 1), activations=("linear",), loss="mse", dtype=dtype, **fields)
    except SpecError:
        return False
    ref = get_optimizer(spec.optimizer, **optimizer_kwargs(spec))
    P = W.astype(np.float64).copy()
    for delta in deltas:
        before = P.copy()
        ref.step([(P, G.astype(np.float64))])
        if not np.allclose(P - before, delta, rtol=1e-6, atol=1e-15):
            return False
    return True


def infer_optimizer(net: LayerObjects, dtype: str) -> tuple[dict[str, Any], list[str]]:
    """Spec fields of the optimizer (which one, and its hyperparameters), and notes on how
    they were found: the first of SGD, Adam, RMSprop and Adagrad, in either convention, that
    reproduces three probe updates."""
    opt = net.optimizer
    call = OptimizerCall.of(opt)
    if call is None or call.form == "no_args":
        has = "it updates parameters it was built with" if call else f"it has none of {EXPECTED}"
        raise SpecError(f"cannot probe the optimizer {describe(opt)} ({has}); pass spec= (or --spec FILE) stating it")
    found = {field: v for field, names in ATTRS.items() if (v := _attr(opt, names)) is not None}
    W = net.weights()[0][0]
    rng = np.random.default_rng(2)
    G = rng.normal(size=W.shape).astype(dtype)
    g = rng.normal(size=(1, W.shape[1])).astype(dtype)
    try:
        deltas = _observe_updates(net, opt, G, g)
    except Exception as exc:  # the user's optimizer on a probe: say so, and how to go on
        raise SpecError(
            f"could not probe the optimizer {describe(opt)} ({type(exc).__name__}: {exc}); pass spec="
        ) from None
    for kind in OPTIMIZERS:
        fields = {"optimizer": kind, **found}
        fields.setdefault("lr", _estimated_lr(kind, deltas[0], G))
        for convention in OPTIMIZER_CONVENTIONS:
            if _reproduces({**fields, "convention": convention}, dtype, W, G, deltas):
                fields["convention"] = convention
                return fields, [
                    f"optimizer: {kind} "
                    + ", ".join(f"{k}={v:g}" for k, v in fields.items() if isinstance(v, float))
                    + f" (from {describe(opt)}'s updates on three probe gradients)"
                ]
    kind, why = _kind_by_name(opt, found)
    fields = {"optimizer": kind, **found}
    fields.setdefault("lr", _estimated_lr(kind, deltas[0], G))
    return fields, [
        f"optimizer: none of {', '.join(OPTIMIZERS)} reproduces {describe(opt)}'s probe updates; "
        f"taken as {kind} ({why}), {fields}: its updates are then compared with {kind}'s, or pass spec= stating it"
    ]


def _kind_by_name(opt: Any, found: dict[str, Any]) -> tuple[str, str]:
    """The optimizer a class whose updates match none most likely means to be (a typo in a
    published Adam must still be judged as Adam, not as SGD): by its name, then by its
    hyperparameters; SGD when neither says."""
    name = type(opt).__name__.lower()
    for kind in ("adagrad", "rmsprop", "adam", "sgd"):
        if kind in name:
            return kind, f"its class name {type(opt).__name__}"
    for kind, fields in (("adam", ("beta1", "beta2")), ("rmsprop", ("rho",))):
        if any(f in found for f in fields):
            return kind, f"its {', '.join(f for f in fields if f in found)} attribute"
    return "sgd", "nothing in its name or attributes says otherwise"


# The NNFS book's Layer_Dense arguments, and what they are in the spec (same form: l * sum|w|, l * sum w^2).
PENALTY_ATTRS = {
    "l1": "weight_regularizer_l1",
    "l2": "weight_regularizer_l2",
    "l1_bias": "bias_regularizer_l1",
    "l2_bias": "bias_regularizer_l2",
}


def infer_dropout(net: LayerObjects, sizes: list[int], dtype: str) -> dict[str, Any]:
    """Each dropout layer's rate, from one probe forward of a copy on ones: its kept units
    are 1 / (1 - rate) (inverted dropout), whatever its attribute calls the rate (the
    book's ``rate`` is the keep probability). NumPy's global random state is restored, so
    probing draws nothing from the user's stream."""
    if not net.dropouts:
        return {}
    rates = [0.0] * (len(sizes) - 2)
    state = np.random.get_state()
    try:
        for i, l in net.dropouts.items():
            layer = copy.deepcopy(net.layers[i])
            try:
                r = forward_of(layer)(np.ones((256, sizes[l + 1]), dtype))
            except Exception as exc:  # the user's code
                raise SpecError(
                    f"layers[{i}] ({type(layer).__name__}).forward failed on a probe input: {type(exc).__name__}: {exc}"
                ) from None
            out = np.asarray(r if isinstance(r, np.ndarray) else getattr(layer, "output", np.zeros(1)), np.float64)
            kept = out[out != 0]
            if kept.size == out.size and np.all(kept == 1):  # rate 0: the identity, and compared as such
                del net.dropouts[i]
                continue
            if not kept.size or not np.allclose(kept, kept[0]) or kept[0] <= 1 + 1e-12:
                raise SpecError(
                    f"layers[{i}] ({type(layer).__name__}) is not inverted dropout "
                    "(kept units scaled by 1 / (1 - rate)): pass spec=ModelSpec(..., dropout=rate) stating it"
                )
            rates[l] = float(f"{1 - 1 / float(kept[0]):.12g}")
    finally:
        np.random.set_state(state)
    return {"dropout": rates[0] if len(set(rates)) == 1 else tuple(rates)} if any(rates) else {}


def infer_penalties(dense: list[Any]) -> dict[str, tuple[float, ...]]:
    """Per-layer L1/L2 penalties the dense layers state as attributes (the book's names)."""
    found = {}
    for field, attr in PENALTY_ATTRS.items():
        values = tuple(float(getattr(d, attr, 0) or 0) for d in dense)
        if any(values):
            found[field] = values
    return found


def infer_spec(net: LayerObjects, y: Any, per_sample: bool = False) -> tuple[ModelSpec, list[str]]:
    """A spec for ``net`` (see the module notes) and what was inferred, in words;
    ``per_sample``: the data comes one sample at a time, so is trained one at a time."""
    weights = net.weights()  # (in, out) whatever the layers store
    dtype = str(weights[0][0].dtype)
    if dtype not in ("float32", "float64"):
        dtype = "float64"
    sizes = [weights[0][0].shape[0]] + [W.shape[1] for W, _ in weights]
    for l, (W, _) in enumerate(weights[1:], 1):
        if W.shape[0] != sizes[l]:
            raise SpecError(f"dense layer {l} takes {W.shape[0]} inputs but layer {l - 1} gives {sizes[l]}")
    acts, params = [], {}
    by_scratch = {v: k for k, v in net.index.items()}
    k = sizes[-1]
    probe_y = np.asarray(y)[:PROBE_ROWS] if np.ndim(y) and np.shape(y)[0] >= PROBE_ROWS else np.asarray(y)
    for l in range(len(weights)):
        pos = by_scratch.get(2 * l + 1)
        if pos is not None:
            found = infer_activation(net.layers[pos], sizes[l + 1], dtype)
            name = found.name
            params.update({f: getattr(found, arg) for arg, f in ACTIVATION_FIELDS.get(name, {}).items()})
        else:
            name = "linear"
        acts.append(name)
    outputs = ("softmax", "sigmoid", "linear") if net.ends_dense else (acts[-1],)
    acts[-1], loss, reduction, scale = infer_loss(net.loss, outputs, k, probe_y, dtype)
    applied = " (applied by the loss)" if net.ends_dense and acts[-1] != "linear" else ""
    notes = [
        f"sizes {tuple(sizes)} from the weight shapes; activations {', '.join(acts)}{applied} from probe inputs; "
        f"loss {loss} ({reduction}{'' if scale == 1 else f', x{scale:g}'}) from probe values; dtype {dtype}"
    ]
    fields: dict[str, Any] = {"optimizer": "sgd", "lr": 0.01}
    if net.trains and net.optimizer is not None:
        fields, opt_notes = infer_optimizer(net, dtype)
        notes += opt_notes
    elif net.trains:
        notes.append(
            f"your layers update themselves inside backward with the learning rate validate hands them: plain SGD, "
            f"lr={fields['lr']} (pass spec= to choose another)"
        )
    if per_sample:
        fields["batch_size"] = 1
        notes.append(
            "batch_size 1: your data holds one (1, features) row per sample, as code that trains on one sample "
            "at a time keeps it"
        )
    dense = [net.layers[i] for i in net.dense]
    penalties = infer_penalties(dense)
    if penalties:
        notes.append("penalties from the layers' attributes: " + ", ".join(f"{k}={v}" for k, v in penalties.items()))
    dropout = infer_dropout(net, sizes, dtype)
    if dropout:
        notes.append(
            f"dropout {dropout['dropout']} from probing the dropout layers; each step, the masks your layers "
            "draw are fed to the frameworks"
        )
    spec = ModelSpec(
        sizes=tuple(sizes),
        activations=tuple(acts),
        loss=loss,
        loss_reduction=reduction,
        loss_scale=scale,
        **params,
        dtype=dtype,
        **fields,
        **penalties,
        **dropout,
    )
    return spec, notes
