"""The verdict a reader sees first: is the scratch network right (equivalence, and a
``validate`` run's result when the results folder holds one), who is fastest per task
and by how much, how often each implementation reached its target, and what to distrust
(noisy or parallel timings, runs that did not finish). Plain data; the templates draw it."""

from __future__ import annotations

import pandas as pd

from . import speed
from .data import impls_in

STATUSES = ("pass", "amplified", "not expressible", "fail", "error")
NOISY_IQR = 0.5  # a run whose step-time IQR exceeds half its median was measured under noise
LOADED = 0.75  # a 1-minute load average above 0.75 x the CPU count: the runs shared the machine
LOAD_COLUMNS = ("load_1m_before", "load_1m_after", "cpu_count")


def equivalence_line(eq: pd.DataFrame | None) -> dict | None:
    """``{"text": "56 pass, 4 not expressible, 0 fail", "ok": True}``; None without a check."""
    if eq is None or eq.empty:
        return None
    counts = eq["status"].value_counts()
    parts = [f"{int(counts[s])} {s}" for s in STATUSES if s in counts and s not in ("fail", "error")]
    bad = int(counts.get("fail", 0)) + int(counts.get("error", 0))
    parts.append(f"{bad} fail" + (f" ({int(counts['error'])} errors)" if counts.get("error", 0) else ""))
    dtypes = ", ".join(dict.fromkeys(eq["dtype"].astype(str)))
    return {
        "text": ", ".join(parts),
        "ok": bad == 0,
        "detail": f"{len(eq)} comparisons with scratch, {dtypes}, up to {int(eq['steps'].max())} steps",
    }


def validation_line(info: dict | None, table: pd.DataFrame | None) -> dict | None:
    """A ``scratchbench validate --out`` result stored in the results folder, in one line."""
    if not info:
        return None
    compared = ", ".join(info.get("compared", [])) or "no framework"
    outcome = "pass" if info.get("ok") else "FAIL"
    text = f"{info.get('target', '?')} on {info.get('task', '?')}: {outcome} against {compared}"
    d = info.get("first_divergence")
    if d:
        text += f"; first divergence at step {d['step']}, {d['phase']}, {d['tensor']} vs {d['impl']}"
    if table is not None and len(table):
        text += f" ({len(table)} tensor comparisons)"
    return {"text": text, "ok": bool(info.get("ok"))}


def success(runs: pd.DataFrame) -> list[dict]:
    """Per implementation: runs that reached their target, out of all its runs."""
    out = []
    for impl in impls_in(runs):
        g = runs[runs["impl"] == impl]
        n, k = len(g), int(g["reached_target"].astype(bool).sum())
        out.append(
            {"impl": impl, "reached": k, "runs": n, "text": f"{impl} {k}/{n} ({k / n:.0%})" if n else f"{impl} -"}
        )
    return out


def targets_named(runs: pd.DataFrame) -> str:
    """Each task's accuracy target with its value: 'xor: train accuracy >= 1, spiral: ...'."""
    if not {"target_metric", "target"} <= set(runs):
        return ""
    pairs = runs[["task", "target_metric", "target"]].drop_duplicates("task")
    return ", ".join(
        f"{r.task}: {str(r.target_metric).replace('_', ' ')} \u2265 {float(r.target):.3g}" for r in pairs.itertuples()
    )


