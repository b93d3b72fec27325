"""Test helper: the body rows of a Markdown table in a document (the docs tests read the README's
and docs/claims.md's tables this way)."""

from __future__ import annotations


def table_rows(markdown: str, header: str) -> list[list[str]]:
    """The body rows (cells stripped) of the first table whose header line starts with ``header``."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows
