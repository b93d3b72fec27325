"""Shared by the tests of the hard limit on a command's work (``proofs_check.bounded``) and of the
one-line error contract: the Theorem 4 command they run, the hang guard, the error-line check and
this process's children (read from /proc)."""

from __future__ import annotations

import os

T4 = ["counterexample", "--h", "atan(3*u)", "--d", "6", "--kappa", "4", "--r", "2"]
HANG_GUARD_S = 120   # a bound far above any limit a test sets: a hang guard, never a timed assertion


def one_error_line(capsys) -> str:
    """The one stderr line of a refused command: ``infgrad: error: ...``, no traceback."""
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("infgrad: error: ") and "Traceback" not in err[0], err
    return err[0]


def children() -> set[int]:
    """This process's live children (a zombie not yet reaped counts): read from /proc."""
    found: set[int] = set()
    for path in os.scandir("/proc"):
        if path.name.isdigit():
            try:
                with open(f"/proc/{path.name}/stat") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == os.getpid():
                        found.add(int(path.name))
            except (OSError, ValueError, IndexError):
                pass
    return found
