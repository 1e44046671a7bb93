"""The report as a reader meets it: built from a small results folder made here, images
present, tables that parse back, hostile strings escaped, and the HTML page rendered in
headless Chromium and checked to be a real page."""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from benchmarks.harness import config as cfgmod
from benchmarks.report import build_report
from benchmarks.report import data as rdata
from benchmarks.harness.sweep import run_sweep
from benchmarks.harness.check import CONFIGS, environment, run_check
from benchmarks.harness.summary import summarize
from benchmarks.results.store import ResultsStore

HOSTILE = "<script>alert('x')</script> | broken"


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("results")
    cfg = cfgmod.from_mapping({"tasks": "xor,spiral,digits", "impls": "scratch,torch,sklearn", "seeds": 3, "epochs": 30})
    run_sweep(cfg, str(out), argv=["scratchbench", "run", "--tasks", HOSTILE])
    table, deviation = run_check([__import__("benchmarks.tasks", fromlist=["TASKS"]).TASKS["xor"]], ["torch", "sklearn"],
                                 [CONFIGS["sgd-full"], CONFIGS["rmsprop-full"]], 50)
    check = ResultsStore(out / "check")
    check.write_table("equivalence", table)
    check.write_table("deviation", deviation)
    check.write_json("check_environment", environment(["torch", "sklearn"]))
    # One run that failed with a message full of markup: its record says so, the tables follow.
    store = ResultsStore(out)
    first = min(store.read_records().values(), key=lambda r: r["order"])
    first["run"].update(status="failed", message=HOSTILE)
    store.write_record(first)
    store.rebuild_tables(summarize)
    return out


