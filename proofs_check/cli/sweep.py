"""``infgrad sweep``: a grid of training runs, one pack of seeds per cell, resumable, local or on Ray
(the work is in ``proofs_check/sweep/``; the output layout is described in ``sweep/store.py``)."""

from __future__ import annotations

from typing import Sequence

import click

from infgrad.errors import BadInput
from infgrad.models.device import resolve_device

from .options import OutputPath, device_option, quiet_option, table_option


@click.command()
@click.option("--grid", "grid_specs", multiple=True, metavar="NAME=V1,V2,...",
              help="A training field and its values (two or more: swept; one: held fixed). Repeatable. "
                   "MLP widths as 64x64.")
@click.option("--config", "config_path", default=None, metavar="FILE.toml",
              help="The grid from a TOML file: seeds = \"0-4\" and a [grid] table of fields.")
@click.option("--seeds", default=None, metavar="A-B|A,B,...",
              help="The seeds of every cell, e.g. 0-9 (default 0, or the TOML file's).")
@click.option("--out", "out", type=OutputPath(directory=True), required=True,
              help="Output directory: cells/, results.csv/.json, summary.csv/.json, plot_<field>.png.")
@table_option("backend", default="local")
@click.option("--address", default="auto", show_default=True, metavar="auto|local|HOST:PORT",
              help="The Ray cluster (ray backend only): auto = the one this machine joined, local = start "
                   "one here.")
@device_option
@quiet_option
def sweep(grid_specs: Sequence[str], config_path: str | None, seeds: str | None, out: str, backend: str,
          address: str, device: str, quiet: bool) -> int:
    """Train a grid of Gaussian VAEs, one pack of seeds per cell; finished cells are reused.

    Each cell's runs are trained together by the packed engine; a cell is named by the hash of its
    full config and seeds, stored when it finishes, and skipped by a later sweep into the same
    --out, so a killed sweep redoes only the unfinished cells.

    \b
    Examples:
      infgrad sweep --grid beta=0.5,1,2 --grid kappa=8,16 --grid steps=2000 --seeds 0-4 --out sw/
      infgrad sweep --config grid.toml --out sw/ --backend ray --address auto --device cuda
    """
    from ..sweep import run_sweep
    from ..sweep.grid import check_data, load_toml, parse_grid

    if config_path is not None and grid_specs:
        raise BadInput("give the grid with --grid or --config, not both")
    if backend == "local" and address != "auto":
        raise BadInput("--address is for --backend ray")
    grid = load_toml(config_path, seeds) if config_path else parse_grid(grid_specs, "0" if seeds is None else seeds)
    if backend == "ray":
        from ..sweep.backends import _import_ray

        _import_ray()                                   # say how to install it before any work
    else:
        check_data(grid)                                # an unreadable data file, before any cell runs
    dev = resolve_device(device)
    n_cells = len(grid.cells())

    def show(result: dict, reused: bool) -> None:
        if not quiet:
            values = " ".join(f"{k}={v}" for k, v in result["cell"]["values"].items()) or "(one cell)"
            how = "reused" if reused else f"{result['seconds']:.1f} s"
            click.echo(f"cell {result['hash']}  {values}  {len(result['rows'])} runs  {how}")

    try:
        outcome = run_sweep(grid, out, device=dev, backend=backend, address=address, on_cell=show)
    except KeyboardInterrupt:   # Ctrl-C or SIGTERM: the pool killed its workers, perhaps mid-write
        _remove_stale_temporaries(out)
        raise
    except FloatingPointError as exc:            # also a Ray task's, re-raised as an instance of its cause
        from .train import TrainingDiverged

        raise TrainingDiverged(f"a cell's training diverged (the finished cells are kept in {out}): "
                               f"{str(exc).splitlines()[-1] if str(exc) else exc!r}") from None
    click.echo(f"{n_cells} cells x {len(grid.seeds)} seeds: trained {len(outcome['ran'])}, reused "
               f"{len(outcome['reused'])}; {outcome['seconds']:.1f} s ({backend}, {dev}); table {out}/results.csv")
    return 0


def _remove_stale_temporaries(out: str) -> None:
    """Remove the temporary checkpoint files that workers killed mid-write left in ``out/partial/*``
    (``hold_folder`` removes them once it holds a cell's folder; a folder still held is left alone,
    and the next sweep into ``out`` removes them there)."""
    import contextlib
    from pathlib import Path

    from infgrad.models.checkpoint import CheckpointError, hold_folder

    for folder in sorted(Path(out, "partial").glob("*/")):
        if folder.is_dir() and not folder.is_symlink():
            with contextlib.suppress(CheckpointError, OSError), hold_folder(folder):
                pass
