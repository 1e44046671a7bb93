"""``scratchbench validate FILE.py:NAME``: load a user's network from their own file (or
notebook: ``FILE.ipynb:NAME``, its code cells run in order, ``notebook``), draw a
task's data in the layout their code expects, and run ``reference_impls.validate``.

NAME in FILE.py is a function returning the network, or the network itself, as:
- a dict of ``validate``'s arguments (``layers``/``loss``/``optimizer``, ``step``/``params``,
  or ``model``, with ``spec``, ``data_layout``... as needed);
- a tuple ``(layers, loss, optimizer)`` of layer objects;
- an object with ``forward`` and ``backward`` (a black box), with ``SPEC`` (or ``spec``) a
  ``ModelSpec`` at the top of FILE.py or ``--spec`` naming a TOML/JSON file.

The user's file is imported with its own folder first on ``sys.path``, so its siblings
import as the user expects, and a ``scratch.py`` among them replaces nothing of ours.
"""

from __future__ import annotations

import functools
import importlib.util
import inspect
import sys
import traceback
import types
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from reference_impls import ModelSpec, SpecError
from reference_impls._isolation import ROOT, SHADOWABLE, user_modules
from reference_impls.validation import ValidationResult, run_network
from reference_impls.validation.blackbox import TRAIN_NAMES
from reference_impls.validation.child import is_users
from reference_impls.validation.core import prepare
from reference_impls.validation.layered import bias_attr, is_dense, weight_attr
from reference_impls.validation.sandbox import Limits, run_isolated
from reference_impls.validation.sandbox import available as sandbox_available
from reference_impls.validation.styles import UserNetwork
from reference_impls.validation.updates import FORWARD_NAMES
from reference_impls.validation.usercode import place

from ..tasks import get_task
from .notebook import CellFailed, NotebookError, run_notebook


class LoadError(SpecError):
    """The user's file or NAME cannot be loaded; the message is one line (bad input: exit 2)."""


class UserCodeRaised(LoadError):
    """The user's file raised while it was imported, or its NAME() raised: the user's code
    failed to run (a verdict, exit 3), not bad input to the tool."""


def _where(exc: BaseException, folder: Path | None = None) -> str:
    """The error and the user's line it comes from: a syntax error's own position, else the
    innermost frame of the user's own code (their file's ``folder`` first, then any file
    outside this project and the installed libraries: an error NumPy raises names the user's
    call into NumPy, at any depth), else the innermost real file (not the import machinery's
    frozen frames)."""
    if isinstance(exc, SyntaxError):
        return f"{exc.msg} ({place(exc.filename or '?', exc.lineno)})"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith("<")]
    users = [f for f in frames if is_users(f.filename) and not _ours(f.filename)]
    mine = [f for f in users if folder is not None and Path(f.filename).resolve().is_relative_to(folder.resolve())]
    frame = next((tier[-1] for tier in (mine, users, frames) if tier), None)
    return f"{exc} ({place(frame.filename, frame.lineno)})" if frame else str(exc)


def _ours(filename: str) -> bool:
    """A file of this project's own packages (the loader's frames above the user's)."""
    return any(Path(filename).resolve().is_relative_to(ROOT / name) for name in SHADOWABLE)


def load_target(target: str) -> tuple[Any, Any, list[str]]:
    """``FILE.py:NAME`` or ``FILE.ipynb:NAME`` -> (the object NAME refers to, the user's
    module, notes on how it was loaded: what of a notebook only Jupyter runs)."""
    if ":" not in target:
        raise LoadError(
            f"expected FILE.py:NAME or FILE.ipynb:NAME (a function returning your network, or the network), "
            f"got {target!r}"
        )
    file, name = target.rsplit(":", 1)
    path = Path(file)
    if not path.is_file():
        raise LoadError(f"no such file: {file}")
    if path.suffix not in LOADERS:
        raise LoadError(f"{file} is not a Python file or a Jupyter notebook (.py, .ipynb)")
    module_name = f"_scratchbench_user_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path) if path.suffix == ".py" else None
    module = importlib.util.module_from_spec(spec) if spec else types.ModuleType(module_name)
    sys.modules[module_name] = module  # dataclasses and pickling look modules up by name
    with user_modules(path.parent):
        notes = LOADERS[path.suffix](path, module)
    if not hasattr(module, name):
        found = [
            n
            for n, v in vars(module).items()
            if not n.startswith("_") and callable(v) and getattr(v, "__module__", None) == module_name
        ]
        raise LoadError(
            f"{file} has no {name!r}; names defined there (pick one: FILE:NAME): {', '.join(found) or 'none'}"
        )
    return getattr(module, name), module, notes


