"""Fig. 4 (T12, T16): learned gamma versus gamma fixed at gamma*, from ``experiment_fixed-gamma.json``.

(a) the table: final reconstruction error, MMD(q(z), N(0, I)), active dimensions (mean encoder
variance / active units), mean ± std over seeds; (b) ||dL/dz|| against training steps, one thin
line per seed, learned gamma in blue, fixed gamma = gamma* in red.
"""

from __future__ import annotations

from pathlib import Path

from . import read_data, save

CLAIMS: tuple[str, ...] = ("T12", "T16")
DATA = "experiment_fixed-gamma.json"


def _pm(s: dict, spec: str = ".3g") -> str:
    return f"{float(s['mean']):{spec}} ± {float(s['sd']):{spec}}"


def draw(data_dir: Path, out_dir: Path) -> list[Path]:
    """Draw Fig. 4; FileNotFoundError when the fixed-gamma experiment's data are missing."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = read_data(data_dir, DATA, "`infgrad experiment fixed-gamma` (or T12/T16)")
    t = data["table"]
    size = data["size"]

    fig, (ax_t, ax_g) = plt.subplots(1, 2, figsize=(12, 4.2), gridspec_kw={"width_ratios": [1.1, 1]})
    ax_t.axis("off")
    cols = ["rec. err.", "MMD", "active (var)", "active (units)", "final gamma"]
    rows = []
    for arm in ("learned", "fixed"):
        a = t[arm]
        rows.append([_pm(a["recon_error"]), _pm(a["mmd"], ".2g"), _pm(a["active_var"], ".2g"),
                     _pm(a["active_units"], ".2g"), _pm(a["gamma"], ".2g")])
    tab = ax_t.table(cellText=rows, rowLabels=["learnable gamma", "fix gamma = gamma*"], colLabels=cols,
                     loc="center", cellLoc="center",
                     colWidths=[0.2, 0.22, 0.14, 0.14, 0.2])
    tab.auto_set_font_size(False)
    tab.set_fontsize(8)
    tab.scale(1.0, 1.6)
    v = data["verdicts"]
    ax_t.set_title(f"(a) {size['data']} data d={size['d']}, r={size['r']}, kappa={size['kappa']}, "
                   f"{len(data['pairs'])} seeds, {size['steps']} steps\nT12: {v['T12']['status']}, "
                   f"T16: {v['T16']['status']}", fontsize=9)

    for p in data["pairs"]:
        for arm, colour in (("learned", "C0"), ("fixed", "C3")):
            tr = p[arm]["trajectory"]
            if tr.get("grad_norm_z"):
                ax_g.plot(tr["step"], [float(x) for x in tr["grad_norm_z"]], c=colour, lw=0.9, alpha=0.8,
                          label=f"{'learnable gamma' if arm == 'learned' else 'fix gamma = gamma*'}"
                          if p is data["pairs"][0] else None)
    ax_g.set_yscale("log")
    ax_g.set_xlabel("training step")
    ax_g.set_ylabel("||dL/dz||")
    ax_g.set_title("(b) gradient norm during training (one line per seed)", fontsize=9)
    ax_g.legend(fontsize=8)
    fig.tight_layout()
    return save(fig, out_dir, "fig4_fixed_gamma")
