"""A hard wall-clock and memory limit on a whole command: its work runs in a child process.

The symbolic work on a user formula (sympy, and python-flint's compiled ball arithmetic) can run
for minutes inside compiled code that no in-process timer interrupts: a nested formula once ran
for over 20 minutes at 3.4 GB past a 5 s ``SIGALRM`` limit. So :func:`run_bounded` forks: the
child caps its address space (``RLIMIT_AS``: what it already maps plus ``memory`` bytes) and runs
the command; the parent relays the child's stdout and stderr as they come and ``SIGKILL``s the
child at the deadline, ending in one line that names the limit (exit 2). A killed child cannot
remove the temporary file of a write it was in the middle of: the one writer (``infgrad.atomic``)
names each temporary file on a third pipe before creating it, and the parent removes those still
there once the child is gone. :func:`call_bounded` runs a function the same way and returns its
value (the Python API's ``counterexample``).

Why ``fork`` and not a freshly spawned interpreter: the child starts with everything the parent
has already imported and set up (a spawned one pays about a second of imports on every command),
and the command behaves exactly as it would in-process. The fork happens before the command has
started any thread of its own.
"""

from __future__ import annotations

import faulthandler
import io
import os
import pickle
import resource
import selectors
import signal
import sys
import time
import warnings
from typing import Any, Callable, TextIO

from infgrad.errors import BadInput, InfgradError
from infgrad.models.memory import proc_bytes


class LimitExceeded(BadInput):
    """The child ran past its wall-clock limit or died at its memory limit (exit 2, one line)."""


def _mapped_bytes() -> int:
    """The address space this process maps now (``VmSize``), or 0 where /proc is absent."""
    return proc_bytes("/proc/self/status", "VmSize") or 0


