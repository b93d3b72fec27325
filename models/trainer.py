"""Training loop for the Gaussian VAE (filled in next; signatures are the agreed API)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .config import TrainConfig
from .data import Dataset
from .vae import GaussianVAE


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` if torch sees a GPU else ``cpu``; ``cpu``/``cuda`` unchanged."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


@dataclass
class TrainResult:
    config: TrainConfig
    model: GaussianVAE
    final: dict
    history: dict[str, list]
    events: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict:
        raise NotImplementedError


def train(cfg: TrainConfig, data: Dataset | np.ndarray | None = None, *, init_state: dict | None = None,
          checkpoint_dir: str | Path | None = None, resume: bool = False, progress: bool = True) -> TrainResult:
    raise NotImplementedError