@pytest.fixture(scope="module")
def report(results, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    build_report(str(results), str(out))
    return out


def markdown_table(text: str, heading: str) -> pd.DataFrame:
    """The first Markdown table after ``heading``, read by pandas."""
    section = text.split(heading, 1)[1]
    lines = [ln for ln in section.splitlines() if ln.startswith("|")]
    block = []
    for ln in section.splitlines()[1:]:
        if ln.startswith("|"):
            block.append(ln)
        elif block:
            break
    del block[1]  # the | --- | row
    cleaned = "\n".join(re.sub(r"^\||\|$", "", ln.strip()) for ln in block)
    df = pd.read_csv(io.StringIO(cleaned), sep=r"(?<!\\)\|", engine="python", skipinitialspace=True)
    df.columns = [c.strip() for c in df.columns]
    return df.apply(lambda s: s.str.strip() if s.dtype == object or str(s.dtype) == "str" else s)


def test_markdown_summary_parses_back_and_matches_the_tables(report, results):
    text = (report / "README.md").read_text()
    table = markdown_table(text, "## Summary")
    summary = pd.read_parquet(results / "summary.parquet")
    assert table["task"].tolist() == summary["task"].tolist() and table["impl"].tolist() == summary["impl"].tolist()
    medians = table["final accuracy (median [95% CI])"].str.extract(r"^([\d.]+)")[0].astype(float)
    np.testing.assert_allclose(medians, summary["final_accuracy_median"].round(3), atol=1e-9)
    assert table["success"].str.endswith("of 3").all()


def test_every_image_exists_and_is_a_png(report):
    text = (report / "README.md").read_text()
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert {"loss_curves.png", "time_breakdown.png", "step_time_ratios.png", "performance_profile.png", "equivalence_deviation.png",
            "boundary_xor.png", "boundary_spiral.png"} <= set(images)
    assert "boundary_digits.png" not in images  # 64-D: no plane to draw
    for name in images:
        assert (report / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    html = (report / "index.html").read_text()
    sources = re.findall(r'<img src="([^"]+)"', html)
    assert len(sources) == len(images)
    for src in sources:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:4] == b"\x89PNG"
    assert not re.search(r"(src|href)=\"(https?:)?//", html)  # nothing fetched from a network


def test_user_strings_are_escaped(report):
    html = (report / "index.html").read_text()
    assert "<script>" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    text = (report / "README.md").read_text()
    assert "\\| broken" in text  # a pipe cannot break a Markdown table
    failed = markdown_table(text, "## Runs that did not finish")
    assert failed["status"].tolist() == ["failed"]


def test_report_sections(report):
    text = (report / "README.md").read_text()
    for heading in ("## Summary", "## Loss curves", "## Decision boundaries", "## Where the time goes", "## Step time relative to scratch",
                    "## Performance profile", "## Equivalence with the scratch network", "## scikit-learn cross-check", "## Environment"):
        assert heading in text
    eq = markdown_table(text, "## Equivalence with the scratch network")
    assert set(eq["framework"]) == {"torch", "sklearn"} and eq["verdict"].str.contains("pass").all()
    assert "sklearn cannot express: the rmsprop optimizer" in text
    assert "threads per framework: 1" in text and "PyTorch 2." in text and "scikit-learn 1." in text
    assert "TF_ENABLE_ONEDNN_OPTS" not in text  # no Keras in this sweep: its settings are not recorded


def test_performance_profile_counts_misses_as_never():
    runs = pd.DataFrame({
        "task": ["a", "a", "b", "b"], "impl": ["scratch", "torch"] * 2, "seed": [0] * 4,
        "reached_target": [True, True, True, False], "time_to_target": [1.0, 2.0, 3.0, np.nan],
    })
    taus, prof = rdata.performance_profile(runs, np.array([1.0, 1.9, 2.0, 4.0]))
    assert prof["scratch"].tolist() == [1.0, 1.0, 1.0, 1.0]
    assert prof["torch"].tolist() == [0.0, 0.0, 0.5, 0.5]  # task b missed: never counts


def test_loss_bands_and_best_marks():
    curves = pd.DataFrame({"task": "t", "impl": "scratch", "seed": [0, 1, 2, 0, 1, 2], "step": [0, 0, 0, 5, 5, 5],
                           "train_loss": [1.0, 2.0, 3.0, 0.1, 0.2, 0.6]})
    (band,) = rdata.loss_bands(curves, "t")
    assert band.x.tolist() == [0, 5] and band.median.tolist() == [2.0, 0.2] and band.low.tolist() == [1.0, 0.1] and band.high.tolist() == [3.0, 0.6]
    summary = pd.DataFrame({"task": "t", "impl": ["scratch", "torch"], "final_accuracy_median": [1.0, 1.0], "success_rate": [1.0, 0.8],
                            "steps_to_target_median": [10.0, 10.0], "time_to_target_median": [0.1, 0.3], "t_step_median": [2e-4, 1e-4]})
    marks = rdata.best_marks(summary)
    assert not marks.get(("t", "scratch", "final_accuracy_median")) and not marks.get(("t", "torch", "final_accuracy_median"))
    assert marks[("t", "scratch", "success_rate")] and marks[("t", "scratch", "time_to_target_median")] and marks[("t", "torch", "t_step_median")]


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        pytest.fail("headless Chromium is needed for this test: install Debian's 'chromium' package (make test does when it can)")
    return exe


def test_html_renders_in_headless_chromium(report, tmp_path):
    from matplotlib.image import imread

    shot = tmp_path / "page.png"
    cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars",
           "--window-size=1280,2400", f"--screenshot={shot}", (report / "index.html").as_uri()]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and shot.exists(), proc.stderr[-2000:]
    pixels = imread(shot)[..., :3]
    assert pixels.shape[:2] == (2400, 1280)
    not_white = np.mean(np.any(pixels < 0.95, axis=2))
    assert not_white > 0.15, f"only {not_white:.1%} of the page is drawn"
    assert pixels.std() > 0.1  # text, tables and figures, not a flat colour
    # The header band is the page's dark colour: the stylesheet applied.
    assert np.allclose(pixels[20, 640], [0x1D / 255, 0x23 / 255, 0x30 / 255], atol=0.02)
    shutil.copy(shot, report / "screenshot_for_review.png")
