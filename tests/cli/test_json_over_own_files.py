"""``--json`` naming a file the same command writes elsewhere: ``train --checkpoint ck --json
ck/checkpoint.pt`` replaced the checkpoint with the JSON at the end, so ``--resume`` then failed
("corrupt ... UnpicklingError"); ``experiment --json OUT/data/experiment_NAME.json`` replaced the
raw runs the figures are drawn from. Each is refused in one line before any work."""

from __future__ import annotations

import pytest

from infgrad.proofs_check.cli import main

from bounded_support import one_error_line

TINY = ["--d", "4", "--r", "2", "--n", "40", "--kappa", "2", "--hidden", "4", "--steps", "2", "--batch-size", "8",
        "--log-every", "1", "--eval-samples", "8", "--mmd-samples", "8", "--quiet", "--device", "cpu"]


@pytest.mark.parametrize("args", [
    ["train", *TINY, "--checkpoint", "ck", "--json", "ck/checkpoint.pt"],
    ["train", *TINY, "--checkpoint", "ck", "--json", "./ck/../ck/checkpoint.pt"],
    ["train", *TINY, "--seeds", "0-1", "--checkpoint", "ck", "--json", "ck/checkpoint.pt"],
    ["experiment", "linear", "--out", "exp", "--json", "exp/data/experiment_linear.json"],
    ["report", "--claim", "T2", "--out", "r", "--json", "r/claims/T2.json"],
    ["report", "--claim", "T2", "--out", "r", "--json", "r/report.md"],
])
def test_json_over_a_file_the_command_writes_is_refused(tmp_path, monkeypatch, capsys, args):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    assert "which this command also writes" in one_error_line(capsys)
    assert list(tmp_path.iterdir()) == []


def test_json_beside_the_checkpoint_is_fine(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["train", *TINY, "--checkpoint", "ck", "--json", "ck/run.json"]) == 0
    assert main(["train", *TINY, "--checkpoint", "ck", "--resume", "--json", "ck/run.json"]) == 0
