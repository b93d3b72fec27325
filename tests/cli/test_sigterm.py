"""SIGTERM (what ``kill``, ``timeout`` and batch schedulers send) is handled as Ctrl-C: one line
``infgrad: interrupted``, exit 130, and the command's worker processes ended with it, so none
goes on training after its parent is gone, holding the checkpoint folder's lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from infgrad.models.checkpoint import CHECKPOINT_NAME, load_checkpoint

from bounded_support import HANG_GUARD_S

GRID = ["--grid", "beta=0.5,1", "--grid", "steps=1000000", "--grid", "d=4", "--grid", "r=2", "--grid", "n=40",
        "--grid", "kappa=2", "--grid", "hidden=4", "--grid", "batch_size=8", "--grid", "log_every=2",
        "--grid", "checkpoint_every=2", "--device", "cpu", "--quiet"]


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of the process group ``pgid``, read from /proc."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z" and int(fields[2]) == pgid:
                found.append(int(entry.name))
    return found


def test_sigterm_during_training_exits_130_with_one_line_and_a_loadable_checkpoint(tmp_path):
    """Before: killed at once by the default action (return code -15, nothing on stderr)."""
    ck = tmp_path / "ck"
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.Popen([sys.executable, "-m", "infgrad", "train", "--d", "4", "--r", "2", "--n", "40",
                             "--kappa", "2", "--hidden", "4", "--batch-size", "8", "--log-every", "2",
                             "--checkpoint-every", "2", "--steps", "1000000", "--quiet", "--device", "cpu",
                             "--checkpoint", str(ck)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + HANG_GUARD_S
        while time.time() < deadline and not (ck / CHECKPOINT_NAME).exists():
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=HANG_GUARD_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, (proc.returncode, err.decode()[-2000:])
    assert err.decode().strip().splitlines() == ["infgrad: interrupted"], err.decode()[-2000:]
    assert load_checkpoint(ck / CHECKPOINT_NAME)["step"] >= 2
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]


@pytest.mark.slow   # 12 s at load 5 (two loky workers start and import torch)
def test_sigterm_during_a_sweep_ends_its_workers_and_exits_like_ctrl_c(tmp_path):
    """Before: the parent died at once and both loky workers went on training (reparented to init),
    each holding its cell's checkpoint lock, so a resumed sweep was refused until they finished."""
    out = tmp_path / "sw"
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(sys.path))
    log = tmp_path / "stderr.txt"
    with open(log, "wb") as err_file:   # a file, not a pipe: an orphaned worker would hold a pipe open
        proc = subprocess.Popen([sys.executable, "-m", "infgrad", "sweep", *GRID, "--out", str(out)], env=env,
                                stdout=subprocess.DEVNULL, stderr=err_file, start_new_session=True)
    try:
        deadline = time.time() + HANG_GUARD_S
        while time.time() < deadline and len(list(out.glob("partial/*/checkpoint.pt"))) < 2:
            time.sleep(0.1)   # polling for the workers' first checkpoints, not timing them
        assert len(group_members(proc.pid)) >= 3, "the sweep's two workers never started"
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=HANG_GUARD_S)
        while time.time() < deadline and group_members(proc.pid):
            time.sleep(0.1)   # loky's workers end after their parent's call returns
        left = group_members(proc.pid)
    finally:   # a failed test leaves no million-step training behind
        for pid in group_members(proc.pid):
            os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = log.read_text()
    assert left == [], f"workers still running after their parent ended: {left}"
    assert proc.returncode == 130, err[-2000:]
    assert err.strip().splitlines()[-1] == "infgrad: interrupted", err[-2000:]
    assert "Traceback" not in err
    # the workers were killed mid-write (checkpoint every 2 steps): their temporary files were left
    assert not [p.name for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert list(out.glob("partial/*/checkpoint.pt"))        # each cell resumes from its checkpoint
