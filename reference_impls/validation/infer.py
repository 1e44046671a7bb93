"""Spec inference for a network of layer objects given without a spec.

Everything is read off copies of the user's objects, never the originals:
- layer sizes from the dense layers' weight shapes, dtype from their dtype;
- each activation by running a copy on probe inputs and matching the result against the
  known functions (ReLU, leaky ReLU with its slope, sigmoid, tanh, softmax, identity);
- the loss by evaluating a copy on probe predictions and the user's own first labels, and
  matching the value against every loss, reduction (mean, sum) and factor (1, 1/2, 2);
- the optimizer from its class name and attributes (``learning_rate``, ``decay``,
  ``momentum``, ``beta_1``...), confirmed by three observed updates of a copy on a known
  gradient, simulated with the scratch optimizers in both conventions.

What was inferred is returned as notes for the user to confirm.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from scratch import ACTIVATIONS, get_loss, get_optimizer

from ..base import optimizer_kwargs
from ..spec import ModelSpec, SpecError
from .styles import LayerObjects, _bias_attr, training_kwargs
from .usercode import describe

PROBE_ROWS = 7


def _run(obj: Any, method: str, *args: Any) -> Any:
    fn = getattr(obj, method)
    out = fn(*args, **(training_kwargs(fn) if method == "forward" else {}))
    return out if out is not None else getattr(obj, "output", None)


def infer_activation(act: Any, width: int, dtype: str) -> tuple[str, float]:
    """(name, leaky slope) of an activation object, from its output on probe inputs."""
    P = np.linspace(-3.0, 3.0, PROBE_ROWS * width).reshape(PROBE_ROWS, width).astype(dtype)
    P = P[np.random.default_rng(0).permutation(PROBE_ROWS)]  # rows differ, so softmax is visible
    try:
        with np.errstate(all="ignore"):
            out = np.asarray(_run(copy.deepcopy(act), "forward", P.copy()), dtype=np.float64)
    except Exception as exc:
        raise SpecError(f"could not probe {describe(act)}.forward to infer the activation ({type(exc).__name__}: {exc}); pass spec=") from None
    if out.shape != P.shape:
        raise SpecError(f"{describe(act)}.forward changed the shape {P.shape} -> {out.shape}; pass spec=")
    neg = P < 0
    slope = float(np.mean(out[neg] / P[neg])) if neg.any() else 0.0
    for name in ("relu", "sigmoid", "tanh", "softmax", "linear", "leaky_relu"):
        kwargs = {"alpha": slope} if name == "leaky_relu" else {}
        if np.allclose(out, ACTIVATIONS[name](**kwargs)._f(P.astype(np.float64)), rtol=1e-6, atol=1e-9):
            return name, (slope if name == "leaky_relu" else 0.01)
    raise SpecError(f"{describe(act)} is none of relu, leaky_relu, sigmoid, tanh, softmax, linear on probe inputs; pass spec=")


def _fused_output(loss: Any, k: int, y: Any, dtype: str) -> str:
    Z = np.linspace(-2.0, 2.0, len(y) * k).reshape(len(y), k).astype(dtype)
    probe = copy.deepcopy(loss)
    _run(probe, "forward", Z, y)
    out = np.asarray(getattr(probe, "output", None), dtype=np.float64)
    for name in ("softmax", "sigmoid"):
        if out.shape == Z.shape and np.allclose(out, ACTIVATIONS[name]._f(Z.astype(np.float64)), rtol=1e-6):
            return name
    raise SpecError(f"{describe(loss)} applies neither softmax nor sigmoid to its inputs; pass spec=")


def infer_loss(loss: Any, output: str, k: int, y: Any, fused: bool, dtype: str) -> tuple[str, str, float]:
    """(loss name, reduction, scale): which known loss gives the object's value on probes."""
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(len(y), k)).astype(dtype)
    act = ACTIVATIONS[output]._f if output in ("softmax", "sigmoid") else (lambda z: z)
    P = act(Z)
    try:
        value = float(np.mean(_run(copy.deepcopy(loss), "forward", Z, y)) if fused else
                      (copy.deepcopy(loss).calculate(P, y) if hasattr(loss, "calculate") else np.mean(_run(copy.deepcopy(loss), "forward", P, y))))
    except Exception as exc:
        raise SpecError(f"could not probe {describe(loss)} to infer the loss ({type(exc).__name__}: {exc}); pass spec=") from None
    names = {"softmax": ["categorical_crossentropy"], "sigmoid": ["binary_crossentropy", "mse"]}.get(output, ["mse"])
    if not math.isfinite(value):  # judged at step 1 ("your loss returned NaN"), not refused here
        return names[0], "mean", 1.0
    yy = np.asarray(y)
    for name in names:
        for reduction, scale in (("mean", 1.0), ("sum", 0.5), ("sum", 1.0), ("mean", 0.5), ("mean", 2.0), ("sum", 2.0)):
            ref = get_loss(name, reduction=reduction, scale=scale)
            target = yy.argmax(axis=1) if name == "categorical_crossentropy" and yy.ndim == 2 else yy
            if name != "categorical_crossentropy":
                target = target.reshape(len(yy), -1).astype(np.float64)
                if target.shape[1] != k:
                    continue
            try:
                expected = ref.calculate(P.astype(np.float64), target)
            except ValueError:
                continue
            if math.isclose(value, expected, rel_tol=1e-6):
                return name, reduction, scale
    raise SpecError(f"{describe(loss)} gives {value:.6g} on probe inputs, which matches no known loss/reduction; pass spec=")


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


