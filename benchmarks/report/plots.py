"""Drawing the report's figures with matplotlib (Agg). Each function takes the data the
``data`` module computed and writes one PNG; none computes anything of its own."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402

from ..results.benchjson import series_label  # noqa: E402
from .data import Boundary, bar_labels  # noqa: E402
from .panels import Agreement, LossPanel  # noqa: E402
from .text import log_ticks, seconds, tick_label, times  # noqa: E402

# Each implementation's colour comes from its adapter's facts, stored in the results
# (``use_frameworks``). Implementations that agree draw the same curve: distinct widths and
# dashes, by rank, keep every one of them visible where they coincide (the widest underneath).
COLORS: dict[str, str] = {}
LINES: dict[str, dict] = {}
LINE_STYLES = [
    dict(lw=4.0, ls="-", alpha=0.55),
    dict(lw=2.0, ls=(0, (5, 3))),
    dict(lw=2.0, ls=(0, (1, 2))),
    dict(lw=1.2, ls=(0, (8, 3, 1, 3))),
    dict(lw=1.2, ls=(0, (3, 1, 1, 1))),
]
CLASS_COLORS = [
    "#3b75af",
    "#ef8636",
    "#519e3e",
    "#c53a32",
    "#8d69b8",
    "#84584e",
    "#d57dbe",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
]
DPI = 110


def use_frameworks(frameworks: dict[str, dict]) -> None:
    """Colours and line styles from the stored framework facts (``manifest.json``)."""
    ranked = sorted(frameworks, key=lambda name: frameworks[name].get("order", 99))
    COLORS.clear()
    COLORS.update({name: frameworks[name].get("colour", "#7f7f7f") for name in ranked})
    LINES.clear()
    LINES.update({name: LINE_STYLES[min(i, len(LINE_STYLES) - 1)] for i, name in enumerate(ranked)})


def _color(impl: str) -> str:
    return COLORS.get(impl, "#7f7f7f")


def _save(fig, path: str) -> str:
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if axis.get_scale() == "log":
                _plain_log(axis)
    fig.savefig(path, dpi=DPI, bbox_inches="tight", facecolor="white")
    plt.close(fig)
    return path


def _plain_log(axis) -> None:
    """A log axis labelled as the page labels it (``text.log_ticks``: 0.01, 0.1, 1 or 1,
    2, 5 of each decade, no 10^n, minor ticks unlabelled); matplotlib's own where that
    finds fewer than two ticks."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    ticks = log_ticks(*sorted(axis.get_view_interval()))
    if len(ticks) >= 2:
        axis.set_major_locator(FixedLocator(ticks))
        axis.set_major_formatter(FuncFormatter(lambda v, _: tick_label(v)))
        axis.set_minor_formatter(NullFormatter())


def _grid(n: int, cols: int = 3) -> tuple[int, int]:
    cols = min(cols, n)
    return math.ceil(n / cols), cols


def loss_curves(panels: list[LossPanel], path: str, ylabel: str = "training loss (log scale)") -> str:
    """One panel per task, one colour per implementation: median over seeds and the band
    between the best and worst seed. A panel of look-alike tasks has a colour per task,
    the line style per implementation and the first implementation's band."""
    rows, cols = _grid(len(panels))
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.3 * rows), squeeze=False)
    for ax, panel in zip(axes.flat, panels):
        for j, (task, bands) in enumerate(panel.bands.items()):
            for i, band in enumerate(bands):
                x = np.maximum(band.x, 0)
                color = _color(band.label) if not panel.grouped else CLASS_COLORS[j % len(CLASS_COLORS)]
                label = band.label if not panel.grouped else (task if i == 0 else None)
                ax.plot(x, band.median, color=color, label=label, **LINES.get(band.label, dict(lw=1.5)))
                if i == 0 or not panel.grouped:
                    ax.fill_between(x, band.low, band.high, color=color, alpha=0.07, lw=0)
        ax.set_yscale("log")
        ax.set_title(panel.title, fontsize=11 if not panel.grouped else 9)
        ax.set_xlabel("optimizer step")
        ax.grid(alpha=0.3, which="both", lw=0.5)
        if panel.grouped:
            ax.legend(fontsize=7, ncol=2, frameon=False)
    for ax in axes.flat[len(panels) :]:
        ax.axis("off")
    for ax in axes[:, 0]:
        ax.set_ylabel(ylabel)
    single = [ax for ax, p in zip(axes.flat, panels) if not p.grouped]
    handles, labels = single[0].get_legend_handles_labels() if single else ([], [])
    handles.append(plt.Rectangle((0, 0), 1, 1, color="#777", alpha=0.25, lw=0))
    labels.append("band: best to worst seed")
    fig.legend(
        handles, labels, loc="upper center", ncol=len(labels), frameon=False, bbox_to_anchor=(0.5, 1.0 + 0.04 / rows)
    )
    fig.suptitle(
        "Median over seeds (line), best-to-worst seed (band); coinciding lines mean the implementations agree",
        y=1.0 + 0.1 / rows,
        fontsize=10,
        color="#555",
    )
    fig.tight_layout()
    return _save(fig, path)


