"""The beta sweep against d/r (T5), from ``experiment_beta.json``.

(a) ln gamma during the continuation from the beta = 1 optimum, one line per beta (first seed);
(b) the change ln gamma_end - ln gamma_start against beta, mean ± std over seeds, d/r dashed;
(c) the final reconstruction error against beta (log scale), the base's error dotted.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

CLAIMS: tuple[str, ...] = ("T5",)
DATA = "experiment_beta.json"


def draw(data_dir: Path, out_dir: Path) -> list[Path]:
    """Draw the beta sweep; FileNotFoundError when the beta experiment's data are missing."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    path = Path(data_dir) / DATA
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: run `infgrad experiment beta` (or T5) first")
    data = json.loads(path.read_text())
    ratio = float(data["d_over_r"])
    rows = data["table"]["rows"]
    s0 = data["seeds"][0]
    cmap = plt.get_cmap("coolwarm")
    betas = [float(row["beta"]) for row in rows]
    bmax = max(betas + [ratio]) * 1.05

    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    ax = axes[0]
    g0 = float(s0["base"]["final"]["gamma"])
    for c in s0["continued"]:
        tr = c["trajectory"]
        ax.plot([0] + list(tr["step"]), [math.log(g0)] + [math.log(float(g)) for g in tr["gamma"]],
                c=cmap(float(c["beta"]) / bmax), label=f"beta={c['beta']:g}")
    ax.set_xlabel("steps after the beta = 1 optimum")
    ax.set_ylabel("ln gamma")
    ax.set_title(f"(a) continuing from the beta = 1 optimum (seed {s0['seed']})", fontsize=9)
    ax.legend(fontsize=7)

    ax = axes[1]
    m = np.array([float(row["dlog_gamma"]["mean"]) for row in rows])
    sd = np.array([float(row["dlog_gamma"]["std"]) for row in rows])
    ax.errorbar(betas, m, yerr=sd, marker="o", capsize=3)
    ax.axvline(ratio, c="k", ls="--", lw=0.8, label=f"d/r = {ratio:.3g}")
    ax.axhline(0, c="0.5", lw=0.6)
    ax.set_xlabel("beta")
    ax.set_ylabel("ln gamma_end - ln gamma_start")
    ax.set_title(f"(b) change of ln gamma in {data['size']['steps']} steps, {len(data['seeds'])} seeds", fontsize=9)
    ax.legend(fontsize=8)

    ax = axes[2]
    e = np.array([float(row["recon_error_end"]["mean"]) for row in rows])
    esd = np.array([float(row["recon_error_end"]["std"]) for row in rows])
    ax.errorbar(betas, e, yerr=esd, marker="o", capsize=3)
    ax.axhline(float(data["table"]["base"]["recon_error"]["mean"]), c="0.4", ls=":", label="beta = 1 base")
    ax.axvline(ratio, c="k", ls="--", lw=0.8, label=f"d/r = {ratio:.3g}")
    ax.set_yscale("log")
    ax.set_xlabel("beta")
    ax.set_ylabel("reconstruction error at the end")
    ax.set_title("(c) reconstruction error", fontsize=9)
    ax.legend(fontsize=8)
    fig.suptitle(f"T5: {data['verdicts']['T5']['status']} ({data['profile']} profile)", fontsize=10)
    fig.tight_layout()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "beta_sweep.png", out_dir / "beta_sweep.pdf"]
    for q in paths:
        fig.savefig(q, dpi=120)
    plt.close(fig)
    return paths
