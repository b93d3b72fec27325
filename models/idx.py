"""MNIST-format IDX files: read and write, raw or gzip (Y. LeCun's format description).

Layout: two zero bytes, a type code (0x08 ubyte, 0x09 byte, 0x0B int16, 0x0C int32, 0x0D float32,
0x0E float64), the number of dimensions, then each dimension as a big-endian uint32, then the data
in C order, big-endian.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

_TYPES: dict[int, str] = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_CODES: dict[str, int] = {"uint8": 0x08, "int8": 0x09, "int16": 0x0B, "int32": 0x0C, "float32": 0x0D,
                          "float64": 0x0E}
GZIP_MAGIC = b"\x1f\x8b"


class IdxError(ValueError):
    """A file that is not a well-formed IDX file (or not readable)."""


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (raw or gzip-compressed, detected from its first bytes).

    Raises
    ------
    IdxError : the file is missing, truncated, has a bad magic number or a size that does not match.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
        if raw[:2] == GZIP_MAGIC:
            raw = gzip.decompress(raw)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise IdxError(f"cannot read IDX file {path}: {exc}") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _TYPES or raw[3] == 0:
        raise IdxError(f"{path} is not an IDX file (bad magic number {raw[:4].hex() or 'empty'})")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IdxError(f"{path}: truncated IDX header")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_TYPES[raw[2]])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header != expected:
        raise IdxError(f"{path}: IDX header says shape {shape} ({expected} bytes of data) but the file "
                       f"holds {len(raw) - header}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(path: str | Path, array: np.ndarray, *, compress: bool | None = None) -> Path:
    """Write ``array`` as an IDX file; gzip when ``compress`` (default: when the name ends in .gz)."""
    path = Path(path)
    array = np.asarray(array)
    name = array.dtype.name
    if name not in _CODES:
        raise IdxError(f"IDX cannot store dtype {name}")
    if array.ndim < 1 or array.ndim > 255:
        raise IdxError(f"IDX needs 1 to 255 dimensions; got {array.ndim}")
    head = bytes([0, 0, _CODES[name], array.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in array.shape)
    body = array.astype(np.dtype(_TYPES[_CODES[name]]), copy=False).tobytes(order="C")
    data = head + body
    if compress if compress is not None else path.suffix == ".gz":
        data = gzip.compress(data)
    path.write_bytes(data)
    return path
