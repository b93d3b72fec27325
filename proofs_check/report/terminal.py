"""The terminal table, the JSON document of the command-line contract, and the exit code, from the report model.

The model (``model.py``) is built once per run; ``document`` is its JSON form. Markdown
and HTML pages render the same model (``markdown.py``, ``html_page.py``). Files are
written by the one atomic writer, ``infgrad.atomic``.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Sequence


from rich.markup import escape

from ..claims.model import ClaimResult
from .model import Report, build, environment  # noqa: F401 - environment re-exported

WIDTH = 120  # columns of the table when not on a terminal (a log file, a pipe)
STATUS_STYLE = {"pass": "green", "fail": "bold red", "inconclusive": "yellow"}


def document(
    results: Sequence[ClaimResult],
    *,
    command: Sequence[str],
    seeds: Sequence[int],
    device: str,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON document every command writes (the command-line contract)."""
    extra = dict(extra or {})
    figures = extra.pop("figures", ())
    return build(results, command=command, seeds=seeds, device=device, figures=figures,
                 extra=extra).to_json()


def results_table(results: Report | Sequence[ClaimResult], title: str = "infgrad"):
    """A rich Table, one row per (claim, method); the evidence column wraps, never cuts."""
    from rich.table import Table

    rows = results.results if isinstance(results, Report) else results
    table = Table(title=title, show_lines=False)
    for col, kw in (("claim", {"no_wrap": True}), ("paper", {}), ("method", {"no_wrap": True}),
                    ("status", {"no_wrap": True}), ("evidence", {"overflow": "fold", "ratio": 1}),
                    ("s", {"justify": "right", "no_wrap": True})):
        table.add_column(col, **kw)
    for r in rows:
        style = STATUS_STYLE.get(r.status, "")
        table.add_row(r.claim, r.paper_ref, r.method, f"[{style}]{r.status}[/]", escape(r.summary or ""),
                      f"{r.seconds:.1f}")
    return table


def print_table(results: Report | Sequence[ClaimResult], *, file=None, title: str = "infgrad") -> None:
    """The table on ``file`` (stdout), as wide as the terminal, or ``WIDTH`` columns without one."""
    from rich.console import Console

    file = file or sys.stdout
    tty = hasattr(file, "isatty") and file.isatty()
    Console(file=file, width=None if tty else WIDTH).print(results_table(results, title))


def write_document(doc: dict[str, Any], path: str) -> str:
    """The JSON document to ``path``, or to standard output when ``path`` is ``-``; returns where."""
    if path == "-":
        sys.stdout.write(json.dumps(doc, indent=2, allow_nan=False) + "\n")
        sys.stdout.flush()
        return "standard output"
    from infgrad.atomic import write_json

    return str(write_json(path, doc))


def exit_code(results: Report | Sequence[ClaimResult], *, strict: bool = True) -> int:
    """1 when any result fails; with ``strict`` (``verify``) also when any is inconclusive,
    so that exit 0 means every check passed. The report is not strict: a claim that cannot
    be decided here (missing data files) is a finding, not an error."""
    rows = results.results if isinstance(results, Report) else results
    bad = ("fail", "inconclusive") if strict else ("fail",)
    return 1 if any(r.status in bad for r in rows) else 0