def _check_callable_bare(fn: Any, name: str) -> None:
    """A function or class validate must call with no arguments: one line naming what it
    requires, if it requires any (bad input: the target, not the user's code, is wrong)."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # a builtin without one: let the call say
        return
    required = [
        p.name
        for p in signature.parameters.values()
        if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    if required:
        raise LoadError(
            f"{name} takes {', '.join(required)} without defaults, and validate calls it with no arguments: "
            f"give {'them' if len(required) > 1 else 'it'} defaults, or name a function that builds the network "
            "from nothing (FILE:NAME)"
        )


def _a(obj: Any) -> str:
    """What NAME gave, in a few words: ``None``, ``a str``, ``a list of 2``."""
    if obj is None:
        return "None"
    size = f" of {len(obj)}" if isinstance(obj, (list, tuple, dict)) else ""
    return f"a {type(obj).__name__}{size}"


def _run_python_file(path: Path, module: Any) -> list[str]:
    try:
        module.__spec__.loader.exec_module(module)
    except SystemExit:  # the sandbox's verdict: the user's module exited
        raise
    except BaseException as exc:  # the user's module, anything it raises: one line naming their line
        raise UserCodeRaised(f"importing {path} raised {type(exc).__name__}: {_where(exc, path.parent)}") from None
    return []


def _run_notebook(path: Path, module: Any) -> list[str]:
    try:
        return run_notebook(path, module)
    except CellFailed as exc:  # a cell is not Python, or raised: the user's code failed
        raise UserCodeRaised(str(exc)) from None
    except NotebookError as exc:  # not a notebook at all: bad input
        raise LoadError(str(exc)) from None


LOADERS = {".py": _run_python_file, ".ipynb": _run_notebook}  # how each kind of file is run into its module


def network_arguments(obj: Any, module: Any, spec: ModelSpec | None, name: str = "NAME") -> dict[str, Any]:
    """``validate``'s keyword arguments from what ``name`` gave: a function or class is called
    with no arguments first (a network object with ``__call__`` is the network itself)."""
    if (inspect.isroutine(obj) or inspect.isclass(obj) or isinstance(obj, functools.partial)) and not hasattr(
        obj, "forward"
    ):
        _check_callable_bare(obj, name)
        try:
            obj = obj()
        except SystemExit:  # the sandbox's verdict: the user's code exited
            raise
        except BaseException as exc:  # the user's code, whatever it raises (its own BaseException too)
            folder = Path(module.__file__).parent if getattr(module, "__file__", None) else None
            raise UserCodeRaised(f"calling {name}() raised {type(exc).__name__}: {_where(exc, folder)}") from None
        name = f"{name}()"
    module_spec = next((v for k in ("SPEC", "spec") if isinstance(v := getattr(module, k, None), ModelSpec)), None)
    if isinstance(obj, dict):
        kwargs = dict(obj)
    elif isinstance(obj, (tuple, list)) and len(obj) == 3 and isinstance(obj[0], (list, tuple)):
        kwargs = dict(layers=list(obj[0]), loss=obj[1], optimizer=obj[2])
    elif any(callable(getattr(obj, m, None)) for m in (*FORWARD_NAMES, *TRAIN_NAMES)):
        kwargs = dict(model=obj)
    elif isinstance(obj, np.ndarray) and any(v is obj for v in vars(module).values()):
        raise LoadError(
            f"{name} is an array of the file itself: a script's weights are its globals and its training loop ran "
            "when the file was loaded, so validate cannot take one step of it; move the loop's body into "
            "def step(params, X, y) returning the new weights, and name a function returning "
            "dict(step=step, params={...: the arrays}, spec=...)"
        )
    else:
        raise LoadError(
            f"{name} gave {_a(obj)}; return a dict of validate's arguments, (layers, loss, optimizer), "
            "or your network object (forward/backward, or a training call such as train(X, y))"
        )
    given = spec or kwargs.get("spec") or (module_spec if "layers" not in kwargs else None)
    if given is not None:
        kwargs["spec"] = given
    if "model" in kwargs and kwargs.get("spec") is None:
        raise LoadError(
            "a black-box network needs its architecture: put SPEC = ModelSpec(...) in the file or pass --spec FILE.toml"
        )
    return kwargs


def _outputs(kwargs: dict[str, Any]) -> int | None:
    """The network's number of outputs, from its spec or its last dense layer."""
    if kwargs.get("spec") is not None:
        return kwargs["spec"].sizes[-1]
    dense = [layer for layer in kwargs.get("layers", []) if is_dense(layer)]
    return (
        int(np.size(getattr(dense[-1], bias_attr(dense[-1])))) if dense else None
    )  # the bias has one value per output


