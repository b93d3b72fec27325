"""The paper's figures, drawn from saved results (never by re-training).

Convention: each figure module exposes

    CLAIMS: tuple[str, ...]                 # the claims the figure illustrates
    def draw(data_dir: Path, out_dir: Path) -> list[Path]

    SCHEMA: dict                            # the shape of the data it reads (see shape.py)
    CAPTION: str                            # optional: what the figure shows, in a sentence

``draw`` reads the JSON that the claims' checks saved under ``data_dir``
(``CheckContext.data_dir()``) through ``read_data``, which refuses data not shaped as ``SCHEMA``
says (``shape.BadShape``: ``infgrad figures`` exits 2), writes PNG and PDF files into ``out_dir``
(through ``save``, which applies the shared style of ``style.py``) and returns their paths; it
raises FileNotFoundError when its data are missing. The report shows ``CAPTION`` under the figure.
"""

from __future__ import annotations

import io
from pathlib import Path
from types import ModuleType
from typing import Any

from infgrad.lazy import resolve

# figure name -> module; the order is the report's order.
FIGURES: dict[str, str] = {
    "fig1_outliers": "infgrad.figures.fig1_outliers",
    "fig2_theorem4": "infgrad.figures.fig2_theorem4",
    "fig3_slices": "infgrad.figures.fig3_slices",
    "fig4_fixed_gamma": "infgrad.figures.fig4_fixed_gamma",
    "training_curves": "infgrad.figures.training_curves",
    "beta_sweep": "infgrad.figures.beta_sweep",
    "t17_smoothing": "infgrad.figures.t17_smoothing",
}


def load(name: str) -> ModuleType:
    """The figure module called ``name`` (KeyError for an unknown name)."""
    return resolve(FIGURES[name])


def read_data(data_dir: Path, filename: str, producer: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The JSON a check saved as ``data_dir/filename``, checked against the figure's ``schema``
    (``shape.check``: BadShape, a FileRefused, when it is not shaped as the figure reads it);
    FileNotFoundError naming ``producer`` (what to run to make it) when it is missing."""
    path = Path(data_dir) / filename
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: run {producer} first")
    from infgrad.files import read_json

    from .shape import check

    return check(read_json(path, "saved data"), schema, path)


def write_figure(fig: Any, path: Path, dpi: int = 120) -> Path:
    """Write ``fig`` to ``path`` in the format its suffix names, through the one atomic writer (a
    failed redraw keeps the previous figure), after ``style.finish`` has made its labels legible at
    the report's display width and its maths mathtext."""
    from infgrad.atomic import write_bytes

    from .style import finish

    finish(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format=Path(path).suffix[1:] or "png", dpi=dpi)
    return write_bytes(path, buf.getvalue())


def save(fig: Any, out_dir: Path, stem: str, dpi: int = 120) -> list[Path]:
    """Write ``fig`` as ``out_dir/stem.png`` and ``.pdf``, close it, return the two paths."""
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    paths = [write_figure(fig, out_dir / f"{stem}{suffix}", dpi) for suffix in (".png", ".pdf")]
    plt.close(fig)
    return paths
