"""Training loop for the Gaussian VAE: Adam on the mean of Eq. (3) over mini-batches.

``train`` runs one model as a pack of one of the packed engine (``models.engine``), so a single run
and a run in a pack share one code path. Design (per-step overhead kept at the level of a bare loop):

- the data live on the device as one tensor; a batch is ``X[torch.randint(n, (B,), generator=g)]``
  with a ``torch.Generator`` that the checkpoint stores, so a run is a function of its seed;
- no host synchronisation inside the ``log_every`` window: the batch losses are summed into a
  device tensor, metrics and the progress display run only at log points;
- non-finite values (Sec. 4-5 of the paper: large gradients near gamma -> 0) are detected at log
  points by one fused check (window loss sum and every parameter finite). A non-finite window is
  rolled back to the snapshot taken at the previous good log point (model, optimizer, generator,
  damping state), the step size is halved and the event logged; the window is then replayed.
  The alternative, a finiteness check every step, costs one host sync per step; rolling back a
  whole window wastes at most ``log_every`` steps, and only when something went wrong;
- optional Rprop-style damping with EMA-smoothed signs (``damping_ema``; :class:`models.stacked.FlatAdam`);
- ``rollback=False`` (T18's stress arm "none"): a run stops at its first non-finite window instead;
- ``gamma_anneal_fraction`` > 0 with a fixed gamma: log gamma goes linearly from 0 to log(gamma)
  over that fraction of the steps (gamma geometric from 1), then stays (:func:`log_gamma_at`);
- gamma and the encoder variances are never clamped;
- the learning-rate tail of the protocol (:func:`lr_multiplier`): the step of update t is
  ``lr * lr_multiplier(cfg, t)``, constant, then geometric decay to ``lr * cfg.lr_tail_factor`` over
  the last ``round(cfg.lr_tail_fraction * cfg.steps)`` updates. ``lr`` itself (the base step that a
  rollback halves) is what events and ``final["lr"]`` record; ``history["lr"]`` is the step actually
  applied at the last update of each window.

Checkpoints are one dict (model, Adam moments, step, generator state, lr, damping state, events,
history, full config as a plain dict), written atomically (temporary file, then ``os.replace``) at
log points that are multiples of ``checkpoint_every`` and at the end, and read with
``torch.load(..., weights_only=True)``. Because a checkpoint is taken exactly where the rollback
snapshot is, a resumed CPU run is bit-identical to an uninterrupted one.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Callable

import numpy as np

from .checkpoint import CHECKPOINT_NAME, hold_folder, resume_pack
from .config import TrainConfig
from .data import Dataset
from .engine import Pack, pack_key, run_pack
from .run import RESUME_MAY_CHANGE, TrainResult, datasets_for, progress_bar

__all__ = ["train", "run_with_checkpoint"]


def train(cfg: TrainConfig, data: Dataset | np.ndarray | None = None, *, init_state: dict | None = None,
          checkpoint_dir: str | Path | None = None, resume: bool = False, progress: bool = True,
          on_log: Callable[[int, dict], None] | None = None) -> TrainResult:
    """Train the Gaussian VAE of ``cfg`` on ``data`` (default: ``dataset_for(cfg)``), as a pack of one.

    Parameters
    ----------
    cfg : the run; ``cfg.device`` must already be resolved: ``cpu`` or ``cuda``, never ``auto``.
    data : a :class:`Dataset`, an (n, d) array, or None to build ``cfg.data``.
    init_state : a model ``state_dict`` to start from (e.g. continue an optimum with a new beta);
        with a fixed ``cfg.gamma`` the fixed value wins over the state's ``log_gamma``.
    checkpoint_dir : where ``checkpoint.pt`` is written every ``checkpoint_every`` steps and at the end.
    resume : continue from ``checkpoint_dir/checkpoint.pt`` when it exists (its config must match
        ``cfg`` except ``steps``).
    progress : a rich progress bar on stderr, updated at log points.
    on_log : called as ``on_log(step, record)`` after each log point (and its checkpoint); an
        exception raised there aborts the run (tests use it to interrupt a run).

    Returns
    -------
    TrainResult, with ``final`` = :func:`models.metrics.evaluate` on all samples plus ``steps``,
    ``seconds``, ``events``, ``rollbacks``, ``n_params``.
    """
    t0 = time.perf_counter()
    pack = Pack([cfg], datasets_for([cfg], [data]), [init_state])
    return run_with_checkpoint(pack, checkpoint_dir, resume, bar=progress_bar(progress, cfg.steps), on_log=on_log,
                               t0=t0)[0]


def run_with_checkpoint(pack: Pack, checkpoint_dir: str | Path | None, resume: bool, *, bar=None,
                        on_log: Callable[[int, dict], None] | None = None, t0: float | None = None) -> list[TrainResult]:
    """:func:`models.engine.run_pack` with the pack saved to ``checkpoint_dir/checkpoint.pt``, which
    is held (locked) for the run, cleaned of stale temporary files, and resumed from when ``resume``
    and it exists (every run checked against the schema before the first step)."""
    with contextlib.ExitStack() as stack:
        if bar is not None:
            stack.callback(bar.stop)
        ckpt_path = None
        if checkpoint_dir is not None:
            ckpt_path = stack.enter_context(hold_folder(checkpoint_dir)) / CHECKPOINT_NAME
            if resume and ckpt_path.exists():
                resume_pack(pack, ckpt_path, RESUME_MAY_CHANGE)
        if bar is not None:
            bar.update(0, completed=pack.step)
        return run_pack(pack, checkpoint=ckpt_path, on_log=on_log, bar=bar, t0=t0)


def train_packed(configs: list[TrainConfig], data: list[Dataset | np.ndarray | None] | None = None, *,
                 checkpoint_dir: str | Path | None = None, resume: bool = False,
                 progress: bool = True) -> list[TrainResult]:
    """Train ``configs`` as ONE pack (they must share :func:`models.engine.pack_key`, e.g. the same run
    at several seeds) with the pack's checkpoint in ``checkpoint_dir`` (see :func:`run_with_checkpoint`);
    one :class:`TrainResult` per config, in order. ``models.engine.train_pack`` splits any list into
    packs but does not checkpoint."""
    t0 = time.perf_counter()
    datasets = datasets_for(configs, [None] * len(configs) if data is None else list(data))
    keys = {pack_key(c, *ds.X.shape) for c, ds in zip(configs, datasets)}
    if len(keys) != 1:
        raise ValueError("train_packed: the runs differ in shape (data size, widths, steps, ...) and "
                         "cannot share one pack")
    pack = Pack(list(configs), datasets, [None] * len(configs))
    return run_with_checkpoint(pack, checkpoint_dir, resume, bar=progress_bar(progress, configs[0].steps), t0=t0)
