"""The report section of a ``scratchbench validate --out DIR`` run, from what the results
store holds: the ``validation`` table (one row per implementation, step and tensor) and
``validation.json`` (verdict, first divergence, diagnosis). Markdown with its PNG beside
it, and one self-contained HTML page."""

from __future__ import annotations

import base64
import os

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..results.store import ResultsStore, atomic_write_text, check_writable  # noqa: E402

PHASE_STYLES = {"forward": "-", "loss": "-", "gradient": "--", "update": ":"}


def deviation_plot(table: pd.DataFrame, path: str, tolerance: float) -> str:
    """Per-tensor deviation over steps (log scale), one panel per implementation stacked
    (readable on a phone), the tolerance as a line; infinite deviations (shape mismatch,
    NaN) drawn at the top."""
    impls = list(dict.fromkeys(table["impl"]))
    fig, axes = plt.subplots(
        len(impls), 1, figsize=(8.5, 3.4 * len(impls) + 1.2), squeeze=False, sharey=True, sharex=True
    )
    finite = table["deviation"].replace(np.inf, np.nan)
    top = max(float(finite.max()) if finite.notna().any() else 1.0, tolerance) * 10
    cmap = plt.get_cmap("tab20")
    tensors = list(dict.fromkeys(table["tensor"]))
    for ax, impl in zip(axes[:, 0], impls):
        part = table[table["impl"] == impl]
        for i, tensor in enumerate(tensors):
            rows = part[part["tensor"] == tensor]
            if rows.empty:
                continue
            y = rows["deviation"].replace(np.inf, top).clip(lower=1e-18)
            ax.plot(
                rows["step"],
                y,
                PHASE_STYLES.get(rows["phase"].iloc[0], "-"),
                color=cmap(i % 20),
                lw=1.3,
                label=f"{tensor} ({rows['phase'].iloc[0]})",
            )
        ax.axhline(tolerance, color="#c62828", lw=1, ls="-.", label=f"tolerance {tolerance:.0e}")
        ax.set_yscale("log")
        ax.set_ylabel("relative deviation")
        ax.set_title(f"yours vs {impl}", loc="left", fontsize=11)
        ax.grid(alpha=0.3)
    axes[-1, 0].set_xlabel("training step")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=2, fontsize=8.5, bbox_to_anchor=(0.5, 0.0), frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight", facecolor="white")
    plt.close(fig)
    return path


def _md(text: object) -> str:
    """Markdown-safe text: pipes, newlines and HTML brackets escaped."""
    return str(text).replace("|", "\\|").replace("\n", " ").replace("<", "&lt;").replace(">", "&gt;")


def build_validation_report(results: str, out: str) -> dict[str, str]:
    """``out/README.md`` (+ ``validation_deviation.png``) and ``out/index.html``."""
    store = ResultsStore(results)
    table, info = store.read_table("validation"), store.read_json("validation")
    if table is None or info is None:
        raise ValueError(
            f"{results} holds no validation results; write them with scratchbench validate ... --out {results}"
        )
    check_writable(out)
    png = None
    if len(table):
        png = deviation_plot(table, os.path.join(out, "validation_deviation.png"), float(info["tolerance"]))
    verdict = "PASS" if info["ok"] else "ERROR" if info.get("failure") else "FAIL"
    d = info.get("first_divergence")
    lines = [
        f"# Validation of {_md(info['target'])} on {_md(info['task'])}",
        "",
        f"**{verdict}** ({_md(info['style'])}) against {_md(', '.join(info['compared']) or 'no framework')}: "
        f"{info['dtype']}, {info['steps']} steps, tolerance {info['tolerance']:.0e} relative.",
        "",
    ]
    if d:
        lines += [
            f"First divergence: step {d['step']}, {d['phase']}, `{_md(d['tensor'])}` vs {d['impl']}, "
            f"relative deviation {d['deviation']:.2e}.",
            "",
        ]
    if info.get("error"):
        lines += [f"Error: {_md(info['error'])}", ""]
    if info["diagnosis"]:
        lines += ["## Diagnosis", ""] + [f"- {_md(t)}" for t in info["diagnosis"]] + [""]
    for impl, why in info.get("not_expressible", {}).items():
        lines += [f"- {impl}: not expressible: {_md(why)}"]
    lines += [f"- note: {_md(n)}" for n in info.get("notes", [])] + [""]
    if png:
        lines += [
            "## Deviation per tensor over steps",
            "",
            "![relative deviation per tensor and step](validation_deviation.png)",
            "",
        ]
    md = atomic_write_text(os.path.join(out, "README.md"), "\n".join(lines))
    html = atomic_write_text(os.path.join(out, "index.html"), _html(info, png))
    return {"markdown": md, "html": html}


def _html(info: dict, png: str | None) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("benchmarks.report", "templates"), autoescape=select_autoescape(default=True)
    )
    uri = None
    if png:
        with open(png, "rb") as f:
            uri = "data:image/png;base64," + base64.b64encode(f.read()).decode()
    return env.get_template("validation.html.j2").render(info=info, png=uri)
