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

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch

from .checkpoint import CHECKPOINT_NAME, CheckpointError, check_resumable, load_checkpoint, load_run_state
from .config import TrainConfig
from .data import SYNTHETIC, Dataset, load_dataset
from .vae import GaussianVAE

__all__ = ["TrainResult", "train", "lr_multiplier", "lr_multipliers", "log_gamma_at", "resolve_threads",
           "build_model", "dataset_for",
           "CheckpointError", "load_checkpoint", "CHECKPOINT_NAME"]

FINAL_MMD_SAMPLES = 1000
MAX_ROLLBACKS = 40            # consecutive rollbacks before giving up (lr shrunk by 2^-40)
HISTORY_KEYS = ("step", "loss", "eval_loss", "recon_error", "recon_error_expected", "gamma", "kl",
                "active_var", "active_units", "mmd", "grad_norm_z", "lr", "seconds", "kl_per_dim",
                "mean_encoder_var")
# config fields that may differ between a checkpoint and the run resuming it (not the device: the
# batch generator state is device-specific)
RESUME_MAY_CHANGE = ("steps",)


def lr_multiplier(cfg: TrainConfig, t: int) -> float:
    """The factor on the base lr at update t (0-based) of a ``cfg.steps``-update run.

    With L = round(lr_tail_fraction * steps) and T0 = steps - L: 1 for t < T0, and
    ``lr_tail_factor ** ((t - T0 + 1) / L)`` for T0 <= t < steps (geometric decay; the last update
    uses exactly ``lr_tail_factor``). L = 0 (fraction 0, or a run too short) keeps lr constant.
    """
    return float(lr_multipliers(cfg, t, 1)[0])


def lr_multipliers(cfg: TrainConfig, start: int, k: int) -> np.ndarray:
    """:func:`lr_multiplier` of updates ``start .. start + k - 1`` as one (k,) float64 array."""
    t = np.arange(start, start + k, dtype=np.float64)
    tail = int(round(cfg.lr_tail_fraction * cfg.steps))
    if tail == 0:
        return np.ones(k)
    first = cfg.steps - tail
    return np.where(t < first, 1.0, float(cfg.lr_tail_factor) ** ((t - first + 1.0) / tail))


def log_gamma_at(cfg: TrainConfig, t: int) -> float:
    """log gamma at update t (0-based) of a run with a fixed, annealed gamma: log(cfg.gamma) (t + 1) / A
    for t < A = round(gamma_anneal_fraction * steps) (gamma geometric from 1 to cfg.gamma), then log(cfg.gamma)."""
    target = math.log(float(cfg.gamma))
    a = int(round(cfg.gamma_anneal_fraction * cfg.steps))
    return target * min(1.0, (t + 1) / a) if a > 0 else target


@dataclass
class TrainResult:
    """What :func:`train` returns; :meth:`to_json` is what ``infgrad train --json`` writes."""

    config: TrainConfig
    model: GaussianVAE
    final: dict                     # evaluate(...) at the end, plus steps, seconds, events count
    history: dict[str, list]        # one entry per log point, keys HISTORY_KEYS
    events: list[dict] = field(default_factory=list)  # {"step", "kind", "action", "lr", ...}
    seconds: float = 0.0
    data_meta: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"config": self.config.to_dict(), "data": self.data_meta, "final": self.final,
                "history": self.history, "events": self.events, "seconds": self.seconds}


def _dtype(name: str) -> torch.dtype:
    return torch.float64 if name == "float64" else torch.float32


