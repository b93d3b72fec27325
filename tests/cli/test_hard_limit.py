"""The hard limit on a command's work on user formulas (``proofs_check.bounded``): the work runs
in a forked child that is killed at the wall-clock limit and whose address space is capped, so
compiled code (sympy's or python-flint's) that no in-process timer interrupts cannot run on.

Each test has a hang guard (a bound far above the limit), never a timed assertion."""

from __future__ import annotations

import os
import signal
import time

import pytest

from infgrad.proofs_check.cli import main
from infgrad.proofs_check.bounded import run_bounded

from bounded_support import HANG_GUARD_S, T4, one_error_line


def test_work_stuck_in_compiled_code_is_killed_at_the_limit(capsys, stuck_build, no_child_left):
    """``sum`` over a huge range is one C call that never looks at signals: the old in-process
    SIGALRM budget could not stop it (the command ran on); the child is killed instead."""
    start = time.monotonic()
    assert main([*T4, "--time-limit", "1"]) == 2
    assert time.monotonic() - start < HANG_GUARD_S
    line = one_error_line(capsys)
    assert "wall-clock limit of 1 s" in line and "raise --time-limit" in line
    assert no_child_left()


def test_the_nested_formula_is_refused_within_the_limit_in_one_line(capsys, monkeypatch):
    """38 nested sin (under the depth limit of 40) once ran past its limit inside compiled code."""
    nested = "sin(" * 38 + "u" + ")" * 38
    start = time.monotonic()
    assert main(["counterexample", "--h", nested, *T4[3:], "--time-limit=0.05"]) == 2
    assert time.monotonic() - start < HANG_GUARD_S
    assert "wall-clock limit of 0.05 s" in one_error_line(capsys)


def test_memory_beyond_the_cap_is_refused_in_one_line(capsys, monkeypatch, build_module):
    from infgrad.models import memory

    def greedy(*a, **k):
        return bytearray(2**32)   # 4 GiB against a cap of 256 MiB

    monkeypatch.setattr(memory, "default_limit", lambda: 2**28)
    monkeypatch.setattr(build_module, "build", greedy)
    assert main(T4) == 2
    assert "out of memory" in one_error_line(capsys)


def test_a_child_killed_by_a_signal_is_one_line_naming_it(capsys, monkeypatch, build_module):
    monkeypatch.setattr(build_module, "build", lambda *a, **k: os.kill(os.getpid(), signal.SIGSEGV))
    assert main(T4) == 2
    line = one_error_line(capsys)
    assert "SIGSEGV" in line and "memory limit" in line


def test_the_child_output_comes_through_in_order_and_its_exit_code_is_returned(capsys):
    def work() -> int:
        for i in range(3):
            print(f"line {i}")
        print("partial", end="")
        return 5

    assert run_bounded(work, seconds=HANG_GUARD_S, memory=2**30, what="w", hint="h") == 5
    assert capsys.readouterr().out == "line 0\nline 1\nline 2\npartial"


def test_an_ordinary_formula_runs_as_before(capsys):
    assert main(T4) in (0, 1)
    assert "kernel check:" in capsys.readouterr().out


def test_a_killed_parent_leaves_no_child_running(tmp_path):
    """Without PR_SET_PDEATHSIG the child ran on, unbounded, after its parent was killed."""
    import subprocess
    import sys

    script = ("import os, sys\nfrom infgrad.proofs_check.bounded import run_bounded\n"
              "def work():\n    print(os.getpid(), flush=True)\n    return sum(range(10**15))\n"
              "run_bounded(work, seconds=600, memory=2**30, what='w', hint='h')\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    child = int(proc.stdout.readline())
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + HANG_GUARD_S   # a hang guard, not a timing
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        try:
            with open(f"/proc/{child}/stat") as fh:
                if fh.read().split(")")[-1].split()[0] == "Z":   # a zombie awaiting init's reaping: dead
                    return
        except FileNotFoundError:
            return
        time.sleep(0.05)
    pytest.fail(f"the child {child} still runs after its parent was killed")


def test_a_closed_standard_output_is_one_line_and_no_child_left(capsys, monkeypatch, no_child_left):
    """``infgrad counterexample ... | head -0``: the relay's write fails; it was a traceback."""
    import sys

    class Closed:
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            pass

    monkeypatch.setattr(sys, "stdout", Closed())
    assert main(T4) == 2
    assert "Broken pipe" in one_error_line(capsys)
    assert no_child_left()


def test_ctrl_c_in_the_child_work_is_130_in_one_line(capsys):
    """``certificate check`` runs its kernel through run_bounded: Ctrl-C there was a traceback, exit 1."""
    def work() -> int:
        raise KeyboardInterrupt

    assert run_bounded(work, seconds=HANG_GUARD_S, memory=2**30, what="w", hint="h") == 130
    assert capsys.readouterr().err.strip().splitlines() == ["infgrad: interrupted"]


def test_bad_input_raised_in_the_child_work_is_one_line_and_its_exit_code(capsys):
    from infgrad.errors import BadInput

    def work() -> int:
        raise BadInput("no such\nthing")

    assert run_bounded(work, seconds=HANG_GUARD_S, memory=2**30, what="w", hint="h") == 2
    assert capsys.readouterr().err.strip().splitlines() == ["infgrad: error: no such thing"]
