"""The one file writer: every file infgrad writes goes through ``write_bytes`` (or its
``write_text`` / ``write_json`` wrappers), and a set of files through ``publish_files``.

How a write happens, and why:

1. The new content is fully encoded in memory first, so an unserialisable value fails before
   any file is touched.
2. The target's folder is reached without following a symbolic link. A command confines its
   writes to its output folder (:func:`confine`, which the ``--out`` and ``--checkpoint`` options
   enter): from there each folder on the way is opened with ``O_NOFOLLOW | O_DIRECTORY`` (created
   when missing) and every later step works relative to that open folder, so a link planted
   anywhere (a subfolder, the final name, a temporary name) is refused, never followed, and
   nothing is written outside the output folder. A write outside every confined folder walks from
   its own folder (given by the user) and still refuses a link at the final or temporary name.
3. A temporary file is created *exclusively* beside the target (``O_CREAT | O_EXCL |
   O_NOFOLLOW``): an existing file at that name is never opened or truncated; another random name
   is tried instead.
4. The data are written and ``fsync``-ed, then ``os.replace`` renames the temporary file over
   the target. The rename is atomic on one file system, so a reader sees the old file or the new
   one, never half of either, and a crash or a full disk (``ENOSPC``) leaves the previous file
   intact. The temporary file is removed on every failure.
5. SIGINT and SIGTERM are held back while the file is written (on the main thread, where Python
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

import contextlib
import contextvars
import errno
import json
import os
import secrets
import signal
import stat
import threading
from pathlib import Path
from typing import Any, Iterator

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_TRIES = 32  # random temporary names tried before giving up (a clash is one in 2**64 per try)
_ROOTS: contextvars.ContextVar[tuple[Path, ...]] = contextvars.ContextVar("infgrad_write_roots", default=())
ROOTS_ENV = "INFGRAD_WRITE_ROOTS"   # the confined folders, inherited by worker processes (the report's pool)
TEMP_JOURNAL: int | None = None   # a pipe each temporary file's path is written to before it is created, so that
# the parent of a killed child (proofs_check.bounded) can remove the file the child could not


class WriteError(Exception):
    """A file could not be written; the previous file at that path, if any, is unchanged.

    ``exit_code`` is what ``infgrad`` exits with (2: the output path is a bad input)."""

    exit_code = 2


@contextlib.contextmanager
def confine(root: str | os.PathLike[str]) -> Iterator[Path]:
    """Within this block, a write to a path under ``root`` reaches its folder from ``root`` without
    following any link on the way (``root`` itself, named by the user, may be a link). Processes
    started inside the block (the report's worker pool) inherit the roots through the environment
    variable ``INFGRAD_WRITE_ROOTS``."""
    path = Path(os.path.abspath(root))
    token = _ROOTS.set(_ROOTS.get() + (path,))
    inherited = os.environ.get(ROOTS_ENV)
    os.environ[ROOTS_ENV] = os.pathsep.join(map(str, _ROOTS.get()))   # for worker processes started inside
    try:
        yield path
    finally:
        _ROOTS.reset(token)
        if inherited is None:
            os.environ.pop(ROOTS_ENV, None)
        else:
            os.environ[ROOTS_ENV] = inherited


def _temp_name(target: Path) -> Path:
    """A fresh hidden name beside ``target`` (same folder, hence the same file system)."""
    return target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")


def _anchor(target: Path) -> tuple[Path, tuple[str, ...]]:
    """The folder to walk from (the deepest confined root holding ``target``, else its own
    folder) and the folder names between it and ``target``'s folder."""
    best: Path | None = None
    env = tuple(Path(p) for p in os.environ.get(ROOTS_ENV, "").split(os.pathsep) if os.path.isabs(p))
    for root in _ROOTS.get() + env:
        if target.parent == root or root in target.parent.parents:
            if best is None or len(root.parts) > len(best.parts):
                best = root
    if best is None:
        return target.parent, ()
    return best, target.parent.relative_to(best).parts


def _link_error(target: Path, where: Path) -> WriteError:
    try:
        to = f" (to {os.readlink(where)})"
    except OSError:
        to = ""
    return WriteError(f"cannot write {target}: {where} is a symbolic link{to}; refusing to follow it "
                      f"out of the output folder")


def _open_folder(target: Path) -> int:
    """An open descriptor of ``target``'s folder, reached from its anchor without following links;
    missing folders are created."""
    base, parts = _anchor(target)
    base.mkdir(parents=True, exist_ok=True)
    fd = os.open(base, _DIR_FLAGS & ~getattr(os, "O_NOFOLLOW", 0))
    here = base
    try:
        for part in parts:
            here = here / part
            if part in ("", ".", ".."):
                raise OSError(errno.EINVAL, f"bad folder name {part!r}")
            with contextlib.suppress(FileExistsError):
                os.mkdir(part, 0o777, dir_fd=fd)
            try:
                nxt = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                if _is_link(part, fd):
                    raise _link_error(target, here) from None
                raise OSError(exc.errno, exc.strerror) from None
            os.close(fd)
            fd = nxt
    except BaseException:
        os.close(fd)
        raise
    return fd


def _is_link(name: str, fd: int) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(name, dir_fd=fd).st_mode)
    except OSError:
        return False


