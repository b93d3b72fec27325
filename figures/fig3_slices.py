"""Fig. 3: 1-D slices of the linear-VAE energy (3) for gamma in {1, 1e-1, 1e-2, 1e-3}.

Drawn only from ``t11_slices.json`` that ``proofs_check.experiments.landscape.check_t11``
saves: panel (a) the ``mix`` slices, panel (b) the ``split`` slices, of instance 0.
The optimal sparse representation sits at t = 0; dashed vertical lines mark each
curve's minimiser. The energies of different gamma differ by d log gamma and by
orders of magnitude in curvature, so each curve is drawn minus its own minimum on a
symlog axis (linear below 1): the minimiser and the local minima are unchanged by this.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import read_data, save
from .caption import provenance, suptitle
from .shape import NUM, SCALAR, STR, TEXT, arr, first, obj, refuse

CLAIMS = ("T11",)
DATA_FILE = "t11_slices.json"
_CURVE = obj({"energy": arr(NUM), "gamma": NUM, "argmin": NUM, "n_local_minima": SCALAR})
SCHEMA = obj({
    "t": arr(NUM, 2), "gammas": arr(SCALAR), "constructions": arr(STR),
    "instances": first(obj({"slices": {"type": "object",
                                       "additionalProperties": obj({"per_gamma": arr(_CURVE)})}})),
    "d": SCALAR, "r": SCALAR, "kappa": SCALAR, "n": SCALAR, "seed": NUM,
}, {"profile": STR, "verdict": obj({"status": STR}, {"rule": TEXT, "premise": obj({"line": STR})})})
TITLES = {"mix": "(a) sparse optimum -> all dims active (random mixing)",
          "split": "(b) sparse optimum -> one dim split over an unneeded one"}


def draw(data_dir: Path, out_dir: Path) -> list[Path]:
    """Draw Fig. 3 from ``data_dir/t11_slices.json`` into ``out_dir`` (PNG and PDF)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = read_data(data_dir, DATA_FILE, "the T11 check with an output directory", SCHEMA)
    t = np.asarray(data["t"], dtype=float)
    inst = data["instances"][0]
    constructions = data["constructions"]
    for name in constructions:   # what the schema cannot say: each named slice is there, as long as t
        if name not in inst["slices"]:
            raise refuse(Path(data_dir) / DATA_FILE, "instances[0].slices", f"no slice {name!r}")
        for k, curve in enumerate(inst["slices"][name]["per_gamma"]):
            if len(curve["energy"]) != len(t):
                raise refuse(Path(data_dir) / DATA_FILE, f"instances[0].slices.{name}.per_gamma[{k}].energy",
                             f"{len(curve['energy'])} values for {len(t)} points t")
    colors = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, len(data["gammas"])))

    fig, axes = plt.subplots(1, len(constructions), figsize=(10, 4), dpi=100, squeeze=False)
    for ax, name in zip(axes[0], constructions):
        for color, curve in zip(colors, inst["slices"][name]["per_gamma"]):
            e = np.asarray(curve["energy"], dtype=float)
            shifted = e - e.min()
            label = f"$\\gamma$ = {curve['gamma']:g} ({curve['n_local_minima']} local min)"
            ax.plot(t, shifted, color=color, lw=1.6, label=label)
            ax.axvline(curve["argmin"], color=color, ls="--", lw=1.0)
        ax.set_title(TITLES.get(name, name), fontsize=10)
        ax.set_xlabel("t   (0: optimal sparse representation)")
        ax.set_ylabel("energy (3) minus its minimum (symlog)")
        ax.set_yscale("symlog", linthresh=1.0)
        ax.set_ylim(bottom=0.0)
        ax.set_xlim(t[0], t[-1])
        ax.legend(fontsize=8, loc="lower right")
    verdict = data.get("verdict", {})
    premise = verdict.get("premise", {}).get("line")
    where = provenance(data.get("profile"), [data["seed"]], verdict.get("rule"))
    suptitle(fig, f"Linear VAE, random subspace data: d={data['d']}, r={data['r']}, kappa={data['kappa']}, "
                  f"n={data['n']}, instance 0 ({where})" + (f"\nT11 {premise}" if premise else ""), fontsize=10)
    fig.tight_layout()
    return save(fig, out_dir, "fig3_slices", dpi=100)
