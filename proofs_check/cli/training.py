"""What ``infgrad train`` and its packed form (``train --seeds``) share: the memory check before the
data are built, the diverged-run error, and the result writer that never loses a finished run."""

from __future__ import annotations

import click

from infgrad.errors import BadInput, InfgradError
from infgrad.models.config import TrainConfig


class TrainingDiverged(InfgradError):
    """Training stayed non-finite after every rollback (exit 1: the run failed, the input was fine)."""

    exit_code = 1


def write_result(path: str, doc: dict) -> None:
    """Write the finished run's JSON; when that fails (a full disk), print it on stdout so the work
    is not lost, and say so in the one error line."""
    import json

    from infgrad.atomic import WriteError, write_json

    try:
        write_json(path, doc)
    except WriteError as exc:
        click.echo(json.dumps(doc, allow_nan=False))
        raise BadInput(f"{exc}; the result JSON is printed on stdout instead") from None


def load_within_budget(cfg: TrainConfig, max_memory: int | None):
    """Size the request from ``cfg`` and the data's shape (an image file's header only), refuse it
    above the memory limit (``MemoryLimitExceeded``), then build or read the data set."""
    return load_pack_within_budget([cfg], max_memory)[0]


def load_pack_within_budget(cfgs: list[TrainConfig], max_memory: int | None) -> list:
    """:func:`load_within_budget` for runs trained as one pack: the pack's memory (each run's
    estimate, summed: ``models.memory.pack_estimate``) is checked against the limit before any data
    set is built; then each run's data set is built or read."""
    import numpy as np

    from infgrad.models.data import data_shape, load_dataset
    from infgrad.models.memory import limit_text, pack_estimate, training_estimate

    runs = []
    for cfg in cfgs:
        n, d, width = data_shape(cfg.data, d=cfg.d, r=cfg.r, n=cfg.n, outliers=cfg.outliers)
        runs.append(training_estimate(n=n, d=d, kappa=cfg.kappa, arch=cfg.arch, hidden=cfg.hidden,
                                      batch_size=cfg.batch_size, eval_samples=cfg.eval_samples, steps=cfg.steps,
                                      log_every=cfg.log_every, dtype_bytes=8 if cfg.dtype == "float64" else 4,
                                      synthetic_width=width, mmd_samples=cfg.mmd_samples))
    estimate = pack_estimate(runs)
    what = "the request" if len(cfgs) == 1 else f"the pack of {len(cfgs)} runs"
    estimate.check(max_memory, what=what)
    if cfgs[0].device == "cuda":
        import torch

        free, _ = torch.cuda.mem_get_info()
        estimate.on_device().check(free, how="the GPU's free memory", what=what)
    with np.errstate(over="ignore", invalid="ignore"):   # an overflow is refused in one line (models.run.datasets_for)
        return [load_dataset(cfg.data, d=cfg.d, r=cfg.r, n=cfg.n, noise=cfg.noise, seed=cfg.seed,
                             outliers=cfg.outliers, max_bytes=limit_text(max_memory)[0]) for cfg in cfgs]
