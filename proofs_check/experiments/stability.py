"""The stability countermeasures of Sec. 4 under stress (T18, rule v3).

As gamma -> 0 the energy's gradients grow like 1/gamma (Sec. 4-5), so a step size that is fine
at gamma = 1 can overflow near the optimum. The trainer's countermeasures: (1) rollback to the
last good log point with the step halved when a window ends non-finite; (2) sign-oscillation
damping of the Adam update (signs smoothed by an exponential moving average, :mod:`models.damping`).
At the default learning rate neither ever fires, so they are tested under stress: noise-free
subspace data, float32, learned gamma, a constant learning rate of m x the trainer's default with
no tail (a tail would cut the step exactly when gamma is smallest), three arms per seed from the
same initialisation and batches:

* ``none``: no rollback (a non-finite window stops the run), no damping;
* ``rollback``: rollback + step halving (the trainer's default; the guarded arm);
* ``damping``: rollback + halving + EMA-sign damping (ema 0.9), reported without a rule.

m is calibrated by :func:`calibrate` on pilot seeds >= 1000 (``rules.T18_CANDIDATE_MULTIPLIERS``)
and fixed in ``rules.T18_STEP_MULTIPLIER`` by its own commit before the main runs.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from . import rules
from .common import plain, resolve_profile, run_record, seed_list, stats, train_config
from .rules import T18_ARMS, T18_CANDIDATE_MULTIPLIERS, T18_RULE, t18_failed, t18_rule

NAME = "stability"
CLAIMS = ("T18",)
DAMPING_EMA = 0.9


# Profiles: TrainConfig overrides for every run (the learning rate is the trainer's default times
# each factor) and the seed count.
PROFILES: dict[str, dict[str, Any]] = {
    # 6 seeds: with 3 a perfect split gives a one-sided Fisher p of 1/20, never < 0.05
    "quick": dict(data="subspace", d=20, r=3, n=1000, kappa=8, hidden=(64, 64), steps=3000, dtype="float32",
                  lr_tail_fraction=0.0, log_every=100, seeds=6),
    "full": dict(data="subspace", d=20, r=3, n=5000, kappa=8, hidden=(128, 128), steps=10000, dtype="float32",
                 lr_tail_fraction=0.0, log_every=100, seeds=8),
}
RULES = {"T18": T18_RULE}
# the calibration pilots behind rules.T18_STEP_MULTIPLIER (seeds >= 1000), recorded when it was committed
CALIBRATION: dict[str, Any] | None = {
    "profile": "quick", "seeds": [1000, 1001, 1002, 1003], "arm": "none", "cpu_seconds": 28.6,
    "fail_share": {"3": 0.0, "10": 0.5, "30": 1.0, "100": 1.0}, "multiplier": 10.0,
    "runs (seed, m, finite, active_var, active_units)": [
        [1000, 3.0, True, 3, 3], [1000, 10.0, True, 3, 3], [1000, 30.0, True, 0, 0], [1000, 100.0, True, 0, 0],
        [1001, 3.0, True, 3, 3], [1001, 10.0, True, 5, 3], [1001, 30.0, True, 1, 1], [1001, 100.0, True, 1, 3],
        [1002, 3.0, True, 3, 3], [1002, 10.0, True, 3, 3], [1002, 30.0, True, 1, 1], [1002, 100.0, True, 0, 0],
        [1003, 3.0, True, 3, 3], [1003, 10.0, True, 4, 3], [1003, 30.0, True, 1, 1], [1003, 100.0, True, 0, 0],
    ],
}


def arm_config(base: Any, arm: str) -> Any:
    """The TrainConfig of one arm (``base`` carries data, sizes, lr and seed)."""
    if arm == "none":
        return base.replace(rollback=False, rprop_damping=False)
    if arm == "rollback":
        return base.replace(rollback=True, rprop_damping=False)
    if arm == "damping":
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


def _records(keys: list, results: list, r: int) -> list[dict[str, Any]]:
    runs = []
    for (s, m, arm), res in zip(keys, results):
        if isinstance(res, Exception):
            runs.append({"seed": s, "multiplier": m, "arm": arm, "finite": False, "active": 0, "active_units": 0,
                         "mmd": float("nan"), "gave_up": f"{type(res).__name__}: {res}"})
            continue
        f = res.final
        finite = all(math.isfinite(float(f[k])) for k in ("loss", "gamma", "recon_error"))
        rec = run_record(res, multiplier=m, arm=arm, finite=finite, active=int(f["active_var"]),
                         active_units=int(f["active_units"]), mmd=float(f["mmd"]),
                         rollbacks=int(f.get("rollbacks", 0)),
                         stopped=any("stopped" in e["action"] for e in res.events),
                         sign_flip_events=sum(e["kind"] == "sign-oscillation" for e in res.events))
        rec.pop("trajectory")
        runs.append(rec)
    for x in runs:
        x["failed"] = t18_failed(x, r)
    return runs


def _train_arms(sz: dict[str, Any], seeds: list[int], multipliers: list[float], arms: tuple[str, ...],
                device: str, progress: bool) -> list[dict[str, Any]]:
    from infgrad.models.config import TrainConfig
    from infgrad.models.data import load_dataset

    default_lr = TrainConfig.__dataclass_fields__["lr"].default
    keys, cfgs, data = [], [], []
    for s in seeds:
        ds = load_dataset("subspace", d=sz["d"], r=sz["r"], n=sz["n"], noise=0.0, seed=s)
        for m in multipliers:
            base = train_config(sz, lr=default_lr * m, seed=s, device=device)
            for arm in arms:
                keys.append((s, m, arm))
                cfgs.append(arm_config(base, arm))
                data.append(ds)
    return _records(keys, _train_all(cfgs, data, progress), int(sz["r"]))


def calibrate(profile: str = "quick", *, seed: int = 1000, seeds: int = 4, device: str = "cpu",
              size: dict[str, Any] | None = None, progress: bool = False) -> dict[str, Any]:
    """The calibration pilots: the unguarded arm at every candidate m on seeds ``seed``, ``seed + 1``, ...
    (>= 1000, never a main seed); returns each m's failure share and the m the rule picks."""
    if seed < 1000:
        raise ValueError(f"pilot seeds must be >= 1000; got {seed}")
    sz = resolve_profile(PROFILES, profile, size, seeds)
    runs = _train_arms(sz, seed_list(seed, sz["seeds"]), list(T18_CANDIDATE_MULTIPLIERS), ("none",), device, progress)
    share = {m: float(np.mean([x["failed"] for x in runs if x["multiplier"] == m])) for m in T18_CANDIDATE_MULTIPLIERS}
    return {"profile": profile, "seeds": seed_list(seed, sz["seeds"]), "fail_share": share,
            "multiplier": rules.t18_calibrate(share),
            "runs": [{k: x.get(k) for k in ("seed", "multiplier", "finite", "active", "active_units", "failed")}
                     for x in runs]}


