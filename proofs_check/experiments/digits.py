"""PCA components versus the VAE's informative dimensions on digit images (T15, Sec. 3.3).

The paper: PCA needs about 100 principal components for accurate MNIST reconstructions, a VAE
about 15 informative dimensions for something similar. Here: train a VAE with learned gamma (and
the protocol's learning-rate tail) on the images, measure its mean reconstruction error
||x - mu_x(mu_z(x))||^2 on the training data and its informative dimensions (KL per dimension >
0.05 nats; the mean-encoder-variance and active-unit counts are reported too: on a lossy MNIST run
22 of 23 'active units' had sigma^2 >= 0.9, so a variance threshold of 0.01 counts noise), then count
the fewest principal components whose PCA error on the same data is no larger. Quick: scikit-learn's
8x8 digits, MLP. Full: MNIST (all 60 000), conv, long enough to reach the operating point.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .common import components_needed, fmt, pca_error_curve, per_sample_error, plain, resolve_profile, run_record, seed_list, stats, train_config
from .rules_compare import T15_RULE, t15_informative, t15_rule

NAME = "digits"
CLAIMS = ("T15",)


# Profiles: TrainConfig overrides for every run (n = 0: all samples) and the seed count.
PROFILES: dict[str, dict[str, Any]] = {
    "quick": dict(data="digits", n=0, arch="mlp", kappa=16, hidden=(128, 128), steps=3000, lr=2e-3, batch_size=100,
                  log_every=100, seeds=3),
    "full": dict(data="mnist", n=0, arch="conv", kappa=64, hidden=(128, 128), steps=30000, lr=1e-3, batch_size=128,
                 log_every=500, seeds=5),
}
RULES = {"T15": T15_RULE}


def run(profile: str = "quick", *, seeds: int | None = None, seed: int = 0, device: str = "cpu",
        size: dict[str, Any] | None = None, progress: bool = False) -> dict[str, Any]:
    from infgrad.models.data import DataError, load_dataset
    from infgrad.models.engine import train_pack

    sz = resolve_profile(PROFILES, profile, size, seeds)
    start = time.perf_counter()
    out: dict[str, Any] = {"experiment": NAME, "claims": list(CLAIMS), "profile": profile, "size": plain(sz),
                           "rules": RULES}
    try:
        X = load_dataset(sz["data"], n=sz["n"], seed=seed).X.astype(np.float32)
    except DataError as exc:
        out.update(runs=[], absent=f"{sz['data']} files absent: {exc}", table={}, seconds=time.perf_counter() - start)
        out["verdicts"] = judge(out)
        return out
    curve = pca_error_curve(X.astype(float))
    cfgs = [train_config(sz, d=X.shape[1], n=len(X), seed=s, device=device) for s in seed_list(seed, sz["seeds"])]
    runs = []
    for res in train_pack(cfgs, [X] * len(cfgs), progress=progress):
        err = float(per_sample_error(res.model, X).mean())
        runs.append(run_record(res, vae_error=err, pca_components=components_needed(curve, err),
                               informative=t15_informative(res.final["kl_per_dim"])))
    out.update(runs=runs, total_variance=float(curve[0]), n=int(len(X)), d=int(X.shape[1]),
               pca_error_curve=[float(x) for x in curve], seconds=time.perf_counter() - start)
    out["table"] = {k: stats(r[k] for r in runs) for k in ("vae_error", "pca_components", "informative")}
    out["table"].update({k: stats(r["final"][k] for r in runs) for k in ("active_var", "active_units", "gamma")})
    out["table"]["error_share"] = stats(r["vae_error"] / curve[0] for r in runs)
    out["verdicts"] = judge(out)
    return out


def judge(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    runs = result["runs"]
    if not runs:
        why = result.get("absent", "no runs")
        return {"T15": {"status": "inconclusive", "rule": T15_RULE, "reason": why,
                        "premise": {"met": False, "line": f"premise: unmet: {why}"}}}
    return {"T15": t15_rule([r["pca_components"] for r in runs], [r["informative"] for r in runs],
                            [r["vae_error"] for r in runs], result["total_variance"], result["size"]["data"],
                            int(result["size"]["kappa"]))}


def summaries(result: dict[str, Any]) -> dict[str, str]:
    v = result["verdicts"]["T15"]
    if not result["runs"]:
        return {"T15": f"premise: unmet: {v['reason']}"}
    t = result["table"]
    return {"T15": (f"{v['premise']['line']}; {result['size']['data']}: PCA needs {fmt(t['pca_components'], '.3g')} comps for the VAE's "
                    f"error {fmt(t['vae_error'], '.3g')} ({t['error_share']['mean']:.1%} of total variance, "
                    f"inconclusive above 10%); VAE informative (KL > 0.05) {fmt(t['informative'], '.3g')}, "
                    f"active var {fmt(t['active_var'], '.2g')}, units {fmt(t['active_units'], '.2g')}; "
                    f"ratio {v['pca_components_mean'] / max(v['informative_mean'], 1e-9):.2g} (rule >= 3); "
                    f"{len(result['runs'])} seeds; the paper: 'around 15' informative dims, '100 or so' components")}
