"""Shared by the fuzz tests: run ``infgrad`` in-process, classify the answer, watch the files.

The contract checked on every answer (docs/design.md, issue 12): no traceback; exit 0, 1, 2 or 3;
on exit 2 exactly one ``infgrad: error:`` line, the last line of stderr; no file outside the
output folder changed. ``OUTCOMES`` counts the answers; with ``INFGRAD_FUZZ_SUMMARY=path`` the
counts are written there as JSON at the end of the session (the thorough profile's report).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter
from pathlib import Path

from infgrad.proofs_check.cli import main

OUTCOMES: Counter = Counter()
SECONDS_PER_INPUT = 30


def snapshot(folder: Path, skip: Path | None = None) -> dict[str, str]:
    """Path -> sha256 of every file under ``folder`` (``skip`` and what lies below it left out)."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if skip is not None and (p == skip or skip in p.parents):
            continue
        if p.is_file() and not p.is_symlink():
            out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def run_and_check(args: list[str], capsys, watched: Path, out: Path, *, must_fail: bool, label: str) -> int:
    """Run ``infgrad args``; assert the contract; return the exit code."""
    capsys.readouterr()
    before = snapshot(watched, skip=out)
    start = time.perf_counter()
    code = main(args)
    seconds = time.perf_counter() - start
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    OUTCOMES[f"{label}: exit {code}"] += 1
    assert "Traceback" not in err, err
    assert code in (0, 1, 2, 3), (args, code, err)
    errors = [line for line in lines if line.startswith("infgrad: error:")]
    if code == 2:
        assert len(errors) == 1 and lines[-1] == errors[0], (args, err)
    if must_fail:
        assert code == 2, (args, code, err)
    assert seconds < SECONDS_PER_INPUT, (args, seconds)
    assert snapshot(watched, skip=out) == before, f"a file outside {out} changed: {args}"
    return code


def write_summary() -> None:
    path = os.environ.get("INFGRAD_FUZZ_SUMMARY")
    if path:
        Path(path).write_text(json.dumps(dict(sorted(OUTCOMES.items())), indent=1) + "\n")
