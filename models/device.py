"""Which torch device a run uses: ``auto``, ``cpu`` or ``cuda``, resolved once for every entry point."""

from __future__ import annotations

from infgrad.errors import BadInput

DEVICES = ("auto", "cpu", "cuda")


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` when torch sees a GPU, else ``cpu``; asking for ``cuda`` without one is bad input."""
    if device == "cpu":
        return "cpu"
    if device not in DEVICES:
        raise BadInput(f"device must be one of {', '.join(DEVICES)}; got {device!r}")
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if device == "cuda":
        raise BadInput("--device cuda was asked for, but torch sees no CUDA device; use --device auto or cpu")
    return "cpu"
