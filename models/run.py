"""One training run's pieces that the single-run trainer (``models.trainer``) and the packed engine
(``models.engine``) both use: the learning-rate schedule, the annealed gamma, the result record,
the model and data of a config, and the progress bar. Nothing here imports the engine or the trainer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Iterator, Sequence

import numpy as np
import torch

from infgrad.errors import BadInput

from .config import BadConfig, TrainConfig
from .data import SYNTHETIC, Dataset, load_dataset
from .vae import GaussianVAE

__all__ = ["TrainResult", "FinalMetrics", "WIDTH_FROM_CONFIG", "lr_multiplier", "lr_multipliers", "log_gamma_at", "build_model", "dataset_for",
           "as_dataset", "datasets_for", "stack_data", "progress_bar", "HISTORY_KEYS", "FINAL_MMD_SAMPLES", "MAX_ROLLBACKS",
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


# the data kinds whose width is cfg.d; every other kind (curve, digits, images, an array given with
# another data name) has a width of its own, which the result's config then takes
WIDTH_FROM_CONFIG = ("subspace", "manifold")


@dataclass(eq=False, repr=False)
class FinalMetrics(Mapping):
    """The final metrics of a run, on all n samples (``models.metrics.evaluate``) plus its totals.

    A typed record that also reads as the dict it replaces (``final["gamma"]``, ``dict(final)``,
    ``final.get(...)``); :meth:`to_dict` is its JSON form. Energies are Eq. (3) of the paper in nats
    per sample; "active" dimensions are those the model uses (Sec. 2.2 and Remark 4).
    """

    loss: float                      #: mean of Eq. (3) with z ~ q(z|x)
    recon_error: float               #: mean ||x - mu_x(mu_z(x))||^2
    recon_error_expected: float      #: mean ||x - mu_x(z)||^2, z ~ q(z|x): the data term of Eq. (6)
    gamma: float                     #: decoder variance at the end
    log_gamma: float                 #: its logarithm (the trained parameter)
    kl: float                        #: KL(q(z|x) || N(0, I)) summed over the latent dimensions, nats
    kl_per_dim: list[float]          #: the KL of each latent dimension (kappa values), nats
    mean_encoder_var: list[float]    #: E_x[sigma_z,k^2] of each latent dimension (kappa values)
    var_threshold: float             #: a dimension with mean_encoder_var below it counts in active_var
    active_var: int                  #: latent dimensions with mean_encoder_var < var_threshold
    active_units: int                #: latent dimensions with Var_x(mu_z,k) > active_units_threshold
    active_units_cov: list[float]    #: Var_x(mu_z,k) of each latent dimension (kappa values)
    active_units_threshold: float    #: the threshold of active_units
    mmd: float                       #: unbiased MMD^2 between the aggregate posterior and N(0, I)
    mmd_biased: float                #: the biased (V-statistic) MMD^2 on the same samples, >= 0
    mmd_kernel: str                  #: the MMD's kernel and sample sizes, in words
    n_eval: int                      #: samples the metrics were computed on
    steps: int                       #: Adam steps taken
    seconds: float                   #: wall time of the run (of its pack, for train_pack)
    events: int                      #: rollbacks, stops and damping events (TrainResult.events)
    rollbacks: int                   #: non-finite windows rolled back
    lr: float                        #: the base step size at the end (halved once per rollback)
    n_params: int                    #: trainable parameters
    n: int                           #: training samples
    d: int                           #: data dimension
    device: str                      #: cpu or cuda
    dtype: str                       #: float32 or float64
    grad_norm_z: float | None = None  #: mean ||dL/dz|| of Fig. 4(b); None when not computed
    extra: dict[str, Any] = field(default_factory=dict)  #: keys added later (the CLI adds threads)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "FinalMetrics":
        """The record of a ``final`` dict; keys that are not fields go to ``extra``."""
        names = _FIELD_NAMES
        return cls(**{k: v for k, v in values.items() if k in names},
                   extra={k: v for k, v in values.items() if k not in names})

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types, ``extra`` merged in at the top level (no ``grad_norm_z`` when None)."""
        out = {k: getattr(self, k) for k in _FIELD_NAMES if k != "grad_norm_z" or self.grad_norm_z is not None}
        out.update(self.extra)
        return out

    def __getitem__(self, key: str) -> Any:
        if key in _FIELD_NAMES and (key != "grad_norm_z" or self.grad_norm_z is not None):
            return getattr(self, key)
        return self.extra[key]

    def __setitem__(self, key: str, value: Any) -> None:
        if key in _FIELD_NAMES:
            setattr(self, key, value)
        else:
            self.extra[key] = value

    def __iter__(self) -> Iterator[str]:
        return iter(self.to_dict())

    def __len__(self) -> int:
        return len(self.to_dict())

    def __repr__(self) -> str:
        return (f"FinalMetrics(loss={self.loss:.4g}, gamma={self.gamma:.3g}, recon_error={self.recon_error:.3g}, "
                f"active_var={self.active_var}, active_units={self.active_units}, mmd={self.mmd:.3g}, "
                f"steps={self.steps}, seconds={self.seconds:.3g})")


_FIELD_NAMES = tuple(f.name for f in fields(FinalMetrics) if f.name != "extra")