def run(profile: str = "quick", *, seeds: int | None = None, seed: int = 0, device: str = "cpu",
        size: dict[str, Any] | None = None, progress: bool = False) -> dict[str, Any]:
    """The three arms at the committed multiplier (none: the premise is unmet and nothing is trained)."""
    sz = resolve_profile(PROFILES, profile, size, seeds)
    start = time.perf_counter()
    m = rules.T18_STEP_MULTIPLIER
    runs = [] if m is None else _train_arms(sz, seed_list(seed, sz["seeds"]), [m], T18_ARMS, device, progress)
    out = {"experiment": NAME, "claims": list(CLAIMS), "profile": profile, "size": plain(sz),
           "multiplier": m, "calibration": CALIBRATION, "damping_ema": DAMPING_EMA,
           "rules": RULES, "runs": runs, "seconds": time.perf_counter() - start}
    out["table"] = table(runs, sz["r"])
    out["verdicts"] = judge(out)
    return out


def table(runs: list[dict], r: int) -> list[dict]:
    rows = []
    for arm in T18_ARMS:
        rs = [x for x in runs if x["arm"] == arm]
        ok = [x for x in rs if x["finite"]]
        rows.append({"arm": arm, "runs": len(rs), "failed": sum(x["failed"] for x in rs),
                     "non_finite": sum(not x["finite"] for x in rs),
                     "r_active": sum(x["finite"] and x["active"] == r and x["active_units"] == r for x in rs),
                     "active": stats(x["active"] for x in ok), "mmd": stats(x["mmd"] for x in ok),
                     "gamma": stats(x["final"]["gamma"] for x in ok if "final" in x),
                     "rollbacks": stats(x.get("rollbacks", 0) for x in rs)})
    return rows


def judge(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    v = t18_rule(result["runs"], int(result["size"]["r"]), result["multiplier"])
    cal = result.get("calibration")
    v["calibration"] = cal
    if cal and v["premise"]["met"]:   # the pilots' numbers behind m, read from their runs
        r = int(result["size"]["r"])
        pilots = [(m, t18_failed({"finite": f, "active": a, "active_units": u}, r))
                  for _, m, f, a, u in cal["runs (seed, m, finite, active_var, active_units)"]]
        counts = ", ".join(f"m = {m:g}: {sum(bad for m2, bad in pilots if m2 == m)}/{sum(m2 == m for m2, _ in pilots)}"
                           for m in T18_CANDIDATE_MULTIPLIERS)
        v["premise"]["line"] += (f" (pilot seeds {cal['seeds'][0]}-{cal['seeds'][-1]}, unguarded runs failing: "
                                 f"{counts}; m is the smallest with >= {rules.T18_STRESS_SHARE:.0%})")
    return {"T18": v}


def summaries(result: dict[str, Any]) -> dict[str, str]:
    v = result["verdicts"]["T18"]
    if not result["runs"]:
        return {"T18": v["premise"]["line"]}
    parts = "; ".join(f"{row['arm']}: {row['failed']}/{row['runs']} failed ({row['non_finite']} non-finite), "
                      f"active {row['active']['mean']:.3g}, rollbacks {row['rollbacks']['mean']:.3g}"
                      for row in result["table"])
    return {"T18": (f"m = {result['multiplier']:g} x default lr, no tail: {parts}; one-sided Fisher p "
                    f"{v['fisher_p']:.2g}; {result['size']['seeds']} seeds")}
