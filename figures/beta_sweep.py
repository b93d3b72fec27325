"""The beta sweep against d/r (T5), from ``experiment_beta.json``.

(a) ln gamma during the continuation from the beta = 1 optimum against the share of the
    continuation, one line per beta (first seed), the last 10% (where G is read) shaded;
(b) G = ln(mean gamma over the last 10%) - ln(base gamma) against beta / (d/r), mean ± std over
    seeds, the rule's ln 2 and ln 4 dotted, the ruled zones shaded (below: blue, above: red), the
    step-size sweep (no rule) in grey;
(c) the final reconstruction error over the base's against beta / (d/r) (log scale), with the
    active dimensions at the end written at each point.
"""

from __future__ import annotations

import math
from pathlib import Path

from . import read_data, save
from .caption import provenance, suptitle
from .shape import INT, NUM, POS, SCALAR, SPREAD, STR, TEXT, arr, first, obj

CLAIMS: tuple[str, ...] = ("T5",)
DATA = "experiment_beta.json"

_CONTINUED = obj({"fraction": NUM, "trajectory": obj({"step": arr(NUM, 0), "gamma": arr(POS, 0)},
                                                    same_length=("step", "gamma"))})
SCHEMA = obj({
    "d_over_r": POS,
    "table": obj({"rows": arr(obj({"fraction": NUM, "side": STR, "error_ratio": SPREAD,
                                   "active_var_end": obj({"mean": NUM})}, {"growth": SPREAD, "lr_factor": NUM}))},
                 {"sweep": arr(obj({"fraction": NUM, "lr_factor": NUM, "growth": obj({"mean": NUM})}), 0),
                  "seeds": arr(SCALAR, 0)}),
    "seeds": first(obj({"seed": SCALAR, "base": obj({"final": obj({"gamma": POS})}), "continued": arr(_CONTINUED, 0)})),
    "size": obj({"steps": {**INT, "minimum": 1}}),
    "verdicts": obj({"T5": obj({"status": STR}, {"premise": obj({"line": STR})})}),
}, {"profile": STR, "rules": obj({}, {"T5": TEXT})})


def _zones(ax, rows, ratio: float) -> None:
    below = [float(r["fraction"]) for r in rows if r["side"] == "below"]
    above = [float(r["fraction"]) for r in rows if r["side"] == "above"]
    if below:
        ax.axvspan(0, max(below) + 0.03, color="tab:blue", alpha=0.07, lw=0)
    if above:
        ax.axvspan(min(above) - 0.03, max(above) + 0.1, color="tab:red", alpha=0.07, lw=0)
    ax.axvline(1.0, c="k", ls="--", lw=0.8, label=f"$\\beta = d/r$ = {ratio:.3g}")


def draw(data_dir: Path, out_dir: Path) -> list[Path]:
    """Draw the beta sweep; FileNotFoundError when the beta experiment's data are missing."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    data = read_data(data_dir, DATA, "`infgrad experiment beta` (or T5)", SCHEMA)
    ratio = float(data["d_over_r"])
    rows = data["table"]["rows"]
    s0 = data["seeds"][0]
    cmap = plt.get_cmap("coolwarm")
    betas = [float(row["fraction"]) for row in rows]
    bmax = max(betas + [1.0]) * 1.05
    steps = int(data["size"]["steps"])
    verdict = data["verdicts"]["T5"]

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.3))
    ax = axes[0]
    g0 = float(s0["base"]["final"]["gamma"])
    for c in s0["continued"]:
        tr = c["trajectory"]
        share = [0.0] + [float(x) / steps for x in tr["step"]]
        ax.plot(share, [math.log(g0)] + [math.log(float(g)) for g in tr["gamma"]],
                c=cmap(float(c["fraction"]) / bmax), label=f"$\\beta$ = {c['fraction']:g} d/r")
    has_g = all("growth" in row for row in rows)
    if has_g:
        ax.axvspan(0.9, 1.0, color="0.5", alpha=0.15, lw=0, label="G read here (last 10%)")
    factors = {row.get("lr_factor") for row in rows}
    lr = f"lr x {factors.pop():g}, no tail" if len(factors) == 1 and isinstance(next(iter(factors)), (int, float)) \
        else "lr factor not saved"
    ax.set_xlabel(f"share of the {steps}-step continuation ({lr})")
    ax.set_ylabel(r"$\ln\gamma$")
    ax.set_title(f"(a) continuing from the $\\beta$ = 1 optimum (seed {s0['seed']})", fontsize=9)
    ax.legend(fontsize=7)

    ax = axes[1]
    _zones(ax, rows, ratio)
    if has_g:
        m = np.array([float(row["growth"]["mean"]) for row in rows])
        sd = np.array([float(row["growth"]["sd"]) for row in rows])
        ax.errorbar(betas, m, yerr=sd, marker="o", capsize=3, c="k", label="lr x 0.1 (the rule)")
    else:
        ax.text(0.5, 0.5, "G not computed:\nthe run predates the v3 rules", ha="center", va="center",
                transform=ax.transAxes)
    for row in data["table"].get("sweep", []):
        ax.scatter([float(row["fraction"])], [float(row["growth"]["mean"])], c="0.5", s=14)
        ax.annotate(f"x{float(row['lr_factor']):.2g}", (float(row["fraction"]), float(row["growth"]["mean"])),
                    fontsize=6, color="0.4", xytext=(4, 0), textcoords="offset points")
    ax.axhline(math.log(2), c="tab:blue", ls=":", label="stay: G <= ln 2")
    ax.axhline(math.log(4), c="tab:red", ls=":", label="leave: G >= ln 4")
    ax.axhline(0, c="0.5", lw=0.6)
    ax.set_xlabel(r"$\beta$ / (d/r)")
    ax.set_ylabel(r"G = $\ln\bar\gamma_{last\ 10\%} - \ln\gamma_{base}$")
    ax.set_title(f"(b) G per beta, {len(data['seeds'])} seeds (grey: step-size sweep, no rule)", fontsize=9)
    ax.legend(fontsize=7)

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
    ax.axhline(1.0, c="0.5", lw=0.6)
    ax.set_yscale("log")
    ax.set_xlabel(r"$\beta$ / (d/r)")
    ax.set_ylabel("reconstruction error at the end / base's")
    ax.set_title("(c) reconstruction error and active dimensions at the end", fontsize=9)
    ax.legend(fontsize=8)
    premise = verdict.get("premise", {}).get("line")
    where = provenance(data.get("profile"), data["table"].get("seeds", []), data.get("rules"))
    suptitle(fig, f"T5: {verdict['status']} ({where}; shaded: ruled below / above d/r)"
             + (f"\n{premise}" if premise else ""))
    fig.tight_layout()
    return save(fig, out_dir, "beta_sweep")
