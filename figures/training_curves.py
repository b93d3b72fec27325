"""Gamma and active dimensions against training steps (T4, T14), from ``experiment_sparsity.json``.

Top row: learned gamma (log scale) per kappa; bottom row: active dimensions by mean encoder
variance (solid) and by active units (dotted), with r dashed. One column per data set; seed
``seeds[0]`` drawn strongly, the other seeds faintly.
"""

from __future__ import annotations

from pathlib import Path

from . import read_data, save
from .caption import provenance, suptitle
from .shape import NUM, SCALAR, STR, TEXT, arr, obj

CLAIMS: tuple[str, ...] = ("T4", "T14")
DATA = "experiment_sparsity.json"

_CURVES = ("step", "gamma", "active_var", "active_units")
SCHEMA = obj({
    "runs": arr(obj({"data": STR, "kappa": NUM, "seed": NUM,
                     "trajectory": obj({k: arr(NUM, 0) for k in _CURVES}, same_length=_CURVES)})),
    "size": obj({"r": NUM, "d": SCALAR}),
    "verdicts": obj({c: obj({"status": STR}, {"premise": obj({"line": STR})}) for c in CLAIMS}),
}, {"profile": STR, "rules": obj({}, {c: TEXT for c in CLAIMS})})


def draw(data_dir: Path, out_dir: Path) -> list[Path]:
    """Draw the training curves; FileNotFoundError when the sparsity experiment's data are missing."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = read_data(data_dir, DATA, "`infgrad experiment sparsity` (or T4/T14)", SCHEMA)
    runs = data["runs"]
    r = data["size"]["r"]
    sets = list(dict.fromkeys(x["data"] for x in runs))
    kappas = sorted({x["kappa"] for x in runs})
    first = min(x["seed"] for x in runs)
    fig, axes = plt.subplots(2, len(sets), figsize=(5.2 * len(sets), 6.4), squeeze=False, sharex=True)
    for j, name in enumerate(sets):
        for i, kappa in enumerate(kappas):
            colour = f"C{i}"
            for x in runs:
                if x["data"] != name or x["kappa"] != kappa:
                    continue
                tr = x["trajectory"]
                strong = x["seed"] == first
                kw = {"c": colour, "lw": 1.4 if strong else 0.7, "alpha": 1.0 if strong else 0.35}
                axes[0, j].plot(tr["step"], [float(g) for g in tr["gamma"]], label=f"kappa={kappa}" if strong else None, **kw)
                axes[1, j].plot(tr["step"], tr["active_var"], label=f"kappa={kappa} (var)" if strong else None, **kw)
                axes[1, j].plot(tr["step"], tr["active_units"], ls=":", **kw)
        axes[0, j].set_yscale("log")
        axes[0, j].set_ylabel("learned gamma")
        axes[0, j].set_title(f"{name} data, d={data['size']['d']}, r={r}", fontsize=9)
        axes[0, j].legend(fontsize=7)
        axes[1, j].axhline(r, c="k", ls="--", lw=0.8)
        axes[1, j].set_ylabel("active dims (solid: var < 0.5, dotted: units)")
        axes[1, j].set_xlabel("training step")
        axes[1, j].legend(fontsize=7)
    v = data["verdicts"]
    premises = "\n".join(f"{c} {v[c]['premise']['line']}" for c in CLAIMS if "premise" in v[c])
    where = provenance(data.get("profile"), [x["seed"] for x in runs], data.get("rules"))
    suptitle(fig, f"T4: {v['T4']['status']}, T14: {v['T14']['status']} ({where}; faint lines: other seeds)"
             + (f"\n{premises}" if premises else ""), fontsize=10)
    fig.tight_layout()
    return save(fig, out_dir, "training_curves")
