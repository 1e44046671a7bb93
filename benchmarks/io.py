"""Writing results safely: every file appears whole or not at all."""

from __future__ import annotations

import json
import os
import tempfile

import pandas as pd


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str, write) -> str:
    """Write via a temporary file in the same folder, then rename over ``path``."""
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


def atomic_write_table(df: pd.DataFrame, stem: str) -> list[str]:
    """``stem.parquet`` and ``stem.csv``."""
    return [
        atomic_write(stem + ".parquet", lambda p: df.to_parquet(p, index=False)),
        atomic_write(stem + ".csv", lambda p: df.to_csv(p, index=False)),
    ]


def atomic_write_json(path: str, data) -> str:
    def write(p: str) -> None:
        with open(p, "w") as f:
            json.dump(data, f, indent=2, sort_keys=True, default=str)
            f.write("\n")

    return atomic_write(path, write)


def check_writable(folder: str) -> None:
    """Raise OSError with a clear message unless ``folder`` can be created and written."""
    try:
        os.makedirs(folder, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OSError(f"cannot write to output folder {folder!r} ({exc.strerror or exc}); choose another with --out") from None
