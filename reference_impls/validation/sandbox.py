"""The user's network in a child process, apart from the framework twins.

``IsolatedNetwork`` is a ``UserNetwork`` whose every call is forwarded over a pipe to a
forked child holding the real network (``child.serve``); ``fresh()`` forks a new child from
the same recipe. Whatever the user's code does there (raise, ``sys.exit``, ``os._exit``,
crash, hang, exhaust memory, change the data it is handed, patch NumPy) stays there and
comes back as a verdict: the parent's frameworks, data and NumPy are untouched.

Bounds: ``Limits.timeout`` seconds of the user's code per validation (each wait on the pipe
is bounded by what is left), ``Limits.memory`` MB of address space beyond what the child
held when it started (``RLIMIT_AS``). When ``run_isolated`` returns, every child's process
group has been sent SIGKILL and reaped, whatever it ignored.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing import Pipe
from typing import Any

from . import twinhost
from .child import Board, is_users, rebuild_error, serve
from .styles import Observed, UserNetwork
from .usercode import Caller, UserCodeError, place
from .verdict import Failure, UserCodeFailed, first_non_finite, judge

DEFAULT_TIMEOUT = 60.0  # seconds of the user's code per validation
GRACE = 0.5  # seconds a child has to leave by itself before SIGKILL
Recipe = Callable[[], tuple[UserNetwork, Any]]


@dataclass(frozen=True)
class Limits:
    """Bounds on the user's code: ``timeout`` seconds over the whole validation (None: none),
    ``memory`` MB it may allocate (None: no limit)."""

    timeout: float | None = DEFAULT_TIMEOUT
    memory: int | None = None


def available() -> bool:
    """Isolation needs ``fork`` (Linux, macOS); elsewhere validate runs in-process."""
    return hasattr(os, "fork")


class Session:
    """The children of one validation, the time their code has left, and their clean-up."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.spent = 0.0
        self.children: list[IsolatedNetwork] = []

    def left(self) -> float | None:
        return None if self.limits.timeout is None else max(self.limits.timeout - self.spent, 0.0)

    def close(self) -> None:
        for child in self.children:
            child.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class IsolatedNetwork(UserNetwork):
    """A proxy for the network ``recipe()`` builds in a child process (see the module notes)."""

    def __init__(self, recipe: Recipe, session: Session) -> None:
        self.recipe, self.session = recipe, session
        self.masks, self.failure, self.error = None, None, None
        self.first_bad: tuple | None = None  # (step, phase, tensor, "NaN"/"inf") first seen
        self.pid: int | None = None
        self._start()
        info, self.extra = self._ask(None, "loading")[1:]
        self.style, self._spec, self.samples_as, self.layout = (
            info["style"],
            info["spec"],
            info["samples_as"],
            info["layout"],
        )
        self.notes, self._trains, self.takes_lr, self.dropouts = (
            info["notes"],
            info["trains"],
            info["takes_lr"],
            info["dropouts"],
        )
        self._weights, self._call_name, self.steps_per_call = info["weights"], info["call_name"], info["steps_per_call"]
        self._untrained = info["untrained"]

    # ---- the process ---------------------------------------------------------------------------
    def _start(self) -> None:
        self.board, self.crash_log = Board(), tempfile.TemporaryFile()
        self.conn, theirs = Pipe()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # else the child prints our buffered lines again
        pid = os.fork()
        if pid == 0:  # the child: never returns into the parent's code
            status = 1
            try:
                self.conn.close()
                for other in self.session.children:
                    other.conn.close()
                twinhost.forget()  # the frameworks' hosts are the parent's
                os.setpgid(0, 0)
                status = serve(theirs, self.recipe, self.board, self.session.limits.memory, self.crash_log.fileno())
            finally:
                _real_exit(status)
        theirs.close()
        self.pid = pid
        try:
            os.setpgid(pid, pid)  # also here: the child may not have run yet
        except OSError:
            pass
        self.session.children.append(self)

    def close(self) -> None:
        """Let the child go (GRACE), then SIGKILL its process group and reap it."""
        if self.pid is not None:
            try:
                self.conn.send(("close",))
                self.conn.poll(GRACE)
            except (OSError, ValueError):
                pass
            self._kill()
        self.crash_log.close()

    def _kill(self) -> int:
        """SIGKILL the child's group (its own children too), reap it; its wait status."""
        pid, self.pid = self.pid, None
        if pid is None:
            return 0
        for kill in (os.killpg, os.kill):
            try:
                kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self.conn.close()
        self.crash_log.seek(0)
        return os.waitpid(pid, 0)[1]

    # ---- one request ---------------------------------------------------------------------------
    def _ask(self, request: tuple | None, during: str) -> tuple:
        """Send ``request`` (None: only listen) and wait, within the time left, for the reply."""
        if self.failure is not None:
            raise UserCodeFailed(self.failure)
        if request is not None:
            try:
                self.conn.send(request)
            except OSError:  # it is gone already: the pipe's end of file below says how
                pass
        left = self.session.left()
        t0 = time.monotonic()
        ready = self.conn.poll(left)
        self.session.spent += time.monotonic() - t0
        reply: tuple | None = None
        if ready:
            try:
                reply = self.conn.recv()
            except (EOFError, OSError):
                reply = None
        if reply is not None and reply[0] not in ("exited", "memory"):
            if reply[0] == "raise":
                self.close()
                raise reply[1]
            return reply
        self.failure = self._what_happened(reply, ready, during)
        raise UserCodeFailed(self.failure)

    def _what_happened(self, reply: tuple | None, ready: bool, during: str) -> Failure:
        """The child left without answering, or did not answer in time: say how, and where."""
        at = self.board.read(0) if during == "step" else []
        step = int(at[0]) if at else 0
        label = at[1] if len(at) > 2 and at[1] else ""
        when = f"at step {step}" if step else "while loading your network"
        call = _place(label, at[2] if label else "", "")
        where = label or ("step" if step else "loading")
        if not ready:  # timed out: the child is alive; ask it for its stack first (faulthandler on SIGUSR1)
            place = _place(label, at[2] if label else "", self._stack_on_request())
            self._kill()
            return Failure(
                "timeout",
                f"your code did not finish within {self.session.limits.timeout:g} s (--timeout) {when}"
                + (f": still {place}" if place else ""),
                step,
                where,
            )
        status = self._kill()
        words = self.board.read(1)
        if reply is not None and reply[0] == "memory":
            return Failure("memory", _out_of_memory(self.session.limits.memory, when, call), step, where)
        if words:
            how = words[0] + (f" in {words[1]}" if len(words) > 1 and words[1] else "")
            return Failure(
                "exited",
                f"your code exited the process {when} ({how}" + (f", called as {label})" if label else ")"),
                step,
                where,
            )
        if os.WIFSIGNALED(status):
            sig = signal.Signals(os.WTERMSIG(status))
            detail = f"{sig.name} ({signal.strsignal(sig) or 'signal'})"
            if sig == signal.SIGKILL:
                detail += ", killed from outside (e.g. by the system when memory ran out)"
            place = _place(label, at[2] if label else "", self._stack_from_log())
            text = f"your code crashed the process {when} with {detail}" + (f" {place}" if place else "")
            return Failure("crashed", text, step, where)
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else status
        text = f"your code exited the process {when} (status {code})" + (f", {call}" if call else "")
        return Failure("exited", text, step, where)

    def _stack_on_request(self) -> str:
        """The user's frame a hung child is in: SIGUSR1 makes its faulthandler write its stack."""
        try:
            os.kill(self.pid, signal.SIGUSR1)
        except OSError:
            return ""
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:  # bounded: the dump is written by a C signal handler
            if os.fstat(self.crash_log.fileno()).st_size and self._stack_from_log():
                break
            time.sleep(0.01)
        return self._stack_from_log()

    def _stack_from_log(self) -> str:
        """``forward (mynet.py:12)``: the innermost user frame faulthandler wrote."""
        self.crash_log.seek(0)
        for line in self.crash_log.read().decode("utf-8", "replace").splitlines():
            line = line.strip()
            if line.startswith('File "') and " line " in line:
                file = line[6 : line.index('"', 6)]
                if is_users(file):
                    lineno, _, func = line.rsplit(" line ", 1)[1].partition(" in ")
                    return f"{func} ({place(file, lineno)})"
        return ""

    # ---- the UserNetwork interface --------------------------------------------------------
    @property
    def spec(self):  # type: ignore[override]
        return self._spec

    @spec.setter
    def spec(self, value) -> None:
        if value != self._spec and self.failure is None:
            self._ask(("spec", value), "set-up")
        self._spec = value

    @property
    def trains(self) -> bool:
        return self._trains

    @property
    def call_name(self) -> str:
        return self._call_name

    def untrained_because(self) -> str:
        return self._untrained

    def weights(self):
        return [(W.copy(), b.copy()) for W, b in self._weights]

    def step(self, X: Any, y: Any, caller: Caller) -> list[Observed]:
        self.board.write(0, caller.step, "", "")
        try:
            reply = self._ask(("step", caller.step, X, y), "step")
        except UserCodeError as exc:
            self.error = exc
            raise
        if reply[0] == "error":
            fields, seen, self.notes = reply[1:]
            self._note_non_finite(seen, caller.step)
            self.error = rebuild_error(fields, seen)
            if fields["kind"] == "memory":  # a MemoryError raised in the user's code
                self.failure = Failure(
                    "memory",
                    _out_of_memory(self.session.limits.memory, f"at step {caller.step}", f"in {fields['where']}"),
                    caller.step,
                    fields["where"],
                )
                self.error = UserCodeFailed(self.failure)
                self.error.seen = seen
            raise self.error
        seen, self.masks, self.notes, self._weights = reply[1:]
        self._note_non_finite(seen, caller.step)
        return seen

    def _note_non_finite(self, seen: list[Observed], step: int) -> None:
        if self.first_bad is None:
            self.first_bad = first_non_finite(seen, step)

    def fresh(self) -> IsolatedNetwork:
        try:
            net = IsolatedNetwork(self.recipe, self.session)
        except (
            UserCodeFailed
        ) as exc:  # e.g. no time left: a copy whose every step says so, as the run it is for expects
            net = object.__new__(IsolatedNetwork)
            net.__dict__.update(self.__dict__, failure=exc.failure, pid=None, error=None, first_bad=None)
        net.spec = self.spec
        return net


