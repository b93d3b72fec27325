"""Checkpoint files: one dict written atomically, read back with ``weights_only=True``.

A checkpoint holds plain Python types and tensors only (model and optimizer state, the batch
generator's state as a ByteTensor, lr, events, history, the config as a plain dict), so
``torch.load(..., weights_only=True)`` reads it without unpickling arbitrary objects.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import torch

from models.atomic import write_bytes

CHECKPOINT_NAME = "checkpoint.pt"
CHECKPOINT_FORMAT = "infgrad-vae-checkpoint/1"


class CheckpointError(ValueError):
    """A checkpoint that cannot be read or does not match the run (the CLI: exit 2)."""


def save_checkpoint(state: dict[str, Any], path: str | Path) -> Path:
    """Write ``state`` atomically (``models.atomic.write_bytes``): an interrupted write or a full
    disk leaves the previous good checkpoint in place."""
    buf = io.BytesIO()
    torch.save(state, buf)
    return write_bytes(path, buf.getvalue())


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
    if not isinstance(st, dict) or st.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"{path} is not an infgrad checkpoint")
    return st
