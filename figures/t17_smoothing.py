"""T17: annealed versus fixed delta in h = log(u + delta), drawn from ``t17_smoothing.json``.

(a) support-recovery rate against the number r of true rows, annealed and fixed, with 95% Wilson
intervals; (b, c) the row norms ||z_k|| along the MM iterations of one instance where annealing
recovers the sparse code and the fixed small delta does not (true rows in colour).
"""

from __future__ import annotations

from pathlib import Path

from . import read_data, save
from .caption import seeds_text
from .shape import ANYNUM, ANYPAIR, INT, NONNEG, NUM, PAIR, SCALAR, STR, arr, num, obj

CLAIMS: tuple[str, ...] = ("T17",)
DATA = "t17_smoothing.json"

_RATE = {"type": "number", "minimum": 0, "maximum": 1}
SCHEMA = obj({
    "summary": obj({"by_r": arr(obj({"r": NUM, "annealed_rate": _RATE, "fixed_rate": _RATE,
                                     "annealed_ci": PAIR, "fixed_ci": PAIR})),
                    "instances": SCALAR, "annealed_rate": ANYNUM, "fixed_rate": ANYNUM, "difference": ANYNUM,
                    "difference_ci95_newcombe": ANYPAIR}),
    "design": obj({"d": SCALAR, "kappa": SCALAR, "n": SCALAR}),
}, {"example": {"anyOf": [{"type": "null"},   # null: no instance where annealing alone recovered
                           obj({"support": arr(INT, 0),
                                "row_norms": obj({k: arr(arr(NONNEG), 1, rectangular=True)
                                                  for k in ("annealed", "fixed")}),
                                "instance": SCALAR, "r": SCALAR})]},
    "profile": STR, "seed": INT})


def draw(data_dir: Path, out_dir: Path) -> list[Path]:
    """Draw the T17 figure; FileNotFoundError when the check's data are missing."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    data = read_data(data_dir, DATA, "the T17 check with an output directory", SCHEMA)
    by_r = data["summary"]["by_r"]
    example = data.get("example")

    ncols = 3 if example else 1
    fig, axes = plt.subplots(1, ncols, figsize=(4.2 * ncols, 3.6), squeeze=False)
    ax = axes[0, 0]
    rs = np.array([row["r"] for row in by_r], float)
    for key, label, colour, shift in (("annealed", "annealed delta", "C0", -0.08),
                                      ("fixed", "fixed delta*", "C3", 0.08)):
        rate = np.array([row[f"{key}_rate"] for row in by_r])
        ci = np.array([row[f"{key}_ci"] for row in by_r])
        yerr = [np.maximum(rate - ci[:, 0], 0.0), np.maximum(ci[:, 1] - rate, 0.0)]  # from the rate outwards
        ax.errorbar(rs + shift, rate, yerr=yerr, marker="o",
                    capsize=3, color=colour, label=label)
    s = data["summary"]
    design = data["design"]
    ax.set_xlabel("true nonzero rows r")
    ax.set_ylabel("support recovered (rate, 95% Wilson)")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xticks(rs)
    ax.set_title(f"(a) d={design['d']}, kappa={design['kappa']}, n={design['n']}; "
                 f"{s['instances']} instances", fontsize=9)
    ax.legend(fontsize=8, loc="lower left")
    lo, hi = (num(x) for x in s["difference_ci95_newcombe"])
    ax.text(0.98, 0.98, f"annealed {num(s['annealed_rate']):.2f}\nfixed {num(s['fixed_rate']):.2f}\n"
            f"diff {num(s['difference']):+.2f} [{lo:+.2f}, {hi:+.2f}]",
            transform=ax.transAxes, ha="right", va="top", fontsize=8)

    if example:
        support = set(example["support"])
        for ax, key, title in ((axes[0, 1], "annealed", "(b) annealed delta: 1 -> 1e-8"),
                               (axes[0, 2], "fixed", "(c) fixed delta = 1e-8")):
            norms = np.array(example["row_norms"][key])  # (iterations + 1, kappa)
            steps = np.arange(norms.shape[0])
            for k in range(norms.shape[1]):
                true = k in support
                ax.semilogy(steps, np.maximum(norms[:, k], 1e-16), lw=1.4 if true else 0.7,
                            color="C0" if true else "0.6", alpha=1.0 if true else 0.7,
                            label=("true rows" if true else "other rows") if k == min(
                                (j for j in range(norms.shape[1]) if (j in support) == true)) else None)
            ax.set_xlabel("MM step")
            ax.set_ylabel("row norm ||z_k||")
            ax.set_ylim(1e-12, None)
            ax.set_title(f"{title} (instance {example['instance']}, r={example['r']})", fontsize=9)
            ax.legend(fontsize=8, loc="lower left")
    profile = data.get("profile")
    fig.suptitle(f"T17: {profile + ' profile' if isinstance(profile, str) else 'profile not saved'}, "
                 f"{seeds_text([data['seed']] if 'seed' in data else [])}; the rule of T17 carries no version "
                 "(not among the v3 rules)", fontsize=9)
    fig.tight_layout()
    return save(fig, out_dir, "t17_smoothing")
