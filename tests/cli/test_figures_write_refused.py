"""``infgrad figures`` whose figures/ folder cannot be written (a planted symbolic link): the
contract's one line and exit 2, as for every other refused output path (it was reported as a
figure module that crashed, exit 1)."""

from __future__ import annotations

import shutil
from pathlib import Path

from infgrad.proofs_check.cli import main

DATA = Path(__file__).resolve().parents[1] / "figures" / "data" / "v3"


def test_a_figures_folder_that_is_a_symbolic_link_is_refused_in_one_line(tmp_path, capsys):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    (out / "data").mkdir(parents=True)
    elsewhere.mkdir()
    shutil.copy(DATA / "experiment_sparsity.json", out / "data")
    (out / "figures").symlink_to(elsewhere, target_is_directory=True)
    assert main(["figures", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("infgrad: error: ") and "symbolic link" in err[0], err
    assert not any(elsewhere.iterdir())
