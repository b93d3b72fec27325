"""Run a sweep: reuse the finished cells found in the output folder by their config hash, train the
others on the chosen backend (each stored the moment it finishes), then write the results table,
the summary and one plot per swept field (layout: ``sweep.store``)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from infgrad.atomic import write_json

from ..out_marks import refuse_foreign_out
from .backends import run_local, run_ray
from .cell import ROW_METRICS, make_cell
from .grid import Grid
from .plot import plot_field
from .store import finished, store_cell, write_table
from .summary import CONFIDENCE, summarise

__all__ = ["run_sweep", "SweepOutcome"]


class SweepOutcome(dict):
    """``ran`` and ``reused`` (cell hashes), ``rows``, ``summary``, ``seconds``, ``files``."""


def run_sweep(grid: Grid, out: str | Path, *, device: str = "cpu", backend: str = "local",
              address: str = "auto", on_cell: Callable[[dict, bool], None] | None = None) -> SweepOutcome:
    """Train every unfinished cell of ``grid`` and write the tables and plots into ``out``.
    ``on_cell(result, reused)`` is called once per cell, reused ones first."""
    refuse_foreign_out(out, "sweep")
    out = Path(out)
    t0 = time.perf_counter()
    cells = [make_cell(values, grid.fixed, grid.seeds, device) for values in grid.cells()]
    write_json(out / "grid.json", {**grid.to_dict(), "device": device, "backend": backend,
                                   "cells": [c["hash"] for c in cells]})
    results: dict[str, dict] = {}
    todo = []
    for cell in cells:
        doc = finished(out, cell)
        if doc is None:
            todo.append(cell)
        else:
            results[cell["hash"]] = doc
            if on_cell is not None:
                on_cell(doc, True)

    def done(result: dict) -> None:
        store_cell(out, result)
        results[result["hash"]] = result
        if on_cell is not None:
            on_cell(result, False)

    if todo:
        partial = str(out / "partial")
        if backend == "ray":
            run_ray(todo, done, device, address, partial)
        else:
            run_local(todo, done, device, partial)
        try:
            (out / "partial").rmdir()                  # every cell finished: nothing partial is left
        except OSError:
            pass
    ordered = [results[c["hash"]] for c in cells]
    rows = [row for res in ordered for row in res["rows"]]
    seconds = time.perf_counter() - t0
    meta = {**grid.to_dict(), "device": device, "backend": backend, "metrics": list(ROW_METRICS),
            "ran": [c["hash"] for c in todo], "seconds": seconds}
    write_table(out, "results", rows, meta)
    summary = summarise(ordered)
    write_table(out, "summary", summary, {"confidence": CONFIDENCE, "method": "bootstrap percentile, mean over seeds"})
    files = [out / "results.csv", out / "results.json", out / "summary.csv", out / "summary.json"]
    for field in grid.swept:
        files.append(plot_field(summary, grid.swept, field, out / f"plot_{field}.png"))
    return SweepOutcome(ran=[c["hash"] for c in todo], reused=[c["hash"] for c in cells if c not in todo],
                        rows=rows, summary=summary, seconds=seconds, files=files)
