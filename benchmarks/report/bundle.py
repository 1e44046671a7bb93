"""plotly.js for the HTML page: one file beside ``index.html`` (a page opened from disk
cannot fetch it, nor read it gzipped), the smallest bundle that holds every trace type
the page draws. plotly's full bundle (4.8 MB, maps and 3-D included) is the fallback for
a chart of any other type, or when the installed plotly expects another plotly.js."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from ..results.store import atomic_write_text

ASSETS = os.path.join(os.path.dirname(__file__), "assets")
PLOTLY_FILE = "plotly.min.js"

# Partial bundles vendored from npm (MIT, license header kept; the license beside them),
# smallest first, each with the trace types it registers: plotly.js-cartesian-dist-min
# 4.1.1 (1.5 MB), the plotly.js the installed plotly (7.1) draws with.
BUNDLES: dict[str, frozenset[str]] = {
    "plotly-cartesian-4.1.1.min.js": frozenset(
        {
            "bar",
            "box",
            "contour",
            "heatmap",
            "histogram",
            "histogram2d",
            "histogram2dcontour",
            "image",
            "pie",
            "scatter",
            "scatterternary",
            "violin",
        }
    ),
}


def bundle_version(name: str) -> str:
    """The plotly.js version a vendored bundle's license header names."""
    with open(os.path.join(ASSETS, name), encoding="utf-8") as f:
        found = re.search(r"\bv(\d+\.\d+\.\d+)", f.read(400))
    return found.group(1) if found else ""


def choose(trace_types: Iterable[str]) -> str | None:
    """The smallest vendored bundle holding every one of ``trace_types`` at the plotly.js
    version the installed plotly writes figures for; None: plotly's full bundle."""
    from plotly.offline import get_plotlyjs_version

    needed = set(trace_types)
    for name, holds in BUNDLES.items():
        if needed <= holds and bundle_version(name) == get_plotlyjs_version():
            return name
    return None


def bundle_js(trace_types: Iterable[str]) -> str:
    """The text of the bundle ``choose`` picks."""
    name = choose(trace_types)
    if name is None:
        from plotly.offline import get_plotlyjs

        return get_plotlyjs()
    with open(os.path.join(ASSETS, name), encoding="utf-8") as f:
        return f.read()


def write_bundle(out: str, trace_types: Iterable[str]) -> str:
    """plotly.js as ``PLOTLY_FILE`` beside the page (rewritten only when it changed, so a
    rebuilt report keeps its file); returns the name the page loads."""
    text = bundle_js(trace_types)
    path = os.path.join(out, PLOTLY_FILE)
    if not os.path.exists(path) or os.path.getsize(path) != len(text.encode()):
        atomic_write_text(path, text)
    return PLOTLY_FILE
