"""The stability countermeasures of Sec. 4 under stress (T18).

As gamma -> 0 the energy's gradients grow like 1/gamma (Sec. 4-5), so a step size that is fine
at gamma = 1 can overflow near the optimum. The trainer's countermeasures: (1) rollback to the
last good log point with the step halved when a window ends non-finite; (2) sign-oscillation
damping of the Adam update, redesigned so that minibatch noise does not freeze weights (signs
smoothed by an exponential moving average, :mod:`models.damping`). At the default learning rate
neither ever fires (0 rollbacks in 15k float32 steps, issue 11), so they are tested under stress:
noise-free subspace data, float32, learned gamma, learning rate x3 and x10 the trainer's default,
three arms per seed and learning rate from the same initialisation and batches:

* ``none``: no rollback (a non-finite window stops the run), no damping;
* ``rollback``: rollback + step halving (the trainer's default);
* ``rollback+damping``: rollback + halving + EMA-sign damping (ema 0.9).
"""

from __future__ import annotations

import math
import time
from typing import Any

from .common import plain, resolve_profile, run_record, seed_list, stats, train_config
from .rules import T18_ARMS, T18_LR_FACTORS, T18_RULE, t18_rule

NAME = "stability"
CLAIMS = ("T18",)
DAMPING_EMA = 0.9


# Profiles: TrainConfig overrides for every run (the learning rate is the trainer's default times
# each factor) and the seed count.
PROFILES: dict[str, dict[str, Any]] = {
    "quick": dict(data="subspace", d=20, r=3, n=1000, kappa=8, hidden=(64, 64), steps=3000, dtype="float32",
                  log_every=100, seeds=3),
    "full": dict(data="subspace", d=20, r=3, n=5000, kappa=8, hidden=(128, 128), steps=10000, dtype="float32",
                 log_every=100, seeds=5),
}
RULES = {"T18": T18_RULE}


def arm_config(base: Any, arm: str) -> Any:
    """The TrainConfig of one arm (``base`` carries data, sizes, lr and seed)."""
    if arm == "none":
        return base.replace(rollback=False, rprop_damping=False)
    if arm == "rollback":
        return base.replace(rollback=True, rprop_damping=False)
    if arm == "rollback+damping":
        return base.replace(rollback=True, rprop_damping=True, damping_ema=DAMPING_EMA)
    raise ValueError(f"arm must be one of {T18_ARMS}; got {arm!r}")


def _train_all(cfgs: list, data: list, progress: bool) -> list[Any]:
    """train_pack over all runs; when a run gives up (FloatingPointError after the trainer's rollback
    limit), the runs are trained one by one so that only that run is recorded as failed."""
    from infgrad.models.engine import train_pack

    try:
        return list(train_pack(cfgs, data, progress=progress))
    except FloatingPointError:
        out: list[Any] = []
        for c, x in zip(cfgs, data):
            try:
                out.append(train_pack([c], [x], progress=progress)[0])
            except FloatingPointError as exc:
                out.append(exc)
        return out


def run(profile: str = "quick", *, seeds: int | None = None, seed: int = 0, device: str = "cpu",
        size: dict[str, Any] | None = None, progress: bool = False) -> dict[str, Any]:
    from infgrad.models.config import TrainConfig
    from infgrad.models.data import load_dataset

    sz = resolve_profile(PROFILES, profile, size, seeds)
    start = time.perf_counter()
    default_lr = TrainConfig.__dataclass_fields__["lr"].default
    keys, cfgs, data = [], [], []
    for s in seed_list(seed, sz["seeds"]):
        ds = load_dataset("subspace", d=sz["d"], r=sz["r"], n=sz["n"], noise=0.0, seed=s)
        for factor in T18_LR_FACTORS:
            base = train_config(sz, lr=default_lr * factor, seed=s, device=device)
            for arm in T18_ARMS:
                keys.append((s, factor, arm))
                cfgs.append(arm_config(base, arm))
                data.append(ds)
    runs = []
    for (s, factor, arm), res in zip(keys, _train_all(cfgs, data, progress)):
        if isinstance(res, Exception):
            runs.append({"seed": s, "lr_factor": factor, "arm": arm, "finite": False, "active": 0,
                         "mmd": float("nan"), "gave_up": f"{type(res).__name__}: {res}"})
            continue
        f = res.final
        finite = all(math.isfinite(float(f[k])) for k in ("loss", "gamma", "recon_error"))
        rec = run_record(res, lr_factor=factor, arm=arm, finite=finite, active=int(f["active_var"]),
                         mmd=float(f["mmd"]), rollbacks=int(f.get("rollbacks", 0)),
                         stopped=any("stopped" in e["action"] for e in res.events),
                         sign_flip_events=sum(e["kind"] == "sign-oscillation" for e in res.events))
        rec.pop("trajectory")
        runs.append(rec)
    out = {"experiment": NAME, "claims": list(CLAIMS), "profile": profile, "size": plain(sz),
           "default_lr": default_lr, "lr_factors": list(T18_LR_FACTORS), "damping_ema": DAMPING_EMA,
           "rules": RULES, "runs": runs, "seconds": time.perf_counter() - start}
    out["table"] = table(runs, sz["r"])
    out["verdicts"] = judge(out)
    return out


def table(runs: list[dict], r: int) -> list[dict]:
    rows = []
    for factor in T18_LR_FACTORS:
        for arm in T18_ARMS:
            rs = [x for x in runs if x["lr_factor"] == factor and x["arm"] == arm]
            ok = [x for x in rs if x["finite"]]
            rows.append({"lr_factor": factor, "arm": arm, "runs": len(rs),
                         "non_finite": sum(not x["finite"] for x in rs),
                         "r_active": sum(x["finite"] and x["active"] == r for x in rs),
                         "active": stats(x["active"] for x in ok), "mmd": stats(x["mmd"] for x in ok),
                         "gamma": stats(x["final"]["gamma"] for x in ok if "final" in x),
                         "rollbacks": stats(x.get("rollbacks", 0) for x in rs)})
    return rows


def judge(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {"T18": t18_rule(result["runs"], int(result["size"]["r"]))}


def summaries(result: dict[str, Any]) -> dict[str, str]:
    v = result["verdicts"]["T18"]
    parts = "; ".join(f"x{row['lr_factor']:g} {row['arm']}: {row['non_finite']}/{row['runs']} non-finite, "
                      f"{row['r_active']}/{row['runs']} r-active, rollbacks {row['rollbacks']['mean']:.3g}, "
                      f"MMD {row['mmd']['mean']:.3g}" for row in result["table"])
    return {"T18": (f"{parts}. Guarded failures {v['guarded_failures']}/{v['guarded_runs']}; damping worse than "
                    f"rollback alone: {v['damping_worse_than_rollback']} (default {v['damping_default']}); "
                    f"{result['size']['seeds']} seeds")}
