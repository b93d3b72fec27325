"""``infgrad train --seeds``: one pack, one JSON with each seed's result and the summary; a result
that cannot be written is printed on stdout instead of lost."""

from __future__ import annotations

import errno
import json
import os

import pytest

import infgrad.atomic as atomic
from infgrad.proofs_check.cli import main

TINY = ["--d", "5", "--r", "2", "--n", "60", "--kappa", "2", "--hidden", "8", "--steps", "20",
        "--log-every", "10", "--checkpoint-every", "10", "--batch-size", "16", "--eval-samples", "60",
        "--mmd-samples", "20", "--quiet"]


def test_seeds_train_one_pack_and_write_each_seed_and_the_summary(tmp_path, capsys):
    assert main(["train", *TINY, "--seeds", "0,3,7", "--json", str(tmp_path / "p.json")]) == 0
    out = capsys.readouterr().out
    doc = json.loads((tmp_path / "p.json").read_text())
    assert doc["seeds"] == [0, 3, 7] and [r["seed"] for r in doc["runs"]] == [0, 3, 7]
    assert [r["config"]["seed"] for r in doc["runs"]] == [0, 3, 7]
    for key in ("gamma", "active_var", "recon_error", "mmd"):
        s = doc["summary"][key]
        values = [r["final"][key] for r in doc["runs"]]
        assert s["n"] == 3 and s["values"] == pytest.approx(values)
        assert s["mean"] == pytest.approx(sum(values) / 3)
        assert s["ci95"][0] <= s["mean"] <= s["ci95"][1]
    assert "3 seeds as one pack" in out and "95% CI" in out and "seed 7:" in out


def test_a_pack_seed_gives_the_same_run_as_that_seed_alone(tmp_path):
    assert main(["train", *TINY, "--seeds", "0-1", "--json", str(tmp_path / "p.json")]) == 0
    assert main(["train", *TINY, "--seed", "1", "--json", str(tmp_path / "one.json")]) == 0
    pack, one = (json.loads((tmp_path / n).read_text()) for n in ("p.json", "one.json"))
    assert pack["runs"][1]["final"]["gamma"] == pytest.approx(one["final"]["gamma"], rel=1e-4)


@pytest.mark.parametrize("spec", ["3-1", "a", "0,0", "1-5000", ""])
def test_bad_seed_lists_exit_2_in_one_line(spec, capsys):
    assert main(["train", *TINY, "--seeds", spec]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("infgrad: error: --seeds")


def test_a_pack_resumes_from_its_checkpoint_and_refuses_another_pack_s(tmp_path, capsys):
    ck = str(tmp_path / "ck")
    assert main(["train", *TINY, "--seeds", "0-2", "--checkpoint", ck]) == 0
    assert main(["train", *TINY, "--seeds", "0-1", "--checkpoint", ck, "--resume"]) == 2
    assert "holds 3 run(s); this run has 2" in capsys.readouterr().err
    assert main(["train", *TINY, "--seeds", "0-2", "--checkpoint", ck, "--resume"]) == 0


@pytest.mark.parametrize("seeds", [None, "0-1"])
def test_a_finished_run_whose_json_cannot_be_written_is_printed_on_stdout(tmp_path, capsys, monkeypatch, seeds):
    def full(fd, buf):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic.os, "write", full)
    args = ["train", *TINY, "--json", str(tmp_path / "r.json")] + (["--seeds", seeds] if seeds else [])
    assert main(args) == 2
    cap = capsys.readouterr()
    err = cap.err.strip().splitlines()
    assert len(err) == 1 and "No space left on device" in err[0] and "printed on stdout instead" in err[0]
    doc = json.loads(cap.out.strip().splitlines()[-1])
    assert doc["infgrad_version"] and ("runs" in doc if seeds else "final" in doc)
    assert not (tmp_path / "r.json").exists()


def test_the_memory_limit_is_checked_for_the_whole_pack_not_per_run(tmp_path, capsys):
    """16 runs that each fit the limit but together do not: refused before any data set is built
    (each run was checked alone before, and the pack of 16 went on to train)."""
    from infgrad.models.memory import training_estimate

    big = ["--d", "50", "--r", "2", "--n", "2000", "--kappa", "2", "--hidden", "8", "--steps", "2", "--log-every", "2",
           "--batch-size", "16", "--eval-samples", "60", "--mmd-samples", "20", "--quiet", "--device", "cpu"]
    one = training_estimate(n=2000, d=50, kappa=2, arch="mlp", hidden=(8,), batch_size=16, eval_samples=60, steps=2,
                            log_every=2, dtype_bytes=4, synthetic_width=50, mmd_samples=20).total
    limit = str(int(3 * one))
    assert main(["train", *big, "--seeds", "0-15", "--max-memory", limit]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("infgrad: error: the pack of 16 runs needs about "), err
    assert main(["train", *big, "--seeds", "0-1", "--max-memory", limit, "--json", str(tmp_path / "p.json")]) == 0


def test_seed_and_seeds_together_are_refused(capsys):
    """--seed 5 beside --seeds 0-1 was silently ignored (the pack trained seeds 0 and 1)."""
    assert main(["train", *TINY, "--seeds", "0-1", "--seed", "5"]) == 2
    assert "not both" in capsys.readouterr().err.strip().splitlines()[-1]
