"""The paper's figures, drawn from saved results (never by re-training).

Convention: each figure module exposes

    CLAIMS: tuple[str, ...]                 # the claims the figure illustrates
    def draw(data_dir: Path, out_dir: Path) -> list[Path]

``draw`` reads the JSON that the claims' checks saved under ``data_dir``
(``CheckContext.data_dir()``), writes PNG and PDF files into ``out_dir`` and
returns their paths; it raises FileNotFoundError when its data are missing.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# figure name -> module; the order is the report's order.
FIGURES: dict[str, str] = {
    "fig1_outliers": "figures.fig1_outliers",
    "fig2_theorem4": "figures.fig2_theorem4",
    "fig3_slices": "figures.fig3_slices",
    "fig4_fixed_gamma": "figures.fig4_fixed_gamma",
    "training_curves": "figures.training_curves",
    "beta_sweep": "figures.beta_sweep",
    "t17_smoothing": "figures.t17_smoothing",
}


def load(name: str) -> ModuleType:
    return importlib.import_module(FIGURES[name])
