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

import time
from pathlib import Path
from typing import Callable

import numpy as np

from .checkpoint import CHECKPOINT_NAME, CheckpointError, check_resumable, load_checkpoint, load_run_state
from .config import TrainConfig
from .data import Dataset
from .engine import Pack, run_pack
from .run import RESUME_MAY_CHANGE, TrainResult, as_dataset, progress_bar

__all__ = ["train"]


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
    pack = Pack([cfg], [as_dataset(cfg, data)], [init_state])
    ckpt_path = Path(checkpoint_dir) / CHECKPOINT_NAME if checkpoint_dir is not None else None
    if ckpt_path is not None:
        ckpt_path.parent.mkdir(parents=True, exist_ok=True)
        if resume and ckpt_path.exists():
            st = load_checkpoint(ckpt_path)
            check_resumable(cfg, st, ckpt_path, RESUME_MAY_CHANGE)
            try:
                load_run_state(pack, 0, st)
            except (RuntimeError, KeyError, ValueError, TypeError, IndexError) as exc:  # tensors of another model
                raise CheckpointError(f"checkpoint {ckpt_path} does not fit this run ({type(exc).__name__})") from None
    bar = progress_bar(progress, cfg.steps)
    if bar is not None:
        bar.update(0, completed=pack.step)
    try:
        (result,) = run_pack(pack, checkpoint=ckpt_path, on_log=on_log, bar=bar, t0=t0)
    finally:
        if bar is not None:
            bar.stop()
    return result
