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
from .caption import is_v3, provenance, suptitle
from .shape import ANYNUM, ANYPAIR, INT, INTERVAL, NUM, SCALAR, STR, TEXT, arr, num, obj

CLAIMS: tuple[str, ...] = ("T12", "T16")
DATA = "experiment_fixed-gamma.json"
ARMS = (("learned", "learned gamma (a)", "C0"), ("fixed", "fixed gamma = gamma* (b)", "C3"),
        ("annealed", "annealed 1 -> gamma* (c)", "C2"))
E_SHARE, F_SHARE = 0.05, 0.10   # T16's windows: the first 5% and the last 10% of the steps

_RUN = obj({"final": obj({"recon_error": NUM}, {"mmd": NUM}),
            "trajectory": obj({"step": arr(NUM, 0)}, {"grad_norm_z": arr(NUM, 0)},
                               same_length=("step", "grad_norm_z"))},
           {"mmd_u": obj({"mmd2": NUM})})
_ARM_TABLE = obj({"recon_error": INTERVAL}, {"mmd2_u": INTERVAL, "mmd": INTERVAL})
_PREMISE = obj({"line": STR})
SCHEMA = obj({
    "pairs": arr(obj({"seed": INT, **{arm: _RUN for arm, _, _ in ARMS}}), min_items=0),
    "table": obj({arm: _ARM_TABLE for arm, _, _ in ARMS}),
    "size": obj({"steps": INT, "data": SCALAR, "arch": SCALAR, "kappa": SCALAR}),
    "verdicts": obj({"T12": obj({"status": STR}, {"median_rel_rec_diff": ANYNUM, "mmd_diff_ci95": ANYPAIR,
                                                   "log_mmd_ratio_ci95": ANYPAIR, "premise": _PREMISE}),
                     "T16": obj({"status": STR}, {"premise": _PREMISE,
                                                  "shares": obj({}, {k: ANYNUM for k in ("fixed_large_early",
                                                                                         "learned_grows")}),
                                                  "E_fixed_over_E_learned": arr(ANYNUM, 0),
                                                  "F_learned_over_E_learned": arr(ANYNUM, 0)})}),
}, {"profile": STR, "rules": obj({}, {"T12": TEXT, "T16": TEXT})})


def _interval_panel(ax, table: dict, key: str, pairs: list, ylabel: str, log: bool, value=None) -> None:
    import numpy as np

    for x, (arm, label, colour) in enumerate(ARMS):
        s = table[arm][key]
        lo, hi = (num(v) for v in s["ci95"])
        m = num(s["mean"])   # an interval that misses its mean is drawn from the mean outwards; NaN: none
        ax.errorbar([x], [m], yerr=[[max(m - lo, 0.0)], [max(hi - m, 0.0)]], fmt="o", c=colour, capsize=6, ms=7,
                    lw=1.6)
        vals = [float(value(p[arm]) if value else p[arm]["final"][key]) for p in pairs]
        ax.scatter(x + 0.12 + np.linspace(-0.04, 0.04, len(vals)), vals, s=12, c=colour, alpha=0.6)
    ax.set_xticks(range(len(ARMS)))
    ax.set_xticklabels([a[1].replace(" (", "\n(") for a in ARMS], fontsize=7)
    ax.set_ylabel(ylabel)
    if log:
        ax.set_yscale("log")


def _median(values: list | None) -> float:
    import numpy as np

    finite = [x for x in (num(v) for v in values or []) if np.isfinite(x)]
    return float(np.median(finite)) if finite else float("nan")


