"""The Python API keeps the command line's rule: ``report`` and ``sweep`` each want their own
folder (both write ``results.json``); ``infgrad.report`` into a sweep's folder replaced its table."""

from __future__ import annotations

import pytest

import infgrad
from infgrad.errors import BadInput
from infgrad.proofs_check.sweep.grid import parse_grid
from infgrad.proofs_check.sweep.run import run_sweep


def test_the_api_report_refuses_a_sweeps_folder_and_leaves_it_alone(tmp_path):
    (tmp_path / "grid.json").write_text("{}")
    (tmp_path / "results.json").write_text('{"theirs": true}')
    with pytest.raises(BadInput, match="holds the output of infgrad sweep"):
        infgrad.report(tmp_path, claims=["T2"])
    assert (tmp_path / "results.json").read_text() == '{"theirs": true}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grid.json", "results.json"]


def test_run_sweep_refuses_a_reports_folder_before_writing(tmp_path):
    (tmp_path / "report.md").write_text("theirs")
    with pytest.raises(BadInput, match="holds the output of infgrad report"):
        run_sweep(parse_grid(["beta=1", "d=5", "r=2", "kappa=2", "n=50", "steps=2"], "0"), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]
