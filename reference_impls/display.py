"""Rich display in Jupyter: the pieces every result's ``_repr_html_`` shares.

One stylesheet scoped to ``.sb-rich`` (light by default; dark under the system's dark
scheme, JupyterLab's and VS Code's dark themes; the notebook's own font and colours where
its theme variables exist), a verdict badge, and a small inline SVG bar chart (no script,
no plotting library, readable at 400 px). Every user string goes through ``esc``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

_LIGHT = "--sb-pass:#1a7f37;--sb-fail:#cf222e;--sb-warn:#9a6700;--sb-on:#ffffff;--sb-soft:rgba(127,127,127,.10);"
_DARK = "--sb-pass:#3fb950;--sb-fail:#f85149;--sb-warn:#d29922;--sb-on:#0d1117;--sb-soft:rgba(127,127,127,.18);"
_DARK_HOSTS = (
    'body[data-jp-theme-light="false"] .sb-rich, body.vscode-dark .sb-rich, body.vscode-high-contrast .sb-rich'
)
_LIGHT_HOSTS = 'body[data-jp-theme-light="true"] .sb-rich, body.vscode-light .sb-rich'

STYLE = f"""<style>
.sb-rich {{{_LIGHT} color: var(--jp-content-font-color1, inherit);
  font-family: var(--jp-content-font-family, system-ui, -apple-system, "Segoe UI", sans-serif);
  font-size: 13px; line-height: 1.45; max-width: 920px; overflow-wrap: break-word; }}
@media (prefers-color-scheme: dark) {{ .sb-rich {{{_DARK}}} }}
{_DARK_HOSTS} {{{_DARK}}}
{_LIGHT_HOSTS} {{{_LIGHT}}}
.sb-rich .sb-head {{ font-size: 14px; margin: 0 0 .4em 0; }}
.sb-rich .sb-badge {{ display: inline-block; padding: .05em .55em; border-radius: .3em; font-weight: 700;
  letter-spacing: .03em; color: var(--sb-on); background: var(--sb-fail); margin-right: .4em; }}
.sb-rich .sb-badge.sb-pass {{ background: var(--sb-pass); }}
.sb-rich .sb-badge.sb-warn {{ background: var(--sb-warn); }}
.sb-rich .sb-box {{ border-left: 3px solid var(--sb-fail); background: var(--sb-soft); padding: .4em .7em;
  margin: .5em 0; }}
.sb-rich .sb-muted {{ opacity: .72; }}
.sb-rich h4 {{ font-size: 13px; margin: .8em 0 .2em 0; }}
.sb-rich ul {{ margin: .2em 0; padding-left: 1.3em; }}
.sb-rich code, .sb-rich pre {{ font-family: var(--jp-code-font-family, ui-monospace, monospace); font-size: 12px; }}
.sb-rich pre {{ white-space: pre-wrap; background: var(--sb-soft); padding: .5em; }}
.sb-rich table {{ border-collapse: collapse; margin: .3em 0; }}
.sb-rich th, .sb-rich td {{ border-bottom: 1px solid rgba(127,127,127,.35); padding: .15em .6em; text-align: left;
  vertical-align: top; color: inherit; background: transparent; font-size: inherit; }}
