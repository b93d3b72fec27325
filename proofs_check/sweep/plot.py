"""One figure per swept field: the final metrics against that field's values.

Each panel is one metric (learned gamma, active dimensions, reconstruction error, MMD); the x axis
holds the field's values in grid order, one line per combination of the other swept fields, each
point the mean over the cell's seeds with its 95% bootstrap interval (``sweep.summary``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["plot_field", "PANELS"]

# (metric, y label, log scale)
PANELS = (("gamma", "gamma (final)", True), ("active_var", "active dims (var < 0.5)", False),
          ("recon_error", "recon. error", True), ("mmd", "MMD^2 (posterior vs prior)", False))


def _label(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items()) or "all"


def plot_field(summary: list[dict[str, Any]], swept: dict[str, tuple], field: str, path: Path) -> Path:
    """Draw the figure of ``field`` from the summary rows and write it to ``path`` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from infgrad.figures import write_figure

    others = [k for k in swept if k != field]
    xs = list(swept[field])
    fig, axes = plt.subplots(1, len(PANELS), figsize=(4.2 * len(PANELS), 3.4))
    for ax, (metric, ylabel, log) in zip(axes, PANELS):
        lines: dict[tuple, list[tuple[int, dict]]] = {}
        for row in summary:
            if row["metric"] == metric and row["mean"] is not None:
                key = tuple(row[k] for k in others)
                lines.setdefault(key, []).append((xs.index(row[field]), row))
        for key, pts in lines.items():
            pts.sort(key=lambda p: p[0])
            x = [p[0] for p in pts]
            y = [p[1]["mean"] for p in pts]
            lo = [p[1]["mean"] - (p[1]["ci_low"] if p[1]["ci_low"] is not None else p[1]["mean"]) for p in pts]
            hi = [(p[1]["ci_high"] if p[1]["ci_high"] is not None else p[1]["mean"]) - p[1]["mean"] for p in pts]
            ax.errorbar(x, y, yerr=[lo, hi], marker="o", capsize=3, label=_label(dict(zip(others, key))))
        ax.set_xticks(range(len(xs)), [str(v) for v in xs])
        ax.set_xlabel(field)
        ax.set_ylabel(ylabel)
        if log and all(p[1]["mean"] > 0 for pts in lines.values() for p in pts):
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.suptitle(f"final metrics against {field} (mean over seeds, 95% bootstrap interval)", fontsize=10)
    fig.tight_layout()
    try:
        return write_figure(fig, path)
    finally:
        plt.close(fig)
