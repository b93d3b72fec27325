"""The terminal table, the JSON document of the command-line contract, and the exit code, from the report model.

The model (``model.py``) is built once per run; ``document`` is its JSON form. Markdown
and HTML pages render the same model (``markdown.py``, ``html_page.py``). Files are
written by the one atomic writer, ``infgrad.atomic``.
"""

from __future__ import annotations

import sys
from typing import Any, Sequence


from ..claims.model import ClaimResult
from .model import Report, build, environment  # noqa: F401 - environment re-exported

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


def one_line(r: ClaimResult, width: int = 90) -> str:
    text = r.summary or ""
    return text if len(text) <= width else text[: width - 1] + "…"


def results_table(results: Report | Sequence[ClaimResult], title: str = "infgrad"):
    """A rich Table, one row per (claim, method)."""
    from rich.table import Table

    rows = results.results if isinstance(results, Report) else results
    table = Table(title=title, show_lines=False)
    for col, kw in (("claim", {}), ("paper", {}), ("method", {}), ("status", {}),
                    ("evidence", {"overflow": "fold"}), ("s", {"justify": "right"})):
        table.add_column(col, **kw)
    for r in rows:
        style = STATUS_STYLE.get(r.status, "")
        table.add_row(r.claim, r.paper_ref, r.method, f"[{style}]{r.status}[/]",
                      one_line(r), f"{r.seconds:.1f}")
    return table


def print_table(results: Report | Sequence[ClaimResult], *, file=None, title: str = "infgrad") -> None:
    from rich.console import Console

    Console(file=file or sys.stdout, width=160).print(results_table(results, title))


def exit_code(results: Report | Sequence[ClaimResult], *, strict: bool = True) -> int:
    """1 when any result fails; with ``strict`` (``verify``) also when any is inconclusive,
    so that exit 0 means every check passed. The report is not strict: a claim that cannot
    be decided here (missing data files) is a finding, not an error."""
    rows = results.results if isinstance(results, Report) else results
    bad = ("fail", "inconclusive") if strict else ("fail",)
    return 1 if any(r.status in bad for r in rows) else 0
