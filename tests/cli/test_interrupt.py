"""Ctrl-C, for every command: one line ``infgrad: interrupted``, exit 130, and the files on disk
as consistent as before (caches and checkpoints whole, no temporary file left behind)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from infgrad.models.checkpoint import CHECKPOINT_NAME, load_checkpoint
from infgrad import pool as parallel
from infgrad.proofs_check.claims import registry
from infgrad.proofs_check.claims.model import result
from infgrad.proofs_check.cli import main

TINY = ["--d", "4", "--r", "2", "--n", "40", "--kappa", "2", "--hidden", "4", "--batch-size", "8",
        "--log-every", "2", "--checkpoint-every", "2", "--quiet", "--device", "cpu"]


def interrupt(*_args, **_kwargs):
    raise KeyboardInterrupt


def assert_interrupted(code: int, capsys) -> None:
    err = capsys.readouterr().err
    assert code == 130
    assert err.splitlines()[-1] == "infgrad: interrupted" and "Traceback" not in err


def no_temporary_files(folder: Path) -> bool:
    return not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


def test_ctrl_c_during_verify_leaves_the_previous_json_whole(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out.json"
    out.write_text('{"previous": true}\n')
    monkeypatch.setattr(registry, "run_checks", interrupt)
    assert_interrupted(main(["verify", "--claim", "T2", "--json", str(out)]), capsys)
    assert json.loads(out.read_text()) == {"previous": True}


def test_ctrl_c_during_counterexample_writes_no_certificate(tmp_path, monkeypatch, capsys):
    from infgrad.proofs_check.theorem4.generate import build

    monkeypatch.setattr(build, "build", interrupt)  # both families start here
    code = main(["counterexample", "--h", "atan(3*u)", "--d", "6", "--kappa", "4", "--r", "2",
                 "--json", str(tmp_path / "cert.json")])
    assert_interrupted(code, capsys)
    assert not (tmp_path / "cert.json").exists()


def test_ctrl_c_during_certificate_check_leaves_the_certificate_alone(tmp_path, monkeypatch, capsys):
    from infgrad.proofs_check.theorem4 import kernel

    cert = tmp_path / "cert.json"
    cert.write_text("{}")
    monkeypatch.setattr(kernel, "load", interrupt)
    assert_interrupted(main(["certificate", "check", str(cert)]), capsys)
    assert cert.read_text() == "{}"


def test_ctrl_c_during_train_keeps_the_last_checkpoint_loadable(tmp_path, monkeypatch, capsys):
    from infgrad.models import engine

    real = engine.Pack.run_window
    calls = []

    def window(self, k):
        calls.append(k)
        if len(calls) == 3:                      # after two windows, hence one checkpoint at step 2
            raise KeyboardInterrupt
        return real(self, k)

    monkeypatch.setattr(engine.Pack, "run_window", window)
    ck = tmp_path / "ck"
    assert_interrupted(main(["train", *TINY, "--steps", "20", "--checkpoint", str(ck),
                             "--json", str(tmp_path / "run.json")]), capsys)
    assert load_checkpoint(ck / CHECKPOINT_NAME)["step"] == 4
    assert not (tmp_path / "run.json").exists() and no_temporary_files(tmp_path)


def test_ctrl_c_during_an_experiment_writes_no_partial_result(tmp_path, monkeypatch, capsys):
    from infgrad.proofs_check.experiments import checks

    monkeypatch.setitem(checks.CHECK_OF, "linear", interrupt)
    assert_interrupted(main(["experiment", "linear", "--out", str(tmp_path / "exp"), "--device", "cpu",
                             "--quiet"]), capsys)
    assert not (tmp_path / "exp" / "experiment_linear.json").exists() and no_temporary_files(tmp_path)


def test_ctrl_c_during_report_keeps_finished_checks_cached_and_reuses_them(tmp_path, monkeypatch, capsys):
    done = []

    def quick(ctx):
        done.append(1)
        return result("T1", "symbolic", "pass", {"x": 1}, summary="ok")

    specs = [registry.CheckSpec("T1", ("T1",), "symbolic", "x:quick"),
             registry.CheckSpec("T2", ("T2",), "symbolic", "x:slow")]
    monkeypatch.setattr(registry, "select", lambda ids, empirical: specs)
    monkeypatch.setattr(registry.CheckSpec, "load", lambda self: quick if self.name == "T1" else interrupt)
    monkeypatch.setattr(parallel, "usable_cores", lambda: 1)     # the patched load lives in this process
    out = tmp_path / "r"
    assert_interrupted(main(["report", "--out", str(out), "--quiet", "--device", "cpu"]), capsys)
    cached = json.loads((out / "claims" / "T1.json").read_text())
    assert cached["results"][0]["status"] == "pass"
    assert not (out / "claims" / "T2.json").exists() and not (out / "results.json").exists()
    assert no_temporary_files(out)
    assert registry.run_check(specs[0], registry.CheckContext(out_dir=out), reuse=True)[0].status == "pass"
    assert done == [1]                           # reused, not recomputed


def test_ctrl_c_during_figures_leaves_the_saved_data_alone(tmp_path, monkeypatch, capsys):
    from infgrad.proofs_check.report import run as report_module  # draw_figures lives beside run_report

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.json").write_text("{}")
    monkeypatch.setattr(report_module, "draw_figures", interrupt)
    assert_interrupted(main(["figures", "--out", str(tmp_path)]), capsys)
    assert (tmp_path / "data" / "x.json").read_text() == "{}"


def test_a_real_sigint_during_training_exits_130_with_one_line(tmp_path):
    ck = tmp_path / "ck"
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.Popen([sys.executable, "-m", "infgrad", "train", *TINY, "--steps", "1000000",
                             "--checkpoint", str(ck)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 60
        while time.time() < deadline and not (ck / CHECKPOINT_NAME).exists():
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:   # a failed test leaves no million-step training behind
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err.decode()[-2000:]
    assert err.decode().strip().splitlines() == ["infgrad: interrupted"], err.decode()[-2000:]
    assert load_checkpoint(ck / CHECKPOINT_NAME)["step"] >= 2
    assert no_temporary_files(tmp_path), sorted(p.name for p in tmp_path.rglob("*"))