def decision_boundary(
    task: str, boundaries: list[Boundary], X: np.ndarray, y: np.ndarray, path: str, agreement: Agreement
) -> str:
    """The reference implementation's predicted class over the plane, paler where it is
    less sure, with the training points; where the others disagree, a second panel maps
    how many of them predict another class at each grid point."""
    ref = boundaries[0]
    panels = 1 if agreement.identical else 2
    fig, axes = plt.subplots(1, panels, figsize=(3.6 * panels + 0.6 * (panels - 1), 3.4), squeeze=False)
    k = int(max(y.max(), max(b.labels.max() for b in boundaries))) + 1
    cmap = ListedColormap(CLASS_COLORS[:k])
    extent = (ref.xx.min(), ref.xx.max(), ref.yy.min(), ref.yy.max())
    ax = axes[0, 0]
    ax.imshow(
        ref.labels,
        origin="lower",
        extent=extent,
        cmap=cmap,
        vmin=-0.5,
        vmax=k - 0.5,
        alpha=0.25 + 0.35 * (ref.confidence - 1 / k) / (1 - 1 / k),
        aspect="auto",
        interpolation="nearest",
    )
    ax.set_title(
        f"{ref.impl}: train accuracy {ref.accuracy:.1%}" + (" (all agree)" if agreement.identical else ""), fontsize=10
    )
    if not agreement.identical:
        n = len(boundaries) - 1
        shown = np.ma.masked_equal(agreement.differ, 0)
        im = axes[0, 1].imshow(
            shown,
            origin="lower",
            extent=extent,
            cmap="Reds",
            vmin=0,
            vmax=max(n, 1),
            aspect="auto",
            interpolation="nearest",
        )
        fig.colorbar(im, ax=axes[0, 1], label=f"of {n} predict another class", ticks=range(n + 1))
        impl, frac = agreement.worst
        axes[0, 1].set_title(f"disagreement with {ref.impl} (most: {impl}, {frac:.2%})", fontsize=9)
    for ax in axes.flat:
        ax.scatter(
            X[:, 0],
            X[:, 1],
            c=y,
            cmap=cmap,
            vmin=-0.5,
            vmax=k - 0.5,
            s=40 if len(X) < 20 else 12,
            edgecolors="black",
            linewidths=0.5,
        )
        ax.tick_params(labelsize=7)
    fig.suptitle(task, fontsize=12)
    fig.tight_layout()
    return _save(fig, path)


def time_breakdown(phases: pd.DataFrame, one_off: pd.DataFrame, path: str) -> str:
    """First panel: seconds paid once per process (import, first model). Then one panel
    per task: each run's phases stacked (build, first step, other steps) on a linear axis,
    so segment lengths compare honestly; totals are written at the bar ends."""
    labels = {
        "t_import": "import",
        "t_init": "first model in process",
        "t_build": "build",
        "t_compile": "first step (compile)",
        "t_train": "other steps",
    }
    phase_colors = {
        "t_import": "#9e9ac8",
        "t_init": "#cbc9e2",
        "t_build": "#fdae6b",
        "t_compile": "#e6550d",
        "t_train": "#3182bd",
    }
    tasks = list(dict.fromkeys(phases.index.get_level_values(0)))
    n = len(tasks) + 1
    rows, cols = _grid(n, 4)
    fig, axes = plt.subplots(rows, cols, figsize=(4.0 * cols, 0.45 * len(one_off) * rows + 1.6 * rows), squeeze=False)

    def stacked(ax, frame: pd.DataFrame, title: str, xlabel: str) -> None:
        left = np.zeros(len(frame))
        for col in frame.columns:
            ax.barh(list(frame.index), frame[col], left=left, color=phase_colors[col], label=labels[col])
            left += frame[col].fillna(0).to_numpy()
        for y, total in enumerate(left):
            ax.annotate(seconds(total), (total, y), xytext=(3, 0), textcoords="offset points", va="center", fontsize=7)
        ax.invert_yaxis()
        ax.set_xlim(0, left.max() * 1.3 if left.max() > 0 else 1)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(axis="x", alpha=0.3)

    stacked(axes.flat[0], one_off, "once per process", "seconds")
    for ax, task in zip(axes.flat[1:], tasks):
        stacked(ax, phases.loc[task], task, "seconds per run (median over seeds)")
    for ax in axes.flat[n:]:
        ax.axis("off")
    handles = [plt.Rectangle((0, 0), 1, 1, color=phase_colors[c]) for c in labels]
    fig.legend(
        handles,
        list(labels.values()),
        loc="upper center",
        ncol=5,
        frameon=False,
        bbox_to_anchor=(0.5, 1.0 + 0.05 / rows),
        fontsize=9,
    )
    fig.tight_layout()
    return _save(fig, path)