def _place(label: str, qualname: str, frame: str) -> str:
    """``in Dense.forward (mynet.py:12), called as layers[0].forward``: the user's frame (from
    faulthandler: its function's bare name) in the call the parent was waiting on."""
    if frame:
        func, _, rest = frame.partition(" ")
        name = qualname if qualname.endswith("." + func) or qualname == func else func
        text = f"in {name} {rest}"
    else:
        text = f"in {qualname}" if qualname else ""
    return text + (f", called as {label}" if label and text else f"in {label}" if label else "")


def _out_of_memory(limit: int | None, when: str, call: str) -> str:
    bound = f" (--memory {limit} MB)" if limit is not None else ""
    return f"your code ran out of memory{bound} {when}" + (f" {call}" if call else "")


_real_exit = os._exit  # child.serve replaces os._exit in the child; the child leaves through this


def run_isolated(
    recipe: Recipe,
    X: Any,
    y: Any,
    steps: int,
    against: Sequence[str],
    tolerance: float | None,
    limits: Limits,
    run_network: Callable[..., Any],
) -> Any:
    """``run_network`` (core's) on the network ``recipe()`` builds in a child process; ``X``/``y`` None:
    the data the recipe returned with it. Returns the ``ValidationResult``, completed by
    ``verdict.judge``; raises ``UserCodeFailed`` when the network could not even be set up,
    and the recipe's own errors (``SpecError``...) as they are."""
    with Session(limits) as session:
        net = IsolatedNetwork(recipe, session)
        if X is None:
            X, y = net.extra
        result = run_network(net, X, y, steps, against, tolerance)
        who_can = _who_can(net, against) if not result.compared and net.error is None else ()
        return judge(result, net.error, net.first_bad, who_can)


def _who_can(net: IsolatedNetwork, against: Sequence[str]) -> list[str]:
    """The implementations not asked for that can express the network's spec."""
    from ..registry import FRAMEWORKS, build
    from ..spec import SpecError

    can = []
    for impl in FRAMEWORKS:
        if impl in against:
            continue
        try:
            build(impl, net.spec, net.weights())
            can.append(impl)
        except (SpecError, ImportError):  # NotExpressible is a SpecError
            continue
    return can
