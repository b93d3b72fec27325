"""A packed run from the shell (``infgrad train --seeds``) SIGKILLed at random points, some while a
checkpoint is being written, then resumed: per seed, bit-identical to an uninterrupted pack.

No sleep-based synchronisation: the test polls the checkpoint folder (with a deadline) for the
state it waits for, a temporary checkpoint file (mid-write) or a later checkpoint step."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from infgrad.models.checkpoint import CHECKPOINT_NAME, load_runs

ARGS = ["--seeds", "0-3", "--d", "6", "--r", "2", "--n", "200", "--kappa", "3", "--hidden", "64,64",
        "--steps", "1200", "--batch-size", "32", "--log-every", "10", "--checkpoint-every", "10", "--quiet"]
KILLS = 10
HANG_GUARD_S = 300


def _step(folder: Path) -> int:
    try:
        return load_runs(folder / CHECKPOINT_NAME)[0]["step"]
    except Exception:  # noqa: BLE001 - absent or (never: atomic) half-written
        return -1


def _temps(folder: Path) -> list[str]:
    try:
        return [n for n in os.listdir(folder) if n.startswith(".checkpoint.pt.") and n.endswith(".tmp")]
    except FileNotFoundError:
        return []


def _start(args: list[str]) -> subprocess.Popen:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return subprocess.Popen([sys.executable, "-m", "infgrad", "train", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _kill_when(proc: subprocess.Popen, ready, deadline: float) -> bool:
    """Poll until ``ready()`` or the process ends; SIGKILL it if still running. True when killed."""
    while proc.poll() is None and not ready():
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("hang guard: the packed run made no progress")
    if proc.poll() is not None:
        return False
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return True


def _same_runs(a: list[dict], b: list[dict]) -> None:
    assert len(a) == len(b) == 4
    for ra, rb in zip(a, b):
        assert ra["config"]["seed"] == rb["config"]["seed"] and ra["step"] == rb["step"]
        assert all(torch.equal(ra["model"][k], rb["model"][k]) for k in ra["model"])
        assert all(torch.equal(ra["adam"][k], rb["adam"][k]) for k in ("exp_avg", "exp_avg_sq"))
        assert torch.equal(ra["generator"], rb["generator"])
        assert {k: v for k, v in ra["history"].items() if k != "seconds"} == \
               {k: v for k, v in rb["history"].items() if k != "seconds"}
        assert ra["events"] == rb["events"] and ra["lr"] == rb["lr"]


def _kill_and_resume(tmp_path: Path, device: str) -> None:
    args = [*ARGS, "--device", device]
    rng = random.Random(20261206)
    ck = tmp_path / "killed"
    deadline = time.monotonic() + HANG_GUARD_S
    kills = mid_write = 0
    last = -1
    for k in range(KILLS):
        temps_before = set(_temps(ck))   # a stale one from the last kill: the resumed run removes it
        proc = _start([*args, "--checkpoint", str(ck), "--resume"])
        if k % 2:   # wait for a new temporary checkpoint file: the kill lands mid-write
            ready = lambda: bool(set(_temps(ck)) - temps_before)   # noqa: E731
        else:       # a random number of checkpoints later
            target = last + 10 * rng.randint(1, 8)
            ready = lambda: _step(ck) >= target   # noqa: E731
        if _kill_when(proc, ready, deadline):
            kills += 1
            mid_write += bool(set(_temps(ck)) - temps_before)
        else:
            assert proc.returncode == 0, proc.stderr.read().decode()
            break
        last = max(last, _step(ck))
    assert kills >= KILLS - 1, f"only {kills} kills landed before the run finished"
    assert mid_write >= 1, "no kill landed while a checkpoint was being written"
    done = _start([*args, "--checkpoint", str(ck), "--resume", "--json", str(tmp_path / "k.json")])
    assert done.wait(timeout=HANG_GUARD_S) == 0, done.stderr.read().decode()
    whole = _start([*args, "--checkpoint", str(tmp_path / "whole"), "--json", str(tmp_path / "w.json")])
    assert whole.wait(timeout=HANG_GUARD_S) == 0, whole.stderr.read().decode()
    _same_runs(load_runs(tmp_path / "whole" / CHECKPOINT_NAME), load_runs(ck / CHECKPOINT_NAME))
    a, b = (json.loads((tmp_path / n).read_text()) for n in ("w.json", "k.json"))
    assert [r["final"]["gamma"] for r in a["runs"]] == [r["final"]["gamma"] for r in b["runs"]]
    assert [r["seed"] for r in b["runs"]] == [0, 1, 2, 3] and b["summary"]["gamma"]["n"] == 4
    assert _temps(ck) == []   # a kill mid-write left one; the next --resume removed it
    print(f"{kills} kills, {mid_write} of them left a temporary checkpoint file")


@pytest.mark.slow
def test_a_packed_run_killed_ten_times_resumes_bit_identical_per_seed_on_the_cpu(tmp_path):
    _kill_and_resume(tmp_path, "cpu")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_a_packed_run_killed_ten_times_resumes_bit_identical_per_seed_on_cuda(tmp_path):
    _kill_and_resume(tmp_path, "cuda")


def test_ctrl_c_in_a_packed_run_exits_130_in_one_line_and_leaves_a_whole_checkpoint(tmp_path):
    ck = tmp_path / "ck"
    args = [*ARGS, "--device", "cpu", "--checkpoint", str(ck)]
    proc = _start(args)
    deadline = time.monotonic() + HANG_GUARD_S
    while proc.poll() is None and _step(ck) < 20:
        assert time.monotonic() < deadline, "hang guard: no checkpoint"
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=HANG_GUARD_S) == 130
    assert proc.stderr.read().decode().strip().splitlines() == ["infgrad: interrupted"]
    assert _temps(ck) == [] and 20 <= _step(ck) < 1200
