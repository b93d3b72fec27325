"""Every file infgrad writes goes through the one atomic writer (infgrad/atomic.py): no module of
the package or the benchmarks writes, renames or saves a file by itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# infgrad/ holds the ground floor's files and links to the four folders: its own files only
SOURCES = sorted([p for p in (ROOT / "infgrad").glob("*.py") if p.name != "atomic.py"]
                 + [p for folder in ("theory", "models", "proofs_check", "figures", "benchmarks")
                    for p in (ROOT / folder).rglob("*.py")])
# a direct write: Path.write_text/write_bytes, a rename, open(..., "w"), json.dump to a file,
# torch.save or savefig to anything but an in-memory buffer
DIRECT = re.compile(r"\.write_(text|bytes)\(|os\.replace\(|\.replace\(\s*\w*(path|target)\w*\s*\)|"
                    r"open\([^)]*['\"][wax]b?['\"]|json\.dump\(|torch\.save\((?!\w+, buf)|savefig\((?!buf)")


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_writes_a_file_except_through_the_atomic_writer(path):
    hits = [f"{i}: {line.strip()}" for i, line in enumerate(path.read_text().splitlines(), 1)
            if DIRECT.search(line) and not line.lstrip().startswith(("#", '"', "'"))]
    assert hits == [], hits