def _create_exclusive(target: Path, fd: int) -> tuple[int, str]:
    for _ in range(_TRIES):
        tmp = _temp_name(target).name
        if TEMP_JOURNAL is not None:
            os.write(TEMP_JOURNAL, os.fsencode(os.path.join(os.path.dirname(os.path.abspath(target)), tmp)) + b"\n")
        try:
            return os.open(tmp, _FLAGS, 0o666, dir_fd=fd), tmp  # mode 0o666 & ~umask, as open(..., "w")
        except FileExistsError:
            if _is_link(tmp, fd):
                raise _link_error(target, target.with_name(tmp)) from None
            continue  # someone else's file sits at that name: never touch it
    raise FileExistsError(f"no free temporary name beside {target} after {_TRIES} tries")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _refuse_special(target: Path, fd: int) -> None:
    """A device, FIFO or socket at the target is never replaced by a rename (as root, ``--json
    /dev/null`` once turned /dev/null into a regular file); a symlink is refused, not followed."""
    try:
        mode = os.lstat(target.name, dir_fd=fd).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISLNK(mode):
        raise _link_error(target, target)
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
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


def _stage(target: Path, data: bytes) -> tuple[int, str]:
    """Open ``target``'s folder (no link followed) and write ``data`` to a fresh temporary file
    there; returns the folder's descriptor and the temporary name (the caller renames)."""
    try:
        folder = _open_folder(Path(os.path.abspath(target)))
    except OSError as exc:
        raise WriteError(f"cannot write {target}: {_reason(exc)}") from exc
    try:
        _refuse_special(target, folder)
        fd, tmp = _create_exclusive(target, folder)
    except BaseException as exc:
        os.close(folder)
        if isinstance(exc, OSError):
            raise WriteError(f"cannot write {target}: {_reason(exc)}") from exc
        raise
    try:
        try:
            view = memoryview(data)
            while view:  # os.write may write less than asked (it does so on a nearly full disk)
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException as exc:  # also KeyboardInterrupt: never leave the temporary file behind
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=folder)
        os.close(folder)
        if isinstance(exc, OSError):
            raise WriteError(f"cannot write {target}: {_reason(exc)}; the previous file, if any, is "
                             f"unchanged") from exc
        raise
    return folder, tmp


def _write(target: Path, data: bytes) -> Path:
    folder, tmp = _stage(target, data)
    try:
        os.replace(tmp, target.name, src_dir_fd=folder, dst_dir_fd=folder)
        with contextlib.suppress(OSError):
            os.fsync(folder)  # make the rename itself durable (best effort)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=folder)
        raise WriteError(f"cannot write {target}: {_reason(exc)}; the previous file, if any, is "
                         f"unchanged") from exc
    finally:
        os.close(folder)
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



# -- a set of files, published together ---------------------------------------------------------

_STAGE_PREFIX = ".publish-"
_MANIFEST = "MANIFEST.json"


