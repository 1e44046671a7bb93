"""Which code produced a results folder or a report: the scratchbench version and the git
commit of its source tree, with whether that tree had uncommitted changes (a run from a
dirty tree cannot be reproduced from the commit alone)."""

from __future__ import annotations

import os
import subprocess
from functools import cache
from importlib import metadata

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _git(*args: str) -> str | None:
    """``git args`` in the source tree's folder; None outside a work tree or without git."""
    try:
        proc = subprocess.run(["git", "-C", ROOT, *args], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


@cache
def code_version() -> dict[str, str | bool | None]:
    """``{"scratchbench": "0.1.0", "git_commit": "98c2935...", "git_dirty": False}``; the commit
    is empty and the flag None where the code is not a git checkout (an installed wheel)."""
    try:
        version = metadata.version("scratchbench")
    except metadata.PackageNotFoundError:
        version = "unknown"
    commit = _git("rev-parse", "HEAD") or ""
    status = _git("status", "--porcelain", "--untracked-files=no") if commit else None
    return {"scratchbench": version, "git_commit": commit, "git_dirty": None if status is None else bool(status)}


def describe(info: dict) -> str:
    """``scratchbench 0.1.0, commit 98c2935 (uncommitted changes)`` from ``code_version()``'s keys."""
    text = f"scratchbench {info.get('scratchbench') or 'unknown'}"
    commit = str(info.get("git_commit") or "")
    if not commit:
        return text + ", git commit not recorded"
    dirty = info.get("git_dirty")
    state = " (uncommitted changes)" if dirty in (True, "True", "true") else "" if dirty is not None else ""
    return f"{text}, commit {commit[:12]}{state}"
