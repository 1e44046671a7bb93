"""The verdict's last words: what failed when the user's code did not run through, NaN and
inf named where they first appear, "nothing was judged" when no framework asked for could
express the network, and the exit status every caller maps a result to.

Exit status: 0 every compared tensor matched; 1 it does not match (NaN or inf where the
frameworks are finite, data changed in place, any departure); 2 bad input to the tool,
including a network no framework asked for can express (nothing was judged); 3 the user's
code failed to run (raised, exited, crashed, timed out, ran out of memory).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .usercode import UserCodeError

FAILURE_KINDS = ("raised", "exited", "crashed", "timeout", "memory")
HINTS = {
    "exited": "your code must return from every call: remove the sys.exit / os._exit (validate runs it in its own "
    "process)",
    "crashed": "the interpreter itself died: look for ctypes, C extensions, or a signal sent to the process",
    "timeout": "a step took longer than the whole validation may: look for a loop that never ends or a sleep; raise "
    "--timeout "
    "(timeout=) if your network is just slow",
    "memory": "your code needed more memory than --memory (memory=) allows: look for an array that grows every step",
}


@dataclass
class Failure:
    """The user's code did not run through: ``kind`` is one of FAILURE_KINDS."""

    kind: str
    message: str  # one line: what happened, at which step, in which call
    step: int  # 0 while the network was being loaded and set up
    where: str

    def __str__(self) -> str:
        return self.message


class UserCodeFailed(UserCodeError):
    """The user's code ended its process, hung or ran out of memory; ``failure`` says how.
    Raised by ``validate`` itself only when the network could not even be set up."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(
            failure.message,
            step=failure.step,
            where=failure.where,
            phase="",
            hints=[HINTS[failure.kind]] if failure.kind in HINTS else [],
        )
        self.failure, self.kind = failure, failure.kind

    def __reduce__(self) -> tuple:  # rebuilt from its failure: it crosses from the child process whole
        return (type(self), (self.failure,))


def exit_code(result: Any) -> int:
    """0 / 1 / 2 / 3 as in the module notes, for a ``ValidationResult``."""
    if result.ok:
        return 0
    if getattr(result, "failure", None) is not None:
        return 3
    return 1 if result.compared else 2


def judge(result: Any, error: UserCodeError | None, first_bad: tuple | None, who_can: Sequence[str] = ()) -> Any:
    """Complete ``result`` (of the run whose last error and first non-finite tensor are given)."""
    if error is not None and result.error is not None and getattr(error, "kind", None) in FAILURE_KINDS:
        failure = getattr(error, "failure", None) or Failure(error.kind, str(error), error.step, error.where)
        result.failure = failure
        result.error = failure.message
    if first_bad is not None and not result.ok:
        _name_non_finite(result, *first_bad)
    if not result.ok and result.failure is None and not result.compared and result.error is None:
        why = "; ".join(f"{impl}: {text}" for impl, text in result.not_expressible.items())
        can = f"{' and '.join(who_can)} can: pass --against {','.join(who_can)}" if who_can else "no framework here can"
        result.diagnosis = [
            f"nothing was judged: {', '.join(result.against)} cannot express this network ({why}); {can}"
        ]
    return result


def _name_non_finite(result: Any, step: int, phase: str, name: str, what: str) -> None:
    """``your loss returned NaN at step 1``: the first NaN or inf the user's code produced."""
    text = {
        "loss": f"your loss returned {what} at step {step}",
        "forward": f"{name} has {what} at step {step}, the first non-finite value in your network",
        "gradient": f"{name} has {what} at step {step}, the first non-finite gradient in your network",
        "update": f"{name} became {what} at step {step}",
    }[phase]
    d = result.first_divergence
    if d is not None and d.step == step and not np.all(np.isfinite(np.asarray(d.ours, dtype=np.float64))):
        theirs_finite = bool(np.all(np.isfinite(np.asarray(d.theirs, dtype=np.float64))))
        text += f" where {d.impl}'s is finite" if theirs_finite else f" ({d.impl}'s too)"
        if not result.findings:  # no mistake recognised: the non-finite value is the finding, not "unexplained"
            result.diagnosis = [text]
            return
    result.diagnosis.append(text)


def first_non_finite(seen: list, step: int) -> tuple | None:
    """(step, phase, tensor name, "NaN" or "inf") of the first non-finite tensor the user's
    own code gave this step (not a loss validate derived), else None."""
    for o in seen:
        raw = np.asarray(o.raw) if o.raw is not None else None
        if o.derived or raw is None or raw.dtype.kind not in "fc" or np.all(np.isfinite(raw)):
            continue
        return step, o.key[0], o.name, "NaN" if np.any(np.isnan(raw)) else "inf"
    return None
