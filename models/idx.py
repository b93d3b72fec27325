"""MNIST-format IDX files: read and write, raw or gzip (Y. LeCun's format description).

Layout: two zero bytes, a type code (0x08 ubyte, 0x09 byte, 0x0B int16, 0x0C int32, 0x0D float32,
0x0E float64), the number of dimensions, then each dimension as a big-endian uint32, then the data
in C order, big-endian.
"""

from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path

import numpy as np

from infgrad.atomic import write_bytes
from infgrad.files import FileRefused, regular_file
from infgrad.params import format_bytes

_TYPES: dict[int, str] = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_CODES: dict[str, int] = {"uint8": 0x08, "int8": 0x09, "int16": 0x0B, "int32": 0x0C, "float32": 0x0D,
                          "float64": 0x0E}
GZIP_MAGIC = b"\x1f\x8b"
MAX_RANK = 4            # samples x height x width x channels: the most a data set here has
MAX_DIM = 2**31 - 1     # any one dimension (torch and numpy index with int64, the table's MAX_INT)


class IdxError(ValueError):
    """A file that is not a well-formed IDX file (or not readable)."""


def idx_header(path: str | Path) -> tuple[np.dtype, tuple[int, ...]]:
    """The element type and shape an IDX file claims, read from its first bytes only, and checked
    against the file's size (raw: exactly; gzip: the size modulo 2^32 stored in its last 4 bytes,
    RFC 1952) before any payload is read.

    Raises
    ------
    IdxError : not a regular file, unreadable, a bad magic number, a truncated header, more than
        ``MAX_RANK`` dimensions, a dimension above ``MAX_DIM`` or of 0 (no data), or a size that
        does not match the header.
    """
    try:
        path = regular_file(path, "IDX file")
    except FileRefused as exc:
        raise IdxError(str(exc)) from None
    try:
        size = path.stat().st_size
        with path.open("rb") as raw:
            compressed = raw.read(2) == GZIP_MAGIC
            raw.seek(0)
            fh = gzip.GzipFile(fileobj=raw) if compressed else raw
            head = fh.read(4)
            if len(head) < 4 or head[0] != 0 or head[1] != 0 or head[2] not in _TYPES or head[3] == 0:
                raise IdxError(f"{path} is not an IDX file (bad magic number {head[:4].hex() or 'empty'})")
            dims = fh.read(4 * head[3])
            if compressed:
                raw.seek(-4, 2)
                isize = int.from_bytes(raw.read(4), "little")
    except (OSError, EOFError, zlib.error) as exc:
        raise IdxError(f"cannot read IDX file {path}: {exc}") from None
    if len(dims) < 4 * head[3]:
        raise IdxError(f"{path}: truncated IDX header")
    shape = tuple(int.from_bytes(dims[4 * i: 4 * i + 4], "big") for i in range(head[3]))
    if len(shape) > MAX_RANK:
        raise IdxError(f"{path}: the IDX header claims {len(shape)} dimensions; infgrad reads at most {MAX_RANK}")
    if any(s > MAX_DIM for s in shape):
        raise IdxError(f"{path}: the IDX header claims a dimension of {max(shape)}, above {MAX_DIM}")
    if 0 in shape:
        raise IdxError(f"{path}: the IDX header claims shape {shape}, which holds no data")
    dtype = np.dtype(_TYPES[head[2]])
    total = 4 + len(dims) + math.prod(shape) * dtype.itemsize
    if compressed and total % 2**32 != isize:
        raise IdxError(f"{path}: IDX header says shape {shape} ({total} bytes uncompressed) but the gzip trailer "
                       f"records {isize} (mod 2^32): a corrupt or truncated gzip file")
    if not compressed and total != size:
        raise IdxError(f"{path}: IDX header says shape {shape} ({total - 4 - len(dims)} bytes of data) but the "
                       f"file holds {size - 4 - len(dims)}")
    return dtype, shape


def read_idx(path: str | Path, *, max_bytes: int | None = None) -> np.ndarray:
    """Read an IDX file (raw or gzip-compressed, detected from its first bytes).

    The header is checked against the file size first (:func:`idx_header`); a payload larger
    than ``max_bytes`` is refused before it is read, and at most the claimed size is decompressed.

    Raises
    ------
    IdxError : the file is missing, not regular, truncated, has a bad magic number, a size that
        does not match, or a payload above ``max_bytes``.
    """
    dtype, shape = idx_header(path)
    path = Path(path)
    header = 4 + 4 * len(shape)
    payload = math.prod(shape) * dtype.itemsize
    if max_bytes is not None and payload > max_bytes:
        raise IdxError(f"{path}: the IDX payload is {format_bytes(payload)}, above the memory limit "
                       f"{format_bytes(max_bytes)}")
    try:
        with path.open("rb") as raw:
            compressed = raw.read(2) == GZIP_MAGIC
            raw.seek(0)
            fh = gzip.GzipFile(fileobj=raw) if compressed else raw
            data = fh.read(header + payload + 1)   # one byte more: a longer stream is a bad file
    except (OSError, EOFError, zlib.error) as exc:
        raise IdxError(f"cannot read IDX file {path}: {exc}") from None
    if len(data) != header + payload:
        raise IdxError(f"{path}: IDX header says shape {shape} ({payload} bytes of data) but the file "
                       f"holds {len(data) - header}")
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


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
    return write_bytes(path, data)
