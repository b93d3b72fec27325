"""Issue 23: the README fits on a page, its two set-up commands are what CI runs, its links lead to
files of the repository, and its Python example runs as written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _setup_commands() -> list[str]:
    section = README.split("## Set up", 1)[1].split("\n## ", 1)[0]
    return [line.strip() for line in section.splitlines() if line.startswith("    ")]


def test_the_readme_fits_on_a_page():
    assert len(README.splitlines()) <= 150


def test_there_are_two_set_up_commands_and_ci_runs_the_test_command_word_for_word():
    report, tests = _setup_commands()
    assert "-m infgrad report --profile quick" in report and report.startswith("python3 -m pip install")
    assert tests.endswith("python3 -m pytest")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert tests in ci


def test_every_relative_link_names_a_file_or_folder_of_the_repository():
    links = re.findall(r"\]\(([^)#]+)\)", README)
    assert links
    missing = [link for link in links if "://" not in link and not (ROOT / link).exists()]
    assert not missing, missing


def test_the_python_example_runs_as_written(tmp_path):
    (code,) = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("TrainResult(subspace, d=20, kappa=8, learned gamma"), proc.stdout
