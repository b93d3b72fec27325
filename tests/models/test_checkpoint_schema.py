"""The checkpoint schema (models/checkpoint_schema.py): every field of a real checkpoint mutated
(drop, wrong type, NaN, +-huge, negative, wrong dtype, wrong shape); each mutation is refused
before a step is taken, or is listed in HARMLESS with the reason it cannot change the training."""

from __future__ import annotations

import copy
import math

import pytest
import torch

from infgrad.models.checkpoint import CHECKPOINT_NAME, CheckpointError, resume_pack
from infgrad.models.config import TrainConfig
from infgrad.models.engine import Pack
from infgrad.models.run import as_dataset
from infgrad.models.trainer import train

SMALL = dict(d=5, r=2, n=64, kappa=2, hidden=(8,), batch_size=16, log_every=10, checkpoint_every=10,
             mmd_samples=16, eval_samples=64, steps=20, rprop_damping=True)

# (field, mutation) pairs accepted on purpose: none of them changes a later step of the run
HARMLESS = {
    # the history's metric values are records of the past (a stopped run logs NaN there)
    **{(f"history.{k}", m): "a logged metric value" for k in ("loss", "eval_loss", "recon_error",
        "recon_error_expected", "gamma", "kl", "active_var", "active_units", "mmd", "grad_norm_z", "lr", "seconds")
       for m in ("nan", "huge", "-huge", "negative")},
    # finite model values and Adam's first moment of any size are states training can start from
    **{(f, m): "a finite state" for f in ("model", "adam.exp_avg") for m in ("huge", "-huge", "negative")},
    ("adam.exp_avg_sq", "huge"): "a finite, non-negative second moment",
    ("events.0.lr", "huge"): "the step size logged with a past event",
    ("lr", "huge"): "a step size the command line also accepts (it rolls back if it diverges)",
    # the log of past events: a record that no later step reads
    ("events.0", "drop"): "a past event's record", ("events", "shape"): "a past event's record",
}


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ck")
    cfg = TrainConfig(**SMALL)
    train(cfg, checkpoint_dir=folder, progress=False)
    st = torch.load(folder / CHECKPOINT_NAME, weights_only=True)
    if not st["events"]:  # make sure an event is there to mutate
        st["events"].append({"step": 10, "kind": "sign-oscillation", "action": "x", "lr": 1e-3})
    return cfg, st


def fields(st) -> list[str]:
    out = [k for k in st if k not in ("model", "adam", "damping", "config", "history", "events")]
    out += ["model", "adam.exp_avg", "adam.exp_avg_sq", "adam.step", "damping.prev", "damping.eta",
            "damping.flips", "events.0", "events.0.step", "events.0.kind", "events.0.lr", "events.0.action",
            "config", "history", "adam", "damping", "events"]
    out += [f"config.{k}" for k in st["config"]] + [f"history.{k}" for k in st["history"]]
    return out


MUTATIONS = ("drop", "type", "nan", "huge", "-huge", "negative", "dtype", "shape")


def mutate(v, how):
    if isinstance(v, torch.Tensor):
        if how == "type":
            return v.tolist()
        if how == "dtype":
            return v.to(torch.int64) if v.is_floating_point() else v.to(torch.float32)
        if how == "shape":
            return v.reshape(-1)[:-1] if v.numel() > 1 else v.reshape(1, 1, -1)
        if how in ("nan", "huge", "-huge", "negative") and not v.is_floating_point():
            return None
        return v.clone().fill_({"nan": math.nan, "huge": 1e30, "-huge": -1e30, "negative": -5.0}[how])
    if isinstance(v, dict) and how not in ("type", "drop"):
        return None
    if isinstance(v, list):
        if how == "shape":
            return v[:-1] if v else [1.5]
        if how in ("nan", "huge", "-huge", "negative"):
            return [{"nan": math.nan, "huge": 1e30, "-huge": -1e30, "negative": -5}[how]] * len(v) if v else None
        return "x" if how == "type" else None
    if how == "type":
        return "x" if not isinstance(v, str) else 3
    if how in ("nan", "huge", "-huge", "negative"):
        num = {"nan": math.nan, "huge": 10**30 if isinstance(v, int) else 1e30,
               "-huge": -(10**30) if isinstance(v, int) else -1e30, "negative": -5}[how]
        return num
    if how == "dtype" and isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v) + 0.5 if isinstance(v, int) else True
    return None


def apply(st, field, how):
    st = copy.deepcopy(st)
    *path, last = field.split(".")
    holder = st
    for p in path:
        holder = holder[int(p)] if isinstance(holder, list) else holder[p]
    key = int(last) if isinstance(holder, list) else last
    if how == "drop":
        if isinstance(holder, list):
            holder.pop(key)
        else:
            del holder[key]
        return st
    if field == "model":  # every model tensor
        new = {k: mutate(v, how) for k, v in holder[key].items()}
        if any(v is None for v in new.values()):
            return None
        holder[key] = new
        return st
    new = mutate(holder[key], how)
    if new is None:
        return None
    holder[key] = new
    return st


CASES = [(f, m) for f in fields({"step": 0, "generator": 0, "lr": 0, "applied_lr": 0, "rollbacks_in_a_row": 0,
                                  "format": 0, "config": dict.fromkeys(TrainConfig().to_dict()),
                                  "history": dict.fromkeys(("step", "loss", "eval_loss", "recon_error",
                                                            "recon_error_expected", "gamma", "kl", "active_var",
                                                            "active_units", "mmd", "grad_norm_z", "lr", "seconds",
                                                            "kl_per_dim", "mean_encoder_var"))})
         for m in MUTATIONS]


@pytest.mark.parametrize("field,how", CASES, ids=[f"{f}-{m}" for f, m in CASES])
def test_each_mutation_of_each_field_is_refused_before_a_step_or_listed_harmless(saved, tmp_path, field, how):
    cfg, st = saved
    bad = apply(st, field, how)
    if bad is None:
        pytest.skip(f"{how} does not apply to {field}")
    path = tmp_path / CHECKPOINT_NAME
    torch.save(bad, path)
    pack = Pack([cfg], [as_dataset(cfg, None)], [None])
    before = pack.flat.clone()
    try:
        resume_pack(pack, path, ("steps",))
    except CheckpointError as exc:
        assert (field, how) not in HARMLESS, f"listed harmless but refused: {exc}"
        assert "\n" not in str(exc)
        assert torch.equal(pack.flat, before) and pack.step == 0   # refused before anything was loaded
        return
    assert (field, how) in HARMLESS, f"{field} {how} was accepted"


def test_the_unmutated_checkpoint_resumes(saved, tmp_path):
    cfg, st = saved
    torch.save(st, tmp_path / CHECKPOINT_NAME)
    pack = Pack([cfg], [as_dataset(cfg, None)], [None])
    resume_pack(pack, tmp_path / CHECKPOINT_NAME, ("steps",))
    assert pack.step == 20
