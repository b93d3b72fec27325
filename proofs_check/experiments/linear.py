"""The trained linear VAE against probabilistic PCA (T3, Remark 1; empirical side).

A VAE with one affine map on each side (arch "linear") and learned gamma, trained on noisy data
from an r-dimensional subspace of R^d. At its optimum it is probabilistic PCA with kappa
components (Tipping and Bishop, 1999; Lucas et al., 2019): the learned gamma equals the PPCA
maximum-likelihood noise variance sigma^2_ML(kappa) = mean of the d - kappa smallest eigenvalues
of the covariance with 1/n normalisation (scikit-learn's ``noise_variance_`` uses 1/(n - 1), so
sigma^2_ML = noise_variance_ * (n - 1) / n).

How the data separate sigma^2_ML(kappa) from sigma^2_ML(r) (the rule needs >= 10%): with isotropic
noise every eigenvalue beyond r is ~noise^2 and the two coincide. Here the noise is anisotropic:
coordinate j gets noise std ``noise * NOISE_DECAY ** (j / (d - 1))`` (geometric, from ``noise``
down to ``noise * NOISE_DECAY``), so the eigenvalues r + 1 ... kappa (the largest noise
directions) lie well above the d - kappa smallest and sigma^2_ML(r) > sigma^2_ML(kappa); the
separation of each seed's data is measured and reported.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .common import fmt, plain, resolve_profile, run_record, seed_list, stats, train_config
from .rules import T3_RULE, t3_rule

NAME = "linear"
CLAIMS = ("T3",)
NOISE_DECAY = 0.1


# Profiles: TrainConfig overrides for every run (``noise``: the largest coordinate noise std, the
# signal coordinates having ~ unit variance) and the seed count.
PROFILES: dict[str, dict[str, Any]] = {
    "quick": dict(data="subspace", arch="linear", d=20, r=3, n=2000, noise=0.3, kappa=6, steps=3000, lr=5e-3,
                  batch_size=500, log_every=100, seeds=3),
    "full": dict(data="subspace", arch="linear", d=20, r=3, n=10000, noise=0.3, kappa=6, steps=10000, lr=3e-3,
                 batch_size=500, log_every=200, seeds=5),
}
RULES = {"T3": T3_RULE}


def noisy_subspace(sz: dict[str, Any], seed: int) -> np.ndarray:
    """Subspace data (models.data ``subspace``, noise-free) plus the anisotropic noise of the module
    docstring, from the seed's own generator; float32, shape (n, d)."""
    from infgrad.models.data import load_dataset

    X = load_dataset("subspace", d=sz["d"], r=sz["r"], n=sz["n"], noise=0.0, seed=seed).X.astype(float)
    std = sz["noise"] * NOISE_DECAY ** (np.arange(sz["d"]) / (sz["d"] - 1))
    rng = np.random.default_rng([seed, 3])
    return (X + rng.standard_normal(X.shape) * std).astype(np.float32)


def ppca_noise_variance(X: np.ndarray, k: int) -> dict[str, float]:
    """sklearn's PCA noise variance (1/(n-1)) and the maximum-likelihood one (1/n), k components."""
    from sklearn.decomposition import PCA

    n = X.shape[0]
    nv = float(PCA(n_components=k, svd_solver="full").fit(X).noise_variance_)
    return {"sklearn_noise_variance": nv, "ml_noise_variance": nv * (n - 1) / n}


def run(profile: str = "quick", *, seeds: int | None = None, seed: int = 0, device: str = "cpu",
        size: dict[str, Any] | None = None, progress: bool = False) -> dict[str, Any]:
    from infgrad.models.engine import train_pack

    sz = resolve_profile(PROFILES, profile, size, seeds)
    start = time.perf_counter()
    ss = seed_list(seed, sz["seeds"])
    data = [noisy_subspace(sz, s) for s in ss]
    cfgs = [train_config(sz, seed=s, device=device) for s in ss]
    runs = []
    for s, X, res in zip(ss, data, train_pack(cfgs, data, progress=progress)):
        s2k = ppca_noise_variance(X.astype(float), sz["kappa"])["ml_noise_variance"]
        s2r = ppca_noise_variance(X.astype(float), sz["r"])["ml_noise_variance"]
        g = float(res.final["gamma"])
        runs.append(run_record(res, s2_ml_kappa=s2k, s2_ml_r=s2r, separation=abs(s2r - s2k) / s2k,
                               rel_err_kappa=abs(g - s2k) / s2k, rel_err_r=abs(g - s2r) / s2r))
    out = {"experiment": NAME, "claims": list(CLAIMS), "profile": profile, "size": plain(sz),
           "noise_decay": NOISE_DECAY, "rules": RULES, "runs": runs, "seconds": time.perf_counter() - start}
    out["table"] = {
        "seeds": [x["seed"] for x in runs],
        **{k: stats(x[k] for x in runs) for k in ("s2_ml_kappa", "s2_ml_r", "separation", "rel_err_kappa",
                                                  "rel_err_r")},
        "gamma": stats(x["final"]["gamma"] for x in runs),
        "active_var": stats(x["final"]["active_var"] for x in runs),
        "active_units": stats(x["final"]["active_units"] for x in runs),
    }
    out["verdicts"] = judge(out)
    return out


def judge(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    runs = result["runs"]
    v = t3_rule([x["final"]["gamma"] for x in runs], [x["s2_ml_kappa"] for x in runs], [x["s2_ml_r"] for x in runs])
    return {"T3": v}


def summaries(result: dict[str, Any]) -> dict[str, str]:
    t = result["table"]
    return {"T3": (f"{result['verdicts']['T3']['premise']['line']}; gamma {fmt(t['gamma'])} vs sigma^2_ML(kappa) {fmt(t['s2_ml_kappa'])}: rel. err. "
                   f"{fmt(t['rel_err_kappa'], '.2g')} (rule <= 0.03, max {t['rel_err_kappa']['max']:.2g}); "
                   f"vs sigma^2_ML(r) {fmt(t['s2_ml_r'])}: rel. err. {fmt(t['rel_err_r'], '.2g')}; "
                   f"separation {t['separation']['min']:.2g} min; {len(t['seeds'])} seeds")}