@dataclass(repr=False)
class TrainResult:
    """What :func:`infgrad.train` returns; :meth:`to_json` is what ``infgrad train --json`` writes.

    ``config`` is the run's config, with ``d`` the width of the data it trained on: data whose
    width is not ``cfg.d`` (the curve, digits, images) set it, and ``data_meta["d_from_data"]``
    is then True.
    """

    config: TrainConfig
    model: GaussianVAE
    final: FinalMetrics             # evaluate(...) at the end, plus steps, seconds, events count
    history: dict[str, list]        # one entry per log point, keys HISTORY_KEYS
    events: list[dict] = field(default_factory=list)  # {"step", "kind", "action", "lr", ...}
    seconds: float = 0.0
    data_meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.final, FinalMetrics):
            self.final = FinalMetrics.from_dict(self.final)
        if self.final.d != self.config.d:
            self.config = self.config.replace(d=int(self.final.d))
            self.data_meta = {**self.data_meta, "d_from_data": True}

    def to_json(self) -> dict:
        return {"config": self.config.to_dict(), "data": self.data_meta, "final": self.final.to_dict(),
                "history": self.history, "events": self.events, "seconds": self.seconds}

    def __repr__(self) -> str:
        c, f = self.config, self.final
        return (f"TrainResult({c.data}, d={c.d}, kappa={c.kappa}, {'learned' if c.gamma is None else 'fixed'} gamma, "
                f"{f.steps} steps in {self.seconds:.1f} s on {c.device}: loss {f.loss:.4g}, gamma {f.gamma:.3g}, "
                f"recon_error {f.recon_error:.3g}, active dims {f.active_var}/{f.active_units}, "
                f"{len(self.events)} events)")


def _dtype(name: str) -> torch.dtype:
    return torch.float64 if name == "float64" else torch.float32


def build_model(cfg: TrainConfig, d: int, state: dict | None = None) -> GaussianVAE:
    """The model of ``cfg``, initialised from ``cfg.seed`` without touching the global RNG, or
    loaded from the ``state_dict`` ``state`` (with a fixed ``cfg.gamma``, that value wins)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        model = GaussianVAE(d, cfg.kappa, cfg.arch, cfg.hidden, cfg.gamma)
    model = model.to(device=cfg.device, dtype=_dtype(cfg.dtype))
    if state is not None:
        model.load_state_dict(state)
        if cfg.gamma is not None:
            with torch.no_grad():
                model.log_gamma.fill_(math.log(cfg.gamma))
    return model


def stack_data(datasets: Sequence[Dataset], dtype: torch.dtype, device: str | torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """The runs' data as one (U, n, d) tensor with one copy per distinct array (a float32 array
    alone on the CPU is not copied: a view of its memory, which nothing writes), and each run's
    index into it, (M, 1)."""
    uniq: dict[int, int] = {}
    arrays = []
    for ds in datasets:
        if id(ds.X) not in uniq:
            uniq[id(ds.X)] = len(arrays)
            arrays.append(ds.X)
    parts = [torch.as_tensor(a, dtype=dtype).to(device) for a in arrays]
    Xs = parts[0].unsqueeze(0) if len(parts) == 1 else torch.stack(parts)  # one array: no copy on the CPU
    return Xs, torch.tensor([uniq[id(ds.X)] for ds in datasets], device=device).unsqueeze(1)


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
    """``data`` as a :class:`Dataset`: as given, built from ``cfg`` (None), or wrapped (an array).

    Data of another width than ``cfg.d`` are :class:`BadConfig` when ``cfg.data`` is a kind whose
    width is d (``WIDTH_FROM_CONFIG``); for the other kinds d is taken from the data, and the
    result says so (:class:`TrainResult`)."""
    if isinstance(data, Dataset):
        ds = data
    elif data is None:
        ds = dataset_for(cfg)
    else:
        try:
            with np.errstate(over="ignore"):   # beyond float32's range: inf, refused by datasets_for
                arr = np.asarray(data, dtype=np.float32)
        except (TypeError, ValueError) as exc:
            raise BadInput(f"data must be a numeric (n, d) array ({exc})") from None
        ds = Dataset(arr, "array", {"d": arr.shape[1] if arr.ndim == 2 else None, "n": arr.shape[0]})
    if ds.X.ndim != 2 or ds.X.shape[0] < 1:
        raise ValueError(f"data must be an (n, d) array with n >= 1; got shape {ds.X.shape}")
    if cfg.data in WIDTH_FROM_CONFIG and ds.X.shape[1] != cfg.d:
        raise BadConfig(f"the data are {ds.X.shape[1]} wide but d={cfg.d} (data={cfg.data!r} is d wide): "
                        f"give TrainConfig(d={ds.X.shape[1]}), or name data whose width is their own")
    return ds


def datasets_for(configs: Sequence[TrainConfig], data: Sequence[Dataset | np.ndarray | None]) -> list[Dataset]:
    """The data set of each run; runs whose data are built from their configs share one copy when
    the configs name the same data (file data do not depend on the seed, synthetic data do). Each
    distinct data set is checked once to be finite in float32 (:class:`BadInput` otherwise: NaN data,
    or ``noise 1e308``, could only train to non-finite values, 40 rollbacks and a 'diverged' exit)."""
    built: dict[tuple, Dataset] = {}
    out = []
    for c, x in zip(configs, data):
        if x is None:
            key = (c.data, c.d, c.r, c.n, c.noise, c.seed, c.outliers) if c.data in SYNTHETIC else (c.data, c.n)
            if key not in built:
                built[key] = dataset_for(c)
            x = built[key]
        out.append(as_dataset(c, x))
    for ds in {id(d): d for d in out}.values():
        with np.errstate(over="ignore"):
            finite = bool(np.isfinite(np.asarray(ds.X, dtype=np.float32)).all())
        if not finite:
            raise BadInput(f"the data {ds.name!r} hold non-finite values (nan, inf, or beyond float32's range"
                           + ("; lower the noise" if ds.name in SYNTHETIC else "") + ")")
    return out
