"""One training run's pieces that the single-run trainer (``models.trainer``) and the packed engine
(``models.engine``) both use: the learning-rate schedule, the annealed gamma, the result record,
the model and data of a config, and the progress bar. Nothing here imports the engine or the trainer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import torch

from .config import TrainConfig
from .data import SYNTHETIC, Dataset, load_dataset
from .vae import GaussianVAE

__all__ = ["TrainResult", "lr_multiplier", "lr_multipliers", "log_gamma_at", "build_model", "dataset_for",
           "as_dataset", "datasets_for", "progress_bar", "HISTORY_KEYS", "FINAL_MMD_SAMPLES", "MAX_ROLLBACKS",
           "RESUME_MAY_CHANGE"]

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