def draw(data_dir: Path, out_dir: Path) -> list[Path]:
    """Draw Fig. 4; FileNotFoundError when the fixed-gamma experiment's data are missing. A run
    before the v3 rules (no unbiased MMD^2 by permutation, no E/F) is drawn from what it saved."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    data = read_data(data_dir, DATA, "`infgrad experiment fixed-gamma` (or T12/T16)", SCHEMA)
    pairs, t, size, v = data["pairs"], data["table"], data["size"], data["verdicts"]
    if not pairs:
        raise FileNotFoundError(f"{DATA} holds no runs: {data.get('absent', '')}")
    v3 = is_v3(data.get("rules")) and all("mmd2_u" in t[arm] and "mmd_u" in p[arm] for p in pairs for arm, _, _ in ARMS)
    fig, (ax_r, ax_m, ax_g) = plt.subplots(1, 3, figsize=(14, 4.6), gridspec_kw={"width_ratios": [1, 1, 1.5]})
    _interval_panel(ax_r, t, "recon_error", pairs, r"final error $\|x - \mu_x(\mu_z(x))\|^2$", log=False)
    ax_r.set_title(f"(a) reconstruction: median |b-a|/a {num(v['T12'].get('median_rel_rec_diff', 'nan')):.3g}",
                   fontsize=9)
    if v3:
        _interval_panel(ax_m, t, "mmd2_u", pairs, r"MMD$^2_u$ (IMQ), $q(z)$ vs $\mathcal{N}(0, I)$", log=False,
                        value=lambda rec: rec["mmd_u"]["mmd2"])
        ci = v["T12"].get("mmd_diff_ci95", [float("nan")] * 2)
        ax_m.set_title(f"(b) MMD$^2$: (b) - (a) 95% CI [{num(ci[0]):.3g}, {num(ci[1]):.3g}]", fontsize=9)
    elif all("mmd" in t[arm] and "mmd" in p[arm]["final"] for p in pairs for arm, _, _ in ARMS):
        _interval_panel(ax_m, t, "mmd", pairs, r"MMD$^2$ (IMQ, unbiased, 256 samples)", log=False)
        ci = v["T12"].get("log_mmd_ratio_ci95", [float("nan")] * 2)
        ax_m.set_title(f"(b) MMD$^2$: ln((b)/(a)) 95% CI [{num(ci[0]):.3g}, {num(ci[1]):.3g}] (before v3)",
                       fontsize=9)
    else:
        ax_m.text(0.5, 0.5, "no MMD saved for every arm", ha="center", va="center", transform=ax_m.transAxes)
    for arm, label, colour in ARMS:
        trs = [p[arm]["trajectory"] for p in pairs if p[arm]["trajectory"].get("grad_norm_z")]
        if not trs:
            continue
        n = min(len(tr["grad_norm_z"]) for tr in trs)   # seeds logged alike; a shorter one sets the span
        steps = np.asarray(trs[0]["step"][:n], float)
        share = steps / steps.max() if steps.max() > 0 else steps
        g = np.array([[float(x) for x in tr["grad_norm_z"][:n]] for tr in trs])
        ax_g.plot(share, g.mean(0), c=colour, lw=1.6, label=label)
        ax_g.fill_between(share, g.min(0), g.max(0), color=colour, alpha=0.2, lw=0)
    ax_g.axvspan(0.0, E_SHARE, color="0.85", zorder=0, label=f"E window (first {E_SHARE:.0%} of steps)")
    ax_g.axvspan(1.0 - F_SHARE, 1.0, color="0.7", zorder=0, label=f"F window (last {F_SHARE:.0%})")
    ax_g.set_yscale("log")
    ax_g.set_xlabel(f"share of the {size['steps']} training steps")
    ax_g.set_ylabel(r"$\|d\mathcal{L}/dz\|_2$")
    t16 = v["T16"]
    if "E_fixed_over_E_learned" in t16 and "F_learned_over_E_learned" in t16:
        ax_g.set_title(r"(c) gradient, mean over seeds, band min-max; medians: E$_b$/E$_a$ "
                       rf"{_median(t16['E_fixed_over_E_learned']):.3g}, F$_a$/E$_a$ "
                       rf"{_median(t16['F_learned_over_E_learned']):.3g}", fontsize=9)
    else:
        ax_g.set_title("(c) gradient, mean over seeds, band min-max (E and F not computed: before v3)", fontsize=9)
    ax_g.legend(fontsize=7)
    premises = "; ".join(f"{c} {v[c]['premise']['line']}" for c in CLAIMS if "premise" in v[c])
    seeds = [p["seed"] for p in pairs]
    suptitle(fig, f"Fig. 4 on {size['data']} ({size['arch']}, kappa={size['kappa']}, {size['steps']} steps; "
                 f"{provenance(data.get('profile'), seeds, data.get('rules'))}). T12: {v['T12']['status']}, "
                 f"T16: {v['T16']['status']}; error bars: 95% bootstrap intervals of the mean"
                 + (f"\n{premises}" if premises else ""), fontsize=9)
    fig.tight_layout()
    return save(fig, out_dir, "fig4_fixed_gamma")
