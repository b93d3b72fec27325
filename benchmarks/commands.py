"""Wall time of whole ``infgrad`` commands, run as a user runs them (a fresh process each)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from typing import Any


def _time(args: list[str]) -> dict[str, Any]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "infgrad", *args], capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    return {"command": "infgrad " + " ".join(args), "seconds": seconds, "exit_code": proc.returncode,
            "stderr_tail": proc.stderr.strip().splitlines()[-1:] if proc.returncode not in (0, 1) else []}


def verify() -> dict[str, Any]:
    """``infgrad verify``: every symbolic, exact and property check (target: under 20 s)."""
    return _time(["verify"])


def report(profile: str = "quick", device: str | None = None) -> dict[str, Any]:
    """``infgrad report --profile PROFILE --fresh [--device DEVICE]`` into a temporary folder
    (targets: quick under 5 min on 2 CPU cores, full under 5 min on one GPU)."""
    with tempfile.TemporaryDirectory() as out:
        return _time(["report", "--profile", profile, "--out", out, "--fresh"]
                     + (["--device", device] if device else []))
