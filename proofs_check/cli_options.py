"""Options shared by several subcommands, defined once."""

from __future__ import annotations

import click

seed_option = click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
                           help="Base random seed; every random draw derives from it.")
device_option = click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto",
                             show_default=True, help="Where torch runs: auto picks CUDA when present.")
json_option = click.option("--json", "json_path", type=click.Path(dir_okay=False, writable=True),
                           default=None, help="Write the results as JSON to this file.")
quiet_option = click.option("--quiet", is_flag=True, help="No progress display.")


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` when torch sees a GPU, else ``cpu``; asking for ``cuda`` without one is bad input."""
    from .errors import BadInput

    if device == "cpu":
        return "cpu"
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if device == "cuda":
        raise BadInput("--device cuda was asked for, but torch sees no CUDA device; use --device auto or cpu")
    return "cpu"
