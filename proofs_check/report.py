"""The one report writer: a terminal table and the JSON document of DESIGN.md.

Markdown and HTML pages are built from the same JSON document (``report_pages.py``).
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path
from typing import Any, Sequence

from models.atomic import write_json  # noqa: F401 - the one writer, re-exported for the commands

from . import __version__
from .claims import ClaimResult

STATUS_STYLE = {"pass": "green", "fail": "bold red", "inconclusive": "yellow"}


def environment(device: str = "cpu") -> dict[str, Any]:
    """Versions and machine, for the record (imports nothing heavy that is not already loaded)."""
    env: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "device": device,
    }
    for mod in ("sympy", "numpy", "scipy", "torch", "sklearn", "cvxpy", "flint", "mpmath"):
        m = sys.modules.get(mod)
        if m is not None:
            env[mod] = getattr(m, "__version__", "?")
    return env


def document(
    results: Sequence[ClaimResult],
    *,
    command: Sequence[str],
    seeds: Sequence[int],
    device: str,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON document every command writes (DESIGN.md, "Command-line contract")."""
    doc: dict[str, Any] = {
        "infgrad_version": __version__,
        "command": list(command),
        "seeds": list(seeds),
        "device": device,
        "environment": environment(device),
        "claims": [r.to_json() for r in results],
    }
    if extra:
        doc.update(extra)
    return doc


def one_line(r: ClaimResult, width: int = 90) -> str:
    text = r.summary or ""
    return text if len(text) <= width else text[: width - 1] + "…"


def results_table(results: Sequence[ClaimResult], title: str = "infgrad"):
    """A rich Table, one row per (claim, method)."""
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for col, kw in (("claim", {}), ("paper", {}), ("method", {}), ("status", {}),
                    ("evidence", {"overflow": "fold"}), ("s", {"justify": "right"})):
        table.add_column(col, **kw)
    for r in results:
        style = STATUS_STYLE.get(r.status, "")
        table.add_row(r.claim, r.paper_ref, r.method, f"[{style}]{r.status}[/]",
                      one_line(r), f"{r.seconds:.1f}")
    return table


def print_table(results: Sequence[ClaimResult], *, file=None, title: str = "infgrad") -> None:
    from rich.console import Console

    Console(file=file or sys.stdout, width=160).print(results_table(results, title))


def exit_code(results: Sequence[ClaimResult], *, strict: bool = True) -> int:
    """1 when any result fails; with ``strict`` (``verify``) also when any is inconclusive,
    so that exit 0 means every check passed. The report is not strict: a claim that cannot
    be decided here (missing data files) is a finding, not an error."""
    bad = ("fail", "inconclusive") if strict else ("fail",)
    return 1 if any(r.status in bad for r in results) else 0
