"""The child process side of the sandbox (``sandbox``): it holds the user's real network and
answers the parent's requests over a pipe, one training step at a time.

What the parent cannot learn from a dead child is left on a ``Board`` (shared memory) before
each call into the user's code: the step and the call, and an ``os._exit``'s own frame. The
data handed to the user's code (the batch X and y, a gradient handed into a ``backward``)
is compared with a copy after each call that received it and at the end of the step: a
change of values is reported, never compared as if nothing happened.
"""

from __future__ import annotations

import ctypes
import mmap
import os
import pickle
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .styles import UserNetwork
from .usercode import Caller, UserCodeError, describe, place

_OURS = Path(__file__).resolve().parents[1]  # reference_impls/
_SLOT = 2048  # bytes per board slot: the call in progress, then the last words


def is_users(filename: str) -> bool:
    """A frame of the user's code: outside this package, the standard library and installed
    packages (code without a file, a notebook cell's or ``exec``'s, is the user's)."""
    if filename.startswith("<"):
        return not filename.startswith("<frozen")
    path = Path(filename)
    installed = any(s in filename for s in ("site-packages", "dist-packages", "/lib/python"))
    return not (installed or path.resolve().is_relative_to(_OURS))


def frame_text(frame: Any) -> str:
    """``SGD.update_params (mynet.py:40)`` for the innermost user frame at or above ``frame``
    (``lab.ipynb cell 4, line 12`` in a notebook's cell)."""
    while frame is not None and not is_users(frame.f_code.co_filename):
        frame = frame.f_back
    if frame is None:
        return ""
    code = frame.f_code
    return f"{getattr(code, 'co_qualname', code.co_name)} ({place(code.co_filename, frame.f_lineno)})"


def traceback_text(exc: BaseException) -> str:
    """The same for the innermost user frame of an exception's traceback."""
    tb, found = exc.__traceback__, ""
    while tb is not None:
        if is_users(tb.tb_frame.f_code.co_filename):
            code = tb.tb_frame.f_code
            found = f"{getattr(code, 'co_qualname', code.co_name)} ({place(code.co_filename, tb.tb_lineno)})"
        tb = tb.tb_next
    return found


class Board:
    """Shared memory the child writes and the parent reads after the child died: slot 0 the
    call in progress (step, label, qualified name), slot 1 the last words (how it exited)."""

    def __init__(self) -> None:
        self.mm = mmap.mmap(-1, 2 * _SLOT)  # anonymous and shared: survives fork

    def write(self, slot: int, *fields: Any) -> None:
        data = "\t".join(str(f) for f in fields).encode("utf-8", "replace")[: _SLOT - 1]
        start = slot * _SLOT
        self.mm[start : start + len(data) + 1] = data + b"\0"

    def read(self, slot: int) -> list[str]:
        raw = self.mm[slot * _SLOT : (slot + 1) * _SLOT].split(b"\0", 1)[0]
        return raw.decode("utf-8", "replace").split("\t") if raw else []

    def clear(self) -> None:
        self.mm[:] = b"\0" * len(self.mm)


class GuardedCaller(Caller):
    """``Caller`` that leaves the call in progress on the board and checks the data handed in."""

    def __init__(self, board: Board) -> None:
        super().__init__()
        self.board = board
        self.data: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.changed: str | None = None

    def start(self, step: int, X: Any, y: Any) -> None:
        self.step, self.changed = step, None
        self.data = {name: (a, a.copy()) for name, a in (("X", X), ("y", y)) if isinstance(a, np.ndarray)}

    def __call__(self, obj: Any, method: str | None, *args: Any, where: str, phase: str, **kwargs: Any) -> Any:
        label = f"{where}.{method}" if method else where
        self.board.write(0, self.step, label, f"{describe(obj)}.{method}" if method else describe(obj))
        handed = method == "backward" and where.startswith("layers[") and args and isinstance(args[0], np.ndarray)
        grad = args[0] if handed else None
        grad_before = None if grad is None else grad.copy()
        try:
            return super().__call__(obj, method, *args, where=where, phase=phase, **kwargs)
        finally:
            if grad is not None and not _same(grad, grad_before):
                self._note(f"{label} changed the gradient handed to it in place at step {self.step}")
            for name, (a, _) in self.data.items():
                if any(arg is a for arg in args) or any(v is a for v in kwargs.values()):
                    self.check(name, label)

    def check(self, name: str, label: str | None) -> None:
        a, pristine = self.data[name]
        if not _same(a, pristine):
            self._note(
                f"{label} changed its input {name} in place at step {self.step}"
                if label
                else f"your code changed {name} (the batch handed to it) in place during step {self.step}"
            )
            self.data[name] = (a, a.copy())  # one report per change

    def _note(self, text: str) -> None:
        self.changed = self.changed or text

    def finish(self) -> None:
        """At the end of a step: raise the first change of the data handed in, if any."""
        for name in list(self.data):
            self.check(name, None)
        if self.changed:
            raise changed_error(self.changed, self.step)


_array_equal = np.array_equal  # bound now: the user's code may replace NumPy's functions in this process


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and _array_equal(a, b, equal_nan=True)


