"""``infgrad train``: exit codes, one-line errors, JSON, checkpoints and resume from the command line."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from infgrad.models.idx import write_idx
from infgrad.models.checkpoint import CHECKPOINT_NAME, load_checkpoint
from infgrad.proofs_check.cli import main

TINY = ["--d", "6", "--r", "2", "--n", "100", "--kappa", "3", "--hidden", "8", "--steps", "40",
        "--batch-size", "20", "--log-every", "10", "--checkpoint-every", "20", "--quiet", "--device", "cpu"]


@pytest.mark.parametrize("args,message", [
    (["--gamma", "abc"], "--gamma must be 'learn' or a finite number > 0; got 'abc'"),
    (["--gamma", "-1"], "--gamma must be 'learn' or a finite number > 0; got '-1'"),
    (["--gamma", "inf"], "--gamma must be 'learn' or a finite number > 0; got 'inf'"),
    (["--d", "2", "--r", "3"], "r must satisfy 1 <= r <= d; got d=2, r=3"),
    (["--data", "bogus"], "unknown data 'bogus'; choose one of subspace, manifold, curve, digits, mnist, "
                          "fashion-mnist, idx:PATH"),
    (["--beta", "0"], "--beta must be a finite number > 0; got '0'"),
    (["--hidden", "8,x"], "--hidden must be comma-separated integers in [1, 2147483647], 1 to 64 of them; got '8,x'"),
    (["--resume"], "--resume needs --checkpoint DIR"),
    (["--threads", "0"], "--threads must be 'auto' or an integer in [1, 4096]; got '0'"),
    (["--arch", "conv"], "arch 'conv' needs 28x28 images, d = 784; got d=6"),
    (["--log-every", "30"], "checkpoint_every must be a positive multiple of log_every=30; got checkpoint_every=20"),
])
def test_bad_inputs_exit_2_with_one_line(capsys, args, message):
    assert main(["train", *TINY, *args]) == 2
    assert capsys.readouterr().err == f"infgrad: error: {message}\n"


def test_a_small_run_prints_a_summary_and_writes_json_and_a_checkpoint(tmp_path, capsys):
    out = tmp_path / "run.json"
    assert main(["train", *TINY, "--json", str(out), "--checkpoint", str(tmp_path / "ck")]) == 0
    line = capsys.readouterr().out
    assert line.startswith("steps 40 ") and "gamma" in line and "active dims" in line and "(cpu, " in line
    doc = json.loads(out.read_text())
    assert doc["config"]["kappa"] == 3 and doc["config"]["gamma"] is None and doc["device"] == "cpu"
    assert doc["history"]["step"] == [10, 20, 30, 40]
    for key in ("loss", "recon_error", "gamma", "kl_per_dim", "active_var", "active_units", "mmd",
                "grad_norm_z", "mmd_kernel", "events", "threads"):
        assert key in doc["final"]
    assert load_checkpoint(tmp_path / "ck" / CHECKPOINT_NAME)["step"] == 40


def test_a_fixed_gamma_stays_fixed(tmp_path):
    out = tmp_path / "run.json"
    assert main(["train", *TINY, "--gamma", "0.01", "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["config"]["gamma"] == 0.01 and all(abs(g - 0.01) < 1e-9 for g in doc["history"]["gamma"])


def test_a_corrupt_idx_file_exits_2(tmp_path, capsys):
    bad = tmp_path / "train-images-idx3-ubyte"
    bad.write_bytes(b"\x00\x00\x08\x03\x00\x00\x00\x05\x00\x00\x00\x1c\x00\x00\x00\x1c\x00")
    assert main(["train", "--data", f"idx:{bad}", "--quiet", "--steps", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("infgrad: error: ") and "holds 1" in err and err.count("\n") == 1


def test_idx_images_train_with_the_conv_pair(tmp_path):
    rng = np.random.default_rng(0)
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", rng.integers(0, 256, (30, 28, 28), dtype=np.uint8))
    out = tmp_path / "run.json"
    assert main(["train", "--data", f"idx:{tmp_path / 'train-images-idx3-ubyte.gz'}", "--arch", "conv",
                 "--kappa", "4", "--steps", "10", "--log-every", "5", "--checkpoint-every", "10",
                 "--batch-size", "8", "--quiet", "--device", "cpu", "--json", str(out)]) == 0
    assert json.loads(out.read_text())["final"]["d"] == 784


def test_a_corrupt_checkpoint_exits_2_and_is_left_in_place(tmp_path, capsys):
    ck = tmp_path / "ck"
    ck.mkdir()
    (ck / CHECKPOINT_NAME).write_bytes(b"garbage")
    assert main(["train", *TINY, "--checkpoint", str(ck), "--resume"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"infgrad: error: cannot read checkpoint {ck / CHECKPOINT_NAME}") and err.count("\n") == 1
    assert (ck / CHECKPOINT_NAME).read_bytes() == b"garbage"


def test_a_run_that_stays_non_finite_exits_1_with_one_line(capsys):
    # 1/gamma = 3.3e38 is finite in float32 (the config accepts it), the error over it is not
    assert main(["train", *TINY, "--gamma", "3e-39"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("infgrad: error: training stayed non-finite after 40 rollbacks") and err.count("\n") == 1


def test_a_fixed_gamma_no_float32_run_can_invert_is_bad_input_not_a_divergence(capsys):
    assert main(["train", *TINY, "--gamma", "1e-40"]) == 2
    err = capsys.readouterr().err
    assert "gamma = 1e-40 is too small for float32" in err and err.count("\n") == 1


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_asking_for_cuda_without_a_gpu_exits_2(capsys):
    assert main(["train", *TINY[:-2], "--device", "cuda"]) == 2
    assert "torch sees no CUDA device" in capsys.readouterr().err


@pytest.mark.slow
def test_a_killed_training_process_resumes_to_the_same_final_parameters(tmp_path):
    args = ["--d", "6", "--r", "2", "--n", "200", "--kappa", "3", "--hidden", "16,16", "--steps", "3000",
            "--batch-size", "32", "--log-every", "50", "--checkpoint-every", "50", "--quiet", "--device", "cpu"]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.Popen([sys.executable, "-m", "infgrad", "train", *args, "--checkpoint",
                             str(tmp_path / "b")], env=env)
    path = tmp_path / "b" / CHECKPOINT_NAME
    deadline = time.time() + 120
    while time.time() < deadline and not (path.exists() and load_checkpoint(path)["step"] >= 500):
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_at = load_checkpoint(path)["step"]
    assert 0 < killed_at < 3000, "the process was not killed mid-way"
    assert main(["train", *args, "--checkpoint", str(tmp_path / "b"), "--resume"]) == 0
    assert main(["train", *args, "--checkpoint", str(tmp_path / "a")]) == 0
    a, b = load_checkpoint(tmp_path / "a" / CHECKPOINT_NAME), load_checkpoint(path)
    assert a["step"] == b["step"] == 3000
    assert all(torch.equal(a["model"][k], b["model"][k]) for k in a["model"])


def test_threads_auto_uses_one_thread_for_a_small_model_even_on_an_idle_machine(tmp_path, monkeypatch):
    """Two intra-op threads on two shared cores made one run take 3 s or 78 s: ``auto`` takes 1 thread
    unless two cores are idle *and* the step is large (models.trainer.resolve_threads)."""
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    before = torch.get_num_threads()
    try:
        assert main(["train", *TINY, "--json", str(tmp_path / "run.json")]) == 0
    finally:
        torch.set_num_threads(before)
    assert json.loads((tmp_path / "run.json").read_text())["final"]["threads"] == 1


def test_a_run_with_non_finite_metrics_still_writes_its_json(tmp_path, monkeypatch):
    """JSON has no nan or inf: the one writer refuses them, so the run's values go through jsonable."""
    from infgrad.models import trainer

    real = trainer.TrainResult.to_json
    monkeypatch.setattr(trainer.TrainResult, "to_json",
                        lambda self: {**real(self), "final": {**self.final, "loss": float("nan")}})
    assert main(["train", *TINY, "--json", str(tmp_path / "run.json")]) == 0
    assert json.loads((tmp_path / "run.json").read_text())["final"]["loss"] == "nan"
