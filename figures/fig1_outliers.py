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

CLAIMS: tuple[str, ...] = ("T13",)
DATA = "experiment_outliers.json"


def draw(data_dir: Path, out_dir: Path) -> list[Path]:
    """Draw Fig. 1; FileNotFoundError when the outliers experiment's data are missing."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    data = read_data(data_dir, DATA, "`infgrad experiment outliers` (or the T13 check)")
    toy = data["toy"][0]
    vae = toy
    pts = vp = toy["points"]
    t = data["table"]
    verdict = data["verdicts"]["T13"]["toy"]
    train, test_in, outl = (np.asarray(pts[k], float).reshape(-1, 2) for k in ("train", "test_in", "outliers"))
    rec_in, rec_out = (np.asarray(vp[k], float).reshape(-1, 2) for k in ("recon_in", "recon_out"))

    def ci(key: str) -> str:
        s = t[key]
        return f"{s['mean']:.3f} [{s['ci95'][0]:.3f}, {s['ci95'][1]:.3f}]"
    curve = np.asarray(vp.get("decoded_curve") or [], float).reshape(-1, 2)

    fig, axes = plt.subplots(2, 2, figsize=(9.5, 8))
    ax = axes[0, 0]
    ax.scatter(train[:, 0], train[:, 1], s=3, c="0.75", label="training inliers")
    ax.scatter(test_in[:, 0], test_in[:, 1], s=6, c="C3", label="test inliers")
    ax.scatter(outl[:, 0], outl[:, 1], s=10, c="C0", marker="x", label="outliers")
    ax.set_title(f"(a) AUROC over {len(t['seeds'])} seeds: VAE {ci('auroc')}\nPCA(2) {ci('pca2_auroc')}, "
                 f"plain AE {ci('plain_ae_auroc')}", fontsize=8)
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
    ax.set_title(f"(b) VAE, $\\kappa$={vae['kappa']}, learned $\\gamma$={f['gamma']:.2g}, active "
                 f"{f['active_var']}/{f['active_units']}\n(AUROC {vae['auroc']:.3f})", fontsize=9)
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
         f"(c) VAE errors, kappa={vae['kappa']} (AUROC {vae['auroc']:.3f})")
    hist(axes[1, 1], pts["ae_error_in"], pts["ae_error_out"],
         f"(d) plain autoencoder, no penalty (AUROC {toy['plain_ae_auroc']:.3f})")
    a, b = verdict["vae_minus_pca2"]["ci95"], verdict["vae_minus_plain_ae"]["ci95"]
    fig.suptitle(f"T13 toy: outlier screening, seed {toy['seed']} ({data['profile']} profile); 95% CI of AUROC "
                 f"differences: VAE - PCA(2) [{a[0]:+.3f}, {a[1]:+.3f}], VAE - plain AE [{b[0]:+.3f}, {b[1]:+.3f}]: "
                 f"{verdict['status']}", fontsize=9)
    fig.tight_layout()
    return save(fig, out_dir, "fig1_outliers")