def publish_files(out_dir: Path, files: dict[str, bytes | str]) -> None:
    """Publish ``files`` (relative path -> content; ``str`` is written as UTF-8) into ``out_dir``
    as one set: afterwards every file is new, or (on any failure before the first rename, such as
    a full disk) every file is as it was.

    The set is first written whole into a fresh hidden folder ``out_dir/.publish-<random>/``, then
    a manifest naming each staged file's destination is written there (atomically: its presence
    marks a complete set); only then is each file renamed into place (renames need no disk space)
    and the folder removed. A process killed among the renames leaves the folder with its
    manifest, and the next ``publish_files`` into ``out_dir`` (or :func:`recover_published`) rolls
    it forward first; a folder without a manifest is an unfinished set and is removed. Every path
    is confined to ``out_dir`` (no link followed, see the module docstring)."""
    out_dir = Path(os.path.abspath(out_dir))
    staged = {_checked_key(key): value.encode("utf-8") if isinstance(value, str) else bytes(value)
              for key, value in files.items()}
    with confine(out_dir):
        recover_published(out_dir)
        stage = out_dir / f"{_STAGE_PREFIX}{secrets.token_hex(8)}"
        pairs = [(f"{i:05d}", key) for i, key in enumerate(staged)]
        try:
            for name, key in pairs:
                write_bytes(stage / name, staged[key])
            for _, key in pairs:   # a link, device or folder at a destination: refused before any rename
                folder = _open_folder(out_dir / key)
                try:
                    _refuse_special(out_dir / key, folder)
                finally:
                    os.close(folder)
            write_json(stage / _MANIFEST, {"files": [list(p) for p in pairs]})
        except BaseException as exc:
            _remove_stage(stage)
            if isinstance(exc, OSError):
                raise WriteError(f"cannot publish into {out_dir}: {_reason(exc)}; the previous files, "
                                 f"if any, are unchanged") from exc
            raise
        with _SignalsHeld():
            _roll_forward(out_dir, stage, pairs)


def recover_published(out_dir: str | os.PathLike[str]) -> None:
    """Finish every set a killed :func:`publish_files` left in ``out_dir`` (manifest present) and
    remove every unfinished one (no manifest)."""
    out_dir = Path(os.path.abspath(out_dir))
    try:
        names = [n for n in os.listdir(out_dir) if n.startswith(_STAGE_PREFIX)]
    except FileNotFoundError:
        return
    for name in sorted(names):
        stage = out_dir / name
        if stage.is_symlink() or not stage.is_dir():
            continue  # not ours to touch
        manifest = stage / _MANIFEST
        if manifest.is_file() and not manifest.is_symlink():
            try:
                pairs = [(str(a), _checked_key(str(b))) for a, b in json.loads(manifest.read_text())["files"]]
            except (ValueError, KeyError, TypeError):
                pairs = None
            if pairs is not None:
                with _SignalsHeld():
                    _roll_forward(out_dir, stage, pairs)
                continue
        _remove_stage(stage)


def _checked_key(key: str) -> str:
    parts = Path(key).parts
    if not parts or Path(key).is_absolute() or any(p in ("", ".", "..") for p in parts) or \
            parts[0].startswith(_STAGE_PREFIX):
        raise WriteError(f"cannot publish {key!r}: not a plain relative path")
    return key


def _roll_forward(out_dir: Path, stage: Path, pairs: list[tuple[str, str]]) -> None:
    src = os.open(stage, _DIR_FLAGS)
    try:
        for name, key in pairs:
            target = out_dir / key
            folder = _open_folder(target)
            try:
                try:
                    os.replace(name, target.name, src_dir_fd=src, dst_dir_fd=folder)
                except FileNotFoundError:
                    continue  # renamed before an earlier kill
                with contextlib.suppress(OSError):
                    os.fsync(folder)
            finally:
                os.close(folder)
    except OSError as exc:
        raise WriteError(f"cannot publish into {out_dir}: {_reason(exc)}") from exc
    finally:
        os.close(src)
    _remove_stage(stage)


def _remove_stage(stage: Path) -> None:
    try:
        fd = os.open(stage, _DIR_FLAGS)
    except OSError:
        return
    try:
        for name in os.listdir(fd):
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=fd)
    finally:
        os.close(fd)
    with contextlib.suppress(OSError):
        os.rmdir(stage)
