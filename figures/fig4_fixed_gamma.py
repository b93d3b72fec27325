"""Fig. 4 (T12, T16): learned gamma, gamma fixed at gamma*, gamma annealed to gamma*, from
``experiment_fixed-gamma.json``.

(a) final reconstruction error and (b) the unbiased MMD^2 (IMQ kernel) between the aggregated
posterior and N(0, I), per arm: the mean over seeds with its 95% bootstrap interval (error bar) and
one dot per seed; (c) ||dL/dz|| against the share of training steps for all three arms: the mean
over seeds with the band between the smallest and largest seed, and the T16 windows shaded (E: the
first 5% of the steps, F: the last 10%).
"""

from __future__ import annotations

from pathlib import Path

from . import read_data, save

CLAIMS: tuple[str, ...] = ("T12", "T16")
DATA = "experiment_fixed-gamma.json"
ARMS = (("learned", "learned gamma (a)", "C0"), ("fixed", "fixed gamma = gamma* (b)", "C3"),
        ("annealed", "annealed 1 -> gamma* (c)", "C2"))


def _interval_panel(ax, table: dict, key: str, pairs: list, ylabel: str, log: bool, value=None) -> None:
    import numpy as np

    for x, (arm, label, colour) in enumerate(ARMS):
        s = table[arm][key]
        lo, hi = (float(v) for v in s["ci95"])
        m = float(s["mean"])
        ax.errorbar([x], [m], yerr=[[m - lo], [hi - m]], fmt="o", c=colour, capsize=6, ms=7, lw=1.6)
        vals = [float(value(p[arm]) if value else p[arm]["final"][key]) for p in pairs]
        ax.scatter(x + 0.12 + np.linspace(-0.04, 0.04, len(vals)), vals, s=12, c=colour, alpha=0.6)
    ax.set_xticks(range(len(ARMS)))
    ax.set_xticklabels([a[1].replace(" (", "\n(") for a in ARMS], fontsize=7)
    ax.set_ylabel(ylabel)
    if log:
        ax.set_yscale("log")


def draw(data_dir: Path, out_dir: Path) -> list[Path]:
    """Draw Fig. 4; FileNotFoundError when the fixed-gamma experiment's data are missing."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    data = read_data(data_dir, DATA, "`infgrad experiment fixed-gamma` (or T12/T16)")
    pairs, t, size, v = data["pairs"], data["table"], data["size"], data["verdicts"]
    if not pairs:
        raise FileNotFoundError(f"{DATA} holds no runs: {data.get('absent', '')}")
    fig, (ax_r, ax_m, ax_g) = plt.subplots(1, 3, figsize=(14, 4.4), gridspec_kw={"width_ratios": [1, 1, 1.5]})
    _interval_panel(ax_r, t, "recon_error", pairs, r"final error $\|x - \mu_x(\mu_z(x))\|^2$", log=False)
    ax_r.set_title(f"(a) reconstruction: median |b-a|/a {v['T12'].get('median_rel_rec_diff', float('nan')):.3g}",
                   fontsize=9)
    _interval_panel(ax_m, t, "mmd2_u", pairs, r"MMD$^2_u$ (IMQ), $q(z)$ vs $\mathcal{N}(0, I)$", log=False,
                    value=lambda rec: rec["mmd_u"]["mmd2"])
    ci = v["T12"].get("mmd_diff_ci95", [float("nan")] * 2)
    ax_m.set_title(f"(b) MMD$^2$: (b) - (a) 95% CI [{float(ci[0]):.3g}, {float(ci[1]):.3g}]", fontsize=9)
    for arm, label, colour in ARMS:
        trs = [p[arm]["trajectory"] for p in pairs if p[arm]["trajectory"].get("grad_norm_z")]
        if not trs:
            continue
        steps = np.asarray(trs[0]["step"], float)
        g = np.array([[float(x) for x in tr["grad_norm_z"]] for tr in trs])
        ax_g.plot(steps / steps.max(), g.mean(0), c=colour, lw=1.6, label=label)
        ax_g.fill_between(steps / steps.max(), g.min(0), g.max(0), color=colour, alpha=0.2, lw=0)
    ax_g.axvspan(0.0, 0.05, color="0.85", zorder=0, label="E window (first 5%)")
    ax_g.axvspan(0.9, 1.0, color="0.7", zorder=0, label="F window (last 10%)")
    ax_g.set_yscale("log")
    ax_g.set_xlabel(f"share of the {size['steps']} training steps")
    ax_g.set_ylabel(r"$\|d\mathcal{L}/dz\|_2$")
    sh = v["T16"].get("shares", {})
    ax_g.set_title(r"(c) gradient: mean over seeds, band min-max; seeds with E$_b$/E$_a \geq$ 10: "
                   rf"{sh.get('fixed_large_early', float('nan')):.0%}, F$_a$/E$_a \geq$ 3: "
                   f"{sh.get('learned_grows', float('nan')):.0%}", fontsize=9)
    ax_g.legend(fontsize=7)
    fig.suptitle(f"Fig. 4 on {size['data']} ({size['arch']}, kappa={size['kappa']}, {size['steps']} steps, "
                 f"{len(pairs)} seeds; error bars: 95% bootstrap intervals of the mean). T12: "
                 f"{v['T12']['status']}, T16: {v['T16']['status']}", fontsize=10)
    fig.tight_layout()
    return save(fig, out_dir, "fig4_fixed_gamma")
