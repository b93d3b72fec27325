"""The one file writer: every file infgrad writes goes through ``write_bytes`` (or its
``write_text`` / ``write_json`` wrappers).

How a write happens, and why:

1. The new content is fully encoded in memory first, so an unserialisable value fails before
   any file is touched.
2. A temporary file is created *exclusively* in the target's own folder
   (``O_CREAT | O_EXCL | O_NOFOLLOW``): an existing file or a symlink planted at that name is
   never opened, never followed and never truncated; another random name is tried instead.
3. The data are written and ``fsync``-ed, then ``os.replace`` renames the temporary file over
   the target. The rename is atomic on one file system, so a reader sees the old file or the new
   one, never half of either, and a crash or a full disk (``ENOSPC``) leaves the previous file
   intact. The temporary file is removed on every failure.

4. SIGINT and SIGTERM are held back while the file is written (on the main thread, where Python
   runs signal handlers, a holding handler records them; the previous handlers get them when the
   write is over): no moment is left between creating the temporary file and the cleanup that
   guards it. A Ctrl-C mid-write lets the write finish, then raises. (Blocking the signals with
   ``pthread_sigmask`` would not do: the kernel hands a process signal to any thread that has it
   unblocked, such as torch's worker threads.)

Any failure is raised as :class:`WriteError` with one line naming the path and the reason; the
command line turns it into ``infgrad: error: ...`` and exit 2.

This module imports only the standard library, so ``models`` (checkpoints), ``proofs_check``
and ``figures`` can all use it (a checkpoint is written as the bytes of ``torch.save`` into an
``io.BytesIO``).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import stat
import threading
from pathlib import Path
from typing import Any

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_TRIES = 32  # random temporary names tried before giving up (a clash is one in 2**64 per try)


class WriteError(Exception):
    """A file could not be written; the previous file at that path, if any, is unchanged.

    ``exit_code`` is what ``infgrad`` exits with (2: the output path is a bad input)."""

    exit_code = 2


def _temp_name(target: Path) -> Path:
    """A fresh hidden name beside ``target`` (same folder, hence the same file system)."""
    return target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")


def _create_exclusive(target: Path) -> tuple[int, Path]:
    for _ in range(_TRIES):
        tmp = _temp_name(target)
        try:
            return os.open(tmp, _FLAGS, 0o666), tmp  # mode 0o666 & ~umask, as open(..., "w") gives
        except FileExistsError:
            continue  # something (perhaps a planted symlink) sits at that name: never touch it
    raise FileExistsError(f"no free temporary name beside {target} after {_TRIES} tries")


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every platform can open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _refuse_special(target: Path) -> None:
    """A device, FIFO or socket at the target is never replaced by a rename (as root, ``--json
    /dev/null`` once turned /dev/null into a regular file); a symlink is replaced, not followed."""
    try:
        mode = target.lstat().st_mode
    except FileNotFoundError:
        return
    if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode) or stat.S_ISDIR(mode)):
        raise OSError(0, "not a regular file; refusing to replace it")


_HELD = (signal.SIGINT, signal.SIGTERM)


class _SignalsHeld:
    """While active (main thread only): SIGINT and SIGTERM are recorded, not acted on; on exit the
    previous handlers are put back and each recorded signal is given to its handler (the default
    action, e.g. termination, by sending it again)."""

    def __enter__(self) -> "_SignalsHeld":
        self.got: list[int] = []
        self.previous: dict[int, Any] = {}
        if threading.current_thread() is threading.main_thread():
            for sig in _HELD:
                if signal.getsignal(sig) is not None:  # None: a handler set outside Python; left alone
                    self.previous[sig] = signal.signal(sig, lambda signum, frame: self.got.append(signum))
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
        for sig in dict.fromkeys(self.got):
            handler = self.previous[sig]
            if callable(handler):
                handler(sig, None)              # Python's SIGINT handler raises KeyboardInterrupt here
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), sig)


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see the module docstring); create missing parent
    folders. Returns the path. Raises :class:`WriteError` on any failure, leaving the previous
    file (if any) as it was and no temporary file behind."""
    with _SignalsHeld():
        return _write(Path(path), data)


def _write(target: Path, data: bytes) -> Path:
    try:
        _refuse_special(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _create_exclusive(target)
    except OSError as exc:
        raise WriteError(f"cannot write {target}: {_reason(exc)}") from exc
    try:
        try:
            view = memoryview(data)
            while view:  # os.write may write less than asked (it does so on a nearly full disk)
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException as exc:  # also KeyboardInterrupt: never leave the temporary file behind
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise WriteError(f"cannot write {target}: {_reason(exc)}; the previous file, if any, is "
                             f"unchanged") from exc
        raise
    _fsync_dir(target.parent)
    return target


def write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """``write_bytes`` of ``text`` encoded (UTF-8 by default)."""
    return write_bytes(path, text.encode(encoding))


def write_json(path: str | os.PathLike[str], obj: Any, indent: int | None = 2) -> Path:
    """``write_text`` of ``obj`` as strict JSON (no NaN or Infinity tokens, which JSON lacks: a
    ValueError is raised before any file is touched), with a final newline. ``indent=None``
    writes the compact form."""
    separators = (",", ":") if indent is None else None
    return write_text(path, json.dumps(obj, indent=indent, separators=separators, allow_nan=False) + "\n")
