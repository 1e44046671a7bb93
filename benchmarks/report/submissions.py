"""The class report of a batch ``scratchbench validate 'subs/*.py:network' --out DIR``, from
the ``submissions`` table alone: the verdicts counted, the most common causes, and each
submission's verdict with its first divergence. Markdown and one self-contained HTML page."""

from __future__ import annotations

import os
import re

import pandas as pd

from ..results.store import ResultsStore, atomic_write_text, check_writable
from .validation import _md

STATUSES = ("pass", "fail", "error")


def cause_kind(cause: str) -> str:
    """A cause with what differs between submissions left out (numbers, file names and lines,
    quoted values), so that the same mistake counts once per submission."""
    text = re.sub(r"\s*\([^()]*\.(py:\d+|ipynb cell \d+, line \d+)[^()]*\)", "", str(cause))
    text = re.sub(r"(?<!\w)'[^']*'(?!\w)", "'…'", re.sub(r"\S+\.(py|ipynb)\b", "FILE", text))
    return re.sub(r"\s+", " ", re.sub(r"\d+(\.\d+)?(e[-+]?\d+)?", "N", text)).strip(" ,:")


def common_causes(table: pd.DataFrame, top: int = 8) -> pd.DataFrame:
    """The most common causes of fail and error rows: kind, status, how many submissions."""
    bad = table[table["status"] != "pass"].assign(kind=lambda t: t["cause"].map(cause_kind))
    counts = bad.groupby(["kind", "status"]).size().rename("submissions").reset_index()
    return counts.sort_values(["submissions", "kind"], ascending=[False, True]).head(top).reset_index(drop=True)


def build_class_report(results: str, out: str) -> dict[str, str]:
    """``out/README.md`` and ``out/index.html`` from ``results/submissions.parquet``."""
    table = ResultsStore(results).read_table("submissions")
    if table is None:
        raise ValueError(
            f"{results} holds no submissions table; write one with "
            f"scratchbench validate 'subs/*.py:network' --out {results}"
        )
    check_writable(out)
    counts = {s: int((table["status"] == s).sum()) for s in STATUSES}
    causes = common_causes(table)
    lines = [
        f"# Class report: {len(table)} submissions",
        "",
        f"**{counts['pass']} pass, {counts['fail']} fail, {counts['error']} error**",
        "",
    ]
    if len(causes):
        lines += ["## Most common causes", "", "| submissions | status | cause |", "| ---: | --- | --- |"]
        lines += [f"| {r.submissions} | {r.status} | {_md(r.kind)} |" for r in causes.itertuples()] + [""]
    lines += [
        "## Every submission",
        "",
        "| submission | status | first divergence | cause | seconds |",
        "| --- | --- | --- | --- | ---: |",
    ]
    for r in table.itertuples():
        lines.append(
            f"| `{_md(r.submission)}` | {r.status} | {_md(_where(r))} | {_md(r.cause or '')} | {r.seconds:.1f} |"
        )
    md = atomic_write_text(os.path.join(out, "README.md"), "\n".join(lines) + "\n")
    html = atomic_write_text(os.path.join(out, "index.html"), _html(table, counts, causes))
    return {"markdown": md, "html": html}


def _where(row) -> str:
    return "" if pd.isna(row.step) else f"step {int(row.step)}, {row.phase}, {row.tensor}"


def _html(table: pd.DataFrame, counts: dict[str, int], causes: pd.DataFrame) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("benchmarks.report", "templates"), autoescape=select_autoescape(default=True)
    )
    rows = [
        dict(submission=r.submission, status=r.status, where=_where(r), cause=r.cause or "", seconds=r.seconds)
        for r in table.itertuples()
    ]
    page = env.get_template("submissions.html.j2")
    return page.render(n=len(table), counts=counts, causes=causes.to_dict("records"), rows=rows)
