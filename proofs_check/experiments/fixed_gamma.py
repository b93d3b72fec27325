"""Learned gamma against gamma fixed at the learned gamma*, and gamma annealed to it (T12, T16;
Sec. 4, Fig. 4).

Per seed, three arms from the same initialisation and the same batch order (the model and the
batch generator are both seeded with the run's seed): (a) learned gamma, whose final value is
gamma*; (b) gamma fixed at gamma* throughout; (c) gamma annealed geometrically from 1 to gamma* over
the first half of the steps, then fixed (``TrainConfig.gamma_anneal_fraction = 0.5``). Arm (c)
separates the smoothing that a large early gamma gives from learning gamma itself; it is reported
without a rule. Every arm uses the protocol's decaying learning-rate tail.

Quick: scikit-learn's 8x8 digits with the MLP. Full: the conv VAE on all 60 000 Fashion-MNIST
training images, kappa = 64 (needs the files; inconclusive without them).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .common import fmt, plain, resolve_profile, run_record, seed_list, stats, train_config
from .rules import T12_RULE, T16_RULE, first_half_crossing, t12_rule, t16_rule

NAME = "fixed-gamma"
CLAIMS = ("T12", "T16")
ARMS = ("learned", "fixed", "annealed")
ANNEAL_FRACTION = 0.5


# Profiles: TrainConfig overrides for every run (n = 0: all samples) and the seed count.
PROFILES: dict[str, dict[str, Any]] = {
    "quick": dict(data="digits", n=0, arch="mlp", kappa=16, hidden=(128, 128), steps=3000, lr=2e-3, batch_size=100,
                  log_every=50, seeds=3),
    "full": dict(data="fashion-mnist", n=0, arch="conv", kappa=64, hidden=(128, 128), steps=20000, lr=1e-3,
                 batch_size=128, log_every=200, seeds=5),
}
RULES = {"T12": T12_RULE, "T16": T16_RULE}


def run(profile: str = "quick", *, seeds: int | None = None, seed: int = 0, device: str = "cpu",
        size: dict[str, Any] | None = None, progress: bool = False) -> dict[str, Any]:
    """Train the three arms per seed; returns the runs per seed, the table and the verdicts."""
    from infgrad.models.data import DataError, load_dataset
    from infgrad.models.engine import train_pack

    sz = resolve_profile(PROFILES, profile, size, seeds)
    start = time.perf_counter()
    out: dict[str, Any] = {"experiment": NAME, "claims": list(CLAIMS), "profile": profile, "size": plain(sz),
                           "rules": RULES}
    try:
        X = load_dataset(sz["data"], n=sz["n"], seed=seed).X.astype(np.float32)
    except DataError as exc:
        out.update(pairs=[], absent=f"{sz['data']} files absent: {exc}", seconds=time.perf_counter() - start)
        out["table"] = {}
        out["verdicts"] = judge(out)
        return out
    ss = seed_list(seed, sz["seeds"])
    base = [train_config(sz, d=X.shape[1], n=len(X), seed=s, device=device) for s in ss]
    learned = train_pack(base, [X] * len(ss), progress=progress)
    gstar = [float(r.final["gamma"]) for r in learned]
    cfgs = [c.replace(gamma=g) for c, g in zip(base, gstar)]
    cfgs += [c.replace(gamma=g, gamma_anneal_fraction=ANNEAL_FRACTION) for c, g in zip(base, gstar)]
    other = train_pack(cfgs, [X] * len(cfgs), progress=progress)
    k = len(ss)
    out["pairs"] = [{"seed": s, "gamma_star": g, "learned": run_record(a), "fixed": run_record(b),
                     "annealed": run_record(c)}
                    for s, g, a, b, c in zip(ss, gstar, learned, other[:k], other[k:])]
    out["seconds"] = time.perf_counter() - start
    out["table"] = table(out["pairs"])
    out["verdicts"] = judge(out)
    return out


def crossing(rec: dict[str, Any]) -> float:
    """Where (share of the run) the run's ||dL/dz|| first exceeds half its final logged value."""
    tr = rec["trajectory"]
    return first_half_crossing(tr.get("step", []), tr.get("grad_norm_z", []))


