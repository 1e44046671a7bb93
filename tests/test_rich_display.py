"""Results that show themselves in Jupyter (``_repr_html_``), on tiny hand-made results:
the verdict comes first, the first divergence next, a per-tensor SVG plot, every user string
escaped; the plain text is what it was."""

from __future__ import annotations

import math
import re
from html import unescape

import numpy as np
import pandas as pd
import pytest

from benchmarks.harness.display import CheckTables
from benchmarks.harness.sweep import Results
from reference_impls import ModelSpec
from reference_impls.display import Bar, bars_svg
from reference_impls.validation import Divergence, ValidationResult

SPEC = ModelSpec(sizes=(2, 4, 3), activations=("relu", "softmax"), loss="categorical_crossentropy", optimizer="sgd")
EVIL = "<script>alert('x')</script>"


def result(ok: bool, tensor: str = "layers[0].weights", diagnosis: tuple[str, ...] = ()) -> ValidationResult:
    """Two steps of four tensors; a failing one departs at step 1, update, ``tensor``."""
    rows = [
        ("torch", step, phase, name, dev, 1e-10, dev <= 1e-10)
        for step in (1, 2)
        for phase, name, dev in (
            ("forward", "layers[0].output", 1e-16),
            ("loss", "loss", 2e-16),
            ("gradient", "layers[0].dweights", 3e-16),
            ("update", tensor, 1e-16 if ok else 0.5),
        )
    ]
    table = pd.DataFrame(rows, columns=["impl", "step", "phase", "tensor", "deviation", "tolerance", "ok"])
    d = None if ok else Divergence(1, "update", tensor, "torch", np.array([1.0, 2.0]), np.array([1.0, 1.5]), 0.5, 1e-10)
    return ValidationResult(
        ok=ok,
        first_divergence=d,
        diagnosis=list(diagnosis),
        table=table,
        spec=SPEC,
        style="layer objects",
        steps=2,
        tolerance=1e-10,
        against=("torch",),
        notes=["inferred sizes (2, 4, 3)"],
    )


def visible_text(html: str) -> str:
    """The text a reader sees, in order (the stylesheet and SVG titles left out)."""
    html = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def test_the_plain_text_is_unchanged():
    assert str(result(False, diagnosis=("the learning rate is doubled",))) == "\n".join(
        [
            "validate: FAIL (layer objects) against torch: float64, 2 step(s), tolerance 1e-10 relative",
            "  first divergence: step 1, update, layers[0].weights (vs torch): relative deviation 5.00e-01 > "
            "tolerance 1e-10",
            "    ours   [1. 2.]",
            "    theirs [1. 1.5]",
            "  - the learning rate is doubled",
            "  note: inferred sizes (2, 4, 3)",
            "  largest deviation per phase (over every step): forward 1.0e-16, loss 2.0e-16, gradient 3.0e-16, "
            "update 5.0e-01",
        ]
    )
    assert str(result(True)).splitlines()[1] == (
        "  your network computes what torch computes: largest relative deviation 3.0e-16"
    )


@pytest.mark.parametrize("ok,verdict", [(True, "PASS"), (False, "FAIL")])
def test_the_verdict_comes_first(ok, verdict):
    text = visible_text(result(ok)._repr_html_())
    assert text.startswith(f"{verdict} (layer objects) against torch: float64, 2 step(s)"), text[:200]
    if not ok:
        assert text.index("First divergence") < text.index("Deviation per tensor") < text.index("Plain text")
        assert "step 1, update, layers[0].weights (vs torch): relative deviation 5.00e-01 > tolerance 1e-10" in text


def test_the_plot_has_a_bar_per_tensor_in_the_order_computed_and_marks_the_departure():
    html = result(False)._repr_html_()
    svg = html[html.index("<svg") : html.index("</svg>")]
    bars = re.findall(r'<rect class="(sb-\w+)"', svg)
    assert bars == ["sb-ok", "sb-ok", "sb-ok", "sb-bad"]  # forward, loss, gradient, update
    assert "tolerance 1e-10" in svg and "sb-limit" in svg
    assert "<script" not in html and "plotly" not in html.lower()


def test_user_strings_are_escaped():
    html = result(False, tensor=EVIL, diagnosis=(f"look at {EVIL}",))._repr_html_()
    assert EVIL not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


def test_light_and_dark_themes_are_both_styled():
    html = result(True)._repr_html_()
    assert "@media (prefers-color-scheme: dark)" in html
    assert 'body[data-jp-theme-light="false"] .sb-rich' in html and "var(--jp-content-font-color1" in html


def test_zero_nan_and_inf_bars_are_labelled_as_they_are():
    svg = bars_svg([Bar("a", "zero", 0.0), Bar("a", "nan", math.nan, "bad"), Bar("b", "inf", math.inf, "bad")], 1e-10)
    labels = re.findall(r"<text x=\"[\d.]+\" y=\"[\d.]+\">([^<]+)</text>", svg)
    assert labels[-3:] == ["0", "NaN", "inf"]


def check_table() -> pd.DataFrame:
    rows = [
        dict(task="xor", config="sgd-full", impl="torch", status="pass", note="", dev=1e-15),
        dict(task="xor", config="sgd-full", impl="keras", status="fail", note=f"eps {EVIL}", dev=0.3),
        dict(task="xor", config="sgd-full", impl="sklearn", status="not expressible", note="", dev=math.nan),
    ]
    table = pd.DataFrame(rows).assign(dtype="float64", steps=50, tol_one_step=1e-10, loss_max_rel=1e-15)
    table["weights_max_rel"] = table["dev"]
    for col in ("one_step_loss_rel", "one_step_grad_rel", "one_step_weight_rel"):
        table[col] = table["dev"]
    return table.drop(columns="dev")


def test_a_check_shows_its_verdict_first_failure_and_bars():
    tables = CheckTables(check_table(), pd.DataFrame())
    equivalence, deviation = tables  # unpacks as the tuple it was
    assert equivalence is tables.equivalence and deviation.empty
    html = tables._repr_html_()
    text = visible_text(html)
    assert text.startswith("FAIL equivalence with the scratch network (float64, 50 steps): 1 pass, 1 fail"), text
    assert "First failure : xor, sgd-full, keras: fail: eps" in text and EVIL not in html
    assert re.findall(r'<rect class="(sb-\w+)"', html) == ["sb-ok", "sb-bad"]  # not expressible: no bar


def test_a_sweep_shows_how_it_ended_and_accuracy_per_impl():
    summary = pd.DataFrame(
        [
            dict(task="xor", impl=i, target_metric="train_accuracy", runs=2, ok=2 - d, diverged=d, failed=0)
            | dict(success_rate=1.0, final_train_accuracy_median=a, t_step_median=1e-4)
            for i, a, d in (("scratch", 1.0, 0), ("torch", 0.75, 1))
        ]
    )
    runs = pd.DataFrame(dict(status=["ok", "ok", "ok", "diverged"]))
    html = Results(runs, pd.DataFrame(), summary)._repr_html_()
    assert visible_text(html).startswith("DONE 4 runs: 3 ok, 1 diverged")
    assert re.findall(r'<rect class="(sb-\w+)"', html) == ["sb-ok", "sb-warnbar"]
    assert "0.75" in html
