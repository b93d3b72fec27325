"""``counterexample --time-limit`` (default 120 s, as ``certificate check --time-limit``), the Python
API's counterexample under the same hard limit, and no temporary file left by a child killed in the
middle of ``--json``. Each wait has a hang guard far above its limit, never a timed assertion."""

from __future__ import annotations

import inspect
import os
import signal
import time

import pytest

import infgrad
from infgrad import atomic
from infgrad.errors import BadInput, HypothesisNotMet
from infgrad.proofs_check.bounded import LimitExceeded, run_bounded
from infgrad.proofs_check.cli import main
from infgrad.proofs_check.cli.theorem4 import COUNTEREXAMPLE_SECONDS, counterexample

from bounded_support import HANG_GUARD_S, T4, one_error_line


def test_the_default_is_120_s_on_the_command_line_and_in_the_api():
    default = next(p.default for p in counterexample.params if p.name == "time_limit")
    assert default == COUNTEREXAMPLE_SECONDS == 120.0
    assert inspect.signature(infgrad.counterexample).parameters["time_limit"].default == 120.0


@pytest.mark.parametrize("flag", [["--time-limit", "1.5"], ["--time-limit=1.5"]])
def test_the_time_limit_given_stops_a_stuck_build_in_one_line_naming_it(capsys, stuck_build, flag, no_child_left):
    start = time.monotonic()
    assert main([*T4, *flag]) == 2
    assert time.monotonic() - start < HANG_GUARD_S
    line = one_error_line(capsys)
    assert "wall-clock limit of 1.5 s" in line and "raise --time-limit" in line
    assert no_child_left()


@pytest.mark.parametrize("value", ["0", "-1", "nan", "abc", "1e9"])
def test_a_bad_time_limit_is_one_line_before_any_work(capsys, stuck_build, value):
    assert main([*T4, "--time-limit", value]) == 2
    assert one_error_line(capsys).startswith("infgrad: error: --time-limit must be a finite number in (0, 86400]")


def test_a_json_path_named_like_the_option_is_not_read_as_the_limit(capsys, stuck_build, tmp_path, monkeypatch):
    """click's own parser reads the limit: ``--json --time-limit`` names a file, the limit comes after."""
    monkeypatch.chdir(tmp_path)
    assert main([*T4, "--json", "--time-limit", "--time-limit", "1"]) == 2
    assert "wall-clock limit of 1 s" in one_error_line(capsys)


def test_the_api_stops_a_stuck_build_at_its_time_limit(stuck_build, no_child_left):
    start = time.monotonic()
    with pytest.raises(LimitExceeded, match=r"wall-clock limit of 1 s.*raise time_limit"):
        infgrad.counterexample("atan(3*u)", d=6, kappa=4, r=2, time_limit=1)
    assert time.monotonic() - start < HANG_GUARD_S
    assert issubclass(LimitExceeded, BadInput) and no_child_left()


def test_the_api_returns_the_childs_certificate_and_raises_its_errors():
    cert, notes = infgrad.counterexample("atan(3*u)", d=6, kappa=4, r=2)
    assert infgrad.check_certificate(cert).ok and isinstance(notes, dict)
    with pytest.raises(HypothesisNotMet, match="h\\(0\\)"):
        infgrad.counterexample("log(u)", d=6, kappa=4, r=2)
    with pytest.raises(ValueError, match="time-limit"):
        infgrad.counterexample("atan(u)", d=6, kappa=4, r=2, time_limit=0)


def test_a_child_killed_in_the_middle_of_json_leaves_no_temporary_file(capsys, tmp_path, monkeypatch):
    """The child dies (SIGKILL) after the temporary file is written and before its rename: the
    parent removes it. Before, ``.cert.json.<hex>.tmp`` stayed in the output folder."""
    out, marker = tmp_path / "out", tmp_path / "reached"
    out.mkdir()

    def die(fd):
        if os.getpid() != parent:       # in the child only: the temporary file exists now
            marker.write_text(str(sorted(p.name for p in out.iterdir())))
            os.kill(os.getpid(), signal.SIGKILL)

    parent = os.getpid()
    monkeypatch.setattr(atomic.os, "fsync", die)
    assert main([*T4, "--json", str(out / "cert.json")]) == 2
    assert "died from SIGKILL" in one_error_line(capsys)
    assert ".tmp" in marker.read_text()          # the kill did come in the middle of the write
    assert list(out.iterdir()) == []


def test_a_child_stopped_at_the_deadline_in_the_middle_of_a_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    out, marker = tmp_path / "out", tmp_path / "reached"
    out.mkdir()

    def stuck(fd):
        if os.getpid() != parent:
            marker.write_text("in the write")
            sum(range(10**15))

    parent = os.getpid()
    monkeypatch.setattr(atomic.os, "fsync", stuck)
    start = time.monotonic()
    with pytest.raises(LimitExceeded, match="wall-clock limit of 1 s"):
        run_bounded(lambda: atomic.write_json(out / "x.json", {"a": 1}) and 0, seconds=1, memory=2**30,
                    what="w", hint="h")
    assert time.monotonic() - start < HANG_GUARD_S
    assert marker.read_text() == "in the write" and list(out.iterdir()) == []


def test_call_bounded_returns_a_value_larger_than_a_pipe_and_raises_an_unpicklable_error_as_one(no_child_left):
    from infgrad.proofs_check.bounded import call_bounded

    big = call_bounded(lambda: bytes(range(256)) * 4096, seconds=HANG_GUARD_S, memory=2**30, what="w", hint="h")
    assert big == bytes(range(256)) * 4096        # 1 MiB through a 64 KiB pipe

    class Local(Exception):   # a local class does not pickle
        pass

    def fails():
        raise Local("inner")

    with pytest.raises(RuntimeError, match="w: .*Local"):
        call_bounded(fails, seconds=HANG_GUARD_S, memory=2**30, what="w", hint="h")
    assert no_child_left()


def test_reading_the_limit_keeps_the_short_help_option(capsys):
    """Reading --time-limit before the child starts must not strip the command's ``-h``: click caches a
    command's help option at its first parser, and a parser built without the group's settings left
    ``counterexample -h`` an unknown option (exit 2) and docs/cli.md's section short of ``-h``."""
    from infgrad.proofs_check.bounded import time_limit
    from infgrad.proofs_check.cli.app import _group_context, cli

    command = cli.commands["counterexample"]
    assert time_limit(command, ["--time-limit", "7"], _group_context()) == 7.0
    assert main(["counterexample", "-h"]) == 0
    assert "Usage: infgrad counterexample" in capsys.readouterr().out
