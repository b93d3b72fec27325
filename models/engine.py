"""Train many Gaussian VAEs at once: ``train_pack`` (the packed engine's public entry point).

``train_pack(configs, data)`` returns, in input order, for each run exactly what
:func:`models.trainer.train` returns for it (config, model, final, history, events). Runs whose
shapes differ (data size, d, kappa, arch, widths, steps, batch, log points, dtype, device) are
split into separate packs internally.

This first version is the reference semantics: a plain loop over :func:`models.trainer.train`.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .config import TrainConfig
from .data import Dataset
from .trainer import TrainResult, train

__all__ = ["train_pack"]


def train_pack(configs: Sequence[TrainConfig], data: Sequence[Dataset | np.ndarray | None] | None = None, *,
               init_states: Sequence[dict | None] | None = None, progress: bool = False) -> list[TrainResult]:
    """Train every run of ``configs`` (each on ``data[i]``; None or a missing list builds
    ``cfg.data``) and return one :class:`TrainResult` per run, in input order.

    ``init_states[i]``, when given, is a model ``state_dict`` run i starts from (as ``train``'s
    ``init_state``).
    """
    configs = list(configs)
    data = [None] * len(configs) if data is None else list(data)
    init_states = [None] * len(configs) if init_states is None else list(init_states)
    if len(data) != len(configs) or len(init_states) != len(configs):
        raise ValueError(f"train_pack: {len(configs)} configs but {len(data)} data and "
                         f"{len(init_states)} init states")
    return [train(cfg, x, init_state=s, progress=progress) for cfg, x, s in zip(configs, data, init_states)]
