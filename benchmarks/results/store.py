"""The results store: the only code that reads or writes a results folder.

A folder written by ``scratchbench run`` holds::

    manifest.json            the sweep's configuration, its fingerprint, software, frameworks
    records/<run_id>.json    one finished run: its ``runs`` row and ``curves`` rows
    records/corrupt/         unreadable records, moved aside by ``run --resume`` (never deleted)
    boundaries/<run_id>.npz  decision-boundary grids the harness computed when the run ended
    runs, curves, summary,   .parquet + .csv, always rebuilt from every record (confusion:
    confusion, environment   the test confusion matrices, long; environment: one row per env_id)
    <name>.parquet/.csv      any other named table (``write_table``): equivalence, scale, ...
    .lock                    held (``filelock``) by whichever command is writing

Every file appears whole or not at all (written to a temporary file, then renamed). The
tables are derived data: they are rebuilt from *every* record in the folder, so whatever
was interrupted, killed or resumed, no recorded run is dropped; a folder whose tables list
runs that have no record any more is refused rather than rebuilt without them.

Other commands write and read their own tables through the same API::

    store = ResultsStore("results/latest")
    store.write_table("validation", df)      # validation.parquet + validation.csv, under the lock
    store.read_table("validation")           # the DataFrame, or None if it was never written
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import numpy as np
import pandas as pd
from filelock import FileLock, Timeout

from . import ResultsError
from .benchjson import benchmark_table
from .schema import CONFUSION, CURVES, DTYPES, ENV_PREFIX, ENVIRONMENT, RENAMED, RUNS, SPEC_PREFIX

RUN_TABLES = ("runs", "curves", "summary", "confusion", "environment")
TABLE_WAIT = 60.0  # seconds a table writer waits for a folder another command is writing


# ---- writing files safely -----------------------------------------------------------------
def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | os.PathLike, write: Callable[[str], None]) -> str:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it over ``path``:
    a reader (or a crash) never sees half a file."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.basename(path))
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600 files; give the usual mode
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> str:
    def write(p: str) -> None:
        with open(p, "w") as f:
            f.write(text)

    return atomic_write(path, write)


def atomic_write_json(path: str | os.PathLike, data: Any) -> str:
    return atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def write_table_files(df: pd.DataFrame, stem: str | os.PathLike) -> list[str]:
    """``stem.parquet`` and its ``stem.csv`` copy (for a folder that is not a results
    folder, such as a report's)."""
    stem = os.fspath(stem)
    return [
        atomic_write(stem + ".parquet", lambda p: df.to_parquet(p, index=False)),
        atomic_write(stem + ".csv", lambda p: df.to_csv(p, index=False)),
    ]


def check_writable(folder: str | os.PathLike) -> None:
    """Raise ``ResultsError`` with a clear message unless ``folder`` can be created and written."""
    try:
        os.makedirs(folder, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ResultsError(f"cannot write to output folder {os.fspath(folder)!r} ({exc.strerror or exc}); choose another with --out") from None


def read_benchmark_json(path: str | os.PathLike) -> pd.DataFrame:
    """pytest-benchmark's ``--benchmark-json`` file as the tidy ``benchmarks`` table."""
    try:
        with open(path) as f:
            data = json.load(f)
    except FileNotFoundError:
        raise ResultsError(f"benchmark JSON {os.fspath(path)!r} not found; write it with: pytest --benchmark-only --benchmark-json={os.fspath(path)}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ResultsError(f"{os.fspath(path)} is not JSON ({str(exc).splitlines()[0]}); write it again with pytest --benchmark-only --benchmark-json=FILE") from None
    return benchmark_table(data, os.fspath(path))


# ---- configuration fingerprints -----------------------------------------------------------
def fingerprint(config: dict[str, Any]) -> str:
    """A short hash of a sweep configuration (its keys and values, canonical JSON)."""
    return hashlib.sha1(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:16]


def differing_keys(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Keys whose values differ between two configurations (JSON-normalised)."""
    norm = lambda d: json.loads(json.dumps(d, sort_keys=True, default=str))  # noqa: E731
    a, b = norm(old), norm(new)
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


# ---- tables from records ------------------------------------------------------------------
def environment_id(environment: dict[str, Any]) -> str:
    """The join key of one environment (its values, canonical JSON): ``runs.env_id``."""
    return fingerprint(environment)[:12]


def upgrade_record(rec: dict) -> dict:
    """A record as this version writes it, from any earlier one: renamed columns under
    their new names (``schema.RENAMED``), the environment columns an older record carried
    on its run moved to ``environment`` (with ``env_id``), and a confusion matrix stored as a
    JSON string in ``sk_confusion_matrix`` moved to ``confusion``."""
    run = {RENAMED["runs"].get(k, k): v for k, v in rec["run"].items()}
    curves = [{RENAMED["curves"].get(k, k): v for k, v in c.items()} for c in rec["curves"]]
    environment = rec.get("environment") or {k: run.pop(k) for k in list(run) if k.startswith(ENV_PREFIX) and k != "env_id"}
    if str(environment.get("env_cpu_count", "")).isdigit():  # older versions wrote it as a string
        environment["env_cpu_count"] = int(environment["env_cpu_count"])
    if environment and "env_id" not in run:
        run["env_id"] = environment_id(environment)
    confusion, old = rec.get("confusion"), run.pop("sk_confusion_matrix", None)
    if confusion is None and isinstance(old, str) and old:
        confusion = json.loads(old)
    return {**rec, "run": run, "curves": curves, "environment": environment, "confusion": confusion}


def _spec_columns(run: dict) -> dict:
    """``spec`` as one line of JSON and each of its fields as a ``p_*`` column (lists as
    one-line JSON, so a column holds one value per run that pandas can group by)."""
    try:
        spec = json.loads(run.get("spec") or "{}")
    except (TypeError, json.JSONDecodeError):
        return {}
    flat = {SPEC_PREFIX + k: json.dumps(v, separators=(",", ":")) if isinstance(v, (list, dict)) else v for k, v in spec.items()}
    return {"spec": json.dumps(spec, separators=(",", ":")), **flat}


def _inferred_dtype(values: pd.Series) -> str | None:
    """Nullable integers, booleans or floats for a column of mixed Python values (a spec
    field that is unset in some runs); None: leave it (strings)."""
    present = [v for v in values if v is not None and not (isinstance(v, float) and np.isnan(v))]
    if present and all(isinstance(v, (bool, np.bool_)) for v in present):
        return "boolean"
    if present and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in present):
        return "Int64"
    if present and all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in present):
        return "float64"
    return None


def with_dtypes(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """``df`` with the dtypes ``schema.DTYPES`` names for ``table`` (and inferred ones for
    its ``p_*`` / ``env_*`` columns): the same in every sweep, in Parquet and in CSV."""
    dtypes = DTYPES.get(table, {})
    out = df.copy()
    for col in out.columns:
        wanted = dtypes.get(col)
        if wanted is None and col.startswith((SPEC_PREFIX, ENV_PREFIX)):
            wanted = _inferred_dtype(out[col])
        if wanted in (None, "str") or "*" in wanted or str(out[col].dtype) == wanted:
            continue
        series = out[col]
        if wanted in ("Int64", "float64") and series.dtype == object:
            series = pd.to_numeric(series, errors="coerce")
        out[col] = series.astype(wanted)
    return out


def _ordered(rows: list[dict], documented: Iterable[str]) -> pd.DataFrame:
    """Rows as a frame, the documented columns first (in the schema's order), then the rest."""
    df = pd.DataFrame(rows)
    if len(df):
        known = [c for c in documented if c in df]
        df = df[known + [c for c in df if c not in known]]
    return df


def tables_from_records(records: Iterable[dict]) -> dict[str, pd.DataFrame]:
    """``runs``, ``curves``, ``confusion`` and ``environment`` from run records (of any
    version: see ``upgrade_record``), in sweep order, the schema's columns first and its
    dtypes applied."""
    recs = [upgrade_record(r) for r in sorted(records, key=lambda r: (r.get("order", 0), r["run"]["run_id"]))]
    runs = []
    for r in recs:
        row = {**r["run"], **_spec_columns(r["run"])}
        runs.append({k: row[k] for k in [*(c for c in RUNS if c in row), *(c for c in row if c.startswith(SPEC_PREFIX)),
                                         *sorted(c for c in row if c not in RUNS and not c.startswith(SPEC_PREFIX))]})
    keys = ("run_id", "task", "impl", "seed")
    confusion = [{**{k: r["run"].get(k) for k in keys}, "true": i, "predicted": j, "count": n}
                 for r in recs if r.get("confusion") for i, row in enumerate(r["confusion"]) for j, n in enumerate(row)]
    environments = {r["run"]["env_id"]: {"env_id": r["run"]["env_id"], **r["environment"]} for r in recs if r.get("environment")}
    tables = {
        "runs": pd.DataFrame(runs),
        "curves": pd.DataFrame([c for r in recs for c in r["curves"]], columns=list(CURVES)),
        "confusion": pd.DataFrame(confusion, columns=list(CONFUSION)),
        "environment": _ordered(list(environments.values()), [c for c in ENVIRONMENT if "*" not in c]),
    }
    return {name: with_dtypes(df, name) for name, df in tables.items()}


def _valid_record(rec: Any) -> bool:
    return isinstance(rec, dict) and isinstance(rec.get("run"), dict) and "run_id" in rec["run"] and isinstance(rec.get("curves"), list)


class ResultsStore:
    """One results folder. Writers hold its lock (``with store.lock():``); readers read
    whole files (every write is atomic), so they need no lock."""

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)
        self.records_dir = self.folder / "records"
        self.corrupt_dir = self.records_dir / "corrupt"
        self.boundaries_dir = self.folder / "boundaries"

    def __repr__(self) -> str:
        return f"ResultsStore({os.fspath(self.folder)!r})"

    # ---- the lock -------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, wait: float = 0.0) -> Iterator["ResultsStore"]:
        """Hold the folder's lock (re-entrant within this process). Waits up to ``wait``
        seconds for another command to finish, then refuses with one line."""
        check_writable(self.folder)
        # One FileLock object per path in this process: nested uses count, not block.
        lock = FileLock(os.fspath(self.folder.resolve() / ".lock"), is_singleton=True)
        try:
            lock.acquire(timeout=wait)
        except Timeout:
            raise ResultsError(f"{os.fspath(self.folder)} is being written by another scratchbench command (its .lock is held); "
                               "wait for it to finish, or choose another --out") from None
        try:
            yield self
        finally:
            lock.release()

    def check_writable(self) -> None:
        check_writable(self.folder)

    # ---- what the folder holds ------------------------------------------------------------
    def contents(self) -> list[str]:
        """What this folder already holds, in words (empty: nothing of a sweep)."""
        held = []
        n = len(list(self.records_dir.glob("*.json"))) if self.records_dir.is_dir() else 0
        if n:
            held.append(f"{n} recorded runs")
        held += [f"{t}.parquet" for t in RUN_TABLES if (self.folder / f"{t}.parquet").exists()]
        if (self.folder / "manifest.json").exists():
            held.append("manifest.json")
        return held

    def clear(self) -> None:
        """Remove a sweep's records, boundaries, run tables and manifest (``--overwrite``);
        other named tables (a check's, a validation's) are not the sweep's and stay."""
        shutil.rmtree(self.records_dir, ignore_errors=True)
        shutil.rmtree(self.boundaries_dir, ignore_errors=True)
        for t in RUN_TABLES:
            for ext in (".parquet", ".csv"):
                (self.folder / f"{t}{ext}").unlink(missing_ok=True)
        (self.folder / "manifest.json").unlink(missing_ok=True)

    # ---- manifest -------------------------------------------------------------------------
    def read_manifest(self) -> dict[str, Any]:
        """The sweep's manifest, or ``{}`` when there is none."""
        manifest = self.read_json("manifest") or {}
        if not isinstance(manifest, dict) or not isinstance(manifest.get("config", {}), dict):
            raise ResultsError(f"{self.folder / 'manifest.json'} is not a sweep manifest (a JSON object with its config); "
                               "restore it, or start again with --overwrite")
        return manifest

    def write_manifest(self, manifest: dict[str, Any]) -> str:
        return self.write_json("manifest", manifest)

    def check_config(self, config: dict[str, Any]) -> None:
        """Refuse (one line, naming the keys that differ) unless this folder's sweep has
        the configuration ``config``; a folder without one accepts any."""
        old = self.read_manifest().get("config")
        if old is None:
            fps = {r.get("fingerprint") for r in self._scan()[0].values()} - {None}
            if fps and fps != {fingerprint(config)}:
                raise ResultsError(f"{os.fspath(self.folder)} holds runs of another configuration; --resume continues only the same sweep: "
                                   "run with its settings, add --overwrite to replace it, or choose another --out")
            return
        differ = differing_keys(old, config)
        if differ:
            raise ResultsError(f"{os.fspath(self.folder)} holds a sweep of another configuration (differs in: {', '.join(differ)}); "
                               "--resume continues only the same sweep: run with its settings, add --overwrite to replace it, or choose another --out")

    # ---- records --------------------------------------------------------------------------
    def _scan(self) -> tuple[dict[str, dict], list[tuple[Path, str]]]:
        """(records by run id, [(path, why)] of unreadable ones)."""
        records, corrupt = {}, []
        for path in sorted(self.records_dir.glob("*.json")) if self.records_dir.is_dir() else []:
            try:
                rec = json.loads(path.read_text())
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                corrupt.append((path, str(exc) or "empty"))
                continue
            if not _valid_record(rec):
                corrupt.append((path, "not a run record"))
                continue
            records[rec["run"]["run_id"]] = rec
        return records, corrupt

    def read_records(self) -> dict[str, dict]:
        """Every record by run id. A corrupt one is named in a one-line ``ResultsError``
        (``move_corrupt_aside`` is what ``run --resume`` does about it)."""
        records, corrupt = self._scan()
        if corrupt:
            path, why = corrupt[0]
            more = f" (and {len(corrupt) - 1} more)" if len(corrupt) > 1 else ""
            raise ResultsError(f"{path} is not a readable run record ({why}){more}; "
                               f"scratchbench run --resume moves it to {self.corrupt_dir}/ and runs it again")
        return records

    def move_corrupt_aside(self) -> list[Path]:
        """Move unreadable records to ``records/corrupt/`` (kept, never deleted); returns
        their new paths."""
        moved = []
        for path, _ in self._scan()[1]:
            self.corrupt_dir.mkdir(parents=True, exist_ok=True)
            target = self.corrupt_dir / path.name
            os.replace(path, target)
            moved.append(target)
        return moved

    def write_record(self, record: dict) -> str:
        """``records/<run_id>.json`` (replacing an earlier record of the same run)."""
        if not _valid_record(record):
            raise ResultsError("a run record needs 'run' (with 'run_id') and 'curves'")
        return atomic_write_json(self.records_dir / f"{record['run']['run_id']}.json", record)

    # ---- per-run arrays (decision boundaries) ---------------------------------------------
    def write_boundary(self, run_id: str, arrays: dict[str, np.ndarray]) -> str:
        """``boundaries/<run_id>.npz``: the arrays the report draws for one run."""
        def write(p: str) -> None:
            with open(p, "wb") as f:
                np.savez(f, **arrays)

        return atomic_write(self.boundaries_dir / f"{run_id}.npz", write)

    def read_boundary(self, run_id: str) -> dict[str, np.ndarray] | None:
        path = self.boundaries_dir / f"{run_id}.npz"
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                return {k: data[k] for k in data.files}
        except (ValueError, OSError, EOFError, AttributeError, zipfile.BadZipFile) as exc:
            raise ResultsError(f"{path} is not a readable decision-boundary grid ({type(exc).__name__}); delete it (the report then "
                               "draws no boundary for that run) or rerun the sweep with --overwrite") from None

    # ---- named tables ---------------------------------------------------------------------
    def write_table(self, name: str, df: pd.DataFrame, wait: float = TABLE_WAIT) -> list[str]:
        """``<name>.parquet`` and its ``<name>.csv`` copy, under the folder's lock (waiting
        up to ``wait`` seconds for another writer). The general way for any command to
        store a table: ``store.write_table("validation", df)``."""
        _check_name(name)
        with self.lock(wait):
            return write_table_files(df, self.folder / name)

    def read_table(self, name: str) -> pd.DataFrame | None:
        """The table ``name`` (from Parquet), or None when this folder has none; columns
        an older version wrote under another name come back under their new one."""
        _check_name(name)
        path = self.folder / f"{name}.parquet"
        if not path.exists():
            return None
        try:
            df = pd.read_parquet(path)
        except Exception as exc:  # pyarrow's errors have no common base worth naming
            raise ResultsError(f"{path} is not a readable Parquet table ({type(exc).__name__}: {exc})") from None
        return df.rename(columns=RENAMED.get(name, {}))

    def write_json(self, name: str, data: Any, wait: float = TABLE_WAIT) -> str:
        """``<name>.json`` under the lock (manifests, environment records)."""
        _check_name(name)
        with self.lock(wait):
            return atomic_write_json(self.folder / f"{name}.json", data)

    def read_json(self, name: str) -> Any | None:
        _check_name(name)
        path = self.folder / f"{name}.json"
        if not path.exists():
            return None
        try:
            return json.loads(path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ResultsError(f"{path} is not readable JSON ({type(exc).__name__}: {str(exc).splitlines()[0]}); "
                               "restore it, or delete it and rerun the command that wrote it") from None

    # ---- the sweep's tables ---------------------------------------------------------------
    def missing_records(self) -> list[str]:
        """Run ids that ``runs.parquet`` lists but ``records/`` no longer holds (a corrupt
        record, kept in ``records/`` or moved to ``records/corrupt/``, is still held: its run
        is named and done again, not lost)."""
        runs = self.read_table("runs")
        if runs is None or "run_id" not in runs:
            return []
        held = {p.stem for d in (self.records_dir, self.corrupt_dir) if d.is_dir() for p in d.glob("*.json")}
        return [r for r in runs["run_id"] if r not in held]

    def tables_stale(self) -> bool:
        """Whether the run tables miss a record or a table is absent while records exist."""
        records = self._scan()[0]
        runs = self.read_table("runs")
        if not records:
            return False
        if runs is None or any(not (self.folder / f"{t}.parquet").exists() for t in RUN_TABLES):
            return True
        return set(runs["run_id"]) != set(records)

    def rebuild_tables(self, summarize: Callable[[pd.DataFrame], pd.DataFrame]) -> dict[str, pd.DataFrame]:
        """Every run table (``RUN_TABLES``; ``summary`` is ``summarize(runs)``) rebuilt
        from every record and written, under the lock; returns them by name. Refuses,
        changing nothing, if a record is corrupt or if the current tables list runs whose
        records are gone."""
        with self.lock(TABLE_WAIT):
            records = self.read_records()
            lost = self.missing_records()
            if lost:
                raise ResultsError(f"{self.folder / 'runs.parquet'} lists {len(lost)} run(s) with no record in {self.records_dir}/ "
                                   "(deleted?); refusing to rebuild the tables without them: restore the records, or start again with --overwrite")
            tables = tables_from_records(records.values())
            tables["summary"] = with_dtypes(summarize(tables["runs"]), "summary")
            if len(tables["runs"]):
                for name in RUN_TABLES:
                    write_table_files(tables[name], self.folder / name)
            return {name: tables[name] for name in RUN_TABLES}

    def read_run_tables(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """``runs``, ``curves`` and ``summary``, refusing in one line if they (or the
        other run tables) are absent or miss recorded runs (``scratchbench report``
        rebuilds them first). ``confusion`` and ``environment``: ``read_table``."""
        tables = [self.read_table(t) for t in RUN_TABLES]
        if any(t is None for t in tables):
            if self.records_dir.is_dir() and any(self.records_dir.glob("*.json")):
                raise ResultsError(f"{os.fspath(self.folder)} has records but no tables; rebuild them with: scratchbench report {os.fspath(self.folder)}")
            raise ResultsError(f"{os.fspath(self.folder)} holds no runs; create them with: scratchbench run --out {os.fspath(self.folder)}")
        if self.tables_stale():
            raise ResultsError(f"{os.fspath(self.folder)}'s tables miss recorded runs; rebuild them with: scratchbench report {os.fspath(self.folder)}")
        return tables[0], tables[1], tables[2]


def _check_name(name: str) -> None:
    if not name or not all(c.isalnum() or c in "_-" for c in name):
        raise ResultsError(f"table name {name!r} must be letters, digits, '_' or '-'")
