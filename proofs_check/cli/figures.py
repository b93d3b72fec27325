"""``infgrad figures``: redraw the paper's figures from the results saved by ``infgrad report``."""

from __future__ import annotations

from pathlib import Path

import click

from infgrad.errors import BadInput
from .options import out_option


@click.command()
@out_option("A directory written by `infgrad report`: figures are drawn from its data/ into its figures/.",
            required=True)
def figures(out: str) -> int:
    """Redraw the paper's figures from the results saved in --out (never re-trains).

    Exit 2 when --out holds no saved data or a data file cannot be read (not JSON, too large, too
    deep, or not shaped as the figure reads it: a missing key, a wrong type, a non-finite number
    where one is plotted), 1 when a figure module crashed, else 0 (a figure whose data are missing
    is listed, not an error). Each figure's title names the run's profile, seeds and rule version.

    \b
    Example:
      infgrad figures --out r/
    """
    from ..report.run import redraw_figures

    entries = redraw_figures(out)
    for f in entries:
        if f.status == "drawn":
            click.echo(f"{f.name}: " + ", ".join(str(Path(out) / p) for p in f.files))
        elif f.status != "bad data":
            click.echo(f"{f.name}: {f.status}: {f.note}")
    bad = [f for f in entries if f.status == "bad data"]
    if bad:  # the other figures are drawn; the unreadable files are the input's fault
        raise BadInput("; ".join(f"{f.name}: {f.note}" for f in bad))
    return 1 if any(f.status == "crashed" for f in entries) else 0