def _observe_updates(net: LayerObjects, optimizer: Any, G: np.ndarray, g: np.ndarray, steps: int = 3) -> list[np.ndarray]:
    layer = copy.deepcopy(net.layers[net.dense[0]])
    opt = copy.deepcopy(optimizer)
    battr = _bias_attr(layer)
    deltas = []
    for _ in range(steps):
        before = layer.weights.copy()
        layer.dweights, layer.__dict__["d" + battr] = G.copy(), g.copy()
        if callable(getattr(opt, "pre_update_params", None)):
            opt.pre_update_params()
        opt.update_params(layer)
        if callable(getattr(opt, "post_update_params", None)):
            opt.post_update_params()
        deltas.append(layer.weights - before)
    return deltas


def infer_optimizer(net: LayerObjects, dtype: str) -> tuple[dict[str, Any], list[str]]:
    """Spec fields of the optimizer, and notes on how they were found."""
    opt = net.optimizer
    if not callable(getattr(opt, "update_params", None)):
        raise SpecError(f"cannot probe the optimizer {describe(opt)} (it has no update_params(layer)); pass spec=")
    cls = type(opt).__name__.lower()
    kind = next((k for k in ("adam", "rmsprop", "adagrad") if k in cls), "sgd")
    found = {field: _attr(opt, names) for field, names in ATTRS.items()}
    W = net.layers[net.dense[0]].weights
    rng = np.random.default_rng(2)
    G = rng.normal(size=W.shape).astype(dtype)
    g = rng.normal(size=(1, W.shape[1])).astype(dtype)
    deltas = _observe_updates(net, opt, G, g)
    if found["lr"] is None and kind == "sgd":
        found["lr"] = float(np.median(-deltas[0] / G))
    fields = {"optimizer": kind, **{f: v for f, v in found.items() if v is not None}}
    for convention in ("pytorch", "keras"):
        try:
            spec = ModelSpec(sizes=(1, 1), activations=("linear",), loss="mse", dtype=dtype, convention=convention, **fields)
        except SpecError:
            continue
        ref = get_optimizer(spec.optimizer, **optimizer_kwargs(spec))
        P = W.astype(np.float64).copy()
        ok = True
        for delta in deltas:
            before = P.copy()
            ref.step([(P, G.astype(np.float64))])
            ok &= np.allclose(P - before, delta, rtol=1e-6, atol=1e-15)
        if ok:
            fields["convention"] = convention
            return fields, [f"optimizer: {kind} " + ", ".join(f"{k}={v:g}" for k, v in fields.items() if isinstance(v, float))
                            + f" (read from {type(opt).__name__} and confirmed on three probe updates)"]
    return fields, [f"optimizer: {kind} with {fields} from {type(opt).__name__}'s attributes, NOT confirmed by its probe updates"]


