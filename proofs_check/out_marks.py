"""Which command's output a folder holds: ``report`` and ``sweep`` both write ``OUT/results.json``,
so one run into the other's folder would replace the other's results. Both refuse such a folder
before any work, from the command line and from Python alike."""

from __future__ import annotations

import os

from infgrad.errors import BadInput

# the files by which a folder is known as a command's output
OUT_MARKS = {"report": ("report.md", "report.html"), "sweep": ("grid.json",)}


def refuse_foreign_out(out: str | os.PathLike[str], command: str) -> None:
    """:class:`BadInput` when ``out`` holds another command's output (``OUT_MARKS``)."""
    for other, names in OUT_MARKS.items():
        found = [n for n in names if other != command and os.path.lexists(os.path.join(out, n))]
        if found:
            raise BadInput(f"{os.fspath(out)} holds the output of infgrad {other} ({found[0]}), whose results.json "
                           f"infgrad {command} would replace; use another folder")
