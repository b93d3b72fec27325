"""The one error line stays short whatever the input: a 100 000-character argument was echoed
whole (a 100 kB line), burying the reason. The middle of a long message is left out, its start
and end (the value's head, the allowed values) kept."""

from __future__ import annotations

import pytest

from infgrad.proofs_check.cli import main
from infgrad.proofs_check.cli.app import MAX_MESSAGE

from bounded_support import one_error_line

LONG = "x" * 100_000


@pytest.mark.parametrize("args,tail", [
    (["verify", "--claim", "T1" * 50_000], "known ids are T1 ... T18"),
    (["experiment", LONG], "choose one of sparsity"),
    (["sweep", "--grid", LONG + "=1", "--out", "sw"], "eval_samples, mmd_samples"),
    (["--bogus" + LONG], ""),
])
def test_a_huge_argument_gives_a_short_error_line(tmp_path, monkeypatch, capsys, args, tail):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    line = one_error_line(capsys)
    assert len(line) <= len("infgrad: error: ") + MAX_MESSAGE
    assert "characters left out" in line
    assert line.rstrip().endswith(tail) or tail in line[-400:]


def test_a_message_under_the_limit_is_whole(capsys):
    assert main(["verify", "--claim", "T99"]) == 2
    assert one_error_line(capsys) == "infgrad: error: unknown claim id 'T99'; known ids are T1 ... T18"


@pytest.mark.parametrize("args,path", [([], "infgrad"), (["certificate"], "infgrad certificate")])
def test_a_group_without_its_command_shows_its_help_then_one_error_line(capsys, args, path):
    """The whole help was flattened into the one error line ("infgrad: error: Usage: infgrad
    [OPTIONS] ... Commands: certificate ..."), 1500 characters of run-on text."""
    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.out.startswith(f"Usage: {path} [OPTIONS] COMMAND") and "Commands:" in captured.out
    assert captured.err.splitlines() == [f"infgrad: error: {path} needs a command (listed above)"]
