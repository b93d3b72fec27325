"""``proofs_check.bounded``: a MemoryError raised by any work in the bounded child (not only the
steps that catch it themselves) is the contract's one line and exit 2, not a traceback and exit 1."""

from __future__ import annotations

from infgrad.proofs_check.bounded import run_bounded


def test_a_memory_error_in_the_child_is_one_line_and_exit_2(capfd):
    def greedy() -> int:
        raise MemoryError()

    assert run_bounded(greedy, seconds=60, memory=2**30, what="the work", hint="raise --max-memory") == 2
    err = [line for line in capfd.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and err[0].startswith("infgrad: error: ") and "memory" in err[0]
    assert "Traceback" not in err[0]
