"""``infgrad train --seeds 0-15``: one run at several seeds, trained as ONE pack of the engine
(``models.trainer.train_packed``), with the pack's checkpoint and resume; one JSON holding each
seed's result and a summary over seeds, printed as a table.

The summary of each quantity (final gamma, active dims by variance, reconstruction error, MMD) is
its mean, sd (ddof 1) and the 95% bootstrap interval of the mean over seeds
(``experiments.common.stats``: scipy's percentile bootstrap, 9999 resamples, fixed random state).
"""

from __future__ import annotations

import sys
from typing import Any

import click

from infgrad.errors import BadInput
from infgrad.models.device import resolve_device


SUMMARISED = (("gamma", "gamma"), ("active dims", "active_var"), ("recon_error", "recon_error"), ("mmd", "mmd"))


def train_seeds(spec: str, *, device: str, threads: int | None, max_memory: int | None, json_path: str | None,
                checkpoint_dir: str | None, resume: bool, quiet: bool, values: dict[str, Any]) -> int:
    """Parse ``spec``, train the pack, print the summary table, write the JSON (see the module docstring)."""
    import dataclasses

    from infgrad.models.checkpoint import CheckpointError
    from infgrad.models.config import BadConfig, TrainConfig
    from infgrad.models.data import DataError
    from infgrad.models.memory import MemoryLimitExceeded, parameter_count
    from infgrad.models.threads import resolve_threads
    from infgrad.models.trainer import train_packed

    from ..sweep.grid import parse_seeds
    from .training import TrainingDiverged, load_pack_within_budget, write_result

    seeds = parse_seeds(spec)
    try:
        base = TrainConfig(device=resolve_device(device), **values)
        cfgs = [dataclasses.replace(base, seed=s) for s in seeds]
        data = load_pack_within_budget(cfgs, max_memory)   # the whole pack checked against the limit
    except (BadConfig, DataError, MemoryLimitExceeded) as exc:
        raise BadInput(str(exc)) from None
    import torch

    work = parameter_count(base.d, base.kappa, base.arch, base.hidden) * base.batch_size * len(cfgs)
    n_threads = resolve_threads("auto" if threads is None else threads, base.device, work)
    torch.set_num_threads(n_threads)
    try:
        results = train_packed(cfgs, data, checkpoint_dir=checkpoint_dir, resume=resume, progress=not quiet)
    except CheckpointError as exc:
        raise BadInput(str(exc)) from None
    except FloatingPointError as exc:
        raise TrainingDiverged(str(exc)) from None
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    summary = summarise(results)
    print_summary(seeds, results, summary, base.device, n_threads)
    if json_path:
        from .. import __version__
        from ..claims.model import jsonable
        from ..report import environment

        doc = {"infgrad_version": __version__, "command": ["infgrad", *sys.argv[1:]], "seeds": list(seeds),
               "device": base.device, "threads": n_threads, "environment": environment(base.device),
               "summary": summary, "runs": [{"seed": s, **r.to_json()} for s, r in zip(seeds, results)]}
        write_result(json_path, jsonable(doc))
    return 0


def summarise(results: list) -> dict[str, dict[str, Any]]:
    """Per summarised quantity: ``experiments.common.stats`` of its final value over the seeds."""
    from ..experiments.common import stats

    return {key: stats([r.final[key] for r in results]) for _, key in SUMMARISED}


def print_summary(seeds: tuple[int, ...], results: list, summary: dict, device: str, threads: int) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"infgrad train: {len(seeds)} seeds as one pack ({device}, {threads} thread"
                        f"{'s' if threads > 1 else ''}, {results[0].seconds:.1f} s)")
    table.add_column("quantity")
    for col in ("mean", "sd", "95% CI low", "95% CI high", "min", "max"):
        table.add_column(col, justify="right")
    for label, key in SUMMARISED:
        s = summary[key]
        table.add_row(label, *(f"{v:.4g}" for v in (s["mean"], s["sd"], *s["ci95"], s["min"], s["max"])))
    Console(width=100, soft_wrap=True).print(table)
    for seed, r in zip(seeds, results):
        f = r.final
        click.echo(f"seed {seed}: gamma {f['gamma']:.3g}  active dims {f['active_var']}  "
                   f"recon_error {f['recon_error']:.3g}  mmd {f['mmd']:.3g}  events {f['events']}")
