"""Reading MNIST from files the user has: the IDX format (LeCun's four files, optionally
gzipped) or a Keras-style ``.npz`` (``x_train``, ``y_train``, ``x_test``, ``y_test``).
Images become ``(n, 784)`` float64 in [0, 1]; labels int64. Nothing is downloaded."""

from __future__ import annotations

import gzip
import os
import zipfile
import zlib

import numpy as np

from reference_impls.spec import SpecError

IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str) -> np.ndarray:
    """One IDX file: magic ``0x0000TTNN`` (type TT, NN dimensions), NN big-endian sizes, data."""
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise SpecError(
            f"{path} is a damaged or truncated gzip file ({exc or 'ends early'}); download or unpack it again"
        ) from None
    except OSError as exc:
        raise SpecError(
            f"cannot read MNIST file {path} ({exc.strerror or exc}); check the path and its permissions"
        ) from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES or not 1 <= raw[3] <= 4:
        raise SpecError(
            f"{path} is not an IDX file (bad magic number {raw[:4].hex() or 'none'}); give LeCun's MNIST files (or a "
            ".npz)"
        )
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise SpecError(f"{path} is truncated (its header promises {ndim} dimensions); download it again")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    expected = int(np.prod(shape, dtype=object)) * dtype.itemsize  # Python ints: a garbage header cannot overflow
    if len(raw) - header != expected and expected > len(raw):
        raise SpecError(
            f"{path}'s header says shape {shape}, more data than the file holds ({len(raw) - header} bytes); "
            "the file is truncated or not MNIST: download it again"
        )
    if len(raw) - header != expected:
        raise SpecError(
            f"{path} holds {len(raw) - header} data bytes; its header {shape} needs {expected}: the file is damaged, "
            "download it again"
        )
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)


def _find(folder: str, stem: str) -> str:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            return path
    raise SpecError(
        f"MNIST folder {folder!r} has no {stem}[.gz]; it needs the four IDX files {', '.join(IDX_FILES.values())}"
    )


def _prepare(images: np.ndarray, labels: np.ndarray, what: str) -> tuple[np.ndarray, np.ndarray]:
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise SpecError(
            f"MNIST {what}: expected images (n, rows, cols) and n labels, got {images.shape} and {labels.shape}"
        )
    if not len(images):
        raise SpecError(f"MNIST {what}: the files hold 0 images; give the full MNIST files")
    if not (np.issubdtype(images.dtype, np.number) and np.issubdtype(labels.dtype, np.integer)):
        raise SpecError(
            f"MNIST {what}: expected numeric images and integer labels, got {images.dtype} and {labels.dtype}"
        )
    if labels.min() < 0 or labels.max() > 9:
        raise SpecError(f"MNIST {what}: labels must be digits 0..9, got {labels.min()}..{labels.max()}")
    return images.reshape(len(images), -1).astype(np.float64) / 255.0, labels.astype(np.int64)


def load_mnist(path: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X_train, y_train, X_test, y_test)`` from a ``.npz`` file or a folder of IDX files."""
    if not os.path.exists(path):
        raise SpecError(f"MNIST path {path!r} does not exist; give a .npz file or a folder with the IDX files")
    if os.path.isdir(path):
        arrays = {key: read_idx(_find(path, stem)) for key, stem in IDX_FILES.items()}
        train = _prepare(arrays["train_images"], arrays["train_labels"], "train")
        test = _prepare(arrays["test_images"], arrays["test_labels"], "test")
        return (*train, *test)
    if os.path.getsize(path) == 0:
        raise SpecError(
            f"{path} is empty (0 bytes); give a .npz with x_train, y_train, x_test, y_test, or a folder of IDX files"
        )
    try:
        data = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise SpecError(
            f"{path} is not a .npz archive ({type(exc).__name__}); give a .npz with x_train, y_train, x_test, y_test, "
            "or a folder of IDX files"
        ) from None
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise SpecError(
            f"{path} holds one array, not a .npz archive of x_train, y_train, x_test, y_test; save it with np.savez"
        )
    try:
        with data:
            missing = [k for k in ("x_train", "y_train", "x_test", "y_test") if k not in data]
            if missing:
                raise SpecError(
                    f"{path} lacks array(s) {', '.join(missing)} (expected x_train, y_train, x_test, y_test)"
                )
            train = _prepare(data["x_train"], data["y_train"], "train")
            test = _prepare(data["x_test"], data["y_test"], "test")
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        if isinstance(exc, SpecError):
            raise
        raise SpecError(
            f"cannot read the arrays of {path} ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else 'damaged'}); "
            "save them again with np.savez (numeric arrays, no objects)"
        ) from None
    return (*train, *test)
