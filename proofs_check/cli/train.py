"""``infgrad train``: train one Gaussian VAE (models.trainer) with a progress bar; JSON and checkpoints.

Every option that is a ``TrainConfig`` field takes its default from ``TrainConfig`` and its type,
range and help from ``infgrad.params``. Before any data are built the request's memory is
estimated (``models.memory``) and refused above the limit.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from typing import Any

import click

from infgrad.errors import BadInput
from infgrad.models.config import TrainConfig
from infgrad.models.device import resolve_device

from .options import (OutputPath, device_option, json_file_option, max_memory_option, quiet_option,
                      refuse_json_over, seed_option, table_option)
from .training import TrainingDiverged, load_within_budget, write_result

DEFAULTS = {f.name: f.default for f in dataclasses.fields(TrainConfig)}


def config_option(name: str, **kw: Any):
    """The option of the ``TrainConfig`` field ``name``, with the config's default."""
    return table_option(name, default=DEFAULTS[name], **kw)


@click.command()
@config_option("data", metavar="NAME")
@config_option("d", help="Data dimension (synthetic data).")
@config_option("r", help="Manifold dimension (synthetic data; r <= d).")
@config_option("n")
@config_option("noise")
@config_option("outliers")
@config_option("kappa")
@config_option("arch")
@config_option("hidden")
@config_option("gamma")
@config_option("beta")
@config_option("steps")
@config_option("batch_size")
@config_option("lr")
@config_option("lr_tail_fraction")
@config_option("lr_tail_factor")
@seed_option
@click.option("--seeds", "seed_list", default=None, metavar="A-B|A,B,...",
              help="Train these seeds as one pack (e.g. 0-15 or 0,3,7): one JSON with each seed's result and "
                   "a summary (mean, sd, 95% bootstrap interval) of gamma, active dims, error and MMD.")
@device_option
@config_option("dtype")
@config_option("log_every")
@config_option("checkpoint_every")
@config_option("eval_samples")
@config_option("mmd_samples")
@table_option("threads")
@click.option("--rprop-damping", is_flag=True, help="Damp parameters whose gradient sign oscillates.")
@max_memory_option
@json_file_option
@click.option("--checkpoint", "checkpoint_dir", type=OutputPath(directory=True), default=None,
              metavar="DIR", help="Write DIR/checkpoint.pt atomically.")
@click.option("--resume", is_flag=True, help="Continue from DIR/checkpoint.pt when present.")
@quiet_option
def train(device: str, threads: int | None, max_memory: int | None, json_path: str | None,
          checkpoint_dir: str | None, resume: bool, quiet: bool, seed_list: str | None, **values: Any) -> int:
    """Train one Gaussian VAE on energy (3) (learned or fixed gamma); write metrics and checkpoints.

    \b
    Examples:
      infgrad train --data subspace --d 20 --r 3 --kappa 8 --steps 20000 --json run.json
      infgrad train --data manifold --gamma 1e-3 --checkpoint ckpt/ --resume
      infgrad train --seeds 0-15 --steps 5000 --json pack.json --checkpoint ck/ --resume
    """
    from infgrad.models.config import BadConfig
    from infgrad.models.data import DataError
    from infgrad.models.memory import MemoryLimitExceeded

    if resume and checkpoint_dir is None:
        raise BadInput("--resume needs --checkpoint DIR")
    if checkpoint_dir is not None:   # the checkpoint folder's own files (models.checkpoint)
        refuse_json_over(json_path, files=(os.path.join(checkpoint_dir, "checkpoint.pt"),
                                           os.path.join(checkpoint_dir, ".infgrad.lock")))
    if seed_list is not None:
        from .train_pack import train_seeds

        if click.get_current_context().get_parameter_source("seed") != click.core.ParameterSource.DEFAULT:
            raise BadInput("give --seed or --seeds, not both (--seeds names every seed of the pack)")

        return train_seeds(seed_list, device=device, threads=threads, max_memory=max_memory, json_path=json_path,
                           checkpoint_dir=checkpoint_dir, resume=resume, quiet=quiet, values=values)
    try:
        cfg = TrainConfig(device=resolve_device(device), **values)
        data = load_within_budget(cfg, max_memory)
    except (BadConfig, DataError, MemoryLimitExceeded) as exc:
        raise BadInput(str(exc)) from None
    from infgrad.models.memory import parameter_count
    from infgrad.models.threads import resolve_threads

    # --threads auto: 1 unless two cores are idle and the step is large (measured: models.trainer)
    work = parameter_count(cfg.d, cfg.kappa, cfg.arch, cfg.hidden) * cfg.batch_size
    n_threads = resolve_threads("auto" if threads is None else threads, cfg.device, work)
    result = _run(cfg, data, checkpoint_dir, resume, quiet, n_threads)

    f = result.final
    f["threads"] = n_threads
    click.echo(f"steps {f['steps']}  {result.seconds:.1f} s  loss {f['loss']:.4g}  gamma {f['gamma']:.3g}  "
               f"recon_error {f['recon_error']:.3g}  active dims {f['active_var']} (var < {f['var_threshold']}) "
               f"/ {f['active_units']} (AU > {f['active_units_threshold']})  mmd {f['mmd']:.3g}  "
               f"events {f['events']}  ({cfg.device}, {n_threads} thread{'s' if n_threads > 1 else ''})")
    if json_path:
        from .. import __version__
        from ..claims.model import jsonable

        from ..report import environment

        doc = {"infgrad_version": __version__, "command": ["infgrad", *sys.argv[1:]], "seeds": [cfg.seed],
               "device": cfg.device, "environment": environment(cfg.device), **result.to_json()}
        write_result(json_path, jsonable(doc))  # a diverged run has nan and inf, which JSON lacks
    return 0


def _run(cfg: TrainConfig, data, checkpoint_dir: str | None, resume: bool, quiet: bool, threads: int):
    import torch

    from infgrad.models.checkpoint import CheckpointError

    from infgrad.models.trainer import train as run_training

    torch.set_num_threads(threads)
    try:
        return run_training(cfg, data, checkpoint_dir=checkpoint_dir, resume=resume, progress=not quiet)
    except CheckpointError as exc:
        raise BadInput(str(exc)) from None
    except FloatingPointError as exc:
        raise TrainingDiverged(str(exc)) from None
    except ValueError as exc:  # e.g. the conv pair given non-image data
        raise BadInput(str(exc)) from None
