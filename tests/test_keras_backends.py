"""The Keras adapter on Keras's torch backend (KERAS_BACKEND is read at import, so the
checks run in a fresh interpreter).

Outside TensorFlow, Keras's type promotion turns float64 into float32 (its
``BIT64_TO_BIT32_DTYPE``, "aligned with JAX's default"): ``keras.ops.matmul`` of two
float64 arrays returns float32. So on the torch backend Keras runs the float32 specs,
and a float64 spec is "not expressible", saying why.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

SCRIPT = """
import json, keras
from benchmarks.tasks import TASKS
from reference_impls import build, NotExpressible
from reference_impls.equivalence import compare, weights_dev
d = TASKS["spiral"].data(0)
spec = TASKS["spiral"].spec.replace(dtype="float32")
out = {"backend": keras.backend.backend(), "promotes": keras.backend.result_type("float64", "float64")}
for name, changes in [("sgd", dict(lr=0.3)), ("momentum-minibatch", dict(lr=0.03, momentum=0.9, batch_size=32, shuffle=True)), ("rmsprop", dict(optimizer="rmsprop", lr=0.001, rho=0.9, eps=1e-7))]:
    r = compare(spec.replace(**changes), "keras", d.X_train, d.y_train, 100)
    out[name] = [r.status, r.one_step, r.loss_max_rel, r.weights_max_rel]
_, g = build("keras", spec.replace(convention="keras")).gradients(d.X_train, d.y_train)
_, ref = build("scratch", spec).gradients(d.X_train, d.y_train)
out["gradients"] = weights_dev(g, ref)
try:
    build("keras", TASKS["spiral"].spec.replace(convention="keras"))
    out["float64"] = "built"
except NotExpressible as exc:
    out["float64"] = str(exc)
print(json.dumps(out))
"""


def test_keras_on_the_torch_backend():
    env = {**os.environ, "KERAS_BACKEND": "torch"}
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["backend"] == "torch"
    for name in ("sgd", "momentum-minibatch", "rmsprop"):
        status, one_step, loss, weights = out[name]
        assert status == "pass" and one_step <= 1e-5 and loss <= 1e-5 and weights <= 1e-5, (name, out[name])
    assert out["gradients"] <= 1e-5
    if out["promotes"] != "float64":
        assert out["float64"] == (
            "keras cannot express this spec: float64 arithmetic on the torch backend (Keras promotes float64 to float32 there)"
        )
    else:  # a Keras that keeps float64 outside TensorFlow builds it
        assert out["float64"] == "built"
