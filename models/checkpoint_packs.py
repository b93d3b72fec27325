"""Checkpoints for every pack that ``models.engine.train_pack`` runs: one folder per pack under a root.

An experiment trains several packs of different shapes (bases and continuations, one pack per
data size ...). Inside :func:`checkpointed_packs`, each pack is run by
:func:`models.trainer.run_with_checkpoint` in ``ROOT/<digest>/``, where the digest names everything
the pack's runs are a function of: the configs, the data and the initial parameters (which hold any
``init_states``). So a re-run with ``resume`` finds each finished pack's last checkpoint (and
recomputes its results from it without a step), continues the pack that was interrupted, and starts
the rest; on the CPU the results are bit-identical to an uninterrupted run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Iterator

from .engine import PACK_RUNNER, Pack
from .run import TrainResult
from .trainer import run_with_checkpoint

DIGEST_CHARS = 20


def pack_digest(pack: Pack) -> str:
    """A hex digest of the pack's configs, data and initial parameters (before any step)."""
    h = hashlib.sha256()
    h.update(json.dumps([dataclasses.asdict(c) for c in pack.cfgs], sort_keys=True, default=str).encode())
    for t in (pack.Xs, pack.didx, pack.flat):
        h.update(str((tuple(t.shape), str(t.dtype))).encode())
        h.update(t.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:DIGEST_CHARS]


@contextlib.contextmanager
def checkpointed_packs(root: str | Path, resume: bool) -> Iterator[Path]:
    """Within the block, every pack ``train_pack`` runs is saved in ``root/<pack_digest>/`` (locked
    while it runs) and, with ``resume``, continued from there."""
    root = Path(root)

    def runner(pack: Pack, *, bar=None, t0: float | None = None) -> list[TrainResult]:
        return run_with_checkpoint(pack, root / pack_digest(pack), resume, bar=bar, t0=t0)

    token = PACK_RUNNER.set(runner)
    try:
        yield root
    finally:
        PACK_RUNNER.reset(token)
