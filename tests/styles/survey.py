"""Run every style network (correct, then each one-line bug) through ``reference_impls.validate``
and print one row per case: the verdict, the first divergence against what a perfect
validator would report (``EXPECT``), whether the diagnosis names the expected cause, and how
many lines of glue the style needed.

    cd /work/main && .venv/bin/python -m tests.styles.survey [--against torch] [--only nielsen,zhou] [--details]

A refusal (SpecError), a TypeError for an argument validate does not take yet, or a crash is
an ERROR row: that is a measurement too.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
import time
import warnings
from pathlib import Path

STYLES_DIR = Path(__file__).parent


def style_modules(only: list[str] | None = None) -> list:
    names = sorted(m.name for m in pkgutil.iter_modules([str(STYLES_DIR)]) if m.name.startswith("style_"))
    if only:
        names = [n for n in names if n[len("style_") :] in only]
    return [importlib.import_module(f"tests.styles.{n}") for n in names]


def glue_lines(module) -> int:
    """Physical lines of ``glue``'s body a user writes: not the docstring, blanks, comments,
    the data lines (tagged ``# data``) or the network's own construction (``make(bug)``)."""
    src = inspect.getsource(module.glue).splitlines()[1:]
    body = [ln.strip() for ln in src]
    count, in_doc = 0, False
    for ln in body:
        if ln.startswith(('"""', "'''")):
            in_doc = not in_doc if ln.count('"""') + ln.count("'''") == 1 else in_doc
            continue
        if in_doc or not ln or ln.startswith("#") or ln.endswith("# data") or "make(bug)" in ln:
            continue
        count += 1
    return count


def run_case(module, bug, against) -> dict:
    from reference_impls import validate

    style = module.__name__.rsplit(".", 1)[-1][len("style_") :]
    row = dict(
        style=style,
        bug=bug or "(correct)",
        verdict="",
        got="",
        want="",
        loc="",
        cause="",
        glue=glue_lines(module),
        note="",
    )
    want = module.EXPECT.get(bug) if bug else None
    row["want"] = "PASS" if bug is None else f"{want['step']} {want['phase']} {want['tensor']}"
    t0 = time.perf_counter()
    try:
        kwargs = module.glue(bug)
        steps = kwargs.pop("steps")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = validate(**kwargs, steps=steps, against=against)
    except Exception as exc:  # a refusal or a crash is a row too
        row.update(verdict="ERROR", got="-", loc="no", cause="-", note=f"{type(exc).__name__}: {exc}")
        row["seconds"] = time.perf_counter() - t0
        return row
    row["seconds"] = time.perf_counter() - t0
    row["verdict"] = "PASS" if result.ok else "FAIL"
    d = result.first_divergence
    row["got"] = f"{d.step} {d.phase} {d.tensor}" if d is not None else ("-" if not result.ok else "")
    text = " ".join(list(result.diagnosis) + [result.error or ""])
    if bug is None:
        row["loc"] = "yes" if result.ok else "no"
        row["cause"] = "-"
        row["note"] = "" if result.ok else (str(d) if d else "") + " | " + text
    else:
        hit = d is not None and (d.step, d.phase, d.tensor) == (want["step"], want["phase"], want["tensor"])
        near = d is not None and (d.step, d.phase) == (want["step"], want["phase"])
        row["loc"] = "yes" if hit else ("step+phase" if near else "no")
        row["cause"] = "yes" if any(k.lower() in text.lower() for k in want["keys"]) else "no"
        row["note"] = text
    row["note"] = " ".join(row["note"].split())
    return row


def print_table(rows: list[dict], width: int = 70) -> None:
    cols = [
        ("style", "style"),
        ("bug", "bug"),
        ("verdict", "verdict"),
        ("got", "first divergence"),
        ("want", "expected"),
        ("loc", "located"),
        ("cause", "cause"),
        ("glue", "glue"),
    ]
    w = {k: max(len(title), *(len(str(r[k])) for r in rows)) for k, title in cols}
    print(" | ".join(title.ljust(w[k]) for k, title in cols))
    print("-+-".join("-" * w[k] for k, _ in cols))
    for r in rows:
        print(" | ".join(str(r[k]).ljust(w[k]) for k, _ in cols))
    bugs = [r for r in rows if r["bug"] != "(correct)"]
    correct = [r for r in rows if r["bug"] == "(correct)"]
    print()
    print(
        f"correct networks passed: {sum(r['verdict'] == 'PASS' for r in correct)}/{len(correct)}; "
        f"bugs caught (FAIL): {sum(r['verdict'] == 'FAIL' for r in bugs)}/{len(bugs)}, "
        f"located exactly: {sum(r['loc'] == 'yes' for r in bugs)}/{len(bugs)}, "
        f"cause named: {sum(r['cause'] == 'yes' for r in bugs)}/{len(bugs)}; "
        f"styles within 5 glue lines: {len({r['style'] for r in rows if r['glue'] <= 5})}/{len({r['style'] for r in rows})}"
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--against", default="torch", help="comma-separated frameworks (default torch)")
    ap.add_argument("--only", default="", help="comma-separated style names (e.g. nielsen,zhou)")
    ap.add_argument("--details", action="store_true", help="print each case's diagnosis or error after the table")
    args = ap.parse_args(argv)
    against = tuple(a for a in args.against.split(",") if a)
    rows = []
    for module in style_modules([s for s in args.only.split(",") if s] or None):
        for bug in [None, *module.BUGS]:
            rows.append(run_case(module, bug, against))
    print_table(rows)
    if args.details:
        print()
        for r in rows:
            print(f"[{r['style']} / {r['bug']}] {r['verdict']} ({r['seconds']:.1f} s): {r['note'][:400]}")


if __name__ == "__main__":
    main()
