"""Checkpoint files: one dict written atomically, read back with ``weights_only=True``.

A checkpoint holds plain Python types and tensors only (model state, Adam moments and step, the
batch generator's state as a ByteTensor, lr, damping state, events, history, the config as a plain
dict; written by ``models.engine.Pack.run_state``), so
``torch.load(..., weights_only=True)`` reads it without unpickling arbitrary objects.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

CHECKPOINT_NAME = "checkpoint.pt"
CHECKPOINT_FORMAT = "infgrad-vae-checkpoint/2"    # /2: the packed engine's flat Adam state (/1: torch.optim)


class CheckpointError(ValueError):
    """A checkpoint that cannot be read or does not match the run (the CLI: exit 2)."""


def save_checkpoint(state: dict[str, Any], path: str | Path) -> Path:
    """Write ``state`` to ``path.tmp``, then rename it over ``path``: an interrupted write leaves
    the previous good checkpoint in place (``os.replace`` is atomic on one file system)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)
    return path


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint with ``weights_only=True`` onto the CPU; :class:`CheckpointError` when the
    file is unreadable, corrupt or not an infgrad checkpoint (the file is left untouched)."""
    path = Path(path)
    try:
        st = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means a corrupt file
        # torch's own message suggests weights_only=False, which infgrad never does: name the type only
        raise CheckpointError(f"cannot read checkpoint {path}: corrupt, truncated or not a weights-only "
                              f"torch file ({type(exc).__name__})") from None
    if isinstance(st, dict) and str(st.get("format", "")).startswith("infgrad-vae-checkpoint/") \
            and st["format"] != CHECKPOINT_FORMAT:
        raise CheckpointError(f"{path} was written by an older infgrad ({st['format']}, this one reads "
                              f"{CHECKPOINT_FORMAT}); train again without resuming")
    if not isinstance(st, dict) or st.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"{path} is not an infgrad checkpoint")
    return st
