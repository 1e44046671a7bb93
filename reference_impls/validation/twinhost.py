"""Framework twins in processes of their own, so that the frameworks load side by side.

Importing a framework is most of a one-network validation's start-up (TensorFlow with
Keras alone takes seconds), and it holds the GIL: threads cannot overlap two imports.
``start(impls)`` forks one host process per framework, before any framework is imported
here; each host imports its adapter at once and then builds and steps ``lockstep.Twin``
objects on request, so the frameworks load in parallel with each other, with the user's
code loading in its own child and with this process's own set-up. A host runs the very
``Twin`` code this process would run, from the same arrays: the numbers are the same.

``make_twin`` is ``lockstep.build_twins``'s factory: a ``RemoteTwin`` for a hosted
framework, a local ``Twin`` otherwise (nothing started: the usual in-process run). Hosts
live until this process exits (``stop`` ends them earlier), die with it (Linux), and are
reused by every twin built here: a diagnosis that re-runs the network loads nothing again.
"""

from __future__ import annotations

import atexit
import itertools
import os
import signal
import sys
from multiprocessing import Pipe
from typing import Any

import numpy as np

from ..base import NotExpressible
from ..registry import IMPLEMENTATIONS, is_imported
from ..spec import ModelSpec, Weights
from .child import _die_with_parent, _picklable

_HOSTS: dict[str, Host] = {}
_KEYS = itertools.count(1)


class HostDied(RuntimeError):
    """A twin's host process ended without answering: a fault of ours, not of the user's code."""


def _serve(conn: Any, impl: str) -> None:
    """The host's life: import the adapter now (the point of the host), then answer until closed.

    Its OpenMP threads wait passively (``OMP_WAIT_POLICY``, unless set): a host mostly waits on
    its pipe while the other processes work, and on a busy machine threads that spin between
    steps took a PyTorch step from 5 to 100-200 ms. The policy changes how idle threads wait,
    not how many there are nor how work is split: the same numbers."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from ..registry import implementation_class
    from .lockstep import Twin

    try:
        implementation_class(impl)
    except Exception:  # e.g. the framework is not installed: said when a twin is asked for
        pass
    twins: dict[int, Twin] = {}
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        what, key, args = request
        if what == "close":
            return
        if what == "drop":
            twins.pop(key, None)
            continue
        try:
            if what == "build":
                twins[key] = Twin(impl, *args)
                reply: tuple = ("ok", None)
            elif what == "adapter":  # a class method of the adapter, e.g. its words for a spec
                method, *rest = args
                reply = ("ok", getattr(implementation_class(impl), method)(*rest))
            else:
                reply = ("ok", twins[key].step(*args))
        except NotExpressible as exc:  # its constructor's arguments do not survive pickling
            reply = ("not expressible", (exc.impl, exc.feature))
        except Exception as exc:
            reply = ("raise", _picklable(exc))
        conn.send(reply)


class Host:
    """One framework's host process and the pipe to it."""

    def __init__(self, impl: str) -> None:
        self.impl = impl
        self.conn, theirs = Pipe()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # else the host prints our buffered lines again when it leaves
        pid = os.fork()
        if pid == 0:  # the host: never returns into the parent's code
            try:
                self.conn.close()
                forget()
                _die_with_parent()
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
                _serve(theirs, impl)
            finally:
                os._exit(0)
        theirs.close()
        self.pid = pid

    def ask(self, what: str, key: int, args: tuple) -> Any:
        try:
            self.conn.send((what, key, args))
            kind, value = self.conn.recv()
        except (EOFError, OSError) as exc:
            raise HostDied(f"the process running the {self.impl} twin ended unexpectedly") from exc
        if kind == "not expressible":
            raise NotExpressible(*value)
        if kind == "raise":
            raise value
        return value

    def close(self) -> None:
        try:
            self.conn.send(("close", 0, ()))
        except (OSError, ValueError):
            pass
        self.conn.close()
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except OSError:
            pass


class RemoteTwin:
    """``lockstep.Twin``'s interface, the twin itself living in its framework's host."""

    def __init__(self, host: Host, spec: ModelSpec, weights: Weights, X: np.ndarray, y: np.ndarray) -> None:
        self.impl, self.spec, self.host, self.key = host.impl, spec, host, next(_KEYS)
        host.ask("build", self.key, (spec, weights, X, y))

    def step(
        self, rows, wanted: set[str], start: Weights | None = None, masks: list | None = None, repeat: int = 1
    ) -> dict[tuple, Any]:
        return self.host.ask("step", self.key, (rows, wanted, start, masks, repeat))

    def __del__(self) -> None:
        try:
            self.host.conn.send(("drop", self.key, ()))
        except Exception:  # the host (or this process) is already going
            pass


def start(impls: list[str] | tuple[str, ...]) -> None:
    """A host for each implementation in ``impls`` that is not imported here yet and has none
    (unknown names are left for the twins' builder to reject, as without hosts)."""
    if not hasattr(os, "fork"):
        return
    for impl in impls:
        if impl in IMPLEMENTATIONS and impl not in _HOSTS and not is_imported(impl):
            _HOSTS[impl] = Host(impl)


def make_twin(impl: str, spec: ModelSpec, weights: Weights, X: np.ndarray, y: np.ndarray) -> Any:
    """The twin of ``impl``: in its host when one was started, else here (``lockstep.Twin``)."""
    host = _HOSTS.get(impl)
    if host is not None:
        return RemoteTwin(host, spec, weights, X, y)
    from .lockstep import Twin

    return Twin(impl, spec, weights, X, y)


def adapter_call(impl: str, method: str, *args: Any) -> Any:
    """``implementation_class(impl).method(*args)``, in the host when ``impl`` has one (so
    that this process need not import the framework for it)."""
    host = _HOSTS.get(impl)
    if host is not None:
        return host.ask("adapter", 0, (method, *args))
    from ..registry import implementation_class

    return getattr(implementation_class(impl), method)(*args)


def forget() -> None:
    """In a forked child: let go of the hosts' pipes (they are the parent's), end nothing."""
    for host in _HOSTS.values():
        host.conn.close()
    _HOSTS.clear()


def stop() -> None:
    """End every host and wait for it."""
    while _HOSTS:
        _HOSTS.popitem()[1].close()


atexit.register(stop)
