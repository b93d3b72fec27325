"""``infgrad sweep``'s engine room: a grid of training runs, one pack of seeds per cell.

``grid`` parses the grid (``--grid`` options or a TOML file), ``cell`` trains one cell through
``infgrad.models.engine.train_pack`` and names it by its config hash, ``store`` keeps finished
cells and writes the table, ``summary`` the 95% bootstrap intervals, ``plot`` one figure per swept
field, ``backends`` runs cells locally or on Ray, and ``run`` ties them together (resumable).
"""

from .run import SweepOutcome, run_sweep

__all__ = ["run_sweep", "SweepOutcome"]
