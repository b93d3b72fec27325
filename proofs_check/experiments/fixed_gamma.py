"""Learned gamma versus gamma fixed at the learned gamma* (T12, T16; Sec. 4, Fig. 4).

For each seed: train with learned gamma and read gamma* (its final value); retrain the same
network from the same initialisation and the same batches with gamma fixed at gamma* throughout.
Compare the final reconstruction error, the MMD between the aggregated posterior and N(0, I),
the active dimensions, and the trajectories of ||dL/dz||.

The data are manifold data with kappa > r (a curved r-dimensional manifold in R^d), where an
under-regularised solution (too many informative dimensions) is possible and shows in the MMD.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .common import fmt, resolve_size, run_record, seed_list, stats

NAME = "fixed-gamma"
CLAIMS = ("T12", "T16")


@dataclass(frozen=True)
class Size:
    data: str = "manifold"
    d: int = 20
    r: int = 3
    n: int = 1000
    kappa: int = 8
    hidden: tuple[int, ...] = (64, 64)
    steps: int = 3000
    lr: float = 2e-3
    seeds: int = 3
    log_every: int = 50


SIZES = {
    "quick": Size(),
    "full": Size(n=5000, hidden=(128, 128), steps=10000, lr=2e-3, seeds=4, log_every=100),
}

# The pass rules, fixed before any run.
ERROR_FACTOR = 2.0   # "similar reconstruction error": seed means within this factor of each other
EARLY_POINTS = 3     # "from the start": the mean of the first EARLY_POINTS logged values
EARLY_RATIO = 10.0   # fixed gamma's early ||dL/dz|| at least this many times the learned one's
GROWTH = 2.0         # learned gamma's ||dL/dz||: late (last EARLY_POINTS) / early at least this
RULES = {
    "T12": (f"Similar reconstruction error: the seed means of learned and fixed gamma within a "
            f"factor {ERROR_FACTOR:g} of each other; and lower MMD with learned gamma: its seed mean "
            f"below the fixed-gamma mean and lower in more than half of the seeds (paired by seed)."),
    "T16": (f"Large from the start with fixed gamma: the median over seeds of (fixed / learned) early "
            f"||dL/dz|| (mean of the first {EARLY_POINTS} logged values) >= {EARLY_RATIO:g}; growing "
            f"with learned gamma: the median over seeds of (late / early) ||dL/dz|| for learned gamma "
            f">= {GROWTH:g} (late = mean of the last {EARLY_POINTS} logged values)."),
}


def early(values: list[float], k: int = EARLY_POINTS) -> float:
    return float(np.mean([float(v) for v in values[:k]]))


def late(values: list[float], k: int = EARLY_POINTS) -> float:
    return float(np.mean([float(v) for v in values[-k:]]))


def run(profile: str = "quick", *, seeds: int | None = None, seed: int = 0, device: str = "cpu",
        size: Size | None = None, progress: bool = False) -> dict[str, Any]:
    """Train the learned/fixed pairs; returns both runs per seed, the table and the verdicts."""
    from models.config import TrainConfig
    from models.data import load_dataset
    from models.trainer import train

    sz = resolve_size(SIZES, profile, size, seeds)
    start = time.perf_counter()
    pairs = []
    for s in seed_list(seed, sz.seeds):
        data = load_dataset(sz.data, d=sz.d, r=sz.r, n=sz.n, seed=s)
        cfg = TrainConfig(data=sz.data, d=sz.d, r=sz.r, n=sz.n, kappa=sz.kappa, hidden=sz.hidden,
                          steps=sz.steps, lr=sz.lr, seed=s, device=device, log_every=sz.log_every,
                          checkpoint_every=sz.log_every * 10)
        learned = train(cfg, data, progress=progress)
        gamma_star = float(learned.final["gamma"])
        fixed = train(cfg.replace(gamma=gamma_star), data, progress=progress)
        pairs.append({"seed": s, "gamma_star": gamma_star,
                      "learned": run_record(learned), "fixed": run_record(fixed)})
    out = {"experiment": NAME, "claims": list(CLAIMS), "profile": profile, "size": asdict(sz),
           "rules": RULES, "pairs": pairs, "seconds": time.perf_counter() - start}
    out["table"] = table(pairs)
    out["verdicts"] = judge(out)
    return out


def table(pairs: list[dict]) -> dict[str, Any]:
    """Fig. 4(a): mean and spread over seeds of the final metrics, per arm."""
    rows = {}
    for arm in ("learned", "fixed"):
        rows[arm] = {
            key: stats(p[arm]["final"][key] for p in pairs)
            for key in ("recon_error", "mmd", "active_var", "active_units", "gamma")
        }
        g = [p[arm]["trajectory"].get("grad_norm_z", []) for p in pairs]
        rows[arm]["grad_norm_z_early"] = stats(early(x) for x in g if x)
        rows[arm]["grad_norm_z_late"] = stats(late(x) for x in g if x)
    rows["seeds"] = [p["seed"] for p in pairs]
    rows["gamma_star"] = stats(p["gamma_star"] for p in pairs)
    return rows


def judge(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The verdicts on T12 and T16 (reads ``pairs`` and ``table``)."""
    pairs, t = result["pairs"], result["table"]
    el, ef = t["learned"]["recon_error"]["mean"], t["fixed"]["recon_error"]["mean"]
    similar = max(el, ef) <= ERROR_FACTOR * min(el, ef)
    ml, mf = t["learned"]["mmd"]["mean"], t["fixed"]["mmd"]["mean"]
    wins = sum(p["learned"]["final"]["mmd"] < p["fixed"]["final"]["mmd"] for p in pairs)
    t12_flags = {"similar_recon_error": bool(similar), "lower_mean_mmd_learned": bool(ml < mf),
                 "lower_mmd_in_most_seeds": bool(wins > len(pairs) / 2)}
    t12_detail = {"recon_error_ratio_fixed_over_learned": ef / el if el else float("inf"),
                  "mmd_learned_mean": ml, "mmd_fixed_mean": mf, "seeds_learned_lower_mmd": int(wins),
                  "seeds": len(pairs)}

    ratios, growth = [], []
    for p in pairs:
        gl = p["learned"]["trajectory"].get("grad_norm_z", [])
        gf = p["fixed"]["trajectory"].get("grad_norm_z", [])
        if gl and gf:
            ratios.append(early(gf) / early(gl) if early(gl) > 0 else float("inf"))
            growth.append(late(gl) / early(gl) if early(gl) > 0 else float("inf"))
    if not ratios:
        t16 = {"status": "inconclusive", "rule": RULES["T16"],
               "detail": {"reason": "no ||dL/dz|| trajectories were recorded"}}
    else:
        flags = {"fixed_large_from_start": bool(np.median(ratios) >= EARLY_RATIO),
                 "learned_grows": bool(np.median(growth) >= GROWTH)}
        t16 = {"status": "pass" if all(flags.values()) else "fail", "rule": RULES["T16"],
               "flags": flags,
               "detail": {"early_ratio_fixed_over_learned": stats(ratios),
                          "learned_growth_late_over_early": stats(growth)}}
    return {"T12": {"status": "pass" if all(t12_flags.values()) else "fail", "rule": RULES["T12"],
                    "flags": t12_flags, "detail": t12_detail},
            "T16": t16}


def summaries(result: dict[str, Any]) -> dict[str, str]:
    t, n = result["table"], len(result["pairs"])
    t12 = (f"rec. err. learned {fmt(t['learned']['recon_error'])} vs fixed {fmt(t['fixed']['recon_error'])}; "
           f"MMD learned {fmt(t['learned']['mmd'])} vs fixed {fmt(t['fixed']['mmd'])}; "
           f"gamma* {fmt(t['gamma_star'])}; {n} seeds")
    d = result["verdicts"]["T16"].get("detail", {})
    if "early_ratio_fixed_over_learned" in d:
        t16 = (f"early ||dL/dz|| fixed/learned median {np.median(d['early_ratio_fixed_over_learned']['values']):.3g}, "
               f"learned late/early median {np.median(d['learned_growth_late_over_early']['values']):.3g}; {n} seeds")
    else:
        t16 = d.get("reason", "")
    return {"T12": t12, "T16": t16}
