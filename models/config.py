"""The training configuration: one frozen dataclass, validated once, round-tripped as a plain dict.

A checkpoint stores ``TrainConfig.to_dict()`` (plain JSON types only, so ``torch.load(...,
weights_only=True)`` can read it back) and ``TrainConfig.from_dict`` rejects unknown or wrongly
typed keys loudly, so a run can be rebuilt from its checkpoint alone.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from infgrad import params

from .device import resolve_device

ARCHS = params.param("arch").choices
DTYPES = params.param("dtype").choices
LARGEST = {"float32": 3.4028234663852886e38, "float64": 1.7976931348623157e308}   # each dtype's largest finite number


class BadConfig(ValueError):
    """A configuration value outside its allowed range (the CLI turns it into exit 2)."""


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run (the checkpoint stores it whole).

    Each field's type, range, unit and help are rows of :data:`infgrad.params.PARAMS` (the one place
    a range is written); :meth:`validate` checks every field against its row, then the relations
    between fields, which are written here: r <= d for synthetic data and checkpoint_every a
    multiple of log_every. ``device="auto"`` is resolved here (CUDA when torch sees a GPU, else
    the CPU), so a config always names the device it ran on.
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
    device: str = "cpu"             # "auto" resolves to "cpu" or "cuda" at construction
    dtype: str = "float32"          # "float32" | "float64"
    log_every: int = 100            # metrics/history every k steps (no per-step host syncs)
    checkpoint_every: int = 1000
    rprop_damping: bool = False     # damp parameters whose gradient sign oscillates (models.stacked)
    damping_ema: float = 0.9        # smoothing of the signs the damping compares (0: raw Rprop, which
                                    # minibatch noise drives to freeze weights; see models.stacked)
    rollback: bool = True           # non-finite window: roll back and halve lr (False: stop the run)
    gamma_anneal_fraction: float = 0.0  # fixed gamma only: gamma geometric from 1 to gamma over this
                                        # fraction of the steps (T12's arm c)
    outliers: int = 0               # off-manifold outliers (the "curve" toy)
    eval_samples: int = 2000        # metrics at log points use the first min(n, eval_samples) samples
    mmd_samples: int = 256          # MMD at log points on this many posterior/prior samples (O(m^2):
                                    # 500 cost ~7% of the run at log_every=100 on this CPU, 256 ~3%);
                                    # the final metrics use 1000

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise :class:`BadConfig` naming the parameter, the allowed range and the value."""
        for f in dataclasses.fields(self):
            try:
                # hidden may arrive as a list (JSON, a checkpoint): stored as a tuple so the config hashes
                object.__setattr__(self, f.name, params.check(f.name, getattr(self, f.name)))
            except params.BadValue as exc:
                raise BadConfig(str(exc)) from None
        if self.data in ("subspace", "manifold") and self.r > self.d:
            raise BadConfig(f"r must satisfy 1 <= r <= d; got d={self.d}, r={self.r}")
        if self.gamma is not None and self.gamma < 1.0 / LARGEST[self.dtype]:
            raise BadConfig(f"gamma = {self.gamma!r} is too small for {self.dtype}: 1/gamma overflows (Eq. (3) divides "
                            f"the error by gamma; needs gamma >= {1.0 / LARGEST[self.dtype]:.3g}); use a larger gamma"
                            + (" or dtype float64" if self.dtype == "float32" else ""))
        if self.device == "auto":
            object.__setattr__(self, "device", resolve_device("auto"))
        if self.checkpoint_every % self.log_every:
            raise BadConfig(f"checkpoint_every must be a positive multiple of log_every={self.log_every}; "
                            f"got checkpoint_every={self.checkpoint_every}")

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
        """Build a config, rejecting unknown keys and wrongly typed or out-of-range values loudly
        (:class:`BadConfig`): a checkpoint's config is checked against the same table as the CLI's."""
        if not isinstance(values, dict):
            raise BadConfig(f"a config must be a dict of values; got {type(values).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(map(str, values)) - known)
        if unknown:
            raise BadConfig(f"unknown config keys: {', '.join(unknown)}")
        return cls(**values)


def _fields_doc() -> str:
    """The class docstring's field list, one entry per field from its row of the parameter table."""
    lines = ["", "    Fields", "    ------"]
    for f in dataclasses.fields(TrainConfig):
        p = params.param(f.name)
        unit = f" ({p.unit})" if p.unit else ""
        lines += [f"    {f.name} : {p.range_text()}{unit}; default {f.default!r}", f"        {p.help}"]
    return "\n".join(lines) + "\n"


TrainConfig.__doc__ = (TrainConfig.__doc__ or "") + _fields_doc()

__all__ = ["TrainConfig", "BadConfig", "ARCHS", "DTYPES"]