def user_data(kwargs: dict[str, Any], X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A task's (X, y) as hand-written code usually takes them: integer labels for several
    outputs (cross-entropy), a float column (n, 1) for one output, samples as columns when
    the network says ``data_layout="columns"``; X in the network's dtype."""
    k = _outputs(kwargs)
    if y.ndim == 1 and k == 1:
        y = y.reshape(-1, 1).astype(np.float64)
    spec = kwargs.get("spec")
    dense = [layer for layer in kwargs.get("layers", []) if is_dense(layer)]
    dtype = (
        spec.dtype if spec is not None else str(getattr(dense[0], weight_attr(dense[0])).dtype if dense else "float64")
    )
    X = X.astype(dtype)
    if y.dtype.kind == "f":
        y = y.astype(dtype)
    if kwargs.get("data_layout") == "columns":
        X, y = X.T, (y.T if y.ndim == 2 else y)
    return X, y


def run_validation(
    target: str,
    task: str,
    steps: int,
    against: list[str],
    seed: int = 0,
    spec_file: str | None = None,
    tolerance: float | None = None,
    limits: Limits | None = None,
    labels: str | None = None,
    steps_per_call: int | None = None,
) -> ValidationResult:
    """The network of ``target`` on ``task``: loaded, built and trained in a child process
    (``sandbox``), so nothing of the user's code (its imports included) runs here;
    ``labels`` and ``steps_per_call`` as ``validate`` takes them (they override the file's)."""
    spec = _read_spec(spec_file) if spec_file else None
    data = get_task(task).data(seed)

    def recipe() -> tuple[UserNetwork, tuple[np.ndarray, np.ndarray]]:
        obj, module, notes = load_target(target)
        kwargs = network_arguments(obj, module, spec, target.rsplit(":", 1)[-1])
        X, y = user_data(kwargs, data.X_train, data.y_train)
        given = {k: v for k, v in (("labels", labels), ("steps_per_call", steps_per_call)) if v is not None}
        net, data_as_given = prepare(**{**kwargs, **given}, X=X, y=y)
        net.notes += notes
        return net, data_as_given

    if not sandbox_available():
        net, (X, y) = recipe()
        return run_network(net, X, y, steps, tuple(against), tolerance)
    return run_isolated(recipe, None, None, steps, tuple(against), tolerance, limits or Limits(), run_network)


def _read_spec(path: str) -> ModelSpec:
    p = Path(path)
    if not p.is_file():
        raise LoadError(f"no such spec file: {path}")
    text = p.read_text()
    return ModelSpec.from_toml(text) if p.suffix == ".toml" else ModelSpec.from_json(text)


def summary(result: ValidationResult, target: str, task: str) -> dict[str, Any]:
    """What the report needs besides the table: verdict, first divergence, diagnosis."""
    d = result.first_divergence
    return {
        "target": target,
        "task": task,
        "ok": result.ok,
        "style": result.style,
        "steps": result.steps,
        "tolerance": result.tolerance,
        "dtype": result.spec.dtype,
        "compared": list(result.compared),
        "not_expressible": result.not_expressible,
        "amplified": result.amplified,
        "error": result.error,
        "failure": None if result.failure is None else result.failure.kind,
        "diagnosis": result.diagnosis,
        "notes": result.notes,
        "spec": result.spec.to_dict(),
        "seconds": dict(result.seconds),
        "suggested_spec": result.suggested_spec.to_dict() if result.suggested_spec else None,
        "first_divergence": None
        if d is None
        else {
            "step": d.step,
            "phase": d.phase,
            "tensor": d.tensor,
            "impl": d.impl,
            "deviation": d.deviation,
            "ours": np.asarray(d.ours, np.float64).ravel()[:12].tolist(),
            "theirs": np.asarray(d.theirs, np.float64).ravel()[:12].tolist(),
        },
        "text": str(result),
    }


def table(result: ValidationResult, target: str, task: str) -> pd.DataFrame:
    out = result.table.copy()
    out.insert(0, "network", target)
    out.insert(1, "task", task)
    return out


__all__ = [
    "LoadError",
    "UserCodeRaised",
    "SpecError",
    "load_target",
    "network_arguments",
    "run_validation",
    "summary",
    "table",
    "user_data",
]
