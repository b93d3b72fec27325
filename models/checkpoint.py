"""Checkpoint files: one dict written atomically, read back with ``weights_only=True``.

A checkpoint holds plain Python types and tensors only (model state, Adam moments and step, the
batch generator's state as a ByteTensor, lr, damping state, events, history, the config as a plain
dict; written by :func:`run_state`), so
``torch.load(..., weights_only=True)`` reads it without unpickling arbitrary objects.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from infgrad.atomic import write_bytes

from infgrad import params
from infgrad.files import FileRefused, regular_file

if TYPE_CHECKING:  # pragma: no cover
    from .config import TrainConfig
    from .engine import Pack

CHECKPOINT_NAME = "checkpoint.pt"
CHECKPOINT_FORMAT = "infgrad-vae-checkpoint/2"    # /2: the packed engine's flat Adam state (/1: torch.optim)


class CheckpointError(ValueError):
    """A checkpoint that cannot be read or does not match the run (the CLI: exit 2)."""


def save_checkpoint(state: dict[str, Any], path: str | Path) -> Path:
    """Write ``state`` atomically (``infgrad.atomic.write_bytes``): an interrupted write or a full
    disk leaves the previous good checkpoint in place."""
    buf = io.BytesIO()
    torch.save(state, buf)
    return write_bytes(path, buf.getvalue())


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint with ``weights_only=True`` onto the CPU; :class:`CheckpointError` when the
    file is not a regular file, unreadable, corrupt, not an infgrad checkpoint, or holds a value
    outside the parameter table (the file is left untouched)."""
    path = Path(path)
    try:
        regular_file(path, "checkpoint")
    except FileRefused as exc:
        raise CheckpointError(str(exc)) from None
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
    validate(st, path)
    return st


# key -> what it must be; numbers are checked against the parameter table's row of the same meaning
_SHAPES = {"model": dict, "adam": dict, "generator": torch.Tensor, "events": list, "history": dict}


def validate(st: dict[str, Any], path: Path) -> None:
    """Every value a resumed run reads back, checked against ``infgrad.params`` (the same table the
    command line checks): the config, the step, the step size; the containers by type."""
    from .config import BadConfig, TrainConfig

    missing = sorted({"config", "step", "lr", *_SHAPES} - set(st))
    if missing:
        raise CheckpointError(f"checkpoint {path} lacks {', '.join(missing)}")
    for key, kind in _SHAPES.items():
        if not isinstance(st[key], kind):
            raise CheckpointError(f"checkpoint {path}: {key} must be a {kind.__name__}; got {type(st[key]).__name__}")
    inner = {"model values": (st["model"].values(), torch.Tensor), "events": (st["events"], dict),
             "history values": (st["history"].values(), list),
             "adam moments": ((st["adam"].get("exp_avg"), st["adam"].get("exp_avg_sq")), torch.Tensor)}
    damping = st.get("damping")
    if damping is not None:
        if not isinstance(damping, dict):
            raise CheckpointError(f"checkpoint {path}: damping must be a dict or None; got {type(damping).__name__}")
        inner["damping state"] = ((damping.get("prev"), damping.get("eta")), torch.Tensor)
    for what, (items, kind) in inner.items():
        if not all(isinstance(v, kind) for v in items):
            raise CheckpointError(f"checkpoint {path}: {what} must each be a {kind.__name__}")
    if not all(isinstance(e.get("kind"), str) for e in st["events"]):
        raise CheckpointError(f"checkpoint {path}: every event must name its kind")
    try:
        TrainConfig.from_dict(st["config"])
        params.check("steps", st["step"])
        params.check("lr", st["lr"])
    except (BadConfig, params.BadValue) as exc:
        raise CheckpointError(f"checkpoint {path}: {exc}") from None


def check_resumable(cfg: TrainConfig, st: dict, path: Path, may_change: tuple[str, ...]) -> None:
    """Refuse a checkpoint of another run, format or a later step (:class:`CheckpointError`)."""
    saved = dict(st["config"])
    now = cfg.to_dict()
    diff = [k for k in now if k not in may_change and saved.get(k) != now[k]]
    if diff:
        k = diff[0]
        raise CheckpointError(f"checkpoint {path} was written by a different run: {k}={saved.get(k)!r} "
                              f"there, {k}={now[k]!r} now")
    if int(st["step"]) > cfg.steps:
        raise CheckpointError(f"checkpoint {path} is at step {st['step']}, beyond steps={cfg.steps}")


def run_state(pack: "Pack", i: int) -> dict[str, Any]:
    """Run i of ``pack`` as a checkpoint dict: plain types and tensors, every tensor in its module's
    shape and order (``Layout.canonical``), whatever the pack's storage order."""
    a, row = pack.adam, (lambda buf: pack.layout.canonical(buf[i]).cpu())   # the modules' order
    return {"format": CHECKPOINT_FORMAT, "config": pack.cfgs[i].to_dict(),
            "model": {k: v.detach().cpu().clone(memory_format=torch.contiguous_format)
                      for k, v in pack.models[i].state_dict().items()},
            "adam": {"exp_avg": row(a.m), "exp_avg_sq": row(a.v), "step": float(a.t[i])},
            "damping": ({"prev": row(a.prev), "eta": row(a.eta),
                         "flips": int(a.flips[i])} if a.damp is not None else None),
            "step": pack.step, "generator": pack.gens[i].get_state(), "lr": float(pack.lr[i]),
            "applied_lr": float(pack.applied_lr[i]), "events": [dict(e) for e in pack.events[i]],
            "history": {k: list(v) for k, v in pack.history[i].items()},
            "rollbacks_in_a_row": pack.rollbacks_in_a_row[i]}


def load_run_state(pack: "Pack", i: int, st: dict[str, Any]) -> None:
    """Put the checkpoint ``st`` (:func:`load_checkpoint`) into run i of ``pack``."""
    a, row = pack.adam, (lambda vec: pack.layout.from_canonical(vec.to(pack.dtype)))   # to storage order
    with torch.no_grad():
        pack.models[i].load_state_dict(st["model"])     # copies into the views of flat[i]
        a.m[i].copy_(row(st["adam"]["exp_avg"]))
        a.v[i].copy_(row(st["adam"]["exp_avg_sq"]))
        a.t[i] = float(st["adam"]["step"])
        if a.damp is not None and st.get("damping") is not None:
            a.prev[i].copy_(row(st["damping"]["prev"]))
            a.eta[i].copy_(row(st["damping"]["eta"]))
            a.flips[i] = int(st["damping"]["flips"])
    pack.gens[i].set_state(st["generator"])
    pack.step = int(st["step"])
    pack.lr[i], pack.applied_lr[i] = float(st["lr"]), float(st["applied_lr"])
    pack.events[i] = list(st["events"])
    pack.history[i] = {k: list(v) for k, v in st["history"].items()}
    pack.rollbacks_in_a_row[i] = int(st["rollbacks_in_a_row"])