def build_model(cfg: TrainConfig, d: int) -> GaussianVAE:
    """The model of ``cfg``, initialised from ``cfg.seed`` without touching the global RNG."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        model = GaussianVAE(d, cfg.kappa, cfg.arch, cfg.hidden, cfg.gamma)
    return model.to(device=cfg.device, dtype=_dtype(cfg.dtype))


def dataset_for(cfg: TrainConfig) -> Dataset:
    """``load_dataset`` with the sizes and seed of ``cfg``."""
    return load_dataset(cfg.data, d=cfg.d, r=cfg.r, n=cfg.n, noise=cfg.noise, seed=cfg.seed,
                        outliers=cfg.outliers)


def progress_bar(enabled: bool, total: int):
    """A started rich progress bar on stderr with one task of ``total`` steps, or None."""
    if not enabled:
        return None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    prog = Progress(TextColumn("train"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                    TimeElapsedColumn(), transient=False)
    prog.start()
    prog.add_task("", total=total)
    return prog


def as_dataset(cfg: TrainConfig, data: Dataset | np.ndarray | None) -> Dataset:
    """``data`` as a :class:`Dataset`: as given, built from ``cfg`` (None), or wrapped (an array)."""
    if isinstance(data, Dataset):
        ds = data
    elif data is None:
        ds = dataset_for(cfg)
    else:
        arr = np.asarray(data, dtype=np.float32)
        ds = Dataset(arr, "array", {"d": arr.shape[1] if arr.ndim == 2 else None, "n": arr.shape[0]})
    if ds.X.ndim != 2 or ds.X.shape[0] < 1:
        raise ValueError(f"data must be an (n, d) array with n >= 1; got shape {ds.X.shape}")
    return ds


def datasets_for(configs: Sequence[TrainConfig], data: Sequence[Dataset | np.ndarray | None]) -> list[Dataset]:
    """The data set of each run; runs whose data are built from their configs share one copy when
    the configs name the same data (file data do not depend on the seed, synthetic data do)."""
    built: dict[tuple, Dataset] = {}
    out = []
    for c, x in zip(configs, data):
        if x is None:
            key = (c.data, c.d, c.r, c.n, c.noise, c.seed, c.outliers) if c.data in SYNTHETIC else (c.data, c.n)
            if key not in built:
                built[key] = dataset_for(c)
            x = built[key]
        out.append(as_dataset(c, x))
    return out


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
    from .engine import Pack, run_pack

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



# torch CPU threads. On the shared 2-core CPU (issue 10) 2 intra-op threads on busy cores made the
# same benchmark run take 3 s to 78 s from repeat to repeat (threads spin-waiting for a busy core);
# 1 thread cannot be hit that way, and a pack spends its arithmetic in large batched matmuls that one
# thread runs near peak. So: 1 thread unless at least 2 cores are idle and a step carries enough
# arithmetic to share (parameters x batch >= LARGE_STEP_WORK: the large benchmark model, 784-512-512
# batch 256, has ~3e8; the small one, 20-128-128 batch 100, ~4e6). benchmarks/results/cpu.md has the
# 1-thread against 2-thread numbers of this machine.
LARGE_STEP_WORK = 50_000_000


def resolve_threads(requested: str | int, device: str, step_work: int = 0, *, cpus: int | None = None,
                    load: float | None = None) -> int:
    """The torch CPU thread count for ``--threads`` (``"auto"`` or an integer >= 1).

    ``auto``: 1 on CUDA (the CPU only launches kernels) and on a busy CPU; on the CPU with at least
    two idle cores (cores minus the 1-minute load average) and ``step_work`` (parameters x batch
    size x runs in a pack) >= ``LARGE_STEP_WORK``, the idle cores. ``cpus`` and ``load`` default to
    ``os.cpu_count()`` and ``os.getloadavg()[0]``. Raises ``ValueError`` on anything else.
    """
    if requested != "auto":
        try:
            n = int(requested)
        except (TypeError, ValueError):
            n = 0
        if isinstance(requested, bool) or n < 1 or str(n) != str(requested).strip():
            raise ValueError(f"threads must be 'auto' or an integer >= 1; got {requested!r}")
        return n
    if device == "cuda":
        return 1
    import os

    cpus = (os.cpu_count() or 1) if cpus is None else cpus
    load = os.getloadavg()[0] if load is None else load
    idle = int(cpus - load)
    return min(idle, cpus) if idle >= 2 and step_work >= LARGE_STEP_WORK else 1