def table(pairs: list[dict]) -> dict[str, Any]:
    """Fig. 4(a): mean, sd and bootstrap interval over seeds of the final metrics, per arm."""
    rows: dict[str, Any] = {}
    for arm in ARMS:
        rows[arm] = {key: stats(p[arm]["final"][key] for p in pairs)
                     for key in ("recon_error", "mmd", "mmd_biased", "active_var", "active_units", "gamma")}
        rows[arm]["grad_norm_z_crossing"] = stats(crossing(p[arm]) for p in pairs)
    rows["seeds"] = [p["seed"] for p in pairs]
    rows["gamma_star"] = stats(p["gamma_star"] for p in pairs)
    return rows


def judge(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The verdicts on T12 and T16 (reads ``pairs``)."""
    pairs = result["pairs"]
    if not pairs:
        why = {"status": "inconclusive", "reason": result.get("absent", "no runs")}
        return {"T12": {**why, "rule": T12_RULE}, "T16": {**why, "rule": T16_RULE}}
    f = lambda arm, key: [p[arm]["final"][key] for p in pairs]  # noqa: E731
    t12 = t12_rule(f("learned", "recon_error"), f("fixed", "recon_error"), f("learned", "mmd_biased"),
                   f("fixed", "mmd_biased"))
    t12["annealed_arm_reported"] = {
        "median_rel_rec_diff_vs_learned": float(np.median(np.abs(np.asarray(f("annealed", "recon_error"))
                                                                 - f("learned", "recon_error"))
                                                          / np.asarray(f("learned", "recon_error")))),
        "share_mmd_above_learned": float(np.mean(np.asarray(f("annealed", "mmd_biased"))
                                                 > np.asarray(f("learned", "mmd_biased")))),
    }
    t16 = t16_rule([crossing(p["learned"]) for p in pairs], [crossing(p["fixed"]) for p in pairs])
    return {"T12": t12, "T16": t16}


def summaries(result: dict[str, Any]) -> dict[str, str]:
    v = result["verdicts"]
    if not result["pairs"]:
        return {"T12": v["T12"]["reason"], "T16": v["T16"]["reason"]}
    t, n = result["table"], len(result["pairs"])
    t12 = (f"rec. err. learned {fmt(t['learned']['recon_error'])}, fixed {fmt(t['fixed']['recon_error'])}, "
           f"annealed {fmt(t['annealed']['recon_error'])}; MMD (V-stat) learned "
           f"{fmt(t['learned']['mmd_biased'])}, fixed {fmt(t['fixed']['mmd_biased'])}, annealed "
           f"{fmt(t['annealed']['mmd_biased'])}; median |rec_b-rec_a|/rec_a {v['T12']['median_rel_rec_diff']:.3g} "
           f"(<= 0.1), MMD_b > MMD_a in {v['T12']['share_mmd_b_gt_a']:.0%} (>= 80%), log ratio CI "
           f"[{v['T12']['log_mmd_ratio_ci95'][0]:.3g}, {v['T12']['log_mmd_ratio_ci95'][1]:.3g}] (> 0); "
           f"gamma* {fmt(t['gamma_star'])}; {n} seeds")
    t16 = (f"||dL/dz|| first > half its final value at share of run: learned "
           f"{fmt(t['learned']['grad_norm_z_crossing'], '.2f')} (rule > 0.5 in >= 80%: "
           f"{v['T16']['share_learned_late']:.0%}), fixed {fmt(t['fixed']['grad_norm_z_crossing'], '.2f')} "
           f"(rule <= 0.1 in >= 80%: {v['T16']['share_fixed_early']:.0%}); {n} seeds")
    return {"T12": t12, "T16": t16}
