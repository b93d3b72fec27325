"""Issue 13: the toolkit installs under the one name ``infgrad`` (its folders map to subpackages)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("theory", "models", "proofs_check", "figures")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(out), str(ROOT)], capture_output=True, text=True, timeout=600)
    if proc.returncode != 0 and "bdist_wheel" in proc.stderr + proc.stdout:
        proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                              capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (path,) = out.glob("infgrad-*.whl")
    return zipfile.ZipFile(path)


def test_the_wheel_has_infgrad_as_its_only_top_level_name(wheel):
    tops = {name.split("/")[0] for name in wheel.namelist()}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"infgrad"}


def test_every_module_of_the_four_folders_is_in_the_wheel_under_infgrad(wheel):
    """A subpackage added later but not listed in setup.cfg would be silently missing."""
    names = set(wheel.namelist())
    for folder in FOLDERS:
        for src in (ROOT / folder).rglob("*.py"):
            assert "infgrad/" + src.relative_to(ROOT).as_posix() in names, src


def test_import_infgrad_is_cheap_and_exposes_the_public_api():
    code = ("import sys, infgrad; api = set(infgrad.__all__); "
            "assert {'verify', 'report', 'counterexample', 'check_certificate', 'GaussianVAE', 'train', "
            "'train_pack', 'TrainConfig'} <= api, api; assert 'torch' not in sys.modules; "
            "assert infgrad.__version__; print('ok')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd="/")
    assert proc.stdout.strip() == "ok", proc.stderr


def test_the_old_top_level_names_are_not_importable_outside_the_repository():
    code = "import importlib.util as u; print([n for n in ('models', 'theory', 'proofs_check', 'figures') if u.find_spec(n)])"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd="/")
    assert proc.stdout.strip() == "[]", proc.stdout + proc.stderr
