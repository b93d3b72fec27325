"""A command whose standard output is closed (``infgrad verify >&-``): the contract's one line and
exit 2 before any work (it ran, printed nowhere and exited 0, so the results were lost unseen)."""

from __future__ import annotations

import os
import subprocess
import sys


def test_a_closed_stdout_is_one_error_line_and_exit_2(tmp_path):
    out = subprocess.run([sys.executable, "-m", "infgrad", "verify", "--claim", "T2"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True, timeout=120, cwd=tmp_path,
                         preexec_fn=lambda: os.close(1))
    err = [line for line in out.stderr.splitlines() if line.strip()]
    assert out.returncode == 2, (out.returncode, err)
    assert len(err) == 1 and err[0].startswith("infgrad: error: ") and "standard output is closed" in err[0]