def step_time_ratios(ratios: pd.DataFrame, path: str, spread: dict[str, pd.DataFrame] | None = None) -> str:
    """Step time relative to the scratch network (log scale), per task: the median of the
    same-seed ratios, error bars from the lowest to the highest seed's (``spread``), each
    bar's value written above its error bar."""
    impls = [i for i in ratios.columns if i != "scratch"]
    fig, ax = plt.subplots(figsize=(max(6, 1.1 * len(ratios) + 2), 3.8))
    width = 0.8 / len(impls)
    x = np.arange(len(ratios))
    for j, impl in enumerate(impls):
        values = ratios[impl].to_numpy(dtype=float)
        err, tops = None, values
        if spread and impl in spread["low"]:
            low = spread["low"][impl].reindex(ratios.index).to_numpy(dtype=float)
            high = spread["high"][impl].reindex(ratios.index).to_numpy(dtype=float)
            err = np.nan_to_num(np.vstack([values - low, high - values]).clip(min=0))
            tops = np.fmax(values, high)
        bars = ax.bar(
            x + (j - (len(impls) - 1) / 2) * width,
            values,
            width,
            color=_color(impl),
            label=impl,
            yerr=err,
            error_kw=dict(lw=0.8, capsize=2, ecolor="#333"),
        )
        for bar, v, top in zip(bars, values, tops):
            if np.isfinite(v):
                ax.annotate(
                    times(v),
                    (bar.get_x() + bar.get_width() / 2, top),
                    ha="center",
                    va="bottom",
                    fontsize=7,
                    xytext=(0, 1),
                    textcoords="offset points",
                )
    ax.set_yscale("log")
    ax.axhline(1, color=_color("scratch"), lw=1.5, label="scratch = 1")  # in the legend: bars would hide a label
    highs = [spread["high"][i] for i in impls if spread and i in spread["high"]]
    top = np.nanmax(pd.concat([ratios[impls], *highs], axis=1).to_numpy(dtype=float)) if impls else 1
    ax.set_ylim(min(0.5, np.nanmin(ratios.to_numpy(dtype=float)) * 0.8), max(2, top * 2))
    ax.set_xticks(x, ratios.index, rotation=0)
    ax.set_ylabel("step time / scratch's (log)")
    ax.set_title(
        "Seconds per training step relative to the scratch network (same sweep, same machine)", fontsize=10, pad=26
    )
    ax.legend(fontsize=8, ncol=len(impls) + 1, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    ax.grid(axis="y", alpha=0.3, which="both")
    fig.tight_layout()
    return _save(fig, path)


def performance_profile(taus: np.ndarray, profiles: dict[str, np.ndarray], path: str) -> str:
    fig, ax = plt.subplots(figsize=(6.2, 3.6))
    for impl, frac in profiles.items():
        # Lines that coincide (often at 0 or 1) stay visible through their dash styles.
        style = {k: v for k, v in LINES.get(impl, {}).items() if k != "alpha"}
        ax.step(
            taus,
            frac,
            where="post",
            color=_color(impl),
            label=f"{impl}: {frac[0]:.0%} at 1×, {frac[-1]:.0%} by {times(taus[-1])}",
            **style,
        )
    ax.set_xlim(1, taus.max())
    if taus.max() > 10:
        ax.set_xscale("log")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("tau: time-to-target within tau x the fastest implementation's")
    ax.set_ylabel("fraction of tasks")
    ax.set_title("Performance profile (MLCommons AlgoPerf style; a miss never counts)", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)  # off the lines
    fig.tight_layout()
    return _save(fig, path)


def equivalence_deviation(
    deviation: pd.DataFrame, path: str, tolerance: dict[str, float] | None = None, status: dict | None = None
) -> str:
    """Running maximum of the loss deviation from the scratch network against step,
    one panel per framework, one line per (task, config) named with its status where it
    is not a plain pass; ``tolerance``: the trajectory tolerance applied, per dtype."""
    impls = list(dict.fromkeys(deviation["impl"]))
    fig, axes = plt.subplots(1, len(impls), figsize=(4.4 * len(impls), 3.4), squeeze=False, sharey=True)
    floor = 1e-17
    for ax, impl in zip(axes.flat, impls):
        sub = deviation[deviation["impl"] == impl]
        cmap = plt.get_cmap("tab20")
        dashes = ["-", "--", ":", "-."]
        for k, ((task, config), g) in enumerate(sub.groupby(["task", "config"], sort=False)):
            # tab20 has 20 colours; past that the dash changes, so no two lines look alike.
            ax.plot(
                g["step"],
                np.maximum(g["loss_rel_deviation"], floor),
                lw=1,
                alpha=0.85,
                color=cmap(k % 20),
                ls=dashes[(k // 20) % 4],
                label=f"{task} {config}" + _status_suffix((status or {}).get((impl, task, config))),
            )
        for dtype, tol in (tolerance or {}).items():
            if dtype in set(sub.get("dtype", [dtype])):
                ax.axhline(tol, color="black", ls="--", lw=0.8)
                ax.annotate(
                    f"trajectory tolerance {dtype} {tol:.0e}",
                    (sub["step"].max(), tol),
                    ha="right",
                    va="bottom",
                    fontsize=7,
                )
        ax.set_xscale("log")
        ax.set_yscale("log")
        shown = [float(deviation["loss_rel_deviation"].max()), *(tolerance or {}).values(), floor]
        top = max(v for v in shown if np.isfinite(v))
        ax.set_ylim(floor / 2, top * 8)  # room above the tolerance line for its label
        ax.set_title(f"{impl} vs scratch", fontsize=11)
        ax.set_xlabel("optimizer step")
        ax.grid(alpha=0.3, which="major")
    axes.flat[0].set_ylabel("max relative loss deviation so far\n(exact agreement drawn at 1e-17)")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    if len(labels) <= 24:
        fig.legend(handles, labels, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=7, frameon=False)
    fig.tight_layout()
    return _save(fig, path)


def _status_suffix(status: str | None) -> str:
    """' (amplified)' etc. for a line whose comparison is not a plain pass."""
    return f" ({status})" if status and status != "pass" else ""


def benchmark_family(df: pd.DataFrame, title: str, path: str, label: str = "impl") -> str:
    """One panel per pytest-benchmark group: median seconds per call (log scale) with the
    interquartile range as error bars, and each median's ratio to scratch's."""
    groups = list(dict.fromkeys(df["group"]))
    rows, cols = _grid(len(groups), 3 if len(groups) > 4 else len(groups))
    per = max(len(g) for _, g in df.groupby("group"))
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, (0.32 * per + 1.1) * rows), squeeze=False)
    for ax, group in zip(axes.flat, groups):
        g = df[df["group"] == group]
        labels = bar_labels(g) if label == "impl" else list(g[label])
        y = np.arange(len(g))
        colors = [COLORS.get(i, "#7f7f7f") for i in g["impl"]]
        err = np.vstack([g["median"] - g["q1"], g["q3"] - g["median"]]).clip(min=0)
        ax.barh(y, g["median"], xerr=err, color=colors, error_kw=dict(lw=0.8, capsize=2))
        gflops = g["gflops"] if "gflops" in g else pd.Series(np.nan, index=g.index)
        for yi, (med, ratio, impl, gf) in enumerate(zip(g["median"], g["ratio_to_scratch"], g["impl"], gflops)):
            text = seconds(med) + (f"  ({times(ratio)} scratch)" if np.isfinite(ratio) and impl != "scratch" else "")
            text += f"  {gf:.3g} GFLOP/s" if np.isfinite(gf) else ""
            end = np.fmax(med, err[1, yi] + med)  # past the error bar, never across it
            ax.annotate(text, (end, yi), xytext=(4, 0), textcoords="offset points", va="center", fontsize=7)
        ax.set_yticks(y, labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xscale("log")
        lo, hi = g["q1"].min(), g["q3"].max()
        ax.set_xlim(lo / 2, hi * 30)
        ax.set_title(group, fontsize=9)
        ax.set_xlabel("seconds per call (log)", fontsize=8)
        ax.grid(axis="x", alpha=0.3, which="both", lw=0.4)
    for ax in axes.flat[len(groups) :]:
        ax.axis("off")
    fig.suptitle(title + ": median seconds per call (log), error bars = interquartile range", fontsize=11)
    fig.tight_layout()
    return _save(fig, path)


def scaling(df: pd.DataFrame, slopes: pd.DataFrame, path: str) -> str:
    """Log-log step time and peak memory against n (at width 256) and width (at n = 1e4),
    one line per implementation, fitted slope in the legend."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 7))
    for col, sweep in enumerate(("n", "width")):
        sub = df[df["sweep"] == sweep]
        for impl, g in sub.groupby("impl", sort=False):
            g = g.sort_values(sweep)
            s = slopes[(slopes["impl"] == impl) & (slopes["sweep"] == sweep)]["slope"]
            label = f"{impl} (slope {s.iloc[0]:.2f})" if len(s) else impl
            style = {k: v for k, v in LINES.get(impl, {}).items() if k != "alpha"}
            axes[0, col].plot(g[sweep], g["step_median"], marker="o", ms=3, color=_color(impl), label=label, **style)
            axes[1, col].plot(
                g[sweep], g["peak_mb"].clip(lower=0.1), marker="o", ms=3, color=_color(impl), label=impl, **style
            )
        for row, ylabel in enumerate(("seconds per step", "peak memory added, MiB")):
            ax = axes[row, col]
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("rows per step (width 256)" if sweep == "n" else "hidden width (n = 10,000)")
            ax.set_ylabel(ylabel)
            ax.grid(alpha=0.3, which="both", lw=0.4)
            ax.legend(fontsize=8)
    fig.suptitle("Scaling: a 10 -> width -> 3 network, one full-batch step (slope 1 = linear)", fontsize=11)
    fig.tight_layout()
    return _save(fig, path)


def step_sizes(df: pd.DataFrame, path: str) -> str:
    """One training step by data size: a panel per (dtype, width), seconds per step
    against n on log-log axes, a line per implementation and mode (other modes than
    ``harness`` dotted, in their implementation's colour) with IQR error bars."""
    df = df.assign(n=pd.to_numeric(df["n"]), width=pd.to_numeric(df["width"]))
    facets = sorted(set(zip(df["dtype"].astype(str), df["width"])))  # a row per dtype, widths growing
    rows, cols = _grid(len(facets))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.0 * rows), squeeze=False, sharex=True)
    for ax, (dtype, width) in zip(axes.flat, facets):
        sub = df[(df["dtype"].astype(str) == dtype) & (df["width"] == width)]
        for (impl, label), g in sub.assign(series=series_label(sub)).groupby(["impl", "series"], sort=False):
            g = g.sort_values("n")
            err = np.vstack([g["median"] - g["q1"], g["q3"] - g["median"]]).clip(min=0)
            harness = label == impl
            style = {k: v for k, v in LINES.get(impl, {}).items() if k != "alpha"} if harness else dict(lw=1.0, ls=":")
            ax.errorbar(
                g["n"],
                g["median"],
                yerr=err,
                color=_color(impl),
                label=label,
                marker="o" if harness else "s",
                ms=3,
                capsize=2,
                **style,
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"{dtype}, hidden width {int(width)}", fontsize=10)
        ax.set_xlabel("rows per step (n)", fontsize=8)
        ax.grid(alpha=0.3, which="both", lw=0.4)
    for ax in axes[:, 0]:
        ax.set_ylabel("seconds per step (log)")
    for ax in axes.flat[len(facets) :]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(
        handles, labels, loc="upper center", ncol=len(labels), frameon=False, bbox_to_anchor=(0.5, 1.0 + 0.07 / rows)
    )
    fig.tight_layout()
    return _save(fig, path)
