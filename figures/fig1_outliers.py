"""Fig. 1 (T13): outlier screening on the curved 1-D toy, drawn from ``experiment_outliers.json``.

(a) inliers on the curve and outliers in the plane, with the AUROC of the VAE and of both baselines
(PCA(1), a weight-decay autoencoder), mean and 95% bootstrap interval over seeds. (b) the VAE with
learned gamma: its decoded curve (the most informative latent dimension swept over [-3, 3]) and
where it sends inliers and outliers. (c, d) histograms of log10 reconstruction error, inliers vs
outliers, for the VAE and for the better baseline, first seed.
"""

from __future__ import annotations

from pathlib import Path

from . import read_data, save
from .caption import provenance, suptitle
from .shape import ANYNUM, ANYPAIR, INTERVAL, NONNEG, NUM, SCALAR, STR, TEXT, arr, first, num, obj

CLAIMS: tuple[str, ...] = ("T13",)
DATA = "experiment_outliers.json"
# (key in v3, key before v3, label): the linear and the autoencoder baseline, by rule version
BASELINES = (("pca2_auroc", "pca1_auroc", "PCA"), ("plain_ae_auroc", "ae_auroc", "AE"))

_POINTS = arr(arr(NUM, 2, 2))
_ERRORS = arr(NONNEG)
_AUROC = {"pca2_auroc": ANYNUM, "pca1_auroc": ANYNUM, "plain_ae_auroc": ANYNUM, "ae_auroc": ANYNUM,
          "penalised_ae_auroc": ANYNUM}
SCHEMA = obj({
    "toy": first(obj({"points": obj({**{k: _POINTS for k in ("train", "test_in", "outliers", "recon_in", "recon_out")},
                                   **{k: _ERRORS for k in ("vae_error_in", "vae_error_out", "ae_error_in",
                                                           "ae_error_out")}},
                                  {"decoded_curve": arr(arr(NUM, 2, 2), 0)}),
                    "final": obj({"gamma": ANYNUM, "active_var": SCALAR, "active_units": SCALAR}),
                    "kappa": SCALAR, "auroc": ANYNUM, "seed": SCALAR}, _AUROC)),
    "table": obj({"seeds": arr(SCALAR), "auroc": INTERVAL}, {k: INTERVAL for k in _AUROC}),
    "verdicts": obj({"T13": obj({"status": STR, "toy": obj({"status": STR},
                                                            {"vae_minus_pca2": obj({"ci95": ANYPAIR}),
                                                             "vae_minus_plain_ae": obj({"ci95": ANYPAIR}),
                                                             "diff_ci95": ANYPAIR, "best_baseline": STR})},
                                {"premise": obj({"line": STR})})}),
}, {"profile": STR, "rules": obj({}, {"T13": TEXT})})


def _baseline(record: dict, which: int) -> tuple[str, str]:
    """The key under which ``record`` saved baseline ``which`` (0: PCA, 1: autoencoder) and its label."""
    v3_key, old_key, _ = BASELINES[which]
    key = v3_key if v3_key in record else old_key
    label = {"pca2_auroc": "PCA(2)", "pca1_auroc": "PCA(1)", "plain_ae_auroc": "plain AE",
             "ae_auroc": "AE with weight decay"}[key]
    return key, label


