"""Issue 23: nothing in the repository cites a file outside it (working notes kept beside the
checkout, or a shared folder of the machine it was written on)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# spelt in pieces so that this file does not cite them itself
OUTSIDE = tuple(name + ".md" for name in ("DESIGN", "CLAIMS", "STYLE")) + ("../" + "shared", "/work/" + "shared")
SKIP_DIRS = {".git", "build", "__pycache__", ".pytest_cache", ".hypothesis", ".import_linter_cache", ".benchmarks"}


def _files() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60).stdout
        return [ROOT / name for name in out.decode().split("\0") if name]
    except (OSError, subprocess.SubprocessError):              # a copy without git: every file but caches
        return [p for p in ROOT.rglob("*") if p.is_file() and not SKIP_DIRS & set(p.relative_to(ROOT).parts)
                and not any(part.endswith(".egg-info") for part in p.parts)]


def test_no_file_of_the_repository_cites_a_file_outside_it():
    hits = []
    for path in _files():
        if not path.is_file():
            continue
        text = path.read_bytes().decode("utf-8", errors="ignore")
        for name in OUTSIDE:
            for number, line in enumerate(text.splitlines(), 1):
                if name in line:
                    hits.append(f"{path.relative_to(ROOT)}:{number}: {name}")
    assert not hits, "\n".join(hits)


def test_the_search_finds_what_it_looks_for(tmp_path, monkeypatch):
    """The check can fail: a file citing one of the names is reported."""
    import sys

    planted = tmp_path / "note.py"
    planted.write_text(f"# see {OUTSIDE[0]}\n")
    module = sys.modules[__name__]
    monkeypatch.setattr(module, "ROOT", tmp_path)
    monkeypatch.setattr(module, "_files", lambda: [planted])
    try:
        test_no_file_of_the_repository_cites_a_file_outside_it()
    except AssertionError as exc:
        assert "note.py:1" in str(exc)
    else:
        raise AssertionError("the planted citation was not found")
