"""The checkpoint schema: every field of a run's checkpoint (``models.checkpoint.run_state``), typed
and ranged, checked before a resumed run takes a step.

Two stages, both raising :class:`CheckpointError` with one line naming the field:

- :func:`check_static` (at load): the closed set of keys; the config against the parameter table
  (``TrainConfig.from_dict``); the step a log point of that config; counters, step sizes and
  Adam's step count finite and in range; every event and the history (its keys, one entry per log
  point, the logged steps themselves); the containers' element types;
- :func:`check_fits` (once the run's pack exists): each tensor's dtype and shape against the model
  the config builds (``pack.models[i]``, ``pack.layout``), the generator state against a fresh
  generator of the device, and the tensors finite where the run could only have saved finite ones
  (a run with rollback; Adam's second moment >= 0; damping's eta in [ETA_MIN, 1]).

Left free, since no value of them changes the training that follows: the history's metric values
(a stopped run logs NaN) and an event's ``action`` text (at most ``MAX_TEXT`` characters).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Protocol

import torch

from .config import BadConfig, TrainConfig
from .run import HISTORY_KEYS, MAX_ROLLBACKS
from .stacked import ETA_MIN


class Pack(Protocol):
    """What the checkpoint format reads and writes of a pack (``models.engine.Pack`` has it), named
    here instead of importing the engine, which imports the checkpoint modules."""

    M: int
    cfgs: list
    models: list
    flat: Any
    layout: Any
    adam: Any
    dtype: torch.dtype
    gens: list
    step: int
    lr: Any
    applied_lr: Any
    events: list
    history: list
    rollbacks_in_a_row: list

KEYS = frozenset({"format", "config", "model", "adam", "damping", "step", "generator", "lr", "applied_lr",
                  "events", "history", "rollbacks_in_a_row"})
PER_DIM = ("kl_per_dim", "mean_encoder_var")   # history keys whose entries are (kappa,) lists
EVENT_KINDS = frozenset({"non-finite", "sign-oscillation"})
MAX_TEXT = 1000
MAX_EVENTS_PER_LOG_POINT = 64   # up to MAX_ROLLBACKS (40) rollbacks and one damping note per window


class CheckpointError(ValueError):
    """A checkpoint that cannot be read or does not match the run (the CLI: exit 2)."""


def _bad(path: Path, field: str, why: str) -> CheckpointError:
    return CheckpointError(f"checkpoint {path}: {field} {why}")


def _int(v: Any, path: Path, field: str, lo: int, hi: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise _bad(path, field, f"must be an integer; got {type(v).__name__}")
    if not lo <= v <= hi:
        raise _bad(path, field, f"must be in [{lo}, {hi}]; got {v}")
    return v


def _float(v: Any, path: Path, field: str, lo: float, hi: float, lo_open: bool = False) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise _bad(path, field, f"must be a number; got {type(v).__name__}")
    if not math.isfinite(v) or v < lo or v > hi or (lo_open and v == lo):
        raise _bad(path, field, f"must be finite and in {'(' if lo_open else '['}{lo}, {hi}]; got {v!r}")
    return float(v)


def check_static(st: dict[str, Any], path: Path) -> None:
    """Everything that can be checked without the run's model (see the module docstring)."""
    keys = set(map(str, st))
    if keys != KEYS:
        missing, extra = sorted(KEYS - keys), sorted(keys - KEYS)
        raise CheckpointError(f"checkpoint {path}: " + "; ".join(
            ([f"lacks {', '.join(missing)}"] if missing else []) + ([f"has unknown {', '.join(extra)}"] if extra else [])))
    if isinstance(st["config"], dict) and set(map(str, st["config"])) != set(TrainConfig().to_dict()):
        raise _bad(path, "config", f"must hold every field of a run; lacks "
                                   f"{', '.join(sorted(set(TrainConfig().to_dict()) - set(map(str, st['config']))))}")
    try:
        cfg = TrainConfig.from_dict(st["config"])
    except (BadConfig, TypeError) as exc:
        raise _bad(path, "config", f"is not a valid run: {exc}") from None
    step = _int(st["step"], path, "step", 0, cfg.steps)
    if step and step % cfg.log_every and step != cfg.steps:
        raise _bad(path, "step", f"{step} is not a log point of its run (log_every {cfg.log_every})")
    lr = _float(st["lr"], path, "lr", 0.0, 1e300, lo_open=True)
    _float(st["applied_lr"], path, "applied_lr", 0.0, lr)
    _int(st["rollbacks_in_a_row"], path, "rollbacks_in_a_row", 0, MAX_ROLLBACKS)
    for key, kind in (("model", dict), ("adam", dict), ("events", list), ("history", dict)):
        if not isinstance(st[key], kind):
            raise _bad(path, key, f"must be a {kind.__name__}; got {type(st[key]).__name__}")
    if not isinstance(st["generator"], torch.Tensor):
        raise _bad(path, "generator", f"must be a tensor; got {type(st['generator']).__name__}")
    if not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in st["model"].items()):
        raise _bad(path, "model", "must map names to tensors")
    adam = st["adam"]
    if set(adam) != {"exp_avg", "exp_avg_sq", "step"}:
        raise _bad(path, "adam", f"must hold exp_avg, exp_avg_sq and step; got {', '.join(sorted(map(str, adam)))}")
    t = _float(adam["step"], path, "adam.step", 0.0, float(step))
    if t != int(t):
        raise _bad(path, "adam.step", f"must be a whole number; got {t!r}")
    damping = st["damping"]
    if damping is not None:
        if not isinstance(damping, dict) or set(damping) != {"prev", "eta", "flips"}:
            raise _bad(path, "damping", "must be None or hold prev, eta and flips")
        _int(damping["flips"], path, "damping.flips", 0, 2**62)
    for i, e in enumerate(st["events"]):
        _check_event(e, path, f"events[{i}]", step)
    history = st["history"]
    if set(map(str, history)) != set(HISTORY_KEYS):
        raise _bad(path, "history", f"must have exactly the keys {', '.join(HISTORY_KEYS)}")
    logged = history["step"]
    if not isinstance(logged, list) or not all(isinstance(s, int) and not isinstance(s, bool) for s in logged) \
            or any(a >= b for a, b in zip(logged, logged[1:])) or (logged and not 1 <= logged[0]) \
            or (logged[-1] if logged else 0) != step or not set(range(cfg.log_every, step + 1, cfg.log_every)) <= set(logged):
        raise _bad(path, "history['step']", f"must be the increasing log points up to step {step}")
    if len(st["events"]) > MAX_EVENTS_PER_LOG_POINT * (len(logged) + 1):
        raise _bad(path, "events", f"are {len(st['events'])}, more than a run of {len(logged)} log points logs")
    for key in HISTORY_KEYS:
        values = history[key]
        if not isinstance(values, list) or len(values) != len(logged):
            raise _bad(path, f"history[{key!r}]", f"must be a list of {len(logged)} entries (one per log point)")
        for v in values:
            if key in PER_DIM and (not isinstance(v, list) or len(v) != cfg.kappa):
                raise _bad(path, f"history[{key!r}]", f"entries must be lists of kappa={cfg.kappa} numbers")
            items = v if key in PER_DIM else [v]
            if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in items):
                raise _bad(path, f"history[{key!r}]", "entries must be numbers")


