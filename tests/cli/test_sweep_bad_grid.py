"""``infgrad sweep``'s grid from hostile input: a grid file that is binary, nested without end or
huge, and a grid whose product of values is astronomically large. Each is one line, exit 2,
before any work and in bounded time; never a traceback."""

from __future__ import annotations

import pytest

from infgrad.proofs_check.cli import main

from bounded_support import one_error_line


@pytest.mark.parametrize("content,why", [
    (bytes(range(256)) * 4, "not UTF-8 text"),                       # a UnicodeDecodeError traceback, exit 1
    (b"[grid]\na = " + b"[" * 5000 + b"]" * 5000 + b"\n", "nested deeper than"),   # a RecursionError traceback
    (b"[grid]\nhidden = " + b"[" * 100 + b"1" + b"]" * 100 + b"\n", "nested deeper than"),
    (b"seeds = [\n", "not valid TOML"),
], ids=["binary", "deep-array", "deep-widths", "unclosed"])
def test_an_unreadable_grid_file_is_one_line(tmp_path, monkeypatch, capsys, content, why):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "grid.toml").write_bytes(content)
    assert main(["sweep", "--config", "grid.toml", "--out", "sw"]) == 2
    assert why in one_error_line(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grid.toml"]


def test_a_grid_file_above_the_size_limit_is_refused_unread(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with open(tmp_path / "grid.toml", "wb") as fh:   # sparse: reading it whole would take 10 GiB
        fh.truncate(10 * 2**30)
    assert main(["sweep", "--config", "grid.toml", "--out", "sw"]) == 2
    assert "above the" in one_error_line(capsys)


def _many(n: int) -> str:
    return ",".join(str(i + 1) for i in range(n))


@pytest.mark.parametrize("how", ["toml", "options"])
def test_a_grid_of_millions_of_cells_is_refused_before_any_is_built(tmp_path, monkeypatch, capsys, how):
    """1999 x 2000 cells: the sweep built and checked 4 million configs (still going after 90 s)."""
    monkeypatch.chdir(tmp_path)
    if how == "toml":
        (tmp_path / "grid.toml").write_text(f"[grid]\nkappa = [{_many(1999)}]\nbeta = [{_many(2000)}]\n")
        args = ["--config", "grid.toml"]
    else:
        args = ["--grid", f"kappa={_many(1999)}", "--grid", f"beta={_many(2000)}"]
    assert main(["sweep", *args, "--out", "sw"]) == 2
    assert "3998000 cells" in one_error_line(capsys)


@pytest.mark.parametrize("seeds", ["5", "5.5", "true"])
def test_grid_file_seeds_of_the_wrong_type_are_one_line(tmp_path, monkeypatch, capsys, seeds):
    """seeds = 5 ended in "TypeError: 'int' object is not iterable" (a traceback, exit 1)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "grid.toml").write_text(f"seeds = {seeds}\n[grid]\nsteps = 1\n")
    assert main(["sweep", "--config", "grid.toml", "--out", "sw"]) == 2
    assert "seeds must be" in one_error_line(capsys)


@pytest.mark.parametrize("how", ["toml", "options"])
def test_unreadable_data_in_a_grid_is_refused_before_any_cell_runs(tmp_path, monkeypatch, capsys, how):
    """data = "idx:/dev/zero" ended in a DataError traceback from the worker (exit 1), after the
    other cells had trained."""
    monkeypatch.chdir(tmp_path)
    if how == "toml":
        (tmp_path / "grid.toml").write_text('[grid]\ndata = ["subspace", "idx:/dev/zero"]\nsteps = 0\n')
        args = ["--config", "grid.toml"]
    else:
        args = ["--grid", "data=subspace,idx:/dev/zero", "--grid", "steps=0"]
    assert main(["sweep", *args, "--out", "sw", "--quiet"]) == 2
    assert "/dev/zero is not a regular file" in one_error_line(capsys)
    assert not (tmp_path / "sw" / "cells").exists()


def test_a_grid_file_sweeps_learned_and_fixed_gamma_as_the_options_do(tmp_path):
    """gamma = ["learn", 0.1] was refused (--grid gamma=learn,0.1 is accepted)."""
    from infgrad.proofs_check.sweep.grid import load_toml, parse_grid

    (tmp_path / "grid.toml").write_text('[grid]\ngamma = ["learn", 0.1]\n')
    assert load_toml(tmp_path / "grid.toml").swept == parse_grid(["gamma=learn,0.1"], "0").swept == {"gamma": (None, 0.1)}


@pytest.mark.parametrize("source", [["--grid", "steps=0"], ["--config", "grid.toml"]])
def test_empty_seeds_are_refused_with_a_grid_file_or_options_alike(tmp_path, monkeypatch, capsys, source):
    """--seeds '' was refused with --config but taken as the default seed 0 with --grid."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "grid.toml").write_text("[grid]\nsteps = 0\n")
    assert main(["sweep", *source, "--seeds", "", "--out", "sw", "--quiet"]) == 2
    assert "--seeds must" in one_error_line(capsys)
    assert not (tmp_path / "sw").exists()
