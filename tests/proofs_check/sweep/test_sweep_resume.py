"""A 2 x 2 x 2 sweep (beta x kappa cells, 2 seeds each) on the local backend: the table, and a sweep
interrupted after some cells that resumes, trains only the rest and gives bit-identical rows."""

import json

import pytest

from infgrad.proofs_check.sweep import backends, run_sweep
from infgrad.proofs_check.sweep.cell import run_cell

from sweep_support import tiny_grid, without_time


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep-ref")
    return out, run_sweep(tiny_grid(), out, device="cpu")


def test_table_summary_and_plots(reference):
    out, outcome = reference
    assert len(outcome["ran"]) == 4 and outcome["reused"] == []
    rows = json.loads((out / "results.json").read_text())["rows"]
    assert rows == outcome["rows"] and len(rows) == 8
    assert [(r["beta"], r["kappa"], r["seed"]) for r in rows] == [
        (b, k, s) for b in (0.5, 2.0) for k in (2, 4) for s in (0, 1)]
    for r in rows:
        assert 0 < r["gamma"] < 10 and r["recon_error"] > 0 and 0 <= r["active_var"] <= r["kappa"]
        assert r["seconds"] > 0 and len(r["hash"]) == 16
    header = (out / "results.csv").read_text().splitlines()[0].split(",")
    assert header[:4] == ["hash", "beta", "kappa", "seed"] and "mmd" in header and "grad_norm_z" in header
    summary = json.loads((out / "summary.json").read_text())["rows"]
    gamma = [s for s in summary if s["metric"] == "gamma"]
    assert len(gamma) == 4
    for s, pair in zip(gamma, zip(rows[::2], rows[1::2])):
        vals = [p["gamma"] for p in pair]
        assert s["mean"] == pytest.approx(sum(vals) / 2)
        assert min(vals) <= s["ci_low"] <= s["mean"] <= s["ci_high"] <= max(vals)
    for field in ("beta", "kappa"):
        assert (out / f"plot_{field}.png").read_bytes()[:4] == b"\x89PNG"


def test_same_cells_as_training_alone(reference):
    """A stored cell holds what run_cell gives for it now (the engine is deterministic on the CPU)."""
    out, outcome = reference
    doc = json.loads(next((out / "cells").glob("*.json")).read_text())
    again = run_cell(doc["cell"])
    assert without_time(again["rows"]) == without_time(doc["rows"])


def test_interrupted_sweep_resumes_only_the_rest(reference, tmp_path, monkeypatch):
    _, ref = reference
    monkeypatch.setattr(backends, "usable_cores", lambda: 1)           # one process: the interrupt is ours
    calls = []

    def interrupted_after_two(cell, threads=1, checkpoint_dir=None):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(cell["hash"])
        return run_cell(cell, threads, checkpoint_dir)

    monkeypatch.setattr(backends, "run_cell", interrupted_after_two)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(tiny_grid(), tmp_path, device="cpu")
    assert sorted(p.stem for p in (tmp_path / "cells").glob("*.json")) == sorted(calls)
    assert not (tmp_path / "results.csv").exists()

    trained = []
    monkeypatch.setattr(backends, "run_cell", lambda cell, threads=1, ckpt=None: trained.append(cell["hash"]) or
                        run_cell(cell, threads, ckpt))
    outcome = run_sweep(tiny_grid(), tmp_path, device="cpu")
    assert sorted(outcome["reused"]) == sorted(calls) and sorted(trained) == sorted(set(ref["ran"]) - set(calls))
    assert without_time(outcome["rows"]) == without_time(ref["rows"])          # bit-identical on the CPU
    trained.clear()
    assert run_sweep(tiny_grid(), tmp_path, device="cpu")["ran"] == [] and trained == []


def test_a_damaged_cell_file_is_trained_again(reference, tmp_path):
    _, ref = reference
    run_sweep(tiny_grid(), tmp_path, device="cpu")
    victim = tmp_path / "cells" / f"{ref['ran'][1]}.json"
    victim.write_text('{"cell": {"values": {}}, "rows": []}')
    outcome = run_sweep(tiny_grid(), tmp_path, device="cpu")
    assert outcome["ran"] == [ref["ran"][1]] and len(outcome["reused"]) == 3
    assert without_time(outcome["rows"]) == without_time(ref["rows"])


def test_a_diverged_cell_is_one_line_exit_1(tmp_path, monkeypatch, capsys):
    from infgrad.proofs_check.cli.app import run
    from sweep_support import TINY

    monkeypatch.setattr(backends, "usable_cores", lambda: 1)

    def diverges(cell, threads=1, checkpoint_dir=None):
        raise FloatingPointError("training stayed non-finite after 40 rollbacks at step 20")

    monkeypatch.setattr(backends, "run_cell", diverges)
    assert run(["sweep", *sum([["--grid", g] for g in TINY], []), "--out", str(tmp_path), "--device", "cpu",
                "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("infgrad: error: a cell's training diverged") and err.count("\n") == 1
    assert "non-finite after 40 rollbacks" in err


def test_a_cell_killed_midway_continues_from_its_checkpoint(reference, tmp_path, monkeypatch):
    """Interrupted right after its first checkpoint (step 20 of 40), the cell resumes at step 20:
    the second invocation trains 20 steps of it, and every row equals the uninterrupted sweep's."""
    from infgrad.models import engine

    _, ref = reference
    monkeypatch.setattr(backends, "usable_cores", lambda: 1)
    real_save = engine.save_checkpoint

    def save_then_interrupt(state, path):
        real_save(state, path)
        raise KeyboardInterrupt

    monkeypatch.setattr(engine, "save_checkpoint", save_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(tiny_grid(), tmp_path, device="cpu")
    first = ref["ran"][0]
    assert (tmp_path / "partial" / first / "checkpoint.pt").is_file()
    assert not (tmp_path / "cells").exists()

    monkeypatch.setattr(engine, "save_checkpoint", real_save)
    steps: dict[int, int] = {}
    alive: list = []          # each pack kept, so that a freed pack's id() is never reused by the next cell's
    real_window = engine.Pack.run_window

    def counted(pack, k):
        if id(pack) not in steps:
            alive.append(pack)
        steps[id(pack)] = steps.get(id(pack), 0) + k
        return real_window(pack, k)

    monkeypatch.setattr(engine.Pack, "run_window", counted)
    outcome = run_sweep(tiny_grid(), tmp_path, device="cpu")
    assert sorted(steps.values()) == [20, 40, 40, 40]          # the interrupted cell: its last 20 steps
    assert without_time(outcome["rows"]) == without_time(ref["rows"])
    assert not (tmp_path / "partial").exists()                 # each finished cell's checkpoint removed