def _check_event(e: Any, path: Path, field: str, step: int) -> None:
    if not isinstance(e, dict) or set(e) != {"step", "kind", "action", "lr"}:
        raise _bad(path, field, "must hold exactly step, kind, action and lr")
    _int(e["step"], path, f"{field}.step", 0, step)
    if e["kind"] not in EVENT_KINDS:
        raise _bad(path, f"{field}.kind", f"must be one of {', '.join(sorted(EVENT_KINDS))}; got {e['kind']!r}")
    if not isinstance(e["action"], str) or len(e["action"]) > MAX_TEXT:
        raise _bad(path, f"{field}.action", f"must be a text of at most {MAX_TEXT} characters")
    _float(e["lr"], path, f"{field}.lr", 0.0, 1e300, lo_open=True)


def _tensor(v: torch.Tensor, like: torch.Tensor, path: Path, field: str) -> None:
    if v.dtype != like.dtype or tuple(v.shape) != tuple(like.shape):
        raise _bad(path, field, f"must be a {like.dtype} tensor of shape {tuple(like.shape)}; got "
                                f"{v.dtype} {tuple(v.shape)}")
    if v.layout != torch.strided or v.is_quantized or v.is_sparse:
        raise _bad(path, field, "must be a plain dense tensor")


def check_fits(st: dict[str, Any], pack: Pack, i: int, path: Path) -> None:
    """Each tensor of ``st`` against run i of ``pack`` (see the module docstring)."""
    want = pack.models[i].state_dict()
    if set(st["model"]) != set(want):
        raise _bad(path, "model", f"must hold the tensors {', '.join(sorted(want))}")
    finite = pack.cfgs[i].rollback
    for name, like in want.items():
        _tensor(st["model"][name], like, path, f"model[{name!r}]")
        if finite and not bool(st["model"][name].isfinite().all()):
            raise _bad(path, f"model[{name!r}]", "must be finite (a run with rollback saves only finite states)")
    row = torch.empty(pack.flat.shape[1], dtype=pack.dtype)
    for key in ("exp_avg", "exp_avg_sq"):
        v = st["adam"][key]
        if not isinstance(v, torch.Tensor):
            raise _bad(path, f"adam.{key}", f"must be a tensor; got {type(v).__name__}")
        _tensor(v, row, path, f"adam.{key}")
        if finite and not bool(v.isfinite().all()):
            raise _bad(path, f"adam.{key}", "must be finite")
    if bool((st["adam"]["exp_avg_sq"] < 0).any()):
        raise _bad(path, "adam.exp_avg_sq", "must be >= 0 (a mean of squares)")
    damping = st["damping"]
    if (damping is not None) != (pack.adam.damp is not None):
        raise _bad(path, "damping", "must be present exactly when the pack damps")
    if damping is not None:
        for key in ("prev", "eta"):
            if not isinstance(damping[key], torch.Tensor):
                raise _bad(path, f"damping.{key}", "must be a tensor")
            _tensor(damping[key], row, path, f"damping.{key}")
        if not bool(((damping["prev"] >= -1) & (damping["prev"] <= 1)).all()):
            raise _bad(path, "damping.prev", "must lie in [-1, 1] (a smoothed sign)")
        if not bool(((damping["eta"] >= ETA_MIN) & (damping["eta"] <= 1)).all()):
            raise _bad(path, "damping.eta", f"must lie in [{ETA_MIN}, 1]")
    _tensor(st["generator"], pack.gens[i].get_state(), path, "generator")