def load_readings(runs: pd.DataFrame, environment: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per run, the 1-minute load average before and after it and the CPU count, from the
    runs table or, where it lacks them, from the environment table (joined on the columns
    both share, or taken whole when it has one row). Empty when neither records them."""
    cols = [c for c in LOAD_COLUMNS if c in runs]
    readings = runs[cols].copy()
    if environment is not None and len(environment) and len(cols) < len(LOAD_COLUMNS):
        extra = [c for c in LOAD_COLUMNS if c in environment and c not in cols]
        keys = [c for c in environment.columns if c in runs.columns and c not in LOAD_COLUMNS]
        if extra and keys:
            joined = runs[keys].merge(environment[keys + extra].drop_duplicates(keys), on=keys, how="left")
            readings[extra] = joined[extra].to_numpy()
        elif extra and len(environment) == 1:
            readings[extra] = environment[extra].iloc[0].to_numpy()
    if "cpu_count" not in readings and "env_cpu_count" in runs:
        readings["cpu_count"] = runs["env_cpu_count"]
    if "cpu_count" not in readings or not {"load_1m_before", "load_1m_after"} & set(readings):
        return pd.DataFrame(columns=["load", "cpu_count"])
    load = (
        readings[[c for c in ("load_1m_before", "load_1m_after") if c in readings]]
        .apply(pd.to_numeric, errors="coerce")
        .max(axis=1)
    )
    return pd.DataFrame(
        {"load": load, "cpu_count": pd.to_numeric(readings["cpu_count"], errors="coerce")}, index=runs.index
    )


def load_warning(runs: pd.DataFrame, environment: pd.DataFrame | None = None) -> str | None:
    """A warning when any run's timings were taken with the 1-minute load average above
    ``LOADED`` times the CPU count (before or after the run), with the numbers."""
    readings = load_readings(runs, environment).dropna()
    loaded = readings[readings["load"] > LOADED * readings["cpu_count"]]
    if loaded.empty:
        return None
    worst = loaded.loc[(loaded["load"] / loaded["cpu_count"]).idxmax()]
    cpus = int(worst["cpu_count"])
    return (
        f"timings taken under load: in {len(loaded)} of {len(readings)} runs the 1-minute load average reached up to "
        f"{worst['load']:.2f} on {cpus} CPU{'s' if cpus != 1 else ''} (above {LOADED} x {cpus} = {LOADED * cpus:.2f}); "
        "other work shared the machine, so rerun on a quiet one before trusting the speed ratios"
    )


def hosts_warning(runs: pd.DataFrame) -> str | None:
    """More than one host: timings compare only within one (the report splits them)."""
    hosts = list(dict.fromkeys(runs["host"].astype(str))) if "host" in runs else []
    if len(hosts) < 2:
        return None
    return (
        f"runs from {len(hosts)} hosts ({', '.join(hosts)}): timings from different hosts are not comparable, "
        "so speed is shown per host; accuracy, convergence and equivalence are comparable across them"
    )


def noisy_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """The finished runs whose step-time IQR exceeds ``NOISY_IQR`` of their median, noisiest
    first, with that fraction as ``spread``."""
    ok = runs[runs["status"] == "ok"]
    if not len(ok) or not {"t_step_median", "t_step_iqr"} <= set(ok):
        return ok.iloc[:0].assign(spread=[])
    spread = ok["t_step_iqr"].astype(float) / ok["t_step_median"].astype(float)
    return ok.assign(spread=spread)[spread > NOISY_IQR].sort_values("spread", ascending=False)


def warnings(
    runs: pd.DataFrame, complete: bool, sk_mismatches: int, environment: pd.DataFrame | None = None
) -> list[str]:
    """What a reader should distrust, most serious first; empty when nothing is wrong."""
    out = []
    if not complete:
        out.append("the sweep is incomplete (interrupted): finish it with --resume")
    bad = runs[runs["status"] != "ok"]
    for status, g in bad.groupby("status", sort=False):
        where = ", ".join(f"{r.task}/{r.impl}/seed {r.seed}" for r in g.head(4).itertuples()) + (
            " ..." if len(g) > 4 else ""
        )
        out.append(f"{len(g)} run{'s' if len(g) != 1 else ''} {status}: {where}")
    if sk_mismatches:
        out.append(f"{sk_mismatches} runs where sklearn.metrics disagrees with the harness's own numbers")
    if "parallel_jobs" in runs and (runs["parallel_jobs"] > 1).any():
        out.append(
            f"timings were taken with up to {int(runs['parallel_jobs'].max())} runs in parallel: "
            "they share the CPU, compare ratios with care"
        )
    noisy = noisy_runs(runs)
    if len(noisy):
        ok = int((runs["status"] == "ok").sum())
        named = ", ".join(
            f"{r.task}/{r.impl}/seed {r.seed} (IQR {r.spread:.0%} of the median)" for r in noisy.head(4).itertuples()
        ) + (" ..." if len(noisy) > 4 else "")
        out.append(
            f"noisy timings in {len(noisy)} of {ok} runs: {named}; the step-time IQR exceeds {NOISY_IQR:.0%} of the "
            "median (a loaded machine?): rerun on a quiet one before trusting those ratios"
        )
    out += [w for w in (load_warning(runs, environment), hosts_warning(runs)) if w]
    return out


def harness_by_host(runs: pd.DataFrame) -> list[dict]:
    """``speed.harness_rows`` for one host; with several, per host, each row's task naming
    its host (speed never compares across hosts)."""
    hosts = list(dict.fromkeys(runs["host"].astype(str))) if "host" in runs else []
    if len(hosts) < 2:
        return speed.harness_rows(runs)
    rows = []
    for host in hosts:
        sub = runs[runs["host"].astype(str) == host]
        for r in speed.harness_rows(sub):
            rows.append(
                dict(
                    r,
                    task=f"{r['task']} on {host}",
                    text=r["text"].replace(f" on {r['task']} ", f" on {r['task']} on {host} "),
                )
            )
    return sorted(rows, key=lambda r: not r["lost"])


def level(eq: dict | None, validation: dict | None, runs: pd.DataFrame, warned: list[str]) -> str:
    """The box's colour and icon: 'fail' when something is wrong (a mismatch, a failed
    validation, a run that did not finish), 'warn' when only the measurements are in
    doubt, else 'ok'."""
    if (eq is not None and not eq["ok"]) or (validation is not None and not validation["ok"]):
        return "fail"
    if (runs["status"] != "ok").any():
        return "fail"
    return "warn" if warned else "ok"


def verdict(
    runs: pd.DataFrame,
    summary: pd.DataFrame,
    equivalence: pd.DataFrame | None,
    validation: dict | None,
    validation_table: pd.DataFrame | None,
    complete: bool,
    sk_mismatches: int,
    environment: pd.DataFrame | None = None,
    bench: pd.DataFrame | None = None,
) -> dict:
    """Everything the verdict box says, as plain data (``bench``: the timing suite's table)."""
    eq, checked = equivalence_line(equivalence), validation_line(validation, validation_table)
    warned = warnings(runs, complete, sk_mismatches, environment)
    return {
        "equivalence": eq,
        "validation": checked,
        "regimes": speed.regime_rows(bench),
        "harness": harness_by_host(runs),
        "how_to_read": speed.HOW_TO_READ,
        "success": success(runs),
        "targets": targets_named(runs),
        "warnings": warned,
        "level": level(eq, checked, runs, warned),
    }
