"""Checkpoint files: one dict written atomically, read back with ``weights_only=True``, checked
against the schema (``models.checkpoint_schema``) before a step is taken.

A run's checkpoint holds plain Python types and tensors only (model state, Adam moments and step,
the batch generator's state as a ByteTensor, lr, damping state, events, history, the config as a
plain dict; written by :func:`run_state`), so ``torch.load(..., weights_only=True)`` reads it
without unpickling arbitrary objects. A pack of M > 1 runs writes one file holding the M runs'
dicts (:data:`PACK_FORMAT`), so its runs are saved and resumed together, at one step.

A checkpoint folder is held by one run at a time (:func:`hold_folder`: an ``fcntl`` lock on
``DIR/.infgrad.lock``, which holds the holder's pid), and a run that holds it removes the
temporary files a killed writer left there under the writer's own naming.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import io
import os
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import torch

from infgrad.atomic import write_bytes

from infgrad.files import FileRefused, regular_file

from .checkpoint_schema import CheckpointError, Pack, check_fits, check_static

if TYPE_CHECKING:  # pragma: no cover
    from .config import TrainConfig

__all__ = ["CHECKPOINT_NAME", "CHECKPOINT_FORMAT", "PACK_FORMAT", "CheckpointError", "save_checkpoint",
           "load_checkpoint", "load_runs", "hold_folder", "pack_state", "resume_pack", "run_state",
           "load_run_state", "check_resumable"]

CHECKPOINT_NAME = "checkpoint.pt"
CHECKPOINT_FORMAT = "infgrad-vae-checkpoint/2"    # /2: the packed engine's flat Adam state (/1: torch.optim)
PACK_FORMAT = "infgrad-vae-pack/1"                # {"format", "runs": [M run dicts]}
LOCK_NAME = ".infgrad.lock"
_STALE = re.compile(r"^\.checkpoint\.pt\.[0-9a-f]{16}\.tmp$")    # infgrad.atomic's temporary names


def save_checkpoint(state: dict[str, Any], path: str | Path) -> Path:
    """Write ``state`` atomically (``infgrad.atomic.write_bytes``): an interrupted write or a full
    disk leaves the previous good checkpoint in place."""
    buf = io.BytesIO()
    torch.save(state, buf)
    return write_bytes(path, buf.getvalue())


def _read(path: Path) -> Any:
    try:
        regular_file(path, "checkpoint")
    except FileRefused as exc:
        raise CheckpointError(str(exc)) from None
    try:
        with warnings.catch_warnings():  # torch warns about a raw pickle: the one error line says it
            warnings.simplefilter("ignore")
            return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means a corrupt file
        # torch's own message suggests weights_only=False, which infgrad never does: name the type only
        raise CheckpointError(f"cannot read checkpoint {path}: corrupt, truncated or not a weights-only "
                              f"torch file ({type(exc).__name__})") from None


def _one_run(st: Any, path: Path) -> dict[str, Any]:
    if isinstance(st, dict) and str(st.get("format", "")).startswith("infgrad-vae-checkpoint/") \
            and st["format"] != CHECKPOINT_FORMAT:
        raise CheckpointError(f"{path} was written by an older infgrad ({st['format']}, this one reads "
                              f"{CHECKPOINT_FORMAT}); train again without resuming")
    if not isinstance(st, dict) or st.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"{path} is not an infgrad checkpoint")
    check_static(st, path)
    return st


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a one-run checkpoint with ``weights_only=True`` onto the CPU; :class:`CheckpointError`
    when the file is not a regular file, unreadable, corrupt, not an infgrad checkpoint, or breaks
    the schema (the file is left untouched)."""
    path = Path(path)
    st = _read(path)
    if isinstance(st, dict) and st.get("format") == PACK_FORMAT:
        raise CheckpointError(f"{path} holds a pack of runs, not one run")
    return _one_run(st, path)


def load_runs(path: str | Path) -> list[dict[str, Any]]:
    """The run dicts of a one-run or pack checkpoint, each checked as :func:`load_checkpoint` does."""
    path = Path(path)
    st = _read(path)
    if not (isinstance(st, dict) and st.get("format") == PACK_FORMAT):
        return [_one_run(st, path)]
    if set(st) != {"format", "runs"} or not isinstance(st["runs"], list) or len(st["runs"]) < 2:
        raise CheckpointError(f"checkpoint {path}: a pack must hold format and a list of at least 2 runs")
    runs = [_one_run(r, path) for r in st["runs"]]
    if len({r["step"] for r in runs}) != 1:
        raise CheckpointError(f"checkpoint {path}: the runs of a pack must be at one step")
    return runs


def pack_state(pack: Pack) -> dict[str, Any]:
    """What a pack saves: one run's dict, or the pack format holding every run's."""
    if pack.M == 1:
        return run_state(pack, 0)
    return {"format": PACK_FORMAT, "runs": [run_state(pack, i) for i in range(pack.M)]}


def resume_pack(pack: Pack, path: Path, may_change: tuple[str, ...]) -> None:
    """Load the checkpoint at ``path`` into ``pack`` after checking every run against the schema,
    the pack's configs and its tensors' dtypes and shapes; nothing is changed on a refusal."""
    runs = load_runs(path)
    if len(runs) != pack.M:
        raise CheckpointError(f"checkpoint {path} holds {len(runs)} run(s); this run has {pack.M}")
    for i, st in enumerate(runs):
        check_resumable(pack.cfgs[i], st, path, may_change)
        check_fits(st, pack, i, path)
    for i, st in enumerate(runs):
        try:
            load_run_state(pack, i, st)
        except (RuntimeError, KeyError, ValueError, TypeError, IndexError) as exc:  # e.g. a generator state
            raise CheckpointError(f"checkpoint {path} does not fit this run ({type(exc).__name__})") from None


@contextlib.contextmanager
def hold_folder(folder: str | Path) -> Iterator[Path]:
    """Hold the checkpoint folder for the block: an exclusive ``fcntl.flock`` on ``DIR/.infgrad.lock``
    (a second holder gets :class:`CheckpointError` naming the first one's pid); then remove stale
    temporary checkpoint files (``.checkpoint.pt.<hex>.tmp``) that a killed writer left."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lock = folder / LOCK_NAME
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        why = "it is a symbolic link" if exc.errno == errno.ELOOP else exc.strerror
        raise CheckpointError(f"cannot lock checkpoint folder {folder} ({lock}: {why})") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise CheckpointError(f"checkpoint folder {folder} is in use by another infgrad run (pid {holder}); "
                                  f"wait for it or use another folder") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)   # the pid a second run names
        for name in os.listdir(folder):
            if _STALE.match(name) and (folder / name).is_file() and not (folder / name).is_symlink():
                with contextlib.suppress(OSError):
                    os.unlink(folder / name)
        yield folder
    finally:
        os.close(fd)    # releases the lock; the file stays (removing it would race a new holder)


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


def run_state(pack: Pack, i: int) -> dict[str, Any]:
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


def load_run_state(pack: Pack, i: int, st: dict[str, Any]) -> None:
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
