"""``-`` as an output path: standard output where the command writes its JSON there (verify,
experiment, report), a one-line refusal everywhere else, never a file named ``-``."""

from __future__ import annotations

import json

import pytest

from infgrad.proofs_check.cli import main

from bounded_support import one_error_line

TINY = ["--d", "4", "--r", "2", "--n", "30", "--kappa", "2", "--hidden", "4", "--steps", "4", "--batch-size", "8",
        "--log-every", "2", "--quiet", "--device", "cpu"]


@pytest.mark.parametrize("args,needs", [
    (["train", *TINY, "--json", "-"], "a file name"),            # wrote a file named '-' before
    (["train", *TINY, "--checkpoint", "-"], "a directory"),       # made a folder named '-' before
    (["experiment", "linear", "--out", "-"], "a directory"),
    (["sweep", "--out", "-"], "a directory"),
    (["counterexample", "--h", "u", "--d", "6", "--kappa", "4", "--r", "2", "--plot", "-"], "a file name"),
    (["counterexample", "--h", "u", "--d", "6", "--kappa", "4", "--r", "2", "--json", "-"], "a file name"),
    (["counterexample", "--h", "u", "--d", "6", "--kappa", "4", "--r", "2", "--report", "-"], "a file name"),
])
def test_a_dash_where_no_standard_output_is_written_is_refused_in_one_line(tmp_path, monkeypatch, capsys, args, needs):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    assert f"needs {needs}; '-' (standard output) is not accepted here" in one_error_line(capsys)
    assert list(tmp_path.iterdir()) == []


def test_a_dash_for_verify_json_is_standard_output(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["verify", "--claim", "T3", "--json", "-"]) in (0, 1)
    doc = json.loads(capsys.readouterr().out)
    assert [c["claim"] for c in doc["claims"]] == ["T3"]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("flag", ["--json", "--report"])
@pytest.mark.parametrize("where,why", [("", "{flag} '': an empty path; name a file"),
                                       ("/dev/full", "cannot write /dev/full ({flag}): it is not a regular file")])
def test_counterexample_outputs_are_checked_before_the_build(tmp_path, monkeypatch, capsys, flag, where, why):
    """--json '' was taken as no --json (exit 0, nothing written); /dev/full was found only after the build."""
    monkeypatch.chdir(tmp_path)
    assert main(["counterexample", "--h", "u", "--d", "6", "--kappa", "4", "--r", "2", flag, where]) == 2
    line = one_error_line(capsys)
    assert line == "infgrad: error: " + why.format(flag=flag)
    assert capsys.readouterr().out == ""   # refused before the build printed its summary
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", [
    ["report", "--claim", "T2", "--out", ""],
    ["sweep", "--grid", "steps=0", "--out", ""],
    ["train", "--steps", "0", "--checkpoint", ""],
    ["experiment", "linear", "--out", ""],
    ["figures", "--out", ""],
])
def test_an_empty_output_folder_is_refused_not_taken_as_the_working_directory(tmp_path, monkeypatch, capsys, args):
    """--out "" (an unset shell variable) wrote the whole report into the working directory."""
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    assert "an empty path" in one_error_line(capsys)
    assert list(tmp_path.iterdir()) == []
