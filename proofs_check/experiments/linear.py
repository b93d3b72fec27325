"""The trained linear VAE against probabilistic PCA (T3, Remark 1; empirical side).

A VAE with one affine map on each side (arch "linear") and learned gamma, trained on noisy data
from an r-dimensional subspace of R^d. At its optimum it is probabilistic PCA with kappa
components (Tipping and Bishop, 1999; Lucas et al., 2019): the learned gamma equals the PPCA
maximum-likelihood noise variance, sigma^2_ML = mean of the d - kappa smallest eigenvalues of the
covariance with 1/n normalisation. scikit-learn's ``PCA(n_components=kappa).noise_variance_`` uses
the 1/(n - 1) covariance, so sigma^2_ML = noise_variance_ * (n - 1) / n. The dimensions beyond the
rank r carry only noise, so their encoder variance sigma^2 / lambda_j stays near 1: the
informative dimensions (by mean encoder variance) number r.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

from .common import fmt, resolve_size, run_record, seed_list, stats

NAME = "linear"
CLAIMS = ("T3",)


@dataclass(frozen=True)
class Size:
    d: int = 20
    r: int = 3
    n: int = 2000
    noise: float = 0.1
    kappa: int = 6
    steps: int = 3000
    lr: float = 5e-3
    batch_size: int = 200
    seeds: int = 2
    log_every: int = 100


SIZES = {
    "quick": Size(),
    "full": Size(n=10000, steps=10000, lr=2e-3, seeds=3, log_every=200),
}

REL_TOL = 0.10   # |gamma - sigma^2_ML| / sigma^2_ML
RULES = {
    "T3": (f"In every seed: |learned gamma - sigma^2_ML| / sigma^2_ML <= {REL_TOL:g}, with sigma^2_ML "
           f"= sklearn PCA(n_components=kappa).noise_variance_ * (n - 1) / n on the same data; and the "
           f"number of active dimensions by mean encoder variance equals the rank r of the noiseless "
           f"data."),
}


def ppca_noise_variance(X, kappa: int) -> dict[str, float]:
    """sklearn's PCA noise variance (1/(n-1)) and the maximum-likelihood one (1/n)."""
    from sklearn.decomposition import PCA

    n = X.shape[0]
    nv = float(PCA(n_components=kappa, svd_solver="full").fit(X).noise_variance_)
    return {"sklearn_noise_variance": nv, "ml_noise_variance": nv * (n - 1) / n}


def run(profile: str = "quick", *, seeds: int | None = None, seed: int = 0, device: str = "cpu",
        size: Size | None = None, progress: bool = False) -> dict[str, Any]:
    from models.config import TrainConfig
    from models.data import load_dataset
    from models.trainer import train

    sz = resolve_size(SIZES, profile, size, seeds)
    start = time.perf_counter()
    runs = []
    for s in seed_list(seed, sz.seeds):
        data = load_dataset("subspace", d=sz.d, r=sz.r, n=sz.n, noise=sz.noise, seed=s)
        cfg = TrainConfig(data="subspace", d=sz.d, r=sz.r, n=sz.n, noise=sz.noise, kappa=sz.kappa,
                          arch="linear", steps=sz.steps, lr=sz.lr, batch_size=sz.batch_size, seed=s,
                          device=device, log_every=sz.log_every, checkpoint_every=sz.log_every * 10)
        res = train(cfg, data, progress=progress)
        pp = ppca_noise_variance(data.X.astype(float), sz.kappa)
        pp["ml_noise_variance_r_components"] = ppca_noise_variance(data.X.astype(float), sz.r)["ml_noise_variance"]
        g = float(res.final["gamma"])
        runs.append(run_record(res, **pp, rel_error=abs(g - pp["ml_noise_variance"]) / pp["ml_noise_variance"],
                               rel_error_if_n_minus_1=abs(g - pp["sklearn_noise_variance"]) / pp["sklearn_noise_variance"]))
    out = {"experiment": NAME, "claims": list(CLAIMS), "profile": profile, "size": asdict(sz),
           "rules": RULES, "runs": runs, "seconds": time.perf_counter() - start}
    out["table"] = {
        "seeds": [x["seed"] for x in runs],
        "gamma": stats(x["final"]["gamma"] for x in runs),
        "ml_noise_variance": stats(x["ml_noise_variance"] for x in runs),
        "rel_error": stats(x["rel_error"] for x in runs),
        "active_var": stats(x["final"]["active_var"] for x in runs),
        "active_units": stats(x["final"]["active_units"] for x in runs),
        "noise_std_squared": sz.noise ** 2,
    }
    out["verdicts"] = judge(out)
    return out


def judge(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    r = int(result["size"]["r"])
    flags = {}
    for x in result["runs"]:
        flags[f"seed={x['seed']}/gamma_matches_ppca"] = bool(x["rel_error"] <= REL_TOL)
        flags[f"seed={x['seed']}/active_dims_equal_rank"] = bool(x["final"]["active_var"] == r)
    status = "pass" if flags and all(flags.values()) else "fail"
    return {"T3": {"status": status, "rule": RULES["T3"], "flags": flags}}


def summaries(result: dict[str, Any]) -> dict[str, str]:
    t = result["table"]
    return {"T3": (f"trained linear VAE gamma {fmt(t['gamma'])} vs PPCA sigma^2_ML "
                   f"{fmt(t['ml_noise_variance'])} (rel. err. {fmt(t['rel_error'], '.2g')}); active dims "
                   f"{fmt(t['active_var'], '.2g')} vs r={result['size']['r']}; {len(t['seeds'])} seeds")}