.sb-rich th {{ white-space: nowrap; overflow-wrap: normal; }}
.sb-rich td.sb-num {{ text-align: right; font-variant-numeric: tabular-nums; }}
.sb-rich svg {{ display: block; width: 100%; max-width: 560px; height: auto; margin: .3em 0; }}
.sb-rich svg text {{ fill: currentColor; font-size: 11px; font-family: inherit; }}
.sb-rich svg .sb-ok {{ fill: var(--sb-pass); }}
.sb-rich svg .sb-bad {{ fill: var(--sb-fail); }}
.sb-rich svg .sb-warnbar {{ fill: var(--sb-warn); }}
.sb-rich svg .sb-grid {{ stroke: currentColor; stroke-opacity: .18; }}
.sb-rich svg .sb-limit {{ stroke: currentColor; stroke-dasharray: 4 3; stroke-opacity: .8; }}
.sb-rich .sb-scroll {{ overflow-x: auto; max-width: 100%; }}
.sb-rich details {{ margin: .4em 0; }}
.sb-rich summary {{ cursor: pointer; }}
</style>"""

BADGE = {
    "PASS": "sb-pass",
    "DONE": "sb-pass",
    "NOT JUDGED": "sb-warn",
    "INCOMPLETE": "sb-warn",
}  # the rest: the failing colour


def esc(value: object) -> str:
    """Text safe inside HTML, quotes included."""
    return html.escape(str(value), quote=True)


def panel(body: str, kind: str) -> str:
    """``body`` (HTML) in the shared stylesheet; ``kind`` names the result for CSS and tests."""
    return f'{STYLE}<div class="sb-rich sb-{esc(kind)}">{body}</div>'


def headline(verdict: str, text: str) -> str:
    """The first line every result opens with: the verdict badge, then what it is about."""
    return (
        f'<div class="sb-head"><span class="sb-badge {BADGE.get(verdict, "")}">{esc(verdict)}</span>{esc(text)}</div>'
    )


def scrolling(body: str) -> str:
    """A wide table that scrolls sideways in a narrow window instead of spilling out of it."""
    return f'<div class="sb-scroll">{body}</div>'


def bullets(items: Sequence[str]) -> str:
    return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>" if items else ""


@dataclass(frozen=True)
class Bar:
    """One bar: its labels (left: muted group, then name), its value and how it is judged."""

    group: str
    name: str
    value: float
    state: str = "ok"  # ok / bad / warn


_CHAR, _GROUP, _NAME = 6.4, 10, 26  # an 11 px character's width, the longest group and name labels shown
_FILL = {"ok": "sb-ok", "bad": "sb-bad", "warn": "sb-warnbar"}
_COLOUR = {"ok": "#1a7f37", "bad": "#cf222e", "warn": "#9a6700"}  # without the stylesheet (untrusted notebooks)


def bars_svg(bars: Sequence[Bar], limit: float | None = None, log: bool = True, title: str = "") -> str:
    """Horizontal bars on a log (deviations) or linear (0..1) axis, ``limit`` as a dashed
    line; 0 is drawn as the axis floor, NaN and inf as a full bar, each labelled as it is."""
    lo, hi = (1e-17, 1.0) if log else (0.0, 1.0)
    finite = [b.value for b in bars if math.isfinite(b.value) and b.value > 0]
    if log and finite:
        hi = 10.0 ** math.ceil(math.log10(max(max(finite), limit or 0, 1e-16) * 1.01))
        lo = min(10.0 ** (math.floor(math.log10(min(min(finite), limit or 1.0))) - 1), hi / 1e4)
    if not log and finite:
        hi = max(hi, max(finite))
    group_w = _CHAR * min(max((len(b.group) for b in bars), default=0), _GROUP)
    left = int(group_w + _CHAR * min(max((len(b.name) for b in bars), default=0), _NAME) + 16)
    right, plot, row = 56, 250, 18
    width, top = left + plot + right, 22
    height = top + row * len(bars) + 8

    def x(v: float) -> float:
        if not math.isfinite(v):
            return left + plot
        if log:
            v = max(v, lo)
            return left + plot * (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
        return left + plot * (min(max(v, lo), hi) - lo) / (hi - lo)

    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" xmlns="http://www.w3.org/2000/svg">']
    if title:
        parts.append(f"<title>{esc(title)}</title>")
    for tick in _ticks(lo, hi, log):
        tx = x(tick)
        parts.append(
            f'<line class="sb-grid" x1="{tx:.1f}" y1="{top - 4}" x2="{tx:.1f}" y2="{height - 6}" stroke="#888"/>'
        )
        parts.append(f'<text x="{tx:.1f}" y="{top - 8}" text-anchor="middle">{_fmt_tick(tick, log)}</text>')
    for i, b in enumerate(bars):
        y = top + i * row
        bx = x(b.value) if (b.value > 0 or not math.isfinite(b.value)) else left + 1
        group = b.group if i == 0 or bars[i - 1].group != b.group else ""  # once per group
        parts.append(
            f'<text x="2" y="{y + 13}" class="sb-muted" opacity=".7">{esc(_clip(group, _GROUP))}</text>'
            f'<text x="{left - 6}" y="{y + 13}" text-anchor="end">{esc(_clip(b.name, _NAME))}'
            f"<title>{esc(b.group)} {esc(b.name)}</title></text>"
            f'<rect class="{_FILL[b.state]}" fill="{_COLOUR[b.state]}" x="{left}" y="{y + 3}" '
            f'width="{max(bx - left, 1):.1f}" height="{row - 6}" rx="2"/>'
            f'<text x="{min(bx, left + plot) + 4:.1f}" y="{y + 13}">{esc(_fmt_value(b.value, log))}</text>'
        )
    if limit is not None and limit > 0:
        lx = x(limit)
        parts.append(
            f'<line class="sb-limit" x1="{lx:.1f}" y1="{top - 2}" x2="{lx:.1f}" y2="{height - 4}" stroke="#888" '
            f'stroke-dasharray="4 3"><title>tolerance {limit:.0e}</title></line>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _ticks(lo: float, hi: float, log: bool) -> list[float]:
    if not log:
        return [lo + (hi - lo) * k / 4 for k in range(5)]
    a, b = round(math.log10(lo)), round(math.log10(hi))
    every = max(1, math.ceil((b - a) / 5))
    return [10.0**e for e in range(b, a - 1, -every)]


def _fmt_tick(v: float, log: bool) -> str:
    return (f"1e{round(math.log10(v))}" if v != 1 else "1") if log else f"{v:g}"


def _fmt_value(v: float, log: bool) -> str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "inf"
    return ("0" if v == 0 else f"{v:.1e}") if log else f"{v:.3g}"


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
