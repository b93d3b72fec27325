"""The training configuration: one frozen dataclass, validated once, round-tripped as a plain dict.

A checkpoint stores ``TrainConfig.to_dict()`` (plain JSON types only, so ``torch.load(...,
weights_only=True)`` can read it back) and ``TrainConfig.from_dict`` rejects unknown or wrongly
typed keys loudly, so a run can be rebuilt from its checkpoint alone.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

ARCHS = ("mlp", "conv", "linear")
DTYPES = ("float32", "float64")
DEVICES = ("cpu", "cuda")


class BadConfig(ValueError):
    """A configuration value outside its allowed range (the CLI turns it into exit 2)."""


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run (the checkpoint stores it whole).

    Allowed ranges (checked by :meth:`validate`, messages name parameter, range and value):

    ===================  =====================================================================
    data                 a name accepted by ``models.data.load_dataset``
    d, r                 d >= 1, r >= 1, r <= d for synthetic data (``subspace``, ``manifold``)
    n                    n >= 1 (synthetic); for file data the first n samples, 0 = all
    noise                noise >= 0
    kappa                kappa >= 1
    arch                 "mlp" | "conv" (28x28 images, d = 784) | "linear" (one affine map each side)
    hidden               widths >= 1 (mlp); ignored by conv and linear
    gamma                None (learned, gamma = 1 at the start) or a finite float > 0 (fixed)
    beta                 beta > 0
    steps                steps >= 0
    batch_size           batch_size >= 1
    lr                   lr > 0
    lr_tail_fraction     0 <= lr_tail_fraction <= 1: the last fraction of steps whose lr decays (0 = constant)
    lr_tail_factor       0 < lr_tail_factor <= 1: the lr of the final step is lr * lr_tail_factor
    log_every            log_every >= 1; metrics, the finiteness check and the rollback snapshot
    checkpoint_every     a positive multiple of log_every (a checkpoint is a good, checked state)
    eval_samples         eval_samples >= 2: samples used for metrics at each log point
    mmd_samples          mmd_samples >= 2: MMD samples at each log point (the final MMD uses 1000)
    damping_ema          0 <= damping_ema < 1 (used with rprop_damping)
    gamma_anneal_fraction 0 <= gamma_anneal_fraction <= 1 (used with a fixed gamma)
    ===================  =====================================================================
    """

    data: str = "subspace"          # name for models.data.load_dataset
    d: int = 20                     # data dimension (synthetic data)
    r: int = 3                      # manifold dimension (synthetic data)
    n: int = 1000                   # samples (synthetic data); first n of file data, 0 = all
    noise: float = 0.0              # isotropic noise std added to synthetic data
    kappa: int = 8                  # latent dimension
    arch: str = "mlp"               # "mlp" | "conv" (28x28 images) | "linear" (one layer each side)
    hidden: tuple[int, ...] = (128, 128)
    gamma: float | None = None      # None: learned (log_gamma, initialised at gamma = 1); float: fixed
    beta: float = 1.0               # KL weight
    steps: int = 20000
    batch_size: int = 100
    lr: float = 1e-3
    # the protocol's learning-rate tail (models.trainer.lr_at): constant lr for the first
    # steps - L steps, L = round(lr_tail_fraction * steps), then geometric decay over the last L
    # steps, lr * lr_tail_factor ** (j / L) at the j-th tail step (j = 1..L), so the final step
    # uses exactly lr * lr_tail_factor; lr_tail_fraction = 0 keeps lr constant
    lr_tail_fraction: float = 0.3
    lr_tail_factor: float = 0.01
    seed: int = 0
    device: str = "cpu"             # resolved device ("cpu" or "cuda"), never "auto" here
    dtype: str = "float32"          # "float32" | "float64"
    log_every: int = 100            # metrics/history every k steps (no per-step host syncs)
    checkpoint_every: int = 1000
    rprop_damping: bool = False     # damp parameters whose gradient sign oscillates (models.damping)
    damping_ema: float = 0.9        # smoothing of the signs the damping compares (0: raw Rprop, which
                                    # minibatch noise drives to freeze weights; see models.damping)
    rollback: bool = True           # non-finite window: roll back and halve lr (False: stop the run)
    gamma_anneal_fraction: float = 0.0  # fixed gamma only: gamma geometric from 1 to gamma over this
                                        # fraction of the steps (T12's arm c)
    outliers: int = 0               # off-manifold outliers (the "curve" toy)
    eval_samples: int = 2000        # metrics at log points use the first min(n, eval_samples) samples
    mmd_samples: int = 256          # MMD at log points on this many posterior/prior samples (O(m^2):
                                    # 500 cost ~7% of the run at log_every=100 on this CPU, 256 ~3%);
                                    # the final metrics use 1000

    def __post_init__(self) -> None:
        # hidden may arrive as a list (from JSON or a checkpoint); store a tuple so the config hashes
        object.__setattr__(self, "hidden", tuple(self.hidden))
        self.validate()

    def validate(self) -> None:
        """Raise :class:`BadConfig` naming the parameter, the allowed range and the value."""
        def need(ok: bool, msg: str) -> None:
            if not ok:
                raise BadConfig(msg)

        need(isinstance(self.data, str) and bool(self.data), f"data must be a non-empty name; got {self.data!r}")
        need(self.d >= 1, f"d must be >= 1; got d={self.d}")
        need(self.r >= 1, f"r must be >= 1; got r={self.r}")
        if self.data in ("subspace", "manifold"):
            need(self.r <= self.d, f"r must satisfy 1 <= r <= d; got d={self.d}, r={self.r}")
        need(self.n >= 0, f"n must be >= 0; got n={self.n}")
        need(self.noise >= 0, f"noise must be >= 0; got noise={self.noise}")
        need(self.kappa >= 1, f"kappa must be >= 1; got kappa={self.kappa}")
        need(self.arch in ARCHS, f"arch must be one of {', '.join(ARCHS)}; got {self.arch!r}")
        need(all(w >= 1 for w in self.hidden), f"hidden widths must be >= 1; got {list(self.hidden)}")
        if self.gamma is not None:
            g = float(self.gamma)
            need(g > 0 and g < float("inf"), f"gamma must be 'learn' or a finite number > 0; got {self.gamma!r}")
        need(self.beta > 0 and self.beta < float("inf"), f"beta must be a finite number > 0; got beta={self.beta}")
        need(self.steps >= 0, f"steps must be >= 0; got steps={self.steps}")
        need(self.batch_size >= 1, f"batch_size must be >= 1; got batch_size={self.batch_size}")
        need(self.lr > 0, f"lr must be > 0; got lr={self.lr}")
        need(0 <= self.lr_tail_fraction <= 1,
             f"lr_tail_fraction must satisfy 0 <= lr_tail_fraction <= 1; got lr_tail_fraction={self.lr_tail_fraction}")
        need(0 < self.lr_tail_factor <= 1,
             f"lr_tail_factor must satisfy 0 < lr_tail_factor <= 1; got lr_tail_factor={self.lr_tail_factor}")
        need(self.device in DEVICES, f"device must be one of {', '.join(DEVICES)} (resolve 'auto' first); "
                                     f"got {self.device!r}")
        need(self.dtype in DTYPES, f"dtype must be one of {', '.join(DTYPES)}; got {self.dtype!r}")
        need(self.log_every >= 1, f"log_every must be >= 1; got log_every={self.log_every}")
        need(self.checkpoint_every >= 1 and self.checkpoint_every % self.log_every == 0,
             f"checkpoint_every must be a positive multiple of log_every={self.log_every}; "
             f"got checkpoint_every={self.checkpoint_every}")
        need(self.outliers >= 0, f"outliers must be >= 0; got outliers={self.outliers}")
        need(0 <= self.damping_ema < 1, f"damping_ema must satisfy 0 <= damping_ema < 1; got damping_ema={self.damping_ema}")
        need(0 <= self.gamma_anneal_fraction <= 1, f"gamma_anneal_fraction must satisfy 0 <= gamma_anneal_fraction <= 1; "
                                                   f"got gamma_anneal_fraction={self.gamma_anneal_fraction}")
        need(self.mmd_samples >= 2, f"mmd_samples must be >= 2; got mmd_samples={self.mmd_samples}")
        need(self.eval_samples >= 2, f"eval_samples must be >= 2; got eval_samples={self.eval_samples}")

    def replace(self, **changes: Any) -> "TrainConfig":
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types only (``hidden`` as a list)."""
        out = dataclasses.asdict(self)
        out["hidden"] = list(self.hidden)
        return out

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "TrainConfig":
        """Build a config, rejecting unknown keys and wrongly typed values loudly (:class:`BadConfig`)."""
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise BadConfig(f"unknown config keys: {', '.join(unknown)}")
        clean: dict[str, Any] = {}
        for key, value in values.items():
            clean[key] = _coerce(key, value, _TYPES[key])
        return cls(**clean)


_TYPES: dict[str, str] = {
    "data": "str", "d": "int", "r": "int", "n": "int", "noise": "float", "kappa": "int", "arch": "str",
    "hidden": "ints", "gamma": "float?", "beta": "float", "steps": "int", "batch_size": "int",
    "lr": "float", "lr_tail_fraction": "float", "lr_tail_factor": "float", "seed": "int", "device": "str", "dtype": "str", "log_every": "int",
    "checkpoint_every": "int", "rprop_damping": "bool", "damping_ema": "float", "rollback": "bool",
    "gamma_anneal_fraction": "float", "outliers": "int", "eval_samples": "int",
    "mmd_samples": "int",
}


def _coerce(key: str, value: Any, kind: str) -> Any:
    bad = BadConfig(f"config key {key!r} must be {kind.rstrip('?')}{' or None' if kind.endswith('?') else ''}; "
                    f"got {value!r}")
    if kind.endswith("?"):
        if value is None:
            return None
        kind = kind[:-1]
    if kind == "bool":
        if not isinstance(value, bool):
            raise bad
        return value
    if isinstance(value, bool):
        raise bad
    if kind == "int":
        if not isinstance(value, int):
            raise bad
        return value
    if kind == "float":
        if not isinstance(value, (int, float)):
            raise bad
        return float(value)
    if kind == "str":
        if not isinstance(value, str):
            raise bad
        return value
    if kind == "ints":
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, int) and not isinstance(v, bool)
                                                            for v in value):
            raise bad
        return tuple(value)
    raise AssertionError(kind)  # pragma: no cover


__all__ = ["TrainConfig", "BadConfig", "ARCHS", "DTYPES"]
