"""A ``ValidationResult`` in Jupyter (``_repr_html_``): the verdict first, then the first
divergence (ours next to theirs), the error and the diagnosis, a per-tensor deviation plot
and the plain text folded away. The plain-text ``str(result)`` is left as it is."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..display import Bar, bars_svg, bullets, esc, headline, panel
from .phrasing import PHASES, preview, spec_changes


def result_html(result: Any) -> str:
    """The whole panel; every string of the user's (tensor names, messages) escaped."""
    parts = [headline(result.verdict, result.headline())]
    if result.ok:
        parts.append(f"<p>{esc(result.summary_line())}</p>")
    parts += [_divergence(result), _error(result)]
    if result.diagnosis:
        parts.append("<h4>Diagnosis</h4>" + bullets(result.diagnosis))
    if result.suggested_spec is not None:
        parts.append(f"<p>Suggested spec: <code>{esc(spec_changes(result.spec, result.suggested_spec))}</code></p>")
    if result.not_expressible:
        parts.append(
            "<h4>Not expressible</h4>" + bullets([f"{impl}: {why}" for impl, why in result.not_expressible.items()])
        )
    parts.append(_plot(result))
    if result.notes:
        parts.append(f"<details><summary>Notes ({len(result.notes)})</summary>{bullets(result.notes)}</details>")
    if result.seconds:
        parts.append(
            '<p class="sb-muted">time: '
            + esc(", ".join(f"{part} {value:.2f} s" for part, value in result.seconds.items()))
            + "</p>"
        )
    parts.append(f"<details><summary>Plain text</summary><pre>{esc(result)}</pre></details>")
    return panel("".join(p for p in parts if p), "validate")


def _divergence(result: Any) -> str:
    d = result.first_divergence
    if d is None or result.ok:
        return ""
    return (
        '<div class="sb-box"><b>First divergence</b>: '
        f"step {d.step}, {esc(d.phase)}, <code>{esc(d.tensor)}</code> (vs {esc(d.impl)}): relative deviation "
        f"{d.deviation:.2e} &gt; tolerance {d.tolerance:.0e}"
        f"<table><tr><th>ours</th><td><code>{esc(preview(d.ours))}</code></td></tr>"
        f"<tr><th>theirs</th><td><code>{esc(preview(d.theirs))}</code></td></tr></table></div>"
    )


def _error(result: Any) -> str:
    return f'<div class="sb-box"><b>Error</b>: {esc(result.error)}</div>' if result.error else ""


def deviation_bars(result: Any) -> list[Bar]:
    """One bar per (phase, tensor) in the order the network computes them: its largest
    deviation over every step and framework; past the tolerance it is marked (as a warning
    where the result passed once re-synchronised: round-off grown through the dynamics)."""
    table = result.table
    if table.empty:
        return []
    order = {p: i for i, p in enumerate(PHASES)}
    first_step = table[table.step == table.step.min()]
    seen = list(dict.fromkeys(zip(first_step.phase, first_step.tensor)))
    seen += [k for k in dict.fromkeys(zip(table.phase, table.tensor)) if k not in seen]
    seen.sort(key=lambda k: order.get(k[0], len(order)))  # stable: within a phase, as computed
    worst = table.groupby(["phase", "tensor"], sort=False)["deviation"].agg(_worst)
    over = "warn" if result.ok else "bad"
    bars = []
    for phase, tensor in seen:
        value = float(worst[(phase, tensor)])
        bad = not np.isfinite(value) or value > result.tolerance
        bars.append(Bar(phase, tensor, value, over if bad else "ok"))
    return bars


def _worst(values: Any) -> float:
    """The largest deviation, NaN first: a NaN anywhere is the worst there is."""
    a = np.asarray(values, dtype=np.float64)
    return float("nan") if np.isnan(a).any() else float(a.max())


def _plot(result: Any) -> str:
    bars = deviation_bars(result)
    if not bars:
        return ""
    how = "free-running from the same start" if result.amplified else "over every step"
    caption = (
        f"Largest relative deviation per tensor ({how}, every framework; log scale). "
        f"Dashed: the tolerance {result.tolerance:.0e}."
    )
    return (
        "<h4>Deviation per tensor</h4>"
        + bars_svg(bars, result.tolerance, log=True, title=caption)
        + f'<p class="sb-muted">{esc(caption)}</p>'
    )
