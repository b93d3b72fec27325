"""A hard wall-clock and memory limit on a whole command: its work runs in a child process.

The symbolic work on a user formula (sympy, and python-flint's compiled ball arithmetic) can run
for minutes inside compiled code that no in-process timer interrupts: a nested formula once ran
for over 20 minutes at 3.4 GB past a 5 s ``SIGALRM`` limit. So :func:`run_bounded` forks: the
child caps its address space (``RLIMIT_AS``: what it already maps plus ``memory`` bytes) and runs
the command; the parent relays the child's stdout and stderr as they come and ``SIGKILL``s the
child at the deadline, ending in one line that names the limit (exit 2).

Why ``fork`` and not a freshly spawned interpreter: the child starts with everything the parent
has already imported and set up (a spawned one pays about a second of imports on every command),
and the command behaves exactly as it would in-process. The fork happens before the command has
started any thread of its own.
"""

from __future__ import annotations

import faulthandler
import io
import os
import resource
import selectors
import signal
import sys
import time
import warnings
from typing import Callable, TextIO

from infgrad.errors import BadInput, InfgradError


class LimitExceeded(BadInput):
    """The child ran past its wall-clock limit or died at its memory limit (exit 2, one line)."""


def _mapped_bytes() -> int:
    """The address space this process maps now (``VmSize``), or 0 where /proc is absent."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _die_with_parent() -> None:
    """Linux: the kernel sends the child SIGKILL when the parent dies (a killed parent leaves no
    unbounded orphan behind); elsewhere nothing."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)   # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass


def _child(work: Callable[[], int], memory: int, out_w: int, err_w: int) -> None:
    """In the child: cap the address space, send stdout/stderr down the pipes, run, never return."""
    code = 1
    try:
        faulthandler.disable()   # a crash is reported by the parent in one line, not as a stack dump
        _die_with_parent()
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
    except BaseException:  # noqa: BLE001 - the child must never return into the parent's code
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _relay(fds: dict[int, TextIO], pid: int, deadline: float) -> bool:
    """Copy the child's output to ``fds``' streams until both pipes close; False at the deadline."""
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
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    # Python >= 3.12 warns that fork() may deadlock when other threads exist (a test process's torch
    # pool); the child runs none of their code, only the command, so the warning is silenced here
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", r".*fork\(\) may lead to deadlocks", DeprecationWarning)
        pid = os.fork()
    if pid == 0:   # pragma: no cover - runs in the child, which never returns
        os.close(out_r)
        os.close(err_r)
        _child(work, memory, out_w, err_w)
    os.close(out_w)
    os.close(err_w)
    finished = False
    try:
        finished = _relay({out_r: sys.stdout, err_r: sys.stderr}, pid, time.monotonic() + seconds)
    finally:
        os.close(out_r)
        os.close(err_r)
        if not finished:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    if not finished:
        raise LimitExceeded(f"{what}: the work ran past its wall-clock limit of {seconds:g} s and was stopped; {hint}")
    if os.WIFSIGNALED(status):
        name = signal.Signals(os.WTERMSIG(status)).name
        raise LimitExceeded(f"{what}: the work died from {name} under its memory limit of {memory / 2**30:.1f} GiB "
                            f"(RLIMIT_AS, above what the process held); {hint}")
    return os.WEXITSTATUS(status)
