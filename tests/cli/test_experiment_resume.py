"""``infgrad experiment --checkpoint DIR --resume``: an experiment trains several packs of different
shapes (beta: the bases, then the continuations from their states), each saved in its own folder
under DIR. SIGKILLed at a few points (inside the first pack, while a checkpoint is being written,
inside the second pack), then resumed: the result JSON and the data JSON are bit-identical to an
uninterrupted run's, except the wall times and the paths named in them.

No sleep-based synchronisation: the test polls the checkpoint folders (with a deadline)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from infgrad.models.checkpoint import CHECKPOINT_NAME, load_runs
from infgrad.proofs_check.cli import main
import run_compare

ROOT = Path(__file__).resolve().parents[2]
HANG_GUARD_S = 600
VOLATILE = run_compare.VOLATILE | {"command"}   # wall times and the paths of this run
DRIVER = """
import sys
from infgrad.proofs_check.experiments import beta
beta.PROFILES["quick"] = dict(data="subspace", d=6, r=2, n=120, kappa=3, hidden=(16, 16), steps=300, lr=3e-3,
                              log_every=10, checkpoint_every=10, base_steps=200, batch_size=32,
                              fractions=beta.T5_BETA_FRACTIONS, sweep_fractions=(), seeds=2)
from infgrad.proofs_check.cli import main
sys.exit(main(["experiment", "beta", "--device", "cpu", "--quiet", *sys.argv[1:]]))
"""


def _start(*args: str) -> subprocess.Popen:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return subprocess.Popen([sys.executable, "-c", DRIVER, *args], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _steps(ck: Path) -> dict[str, int]:
    """Pack folder -> the step of its checkpoint (-1 while none is readable)."""
    out = {}
    for folder in sorted(ck.glob("*")) if ck.is_dir() else []:
        try:
            out[folder.name] = load_runs(folder / CHECKPOINT_NAME)[0]["step"]
        except Exception:  # noqa: BLE001 - absent (atomic writes: never half-written)
            out[folder.name] = -1
    return out


def _temps(ck: Path) -> set[Path]:
    return set(ck.glob("*/.checkpoint.pt.*.tmp")) if ck.is_dir() else set()


def _docs(out: Path) -> list:
    return [run_compare.stable(json.loads((out / name).read_text()), VOLATILE)
            for name in ("experiment_beta.json", "data/experiment_beta.json")]


@pytest.mark.slow
def test_an_experiment_killed_at_several_points_resumes_bit_identical(tmp_path):
    ck = tmp_path / "ck"
    points = {   # when to SIGKILL, by what the checkpoint folders show
        "inside the first pack": lambda: any(0 < s < 200 for s in _steps(ck).values()),
        "while a checkpoint is written": lambda: bool(_temps(ck)),
        "inside the second pack": lambda: len(_steps(ck)) == 2 and min(_steps(ck).values()) > 20,
    }
    deadline = time.monotonic() + HANG_GUARD_S
    landed = []
    for what, ready in points.items():
        proc = _start("--out", str(tmp_path / "killed"), "--checkpoint", str(ck), "--resume")
        while proc.poll() is None and not ready():
            if time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"hang guard: never reached the point {what!r}")
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            landed.append(what)
    assert len(landed) >= 2, f"only these kills landed before the experiment finished: {landed}"
    assert len(_steps(ck)) == 2   # bases and continuations: a folder per pack
    done = _start("--out", str(tmp_path / "killed"), "--checkpoint", str(ck), "--resume")
    assert done.wait(timeout=HANG_GUARD_S) in (0, 1), done.stderr.read().decode()
    whole = _start("--out", str(tmp_path / "whole"))
    assert whole.wait(timeout=HANG_GUARD_S) in (0, 1), whole.stderr.read().decode()
    assert _docs(tmp_path / "killed") == _docs(tmp_path / "whole")
    assert _temps(ck) == set()
    print(f"kills landed: {landed}")


def test_resume_without_a_checkpoint_folder_is_refused(capsys):
    assert main(["experiment", "linear", "--resume", "--device", "cpu"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == ["infgrad: error: --resume needs --checkpoint DIR"]


def test_each_pack_of_an_experiment_gets_its_own_folder_keyed_by_its_digest(tmp_path, monkeypatch):
    """Two packs of different shapes (and the same configs on other data) never share a folder."""
    import numpy as np

    from infgrad.models.checkpoint_packs import checkpointed_packs
    from infgrad.models.config import TrainConfig
    from infgrad.models import engine
    from infgrad.models.engine import train_pack

    cfg = TrainConfig(data="subspace", d=4, r=2, n=40, kappa=2, hidden=(4,), steps=20, log_every=10,
                      checkpoint_every=10, batch_size=8, device="cpu")
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(40, 4)), rng.normal(size=(40, 4))
    with checkpointed_packs(tmp_path, resume=False):
        first = train_pack([cfg, cfg.replace(seed=1)], [X, X])
        train_pack([cfg.replace(steps=30)], [X])
        train_pack([cfg], [Y])
    assert len(list(tmp_path.glob(f"*/{CHECKPOINT_NAME}"))) == 3
    def no_step(self, k):
        raise AssertionError("a finished pack took a step")

    monkeypatch.setattr(engine.Pack, "run_window", no_step)
    with checkpointed_packs(tmp_path, resume=True):   # a finished pack: its results again, no step
        again = train_pack([cfg, cfg.replace(seed=1)], [X, X])
    assert [r.final["gamma"] for r in again] == [r.final["gamma"] for r in first]


def test_ctrl_c_in_a_checkpointed_experiment_exits_130_and_frees_the_folder(tmp_path, monkeypatch, capsys):
    from infgrad.models import engine
    from infgrad.models.checkpoint import hold_folder

    calls = []

    def window(self, k):
        calls.append(k)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(self, k)

    real = engine.Pack.run_window
    monkeypatch.setattr(engine.Pack, "run_window", window)
    ck = tmp_path / "ck"
    code = main(["experiment", "linear", "--out", str(tmp_path / "exp"), "--device", "cpu", "--quiet",
                 "--checkpoint", str(ck)])
    assert code == 130
    assert capsys.readouterr().err.strip().splitlines()[-1] == "infgrad: interrupted"
    assert _temps(ck) == set() and not (tmp_path / "exp" / "experiment_linear.json").exists()
    (folder,) = ck.iterdir()
    with hold_folder(folder):   # the lock went with the interrupted run
        pass
