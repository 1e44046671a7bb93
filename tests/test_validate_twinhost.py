"""Twins in host processes (``twinhost``) compute exactly what twins in this process compute:
the same table to the last bit, the same diagnosis and suggestion (which re-run the network
and ask the adapter for its words), the same frameworks that cannot express the network;
the process that judges imports no framework; a host that dies is named, not waited on.

Run in a fresh interpreter: hosts start only for frameworks not imported yet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import json, os, signal, sys
import numpy as np
from benchmarks.harness.validate import run_validation
from reference_impls import ModelSpec
from reference_impls.validation import twinhost

cases = [("examples/seed004_simplenn.py:fixed", "xor"), ("examples/nnfs_book_style.py:network", "spiral")]
against = ["torch", "keras"]

def runs():
    return [run_validation(target, task, 5, against) for target, task in cases]

twinhost.start(against)
hosted = runs()
loaded_here = [m for m in ("torch", "tensorflow", "keras") if m in sys.modules]
twinhost.stop()
local = runs()
out = dict(loaded_here=loaded_here, same=[], died="")
for a, b in zip(hosted, local):
    text = lambda r: [line for line in str(r).splitlines() if "time: " not in line]
    out["same"].append(
        dict(
            table=a.table.equals(b.table),
            text=text(a) == text(b),
            skipped=a.not_expressible == b.not_expressible,
            ok=[a.ok, b.ok],
            skipped_any=bool(a.not_expressible),
            suggested=a.suggested_spec is not None,
        )
    )
twinhost.start(["scratch"])
os.kill(twinhost._HOSTS["scratch"].pid, signal.SIGKILL)
spec = ModelSpec(sizes=(2, 3, 1), activations=("relu", "sigmoid"), loss="mse")
try:
    twinhost.make_twin("scratch", spec, spec.init_weights(), np.zeros((4, 2)), np.zeros((4, 1)))
except twinhost.HostDied as exc:
    out["died"] = str(exc)
print(json.dumps(out))
"""


def test_hosted_twins_compute_what_local_twins_compute():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=1200, env=env
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["loaded_here"] == []  # the frameworks loaded in their hosts only
    fixed, book = out["same"]
    for case in (fixed, book):
        assert case["table"] and case["text"] and case["skipped"], case
    assert fixed["ok"] == [False, False] and fixed["suggested"]  # diagnosis and a checked suggestion, via the hosts
    assert book["ok"] == [True, True] and book["skipped_any"]  # torch cannot express the book's SGD: said alike
    assert "scratch twin ended unexpectedly" in out["died"]