def _die_with_parent() -> None:
    """Linux: the kernel sends the child SIGKILL when the parent dies (a killed parent leaves no
    unbounded orphan behind); elsewhere nothing."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)   # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass


def _child(work: Callable[[], int], memory: int, out_w: int, err_w: int, journal_w: int) -> None:
    """In the child: cap the address space, send stdout/stderr down the pipes, run, never return."""
    code = 1
    try:
        faulthandler.disable()   # a crash is reported by the parent in one line, not as a stack dump
        _die_with_parent()
        from infgrad import atomic

        atomic.TEMP_JOURNAL = journal_w
        soft = _mapped_bytes() + memory
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        if hard == resource.RLIM_INFINITY or soft < hard:
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        sys.stdout, sys.stderr = (io.TextIOWrapper(io.FileIO(fd, "w"), encoding="utf-8", errors="replace",
                                                   line_buffering=True) for fd in (out_w, err_w))   # the pipes
        code = int(work())
    except KeyboardInterrupt:   # Ctrl-C reaches the child too: the command line's answer, 130
        sys.stderr.write("infgrad: interrupted\n")
        code = 130
    except InfgradError as exc:   # what the command line would answer in one line
        sys.stderr.write(f"infgrad: error: {' '.join(str(exc).split())}\n")
        code = exc.exit_code
    except MemoryError:   # the address-space cap reached by any step that does not answer it itself
        sys.stderr.write(f"infgrad: error: out of memory: the work needs more than its cap of {memory} bytes "
                         "(raise --max-memory)\n")
        code = 2
    except BaseException:  # noqa: BLE001 - the child must never return into the parent's code
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _relay(fds: dict[int, TextIO | bytearray], pid: int, deadline: float) -> bool:
    """Copy the child's output to ``fds``' streams (a bytearray collects its pipe's bytes as they are)
    until every pipe closes; False at the deadline."""
    sel = selectors.DefaultSelector()
    pending = {fd: b"" for fd in fds}
    for fd in fds:
        sel.register(fd, selectors.EVENT_READ)
    interrupted = False
    try:
        while sel.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            try:
                ready = sel.select(timeout=min(left, 1.0))
            except KeyboardInterrupt:   # Ctrl-C: the child (same process group) has it too; make sure
                if interrupted:         # a second Ctrl-C stops it at once
                    os.kill(pid, signal.SIGKILL)
                else:
                    os.kill(pid, signal.SIGINT)
                interrupted = True
                continue
            for key, _ in ready:
                chunk = os.read(key.fd, 65536)
                sink = fds[key.fd]
                if isinstance(sink, bytearray):
                    sink.extend(chunk)
                    if not chunk:
                        sel.unregister(key.fd)
                    continue
                if not chunk:
                    sel.unregister(key.fd)
                    chunk, pending[key.fd] = pending[key.fd], b""
                    if chunk:
                        fds[key.fd].write(chunk.decode("utf-8", "replace"))
                    continue
                text, _, rest = (pending[key.fd] + chunk).rpartition(b"\n")
                pending[key.fd] = rest
                if text:
                    fds[key.fd].write(text.decode("utf-8", "replace") + "\n")
                    fds[key.fd].flush()
        return True
    finally:
        sel.close()


def run_bounded(work: Callable[[], int], *, seconds: float, memory: int, what: str, hint: str) -> int:
    """Run ``work()`` (which returns an exit code; an ``InfgradError`` or Ctrl-C it raises is answered
    in the child as the command line would: one line, its exit code or 130) in a forked child
    whose address space may grow by ``memory`` bytes; return its exit code. Past ``seconds`` of
    wall clock the child is killed and :class:`LimitExceeded` names ``what``, the limit and
    ``hint`` (where the limit is set, what to do)."""
    return _bounded(work, None, seconds, memory, what, hint)


def call_bounded(fn: Callable[[], Any], *, seconds: float, memory: int, what: str, hint: str) -> Any:
    """``fn()``'s value, computed in a child bounded as by :func:`run_bounded` and sent back pickled
    (from this very process's fork, so nothing foreign is unpickled); an exception ``fn`` raises,
    Ctrl-C included, is raised here."""
    result = bytearray()

    def work(result_w: int) -> int:
        try:
            answer: tuple[str, Any] = ("value", fn())
        except BaseException as exc:  # noqa: BLE001 - raised again in the parent
            answer = ("raise", exc)
        try:
            data = pickle.dumps(answer)
        except Exception as exc:  # noqa: BLE001 - an unpicklable value or exception
            data = pickle.dumps(("raise", RuntimeError(f"{what}: {type(exc).__name__}: {exc}")))
        view = memoryview(data)
        while view:   # a pipe, read by the parent as it fills
            view = view[os.write(result_w, view):]
        return 0

    code = _bounded(work, result, seconds, memory, what, hint)
    if not result:
        raise RuntimeError(f"{what}: the work ended with exit code {code} and no result")
    kind, value = pickle.loads(bytes(result))
    if kind == "raise":
        raise value
    return value


def _bounded(work: Callable[..., int], result: bytearray | None, seconds: float, memory: int, what: str,
             hint: str) -> int:
    """The child's life (see :func:`run_bounded`); ``result`` given: ``work`` gets a pipe's write end
    whose bytes land there."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    journal_r, journal_w = os.pipe()
    result_r, result_w = os.pipe() if result is not None else (-1, -1)
    sys.stdout.flush()
    sys.stderr.flush()
    # Python >= 3.12 warns that fork() may deadlock when other threads exist (a test process's torch
    # pool); the child runs none of their code, only the command, so the warning is silenced here
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", r".*fork\(\) may lead to deadlocks", DeprecationWarning)
        pid = os.fork()
    if pid == 0:   # pragma: no cover - runs in the child, which never returns
        for fd in (out_r, err_r, journal_r, result_r):
            if fd >= 0:
                os.close(fd)
        _child(work if result is None else lambda: work(result_w), memory, out_w, err_w, journal_w)
    for fd in (out_w, err_w, journal_w, result_w):
        if fd >= 0:
            os.close(fd)
    journal = bytearray()
    fds: dict[int, TextIO | bytearray] = {out_r: sys.stdout, err_r: sys.stderr, journal_r: journal}
    if result is not None:
        fds[result_r] = result
    finished = False
    try:
        finished = _relay(fds, pid, time.monotonic() + seconds)
    finally:
        for fd in fds:
            os.close(fd)
        if not finished:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        _remove_temporaries(journal)
    if not finished:
        raise LimitExceeded(f"{what}: the work ran past its wall-clock limit of {seconds:g} s and was stopped; {hint}")
    if os.WIFSIGNALED(status):
        name = signal.Signals(os.WTERMSIG(status)).name
        raise LimitExceeded(f"{what}: the work died from {name} under its memory limit of {memory / 2**30:.1f} GiB "
                            f"(RLIMIT_AS, above what the process held); {hint}")
    return os.WEXITSTATUS(status)


def _remove_temporaries(journal: bytearray) -> None:
    """Remove each temporary file the child named (``infgrad.atomic.TEMP_JOURNAL``) that is still a
    regular file: one a killed child was writing. A finished write has renamed its file away."""
    import stat

    for line in bytes(journal).decode("utf-8", "surrogateescape").splitlines():
        try:
            if stat.S_ISREG(os.lstat(line).st_mode):
                os.unlink(line)
        except OSError:
            pass


def time_limit(command: Any, args: list[str], parent: Any = None) -> float:
    """``command``'s ``--time-limit`` in ``args``, checked against its table row, or its default: read
    by click's own option parser with no value converted (the formulas are parsed in the child, under
    the limit). Bad usage is left to the child's full parse, which reports it. ``parent`` is the
    group's context: click caches a command's help option at its first parser, so a parser built
    without the group's settings would leave the command with ``--help`` alone (no ``-h``)."""
    import click

    param = next(p for p in command.params if p.name == "time_limit")
    ctx = click.Context(command, info_name=command.name, parent=parent)
    try:
        opts, _, _ = command.make_parser(ctx).parse_args(args=list(args))
    except click.ClickException:
        opts = {}
    raw = opts.get("time_limit")
    return float(param.default if raw is None else param.type.convert(raw, param, None))