# The NNFS book's Layer_Dense arguments, and what they are in the spec (same form: l * sum|w|, l * sum w^2).
PENALTY_ATTRS = {"l1": "weight_regularizer_l1", "l2": "weight_regularizer_l2", "l1_bias": "bias_regularizer_l1",
                 "l2_bias": "bias_regularizer_l2"}


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
                r = layer.forward(np.ones((256, sizes[l + 1]), dtype), **training_kwargs(layer.forward))
            except Exception as exc:  # the user's code
                raise SpecError(f"layers[{i}] ({type(layer).__name__}).forward failed on a probe input: {type(exc).__name__}: {exc}") from None
            out = np.asarray(r if isinstance(r, np.ndarray) else getattr(layer, "output", np.zeros(1)), np.float64)
            kept = out[out != 0]
            if kept.size == out.size and np.all(kept == 1):  # rate 0: the identity, and compared as such
                del net.dropouts[i]
                continue
            if not kept.size or not np.allclose(kept, kept[0]) or kept[0] <= 1 + 1e-12:
                raise SpecError(f"layers[{i}] ({type(layer).__name__}) is not inverted dropout (kept units scaled by 1 / (1 - rate)): "
                                "pass spec=ModelSpec(..., dropout=rate) stating it")
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


def infer_spec(net: LayerObjects, y: Any) -> tuple[ModelSpec, list[str]]:
    """A spec for ``net`` (see the module notes) and what was inferred, in words."""
    dense = [net.layers[i] for i in net.dense]
    dtype = str(dense[0].weights.dtype)
    if dtype not in ("float32", "float64"):
        dtype = "float64"
    sizes = [dense[0].weights.shape[0]] + [d.weights.shape[1] for d in dense]
    for l, d in enumerate(dense[1:], 1):
        if d.weights.shape[0] != sizes[l]:
            raise SpecError(f"dense layer {l} takes {d.weights.shape[0]} inputs but layer {l - 1} gives {sizes[l]}")
    acts, alpha = [], 0.01
    by_scratch = {v: k for k, v in net.index.items()}
    k = sizes[-1]
    probe_y = np.asarray(y)[:PROBE_ROWS] if np.ndim(y) and np.shape(y)[0] >= PROBE_ROWS else np.asarray(y)
    for l in range(len(dense)):
        pos = by_scratch.get(2 * l + 1)
        if pos is not None:
            name, slope = infer_activation(net.layers[pos], sizes[l + 1], dtype)
            alpha = slope if name == "leaky_relu" else alpha
        elif l == len(dense) - 1 and net.fused:
            name = _fused_output(net.loss, k, probe_y, dtype)
        else:
            name = "linear"
        acts.append(name)
    loss, reduction, scale = infer_loss(net.loss, acts[-1], k, probe_y, net.fused, dtype)
    notes = [f"sizes {tuple(sizes)} from the weight shapes; activations {', '.join(acts)} from probe inputs; "
             f"loss {loss} ({reduction}{'' if scale == 1 else f', x{scale:g}'}) from probe values; dtype {dtype}"]
    fields: dict[str, Any] = {"optimizer": "sgd", "lr": 0.01}
    if net.trains:
        fields, opt_notes = infer_optimizer(net, dtype)
        notes += opt_notes
    penalties = infer_penalties(dense)
    if penalties:
        notes.append("penalties from the layers' attributes: " + ", ".join(f"{k}={v}" for k, v in penalties.items()))
    dropout = infer_dropout(net, sizes, dtype)
    if dropout:
        notes.append(f"dropout {dropout['dropout']} from probing the dropout layers; each step, the masks your layers draw are fed to the frameworks")
    spec = ModelSpec(sizes=tuple(sizes), activations=tuple(acts), loss=loss, loss_reduction=reduction, loss_scale=scale,
                     leaky_alpha=alpha, dtype=dtype, **fields, **penalties, **dropout)
    return spec, notes
