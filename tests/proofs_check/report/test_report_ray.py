"""``infgrad report --backend ray``: the checks (and the parts of a split check) as Ray tasks on a
local runtime (``ray.init(num_cpus=2)``) give the local backend's verdicts and numbers; without Ray
the command says how to install it, in one line, exit 2, before any work."""

from __future__ import annotations

import sys

import pytest

from infgrad.proofs_check.claims import registry
from infgrad.proofs_check.claims.model import CheckContext
from infgrad.proofs_check.cli import main
from infgrad.proofs_check.experiments import outliers
from run_compare import TINY_OUTLIERS, stable


def test_ray_backend_gives_the_local_verdicts_and_numbers(tmp_path, monkeypatch):
    ray = pytest.importorskip("ray")
    monkeypatch.setitem(outliers.PROFILES, "quick", {**outliers.PROFILES["quick"], **TINY_OUTLIERS})
    specs = [s for s in registry.CHECKS if s.name in ("T2", "T6", "outliers")]
    local = registry.run_checks(specs, CheckContext(seed=1, out_dir=tmp_path / "local", device="cpu"), workers=2)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    try:
        done = []
        on_ray = registry.run_checks(specs, CheckContext(seed=1, out_dir=tmp_path / "ray", device="cpu"),
                                     backend="ray", on_done=lambda spec, got: done.append(spec.name))
        assert ray.is_initialized()                     # a runtime the caller started is left running
    finally:
        ray.shutdown()
    assert sorted(done) == ["T2", "T6", "outliers"]
    assert [r.claim for r in on_ray] == [r.claim for r in local] == ["T2", "T6", "T13"]
    for a, b in zip(local, on_ray):
        assert (a.status, a.summary) == (b.status, b.summary)
        assert [(k.name, k.value, k.interval) for k in a.key_numbers] == [(k.name, k.value, k.interval)
                                                                         for k in b.key_numbers]
        assert stable(a.to_json()["evidence"]) == stable(b.to_json()["evidence"])


def test_report_backend_ray_without_ray_says_how_to_install(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)                  # import ray raises ImportError
    assert main(["report", "--claim", "T2", "--out", str(tmp_path / "o"), "--backend", "ray", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("infgrad: error: ") and "pip install 'infgrad[ray]'" in err and err.count("\n") == 1
    assert not (tmp_path / "o").exists()


def test_address_without_the_ray_backend_is_refused(tmp_path, capsys):
    assert main(["report", "--claim", "T2", "--out", str(tmp_path / "o"), "--address", "10.0.0.1:6379"]) == 2
    assert "--address is for --backend ray" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