def changed_error(text: str, step: int) -> UserCodeError:
    exc = UserCodeError(
        text,
        step=step,
        where=text.split(" ", 1)[0],
        phase="data",
        hints=[
            "a framework never changes the data or gradient it is handed: compute into a new array (x = x * 2), "
            "not in place (x *= 2); the frameworks trained on the original data"
        ],
    )
    exc.kind = "changed"
    return exc


def error_fields(exc: UserCodeError) -> dict[str, Any]:
    """A ``UserCodeError`` as plain data (its constructor's keyword arguments do not pickle)."""
    cause = exc.__context__
    kind = getattr(exc, "kind", None) or (
        "memory" if isinstance(cause, MemoryError) else "raised" if cause is not None else None
    )
    return dict(message=str(exc), step=exc.step, where=exc.where, phase=exc.phase, hints=exc.hints, kind=kind)


def rebuild_error(fields: dict[str, Any], seen: list) -> UserCodeError:
    exc = UserCodeError(fields["message"], **{k: fields[k] for k in ("step", "where", "phase", "hints")})
    exc.kind, exc.seen = fields["kind"], seen
    return exc


def describe_net(net: UserNetwork) -> dict[str, Any]:
    """What the parent's proxy needs to stand in for ``net``."""
    return dict(
        style=net.style,
        spec=net.spec,
        samples_as=net.samples_as,
        layout=net.layout,
        notes=list(net.notes),
        trains=net.trains,
        takes_lr=net.takes_lr,
        dropouts=dict(getattr(net, "dropouts", {})),
        weights=net.weights(),
        call_name=net.call_name,
        steps_per_call=net.steps_per_call,
        untrained=net.untrained_because() if hasattr(net, "untrained_because") else "",
    )


def _die_with_parent() -> None:
    """Linux: SIGKILL this process when the parent dies (however it dies)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _bound(memory_mb: int | None, crash_log: int) -> None:
    """Signals, crash reports and resource limits of the child."""
    import faulthandler
    import resource

    _die_with_parent()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    faulthandler.enable(crash_log)  # a crash leaves the Python stack where the parent reads it
    faulthandler.register(signal.SIGUSR1, crash_log)  # and so does a hang, when the parent asks
    resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    if memory_mb is not None:
        held = int(Path("/proc/self/statm").read_text().split()[0]) * mmap.PAGESIZE
        resource.setrlimit(resource.RLIMIT_AS, (held + memory_mb * 2**20, resource.getrlimit(resource.RLIMIT_AS)[1]))


def _flush() -> None:
    """The user's prints reach the terminal before the process may be killed."""
    try:
        sys.stdout.flush()
    except Exception:  # the user's code replaced or closed stdout: its own business
        pass


def serve(
    conn: Any, recipe: Callable[[], tuple[UserNetwork, Any]], board: Board, memory_mb: int | None, crash_log: int
) -> int:
    """The child's life: build the network, then answer requests until told to close.
    Returns the exit status (the caller ends the process with the real ``os._exit``)."""
    real_exit = os._exit

    def _exit(code: int = 0) -> None:  # the user's os._exit: say where, then go
        board.write(1, f"os._exit({code})", frame_text(sys._getframe(1)))
        real_exit(code)

    try:
        _bound(memory_mb, crash_log)
        os._exit = _exit
        net, extra = recipe()
        conn.send(("ready", describe_net(net), extra))
        _answer(conn, net, GuardedCaller(board))
    except SystemExit as exc:  # sys.exit, exit(), raise SystemExit in the user's code
        board.write(1, f"sys.exit({exc.code!r})" if exc.code is not None else "sys.exit()", traceback_text(exc))
        _send(conn, ("exited",))
    except (EOFError, BrokenPipeError):  # the parent went away
        return 0
    except MemoryError as exc:
        _send(conn, ("memory", traceback_text(exc)))
    except BaseException as exc:  # the recipe's bad input (SpecError...), or a fault of ours: raised in the parent
        _send(conn, ("raise", _picklable(exc)))
    finally:
        _flush()
    return 0


def _answer(conn: Any, net: UserNetwork, caller: GuardedCaller) -> None:
    """Requests until "close": set the spec, or take one step and send what it exposed."""
    while True:
        request = conn.recv()
        if request[0] == "close":
            return
        if request[0] == "spec":
            net.spec = request[1]
            conn.send(("ok",))
            continue
        _, step, X, y = request
        caller.start(step, X, y)
        try:
            seen = net.step(X, y, caller)
            caller.finish()
            conn.send(("step", seen, net.masks, list(net.notes), net.weights()))
        except UserCodeError as exc:
            fields = error_fields(exc)
            if caller.changed and fields["kind"] != "changed":
                fields["hints"].append(f"before that, {caller.changed}")
            conn.send(("error", fields, list(getattr(exc, "seen", [])), list(net.notes)))
        finally:
            _flush()


def _send(conn: Any, message: tuple) -> None:
    try:
        conn.send(message)
    except (OSError, ValueError, pickle.PicklingError):
        pass


def _picklable(exc: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(exc))
        return exc.with_traceback(None)
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
