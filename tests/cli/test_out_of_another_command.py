"""``--out`` naming the folder of another command: ``infgrad sweep`` and ``infgrad report`` both
write ``OUT/results.json``, so either one run into the other's folder replaced the other's results
(report.md then described a results.json that held a sweep's table). Each now refuses, in one
line, before any work, and the folder is left as it was."""

from __future__ import annotations

import pytest

from infgrad.proofs_check.cli import main

from bounded_support import one_error_line

SWEEP = ["sweep", "--grid", "d=4", "--grid", "r=2", "--grid", "n=40", "--grid", "hidden=4", "--grid", "steps=2",
         "--grid", "log_every=1", "--grid", "batch_size=8", "--grid", "eval_samples=8", "--grid", "mmd_samples=8",
         "--quiet", "--out"]
REPORT = ["report", "--claim", "T2", "--quiet", "--out"]


@pytest.mark.parametrize("command,mark,other", [
    (SWEEP, "report.md", "report"),
    (SWEEP, "report.html", "report"),
    (REPORT, "grid.json", "sweep"),
])
def test_a_folder_of_the_other_command_is_refused_and_left_alone(tmp_path, capsys, command, mark, other):
    out = tmp_path / "out"
    out.mkdir()
    (out / mark).write_text("theirs")
    (out / "results.json").write_text('{"theirs": true}')
    before = sorted(p.name for p in out.rglob("*"))
    assert main([*command, str(out)]) == 2
    assert f"holds the output of infgrad {other}" in one_error_line(capsys)
    assert (out / "results.json").read_text() == '{"theirs": true}'
    assert sorted(p.name for p in out.rglob("*")) == before


def test_a_command_may_write_into_its_own_folder_again(tmp_path, capsys):
    out = tmp_path / "sw"
    assert main([*SWEEP, str(out)]) == 0
    assert main([*SWEEP, str(out)]) == 0      # the finished cell is reused
    assert "reused 1" in capsys.readouterr().out
