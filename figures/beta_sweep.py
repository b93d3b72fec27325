"""The beta sweep against d/r (T5), from ``experiment_beta.json``.

(a) ln gamma during the continuation from the beta = 1 optimum, one line per beta (first seed),
    the last half (where the slope is fitted) shaded;
(b) the fitted slope of ln gamma over the last half (per 1000 steps) against beta, mean ± std over
    seeds, the rule's tolerance dotted, d/r dashed, the ruled zones shaded (below: blue, above: red);
(c) the final reconstruction error over the base's against beta (log scale), the rule's factor
    dotted, with the active dimensions at the end written at each point.
"""

from __future__ import annotations

import math
from pathlib import Path

from . import read_data, save

CLAIMS: tuple[str, ...] = ("T5",)
DATA = "experiment_beta.json"


def _zones(ax, rows, ratio: float) -> None:
    below = [float(r["beta"]) for r in rows if r["side"] == "below"]
    above = [float(r["beta"]) for r in rows if r["side"] == "above"]
    if below:
        ax.axvspan(0, max(below) + 0.2, color="tab:blue", alpha=0.07, lw=0)
    if above:
        ax.axvspan(min(above) - 0.2, max(above) + 0.5, color="tab:red", alpha=0.07, lw=0)
    ax.axvline(ratio, c="k", ls="--", lw=0.8, label=f"d/r = {ratio:.3g}")


def draw(data_dir: Path, out_dir: Path) -> list[Path]:
    """Draw the beta sweep; FileNotFoundError when the beta experiment's data are missing."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    data = read_data(data_dir, DATA, "`infgrad experiment beta` (or T5)")
    ratio = float(data["d_over_r"])
    rows = data["table"]["rows"]
    s0 = data["seeds"][0]
    cmap = plt.get_cmap("coolwarm")
    betas = [float(row["beta"]) for row in rows]
    bmax = max(betas + [ratio]) * 1.05
    steps = int(data["size"]["steps"])
    verdict = data["verdicts"]["T5"]

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.3))
    ax = axes[0]
    g0 = float(s0["base"]["final"]["gamma"])
    for c in s0["continued"]:
        tr = c["trajectory"]
        ax.plot([0] + list(tr["step"]), [math.log(g0)] + [math.log(float(g)) for g in tr["gamma"]],
                c=cmap(float(c["beta"]) / bmax), label=f"beta={c['beta']:g}")
    ax.axvspan(steps / 2, steps, color="0.5", alpha=0.1, lw=0, label="slope fitted here")
    ax.set_xlabel("steps after the beta = 1 optimum")
    ax.set_ylabel("ln gamma")
    ax.set_title(f"(a) continuing from the beta = 1 optimum (seed {s0['seed']})", fontsize=9)
    ax.legend(fontsize=7)

    ax = axes[1]
    m = np.array([float(row["slope_last_half"]["mean"]) for row in rows])
    sd = np.array([float(row["slope_last_half"]["sd"]) for row in rows])
    _zones(ax, rows, ratio)
    ax.errorbar(betas, m, yerr=sd, marker="o", capsize=3, c="k")
    tol = verdict.get("slope_tol")
    if tol is not None:
        ax.axhline(float(tol), c="0.4", ls=":", label=f"tolerance {float(tol):g}")
    ax.axhline(0, c="0.5", lw=0.6)
    ax.set_xlabel("beta")
    ax.set_ylabel("d ln gamma / d(1000 steps), last half")
    ax.set_title(f"(b) slope of ln gamma over steps {steps // 2}-{steps}, {len(data['seeds'])} seeds",
                 fontsize=9)
    ax.legend(fontsize=8)

    ax = axes[2]
    e = np.array([float(row["error_ratio"]["mean"]) for row in rows])
    esd = np.array([float(row["error_ratio"]["sd"]) for row in rows])
    act = [float(row["active_var_end"]["mean"]) for row in rows]
    _zones(ax, rows, ratio)
    ax.errorbar(betas, e, yerr=esd, marker="o", capsize=3, c="k")
    for i, (b, y, a) in enumerate(zip(betas, e, act)):
        ax.annotate(f"{a:.3g}", (b, y), textcoords="offset points", xytext=(7, 2 if i % 2 else -9),
                    fontsize=8, color="tab:green", fontweight="bold")
    ax.plot([], [], ls="none", marker="$3$", c="tab:green", label="active dims at the end (mean)")
    fac = verdict.get("error_rise")
    if fac is not None:
        ax.axhline(float(fac), c="0.4", ls=":", label=f"factor {float(fac):g}")
    ax.axhline(1.0, c="0.5", lw=0.6)
    ax.set_yscale("log")
    ax.set_xlabel("beta")
    ax.set_ylabel("reconstruction error at the end / base's")
    ax.set_title("(c) reconstruction error and active dimensions at the end", fontsize=9)
    ax.legend(fontsize=8)
    fig.suptitle(f"T5: {verdict['status']} ({data['profile']} profile; shaded: ruled below / above "
                 f"d/r; every seed must obey its side)", fontsize=10)
    fig.tight_layout()
    return save(fig, out_dir, "beta_sweep")