def draw(data_dir: Path, out_dir: Path) -> list[Path]:
    """Draw Fig. 1; FileNotFoundError when the outliers experiment's data are missing. A run before
    the v3 rules (PCA(1) and a weight-decay autoencoder as baselines) is drawn with its own."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    data = read_data(data_dir, DATA, "`infgrad experiment outliers` (or the T13 check)", SCHEMA)
    toy = data["toy"][0]
    vae = toy
    pts = vp = toy["points"]
    t = data["table"]
    verdict = data["verdicts"]["T13"]["toy"]
    (pca_key, pca_label), (ae_key, ae_label) = _baseline(t, 0), _baseline(t, 1)
    for key in (pca_key, ae_key):
        if key not in t:
            from .shape import refuse

            raise refuse(Path(data_dir) / DATA, "table", f"no {BASELINES[0][0]}/{BASELINES[0][1]} or "
                                                          f"{BASELINES[1][0]}/{BASELINES[1][1]} summary")
    train, test_in, outl = (np.asarray(pts[k], float).reshape(-1, 2) for k in ("train", "test_in", "outliers"))
    rec_in, rec_out = (np.asarray(vp[k], float).reshape(-1, 2) for k in ("recon_in", "recon_out"))

    def ci(key: str) -> str:
        s = t[key]
        return f"{num(s['mean']):.3f} [{num(s['ci95'][0]):.3f}, {num(s['ci95'][1]):.3f}]"
    curve = np.asarray(vp.get("decoded_curve") or [], float).reshape(-1, 2)

    fig, axes = plt.subplots(2, 2, figsize=(9.5, 8))
    ax = axes[0, 0]
    ax.scatter(train[:, 0], train[:, 1], s=3, c="0.75", label="training inliers")
    ax.scatter(test_in[:, 0], test_in[:, 1], s=6, c="C3", label="test inliers")
    ax.scatter(outl[:, 0], outl[:, 1], s=10, c="C0", marker="x", label="outliers")
    pen = f"\npenalised AE of (7), no rule: {ci('penalised_ae_auroc')}" if "penalised_ae_auroc" in t else ""
    ax.set_title(f"(a) AUROC over {len(t['seeds'])} seeds: VAE {ci('auroc')}\n{pca_label} {ci(pca_key)}, "
                 f"{ae_label} {ci(ae_key)}{pen}", fontsize=8)
    ax.legend(fontsize=7, loc="lower right")
    ax.set_aspect("equal", adjustable="datalim")

    ax = axes[0, 1]
    m = min(80, len(outl))
    for a, b in zip(outl[:m], rec_out[:m]):
        ax.plot([a[0], b[0]], [a[1], b[1]], c="C0", lw=0.5, alpha=0.6)
    ax.scatter(outl[:m, 0], outl[:m, 1], s=10, c="C0", marker="x", label="outliers (first 80)")
    ax.scatter(rec_out[:m, 0], rec_out[:m, 1], s=8, c="k", label="their VAE reconstructions")
    ax.scatter(rec_in[:, 0], rec_in[:, 1], s=4, c="C3", label="VAE reconstructions of inliers")
    if len(curve):
        ax.plot(curve[:, 0], curve[:, 1], c="C2", lw=1.5, label="decoded curve, z_j in [-3, 3]")
    f = vae["final"]
    ax.set_title(f"(b) VAE, $\\kappa$={vae['kappa']}, learned $\\gamma$={num(f['gamma']):.2g}, active "
                 f"{f['active_var']}/{f['active_units']}\n(AUROC {num(vae['auroc']):.3f})", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    ax.set_aspect("equal", adjustable="datalim")

    def hist(ax, e_in, e_out, title):
        e_in = np.log10(np.maximum(np.asarray(e_in, float), 1e-40))
        e_out = np.log10(np.maximum(np.asarray(e_out, float), 1e-40))
        lo, hi = min(e_in.min(), e_out.min()), max(e_in.max(), e_out.max())
        bins = np.linspace(lo, hi + 1e-9, 40)
        ax.hist(e_in, bins=bins, alpha=0.6, color="C3", label="inliers")
        ax.hist(e_out, bins=bins, alpha=0.6, color="C0", label="outliers")
        ax.set_xlabel(r"$\log_{10}\|x - \hat{x}\|^2$")
        ax.set_ylabel("count")
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7)

    hist(axes[1, 0], vp["vae_error_in"], vp["vae_error_out"],
         f"(c) VAE errors, kappa={vae['kappa']} (AUROC {num(vae['auroc']):.3f})")
    toy_ae = toy.get(ae_key)
    hist(axes[1, 1], pts["ae_error_in"], pts["ae_error_out"],
         f"(d) {ae_label} (AUROC " + (f"{num(toy_ae):.3f})" if toy_ae is not None else "not saved)"))
    if "vae_minus_pca2" in verdict and "vae_minus_plain_ae" in verdict:
        a, b = ([num(x) for x in verdict[k]["ci95"]] for k in ("vae_minus_pca2", "vae_minus_plain_ae"))
        diffs = f"VAE - PCA(2) [{a[0]:+.3f}, {a[1]:+.3f}], VAE - plain AE [{b[0]:+.3f}, {b[1]:+.3f}]"
    elif "diff_ci95" in verdict:
        a = [num(x) for x in verdict["diff_ci95"]]
        diffs = f"VAE - {verdict.get('best_baseline', 'best baseline')} [{a[0]:+.3f}, {a[1]:+.3f}]"
    else:
        diffs = "not saved"
    premise = data["verdicts"]["T13"].get("premise", {}).get("line")
    suptitle(fig, f"T13 toy: outlier screening, panels (b)-(d) seed {toy['seed']} "
                 f"({provenance(data.get('profile'), t['seeds'], data.get('rules'))}); 95% CI of AUROC "
                 f"differences: {diffs}: toy {verdict['status']}, T13 {data['verdicts']['T13']['status']}"
                 + (f"\n{premise}" if premise else ""), fontsize=9)
    fig.tight_layout()
    return save(fig, out_dir, "fig1_outliers")
