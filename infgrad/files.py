"""Reading files that come from outside: only regular files, of a bounded size and nesting.

A device such as ``/dev/zero`` never ends, a 10^5-deep JSON list overflows the parser's recursion,
and a file of many gigabytes fills memory: each is refused here, before or while it is read, with
one sentence naming the file and the bound.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from .params import format_bytes

MAX_JSON_BYTES = 256 * 2**20    # the largest result file infgrad writes is ~10 MiB
MAX_JSON_DEPTH = 64             # infgrad's own files nest at most ~8 deep


class FileRefused(ValueError):
    """A file that is not regular, too large, too deeply nested or not what it claims to be."""


def regular_file(path: str | Path, what: str = "file") -> Path:
    """``path`` when it names a regular file (after following links), else :class:`FileRefused`.
    Devices, pipes and directories are refused before a byte is read."""
    path = Path(path)
    try:
        st = path.stat()
    except OSError as exc:
        raise FileRefused(f"cannot read {what} {path}: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise FileRefused(f"{what} {path} is not a regular file")
    return path


def _bounded(path: str | Path, what: str, max_bytes: int) -> Path:
    """``path`` when it is a regular file of at most ``max_bytes`` (its reader still reads at most
    ``max_bytes + 1``), else :class:`FileRefused`."""
    path = regular_file(path, what)
    size = path.stat().st_size
    if size > max_bytes:
        raise FileRefused(f"{what} {path} is {format_bytes(size)}, above the {format_bytes(max_bytes)} limit")
    return path


def read_json(path: str | Path, what: str = "JSON file", *, max_bytes: int = MAX_JSON_BYTES,
              max_depth: int = MAX_JSON_DEPTH) -> Any:
    """The JSON value in ``path``: a regular file of at most ``max_bytes``, nested at most
    ``max_depth`` deep, no key repeated in an object; anything else is :class:`FileRefused` with the
    reason."""
    path = _bounded(path, what, max_bytes)
    try:
        with path.open("rb") as fh:
            value = json.loads(fh.read(max_bytes + 1), object_pairs_hook=_unique_keys)
    except _RepeatedKey as exc:
        raise FileRefused(f"{what} {path} repeats the key {exc.args[0]!r} in one object") from None
    except RecursionError:
        raise FileRefused(f"{what} {path} is nested deeper than {max_depth} levels") from None
    except (OSError, ValueError) as exc:   # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise FileRefused(f"{what} {path} is not valid JSON ({type(exc).__name__})") from None
    if depth(value, max_depth + 1) > max_depth:
        raise FileRefused(f"{what} {path} is nested deeper than {max_depth} levels")
    return value


MAX_TOML_BYTES = 2**20          # a sweep's grid file is a few lines


def read_toml(path: str | Path, what: str = "TOML file", *, max_bytes: int = MAX_TOML_BYTES,
              max_depth: int = MAX_JSON_DEPTH) -> dict[str, Any]:
    """The TOML document in ``path``: a regular file of at most ``max_bytes`` of UTF-8 text, nested
    at most ``max_depth`` deep; anything else is :class:`FileRefused` with the reason."""
    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]

    path = _bounded(path, what, max_bytes)
    try:
        with path.open("rb") as fh:
            text = fh.read(max_bytes + 1).decode("utf-8")
        value = tomllib.loads(text)
    except UnicodeDecodeError:
        raise FileRefused(f"{what} {path} is not UTF-8 text") from None
    except RecursionError:
        raise FileRefused(f"{what} {path} is nested deeper than {max_depth} levels") from None
    except tomllib.TOMLDecodeError as exc:
        raise FileRefused(f"{what} {path} is not valid TOML ({exc})") from None
    except OSError as exc:
        raise FileRefused(f"cannot read {what} {path}: {exc.strerror}") from None
    if depth(value, max_depth + 1) > max_depth:
        raise FileRefused(f"{what} {path} is nested deeper than {max_depth} levels")
    return value


class _RepeatedKey(Exception):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object's dict; a key given twice is refused (json keeps the last one silently)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _RepeatedKey(key)
        out[key] = value
    return out


def depth(value: Any, stop: int) -> int:
    """Nesting depth of lists and dicts in ``value`` (a scalar 0, ``[]`` 1, ``[[1]]`` 2), counted
    level by level without recursion, up to ``stop``."""
    level, frontier = 0, [value]
    while level < stop:
        containers = [v for v in frontier if isinstance(v, (list, dict))]
        if not containers:
            break
        level += 1
        frontier = [c for v in containers for c in (v.values() if isinstance(v, dict) else v)]
    return level
