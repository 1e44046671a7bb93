"""The report as a reader meets it: built from a small results folder made here, images
present, tables that parse back, hostile strings escaped, and the HTML page rendered in
headless Chromium and checked to be a real page."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from benchmarks.harness import config as cfgmod
from benchmarks.harness.check import CONFIGS, environment, run_check
from benchmarks.harness.summary import summarize
from benchmarks.harness.sweep import run_sweep
from benchmarks.report import build_report
from benchmarks.report import data as rdata
from benchmarks.report import verdict as rverdict
from benchmarks.results.store import ResultsStore

HOSTILE = "<script>alert('x')</script> | broken"


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("results")
    cfg = cfgmod.from_mapping(
        {"tasks": "xor,spiral,digits", "impls": "scratch,torch,sklearn", "seeds": 3, "epochs": 30}
    )
    run_sweep(cfg, str(out), argv=["scratchbench", "run", "--tasks", HOSTILE])
    table, deviation = run_check(
        [__import__("benchmarks.tasks", fromlist=["TASKS"]).TASKS["xor"]],
        ["torch", "sklearn"],
        [CONFIGS["sgd-full"], CONFIGS["rmsprop-full"]],
        50,
    )
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
    runs = pd.read_parquet(results / "runs.parquet").query("status == 'ok'")
    for split in ("train", "test"):  # test accuracy beside train; the target's split says so
        cells = table[f"{split} accuracy"]
        medians = cells.str.extract(r"^([\d.]+)")[0].astype(float)
        want = runs.groupby(["task", "impl"], sort=False)[f"final_{split}_accuracy"].median()
        want = [want[(t, i)] for t, i in zip(summary["task"], summary["impl"])]
        np.testing.assert_allclose(medians, np.round(want, 3), atol=1e-9)
        assert (cells.str.endswith("(target)") == (summary["target_metric"] == f"{split}_accuracy")).all()
        # 3 seeds: the range of the seeds and n, never a bootstrap interval
        assert cells.str.contains(r"n=\d|\(all \d\)").all() and not cells.str.contains("CI").any()
    assert table["reached target"].str.endswith("of 3").all()


def test_every_image_exists_and_is_a_png(report):
    text = (report / "README.md").read_text()
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert {
        "loss_curves.png",
        "time_breakdown.png",
        "step_time_ratios.png",
        "performance_profile.png",
        "equivalence_deviation.png",
        "boundary_xor.png",
        "boundary_spiral.png",
    } <= set(images)
    assert "boundary_digits.png" not in images  # 64-D: no plane to draw
    for name in images:
        assert (report / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    html = (report / "index.html").read_text()
    # Every Markdown chart is an interactive one in the page, under its file's name.
    assert sorted(re.findall(r'<div id="plot-([\w-]+)" class="plotly-graph-div"', html)) == sorted(
        name[:-4] for name in images
    )
    for src in re.findall(r'<img src="([^"]+)"', html):  # any PNG left is inlined
        assert src.startswith("data:image/png;base64,") and base64.b64decode(src.split(",", 1)[1])[:4] == b"\x89PNG"
    # plotly.js is one file beside the page, loaded once; the page itself fetches nothing else
    assert re.findall(r'<script[^>]*src="([^"]+)"', html) == ["plotly.min.js"]
    assert "plotly" in (report / "plotly.min.js").read_text()[:2000].lower()
    assert not re.search(r"(src|href)=\"(https?:)?//", html)


def test_user_strings_are_escaped(report):
    html = (report / "index.html").read_text()
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    text = (report / "README.md").read_text()
    assert "\\| broken" in text  # a pipe cannot break a Markdown table
    failed = markdown_table(text, "## Runs that did not finish")
    assert failed["status"].tolist() == ["failed"]


def test_report_sections(report):
    text = (report / "README.md").read_text()
    for heading in (
        "## Verdict",
        "## Summary",
        "## Correctness",
        "### Equivalence with the scratch network",
        "### scikit-learn cross-check",
        "## Convergence",
        "### Loss curves",
        "### Performance profile",
        "## Speed",
        "### Where the time goes",
        "### Step time relative to scratch",
        "## Environment",
    ):
        assert f"\n{heading}\n" in text, heading
    assert "Decision boundaries" in text
    order = [
        ("\n" + text).index(f"\n{h}\n")
        for h in (
            "# scratchbench report",
            "## Verdict",
            "## Summary",
            "## Correctness",
            "## Convergence",
            "## Speed",
            "## Environment",
        )
    ]
    assert order == sorted(order)
    assert (
        "## Micro-benchmarks" not in text and "(#micro)" not in text
    )  # no timing suite in this folder: no empty section
    assert "Keras" not in text.split("## Verdict")[0]  # the header names only what ran
    eq = markdown_table(text, "## Equivalence with the scratch network")
    assert set(eq["framework"]) == {"torch", "sklearn"} and eq["verdict"].str.contains("pass").all()
    assert "sklearn cannot express: the rmsprop optimizer" in text
    assert "threads per framework: 1" in text and "PyTorch 2." in text and "scikit-learn 1." in text
    assert "TF_ENABLE_ONEDNN_OPTS" not in text  # no Keras in this sweep: its settings are not recorded


def test_verdict_comes_first_and_says_what_matters(report, results):
    text = (report / "README.md").read_text()
    box = text.split("## Verdict", 1)[1].split("## Summary", 1)[0]
    eq = pd.read_parquet(results / "check" / "equivalence.parquet")
    counts = eq["status"].value_counts()
    assert (
        f"{counts['pass']} pass" in box and f"{counts['not expressible']} not expressible" in box and "0 fail ✓" in box
    )
    assert "**✗ Something failed" in box  # a failed run: the box says so, not "all passed"
    assert "**Warning**: 1 run failed: &lt;script&gt;" not in box  # the message stays out of the box; the run is named
    assert re.search(r"\*\*Warning\*\*: 1 run failed: \w+/\w+/seed \d", box)
    # no timing suite here: no claim about the fastest modes, the harness mode said as such
    assert "fastest mode**: not measured in this report" in box and "**Harness mode**" in box
    assert "How to read the speed figures" in box
    runs = pd.read_parquet(results / "runs.parquet")
    for impl, g in runs.groupby("impl"):
        assert f"{impl} {int(g['reached_target'].sum())}/{len(g)}" in box
    for task, target in runs.drop_duplicates("task")[["task", "target"]].itertuples(index=False):
        assert f"{task}: " in box.split("Reached the accuracy target", 1)[1] and f"≥ {target:.3g}" in box
    html = (report / "index.html").read_text()
    assert html.index('id="verdict"') < html.index('id="summary"') < html.index('id="correctness"')
    assert 'class="verdict fail"' in html
    nav = re.search(r"<nav[^>]*>(.*?)</nav>", html, re.S).group(1)
    assert re.findall(r">([^<]+)</a>", nav) == [
        "Verdict",
        "Summary",
        "Correctness",
        "Convergence",
        "Speed",
        "Data and provenance",
    ]
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)  # every anchor unique
    assert all(f'id="{href[1:]}"' in html for href in re.findall(r'href="(#[^"]+)"', nav))


def test_provenance_and_tables_beside_the_report(report):
    html = (report / "index.html").read_text()
    text = (report / "README.md").read_text()
    for page in (html, text):
        assert re.search(r"Report built by scratchbench [\w.]+, (commit [0-9a-f]{12}|git commit not recorded)", page)
        assert "Sweep run by scratchbench" in page and "scratchbench run" in page and "load" in page.lower()
    for table in ("runs", "summary", "equivalence"):
        for ext in ("csv", "parquet"):
            assert (report / f"{table}.{ext}").exists() and f'href="{table}.{ext}"' in html, (table, ext)
    assert "first step incl." in html  # time to target says the first (compiling) step is in it


def test_page_weight(report):
    """The whole folder, page, plotly.js, PNGs and tables, stays under 3 MB: plotly.js is
    one file beside the page, the partial bundle that holds every trace type the page draws."""
    assert (report / "index.html").stat().st_size < 1_000_000
    assert sum(f.stat().st_size for f in report.iterdir() if f.is_file()) < 3_000_000
    bundle = (report / "plotly.min.js").read_text()
    assert bundle.startswith("/**\n* plotly.js (cartesian - minified)") and "MIT license" in bundle[:300]
    registered = set(re.findall(r'moduleType:"trace",name:"(\w+)"', bundle))
    specs = re.findall(
        r'<script type="application/json" id="plot-[\w-]+-spec">(.*?)</script>',
        source := (report / "index.html").read_text(),
    )
    assert len(specs) == len(re.findall(r'<div id="plot-[\w-]+" class="plotly-graph-div"', source))
    drawn = {t.get("type", "scatter") for spec in specs for t in json.loads(spec)["data"]}
    assert drawn and drawn <= registered, f"the page draws {drawn - registered}, which the bundle lacks"


def verdict_runs(t_steps: dict[str, list[float]], **extra) -> pd.DataFrame:
    rows = [
        dict(
            task="t",
            impl=impl,
            seed=seed,
            status="ok",
            reached_target=True,
            t_step_median=t,
            t_step_iqr=0.1 * t,
            parallel_jobs=1,
        )
        for impl, ts in t_steps.items()
        for seed, t in enumerate(ts)
    ]
    return pd.DataFrame(rows).assign(**extra)


def test_verdict_warnings_and_counts():
    runs = verdict_runs({"scratch": [1.0, 1.0], "torch": [1.0, 1.0]})
    assert rverdict.warnings(runs, complete=True, sk_mismatches=0) == []
    noisy = runs.assign(t_step_iqr=[0.1, 0.9, 0.1, 0.1], parallel_jobs=2)
    noisy.loc[3, "status"] = "failed"
    found = rverdict.warnings(noisy, complete=False, sk_mismatches=0)
    assert found[0].startswith("the sweep is incomplete") and found[1] == "1 run failed: t/torch/seed 1"
    assert any("2 runs in parallel" in w for w in found) and any(
        w.startswith("noisy timings in 1 of 3 runs: t/scratch/seed 1") for w in found
    )
    eq = pd.DataFrame(
        {"status": ["pass", "pass", "amplified", "not expressible", "fail"], "dtype": "float64", "steps": 10}
    )
    line = rverdict.equivalence_line(eq)
    assert line["text"] == "2 pass, 1 amplified, 1 not expressible, 1 fail" and not line["ok"]
    assert rverdict.equivalence_line(eq[eq["status"] != "fail"])["text"].endswith(", 0 fail")
    assert rverdict.equivalence_line(None) is None


def test_a_stored_validation_reaches_the_verdict(results, tmp_path):
    folder = tmp_path / "with_validation"
    shutil.copytree(results, folder)
    store = ResultsStore(folder)
    store.write_json(
        "validation",
        {
            "target": "mynet.py:build",
            "task": "xor",
            "ok": False,
            "compared": ["torch"],
            "first_divergence": {"step": 3, "phase": "gradient", "tensor": "dW1", "impl": "torch"},
        },
    )
    store.write_table(
        "validation", pd.DataFrame({"impl": ["torch"], "step": [0], "tensor": ["W1"], "deviation": [0.0]})
    )
    build_report(str(folder), str(tmp_path / "report"))
    box = (tmp_path / "report" / "README.md").read_text().split("## Verdict", 1)[1].split("## Summary", 1)[0]
    assert (
        "**Validation of your network**: mynet.py:build on xor: FAIL against torch; first divergence at "
        "step 3, gradient, dW1 vs torch (1 tensor comparisons) ✗" in box
    )


def test_performance_profile_counts_misses_as_never():
    runs = pd.DataFrame(
        {
            "task": ["a", "a", "b", "b"],
            "impl": ["scratch", "torch"] * 2,
            "seed": [0] * 4,
            "reached_target": [True, True, True, False],
            "t_to_target": [1.0, 2.0, 3.0, np.nan],
        }
    )
    taus, prof = rdata.performance_profile(runs, np.array([1.0, 1.9, 2.0, 4.0]))
    assert prof["scratch"].tolist() == [1.0, 1.0, 1.0, 1.0]
    assert prof["torch"].tolist() == [0.0, 0.0, 0.5, 0.5]  # task b missed: never counts


def test_loss_bands_and_best_marks():
    curves = pd.DataFrame(
        {
            "task": "t",
            "impl": "scratch",
            "seed": [0, 1, 2, 0, 1, 2],
            "step": [0, 0, 0, 5, 5, 5],
            "train_loss": [1.0, 2.0, 3.0, 0.1, 0.2, 0.6],
        }
    )
    (band,) = rdata.loss_bands(curves, "t")
    assert (
        band.x.tolist() == [0, 5]
        and band.median.tolist() == [2.0, 0.2]
        and band.low.tolist() == [1.0, 0.1]
        and band.high.tolist() == [3.0, 0.6]
    )
    summary = pd.DataFrame(
        {
            "task": "t",
            "impl": ["scratch", "torch"],
            "target_accuracy_median": [1.0, 1.0],
            "success_rate": [1.0, 0.8],
            "steps_to_target_median": [10.0, 10.0],
            "t_to_target_median": [0.1, 0.3],
            "t_step_median": [2e-4, 1e-4],
        }
    )
    marks = rdata.best_marks(summary)
    assert not marks.get(("t", "scratch", "target_accuracy_median")) and not marks.get(
        ("t", "torch", "target_accuracy_median")
    )
    assert (
        marks[("t", "scratch", "success_rate")]
        and marks[("t", "scratch", "t_to_target_median")]
        and marks[("t", "torch", "t_step_median")]
    )


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        pytest.fail(
            "headless Chromium is needed for this test: install Debian's 'chromium' package (make test "
            "does when it can)"
        )
    return exe


def test_html_renders_in_headless_chromium(report, tmp_path):
    from matplotlib.image import imread

    shot = tmp_path / "page.png"
    cmd = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--hide-scrollbars",
        "--window-size=1280,2400",
        f"--screenshot={shot}",
        (report / "index.html").as_uri(),
    ]
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


def screenshot(page, tmp_path, width: int, height: int):
    from matplotlib.image import imread

    shot = tmp_path / f"page_{width}.png"
    cmd = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / f'profile_{width}'}",
        "--hide-scrollbars",
        f"--window-size={width},{height}",
        f"--screenshot={shot}",
        page.as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and shot.exists(), proc.stderr[-2000:]
    return shot, imread(shot)[..., :3]


@pytest.mark.parametrize("width", [1400, 400], ids=["desktop-1400px", "phone-400px"])
def test_verdict_box_is_in_the_first_screen(report, tmp_path, width):
    """The box's border (red here: the fixture has a failed run) spans most of the page's
    width near the top of the first screen; on a wide screen the whole box fits in it."""
    height = 900
    shot, pixels = screenshot(report / "index.html", tmp_path, width, height)
    assert pixels.shape[:2] == (height, width)
    red = np.all(np.abs(pixels - np.array([0xC6, 0x28, 0x28]) / 255) < 0.04, axis=2)
    border_rows = np.flatnonzero(red.mean(axis=1) > 0.6)
    assert len(border_rows), "no verdict box border in the first screen"
    assert border_rows[0] < height * 0.4, f"the verdict box starts {border_rows[0]} px down"
    if width >= 1000:
        assert border_rows[-1] - border_rows[0] > 150, "the whole verdict box fits in the first screen"
    shutil.copy(shot, report / f"screenshot_{width}px_for_review.png")


def test_every_benchmark_bar_is_named_by_what_differs():
    layers = pd.DataFrame({"impl": "scratch", "mode": "", "task": ["Dense", "relu"], "dtype": "float64"})
    assert rdata.bar_labels(layers) == ["Dense", "relu"]  # not "scratch" twice
    peak = pd.DataFrame({"impl": "numpy", "mode": "", "task": "matmul", "dtype": ["float32", "float64"]})
    assert rdata.bar_labels(peak) == ["float32", "float64"]
    modes = pd.DataFrame(
        {"impl": ["torch", "torch", "scratch"], "mode": ["eager", "compile", ""], "task": "xor", "dtype": "float64"}
    )
    assert rdata.bar_labels(modes) == ["torch / eager", "torch / compile", "scratch"]
    same = pd.DataFrame({"impl": ["scratch"], "mode": [""], "task": ["xor"], "dtype": ["float64"]})
    assert rdata.bar_labels(same) == ["scratch"]
    # the tool's own benchmarks: no implementation, rows told apart by their parameter ids
    tool = pd.DataFrame({"impl": [None, None], "task": "spiral", "name": ["t_one[vs-torch]", "t_one[vs-torch-keras]"]})
    assert rdata.bar_labels(tool) == ["vs-torch", "vs-torch-keras"]
    assert rdata.bar_labels(pd.DataFrame({"impl": [None], "name": ["test_a_class"]})) == ["test_a_class"]


def test_performance_profile_reaches_the_slowest_solver():
    runs = pd.DataFrame(
        {"task": "a", "impl": ["scratch", "keras"], "seed": 0, "reached_target": True, "t_to_target": [1.0, 30.0]}
    )
    taus, prof = rdata.performance_profile(runs)
    assert taus[-1] >= 30 and prof["keras"][-1] == 1.0 and prof["keras"][0] == 0.0


def test_step_time_ratio_range_is_same_seed():
    runs = verdict_runs({"scratch": [1.0, 2.0, 1.0, 2.0], "torch": [2.0, 2.0, 4.0, 4.0]})
    rdata.use_frameworks({"scratch": {"order": 0}, "torch": {"order": 1}})
    spread = rdata.step_time_ratio_range(runs)
    assert spread["low"].loc["t", "torch"] == 1.0 and spread["high"].loc["t", "torch"] == 4.0
    assert rdata.step_time_ratios(runs).loc["t", "torch"] == pytest.approx(2.0)  # median of 2, 1, 4, 2


def chromium_args(tmp_path, name: str, *flags: str) -> list[str]:
    """Headless Chromium with no network at all (every host name fails to resolve): the
    page must render from the file alone."""
    return [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={tmp_path / f'profile_{name}'}",
        "--virtual-time-budget=20000",
        *flags,
    ]


def rendered_dom(page, tmp_path, name: str, *flags: str) -> str:
    """The page's DOM after its scripts ran (virtual time: no race with a loaded machine)."""
    proc = subprocess.run(
        chromium_args(tmp_path, name, "--window-size=1400,900", *flags, "--dump-dom", page.as_uri()),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0 and "</html>" in proc.stdout, proc.stderr[-2000:]
    return proc.stdout


def plot_divs(dom: str) -> dict[str, str]:
    """Each plot div's rendered markup, by id."""
    starts = [(m.start(), m.group(1)) for m in re.finditer(r'<div id="(plot-[\w-]+)"', dom)]
    return {
        name: dom[start : (starts[k + 1][0] if k + 1 < len(starts) else len(dom))]
        for k, (start, name) in enumerate(starts)
    }


def test_interactive_charts_render_offline(report, tmp_path):
    """Opened from disk with no network, every chart's div is drawn by plotly.js: an SVG
    with its traces (lines, bars or heatmaps) and the axes' tick labels."""
    source = (report / "index.html").read_text()
    expected = re.findall(r'<div id="(plot-[\w-]+)" class="plotly-graph-div"', source)
    assert {
        "plot-loss_curves",
        "plot-time_breakdown",
        "plot-step_time_ratios",
        "plot-performance_profile",
        "plot-equivalence_deviation",
        "plot-boundary_xor",
        "plot-boundary_spiral",
    } <= set(expected)
    # Drawn on demand: on load only the charts not folded away; with every box open, all of them.
    folded = plot_divs(rendered_dom(report / "index.html", tmp_path, "folded"))
    assert sorted(folded) == sorted(expected)
    drawn_now = {name for name, markup in folded.items() if 'class="main-svg"' in markup}
    assert "plot-loss_curves" in drawn_now and "plot-performance_profile" not in drawn_now
    # Opening a folded box draws its chart; picking a task in a selector draws that task's.
    clicked = report / "clicked.html"
    clicked.write_text(
        source.replace(
            "</body>",
            '<script>window.addEventListener("load", function () { setTimeout(function () {'
            ' var d = document.getElementById("fig-performance_profile"); d.open = true;'
            ' document.getElementById("boundaries").open = true;'
            ' var s = document.querySelector("select.pick"); s.value = String(s.options.length - 1);'
            ' s.dispatchEvent(new Event("change")); setTimeout(function () {'
            ' document.body.setAttribute("data-drawn", Array.from(document.querySelectorAll(".js-plotly-plot"))'
            '.map(function (g) { return g.id; }).sort().join(" ")); }, 200); }, 0); });</script></body>',
        )
    )
    drawn = re.search(r'data-drawn="([^"]*)"', rendered_dom(clicked, tmp_path, "clicked")).group(1).split()
    assert "plot-performance_profile" in drawn and "plot-boundary_spiral" in drawn, drawn
    opened = report / "opened.html"  # beside the page: plotly.min.js resolves
    opened.write_text(source.replace("<details ", "<details open ").replace('" hidden>', '">'))
    divs = plot_divs(rendered_dom(opened, tmp_path, "light"))
    assert sorted(divs) == sorted(expected)
    for name, markup in divs.items():
        assert "js-plotly-plot" in markup[:300] and 'class="main-svg"' in markup, f"{name} was not drawn"
        traces = len(re.findall(r'<g class="trace (?:scatter|bars|heatmap)', markup)) + markup.count('class="hm"')
        assert traces >= 1 and 'class="xtick"' in markup, f"{name}: {traces} traces drawn"
        assert (
            "updatemenu-button" in markup
            or name in ("plot-equivalence_deviation", "plot-time_breakdown")
            or name.startswith("plot-boundary_")
        ), name
    traces = json.loads(re.search(r'id="plot-loss_curves-spec">(.*?)</script>', source).group(1))["data"]
    assert len(traces) >= 2 * 3 and divs["plot-loss_curves"].count('<g class="trace scatter') == len(
        traces
    )  # every line and band drawn


@pytest.mark.parametrize("scheme, ink", [("light", (0x1D, 0x23, 0x30)), ("dark", (0xE4, 0xE7, 0xEE))])
def test_chart_text_follows_the_colour_scheme(report, tmp_path, scheme, ink):
    """The charts' backgrounds are transparent and their text takes the page's ink colour,
    so they read on the light page and on the dark one."""
    flags = (
        ("--blink-settings=preferredColorScheme=0", "--force-dark-mode")
        if scheme == "dark"
        else ("--blink-settings=preferredColorScheme=1",)
    )
    dom = rendered_dom(report / "index.html", tmp_path, scheme, *flags)
    fills = set(re.findall(r'class="ytick"><text[^>]*fill: (rgb\([^)]*\))', dom))
    assert fills == {"rgb({}, {}, {})".format(*ink)}, f"tick labels drawn in {fills}, the page's ink is rgb{ink}"
    assert 'class="main-svg"' in dom and "background: rgba(0, 0, 0, 0)" in dom


def test_pages_at_desktop_and_phone_width_in_both_schemes(report, tmp_path):
    """Screenshots kept beside the report for a person to look at, and the page no wider
    than the screen at 1400 and 400 px (wide charts and tables scroll in their own box).
    Headless Chromium's window is at least 500 px wide, so the 400 px screen is an iframe
    of that width; a copy of the page writes its scroll width where the test reads it."""
    probe = report / "probe.html"  # beside the page: plotly.min.js resolves
    probe.write_text(
        (report / "index.html")
        .read_text()
        .replace(
            "</body>",
            '<script>window.addEventListener("load", function () { setTimeout(function () {'
            ' var d = document.documentElement; parent.document.body.setAttribute("data-widths",'
            ' d.scrollWidth + " " + window.innerWidth + " " + d.scrollHeight); }, 0); });</script></body>',
        )
    )
    dark = ("--blink-settings=preferredColorScheme=0", "--force-dark-mode")
    for width in (1400, 400):
        screen = report / f"screen_{width}.html"
        screen.write_text(
            '<!DOCTYPE html><html><body style="margin:0"><iframe src="probe.html" '
            f'style="width:{width}px;height:2600px;border:0;display:block"></iframe></body></html>'
        )
        dom = rendered_dom(
            screen, tmp_path, f"probe{width}", "--allow-file-access-from-files", f"--window-size={max(width, 500)},900"
        )
        scroll, inner, tall = map(int, re.search(r'data-widths="(\d+) (\d+) (\d+)"', dom).groups())
        if width == 1400:  # details folded away: the default report reads in a few screens
            assert tall <= 8000, f"the page is {tall} px tall at 1400 px (at most 8000)"
        assert inner == width and scroll <= inner, (
            f"at {width} px the page is {scroll} px wide: something overflows the {inner} px screen"
        )
        for scheme, flags in (("light", ()), ("dark", dark)):
            shot = tmp_path / f"page_{width}_{scheme}.png"
            proc = subprocess.run(
                chromium_args(
                    tmp_path,
                    f"{width}{scheme}",
                    "--allow-file-access-from-files",
                    f"--window-size={width},2600",
                    "--hide-scrollbars",
                    *flags,
                    f"--screenshot={shot}",
                    screen.as_uri(),
                ),
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert proc.returncode == 0 and shot.exists(), proc.stderr[-2000:]
            shutil.copy(shot, report / f"screenshot_{width}px_{scheme}_for_review.png")


def test_runs_from_two_hosts_get_speed_per_host(results, tmp_path):
    """Seed 2 recorded on another host: each host has its own timing charts and fastest
    rows, the verdict says timings do not compare across hosts, Environment lists devices."""
    folder = tmp_path / "two_hosts"
    shutil.copytree(results, folder)
    store = ResultsStore(folder)
    for record in store.read_records().values():
        if record["run"]["seed"] == 2:
            record["run"].update(
                host="other-host", device="cuda" if record["run"]["impl"] == "torch" else record["run"]["device"]
            )
            store.write_record(record)
    store.rebuild_tables(summarize)
    first = str(pd.read_parquet(folder / "runs.parquet").query("seed == 0")["host"].iloc[0])
    build_report(str(folder), str(tmp_path / "report"))
    text = (tmp_path / "report" / "README.md").read_text()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", first)
    for name in (
        f"time_breakdown_{slug}.png",
        "time_breakdown_other-host.png",
        "step_time_ratios_other-host.png",
        "performance_profile_other-host.png",
    ):
        assert f"({name})" in text and (tmp_path / "report" / name).exists(), name
    box = text.split("## Verdict", 1)[1].split("## Summary", 1)[0]
    assert f"runs from 2 hosts ({first}, other-host): timings from different hosts are not comparable" in box
    assert f" on xor on {first} (ratio" in box and " on xor on other-host (ratio" in box
    assert f"torch: cpu on {first}, cuda on other-host" in text.split("## Environment", 1)[1]
    assert (
        f"**The runs come from 2 hosts ({first}, other-host): the time columns pool them"
        in text.split("## Summary", 1)[1].split("|", 1)[0]
    )
    html = (tmp_path / "report" / "index.html").read_text()
    assert 'id="plot-time_breakdown_other-host"' in html and "not comparable" in html
