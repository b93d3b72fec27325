"""``python -m benchmarks.certificate``: its help and its bad arguments (it raised a ValueError
traceback on ``-h``)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "benchmarks.certificate", *args], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


def test_help_prints_usage_and_exits_0():
    out = _run("-h")
    assert out.returncode == 0 and "usage: python -m benchmarks.certificate" in out.stdout and "Traceback" not in out.stderr


def test_a_bad_r_is_a_usage_error_not_a_traceback():
    for bad in ("x", "0", "9"):
        out = _run(bad)
        assert out.returncode == 2 and "Traceback" not in out.stderr and "invalid" in out.stderr
