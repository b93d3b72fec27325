"""A sweep's output folder: one file per finished cell, and the results table built from them.

Layout of ``--out DIR``::

    DIR/cells/<hash>.json    one per finished cell (written atomically when it finishes)
    DIR/partial/<hash>/      a cell being trained: its pack checkpoint (removed when it finishes)
    DIR/grid.json            the grid and backend of the last invocation
    DIR/results.csv, .json   one row per run: hash, the swept fields, seed, final metrics, seconds
                             (the wall time of the run's cell, the same for each of its runs)
    DIR/summary.csv, .json   per cell and metric: mean and 95% bootstrap interval (sweep.summary)
    DIR/plot_<field>.png     one per swept field (sweep.plot)

A cell counts as finished when its file exists and holds the same cell (the hash's own check
against a collision or a hand-edited file); a killed sweep leaves the finished cells' files, and
the next invocation reuses them and trains only the others.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from infgrad.atomic import write_json, write_text
from infgrad.files import FileRefused, read_json

__all__ = ["cell_path", "finished", "store_cell", "write_table"]


def cell_path(out: str | Path, cell_hash: str) -> Path:
    return Path(out) / "cells" / f"{cell_hash}.json"


def finished(out: str | Path, cell: dict) -> dict | None:
    """The stored result of ``cell`` when a finished one is in ``out``, else None."""
    path = cell_path(out, cell["hash"])
    if not path.exists():
        return None
    try:
        doc = read_json(path, "sweep cell file")
    except FileRefused:
        return None                                    # unreadable: train the cell again
    if not isinstance(doc, dict) or doc.get("cell") != json.loads(json.dumps(cell)) or not isinstance(doc.get("rows"), list):
        return None
    return doc


def store_cell(out: str | Path, result: dict) -> Path:
    """Write one finished cell's result (``sweep.cell.run_cell``'s return value) atomically."""
    return write_json(cell_path(out, result["hash"]), result)


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else row[k] for k in columns})
    return buf.getvalue()


def write_table(out: str | Path, stem: str, rows: list[dict[str, Any]], extra: dict[str, Any]) -> None:
    """``out/<stem>.csv`` (the rows) and ``out/<stem>.json`` (``extra`` plus the rows)."""
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    write_text(Path(out) / f"{stem}.csv", _csv(rows, columns))
    write_json(Path(out) / f"{stem}.json", {**extra, "rows": rows})
