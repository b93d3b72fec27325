"""How a trained VAE spreads its latent dimensions: per-dimension KL and mean encoder variance.

A dimension k is *informative* when its KL(q(z_k|x) || N(0, 1)), averaged over x, exceeds a
threshold (the rules use 0.05 nats), and *active by variance* when its mean encoder variance
E_x[sigma_z,k^2] is below a threshold (1 for an unused dimension, -> 0 for a used one, Sec. 2.2 and
Remark 4 of the paper). A long tail (many dimensions just above 0.05 nats, variance near 1) and
real use (KL of several nats, variance near 0) give the same count at 0.05 nats; the statistics
here tell them apart: counts at several thresholds, quantiles, a histogram of the sorted KL, and
the fewest dimensions that hold a given share of the total KL.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

KL_THRESHOLDS: tuple[float, ...] = (0.05, 0.5, 2.0)       # nats
VAR_THRESHOLDS: tuple[float, ...] = (0.9, 0.5, 0.1)       # mean encoder variance below
KL_BIN_EDGES: tuple[float, ...] = (0.0, 0.05, 0.5, 1.0, 2.0, 4.0, 8.0)   # and a last bin above 8
KL_SHARES: tuple[float, ...] = (0.5, 0.9, 0.99)
QUANTILES: tuple[float, ...] = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0)


def dims_for_share(kl: Sequence[float], share: float) -> int:
    """The fewest dimensions whose KL sums to at least ``share`` of the total (0 when the total is 0)."""
    v = np.sort(np.clip(np.asarray(kl, dtype=float), 0.0, None))[::-1]
    total = v.sum()
    if total <= 0.0:
        return 0
    return int(np.searchsorted(np.cumsum(v), share * total * (1.0 - 1e-12)) + 1)


def spread(kl_per_dim: Sequence[float], mean_encoder_var: Sequence[float]) -> dict[str, Any]:
    """Counts, quantiles and a histogram of one model's per-dimension KL (nats) and mean encoder variance.

    Keys: ``kappa``; ``informative`` {threshold: count with KL > threshold}; ``active_by_var``
    {threshold: count with variance < threshold}; ``dims_for_kl_share`` {share: fewest dims};
    ``kl_total``; ``kl_quantiles`` and ``var_quantiles`` {q: value}; ``kl_histogram`` (the
    finite edges and one count per bin, the last bin above the last edge); ``kl_sorted`` (largest
    first) and ``var_sorted_by_kl`` (the same order).
    """
    kl = np.asarray(kl_per_dim, dtype=float)
    var = np.asarray(mean_encoder_var, dtype=float)
    if kl.ndim != 1 or kl.shape != var.shape or kl.size == 0:
        raise ValueError("kl_per_dim and mean_encoder_var must be equal-length non-empty lists; "
                         f"got {kl.shape}, {var.shape}")
    order = np.argsort(-kl, kind="stable")
    counts, _ = np.histogram(np.clip(kl, 0.0, None), bins=np.asarray((*KL_BIN_EDGES, np.inf)))
    return {
        "kappa": int(kl.size),
        "informative": {str(t): int((kl > t).sum()) for t in KL_THRESHOLDS},
        "active_by_var": {str(t): int((var < t).sum()) for t in VAR_THRESHOLDS},
        "dims_for_kl_share": {str(s): dims_for_share(kl, s) for s in KL_SHARES},
        "kl_total": float(kl.sum()),
        "kl_quantiles": {str(q): float(np.quantile(kl, q)) for q in QUANTILES},
        "var_quantiles": {str(q): float(np.quantile(var, q)) for q in QUANTILES},
        "kl_histogram": {"edges": [float(e) for e in KL_BIN_EDGES], "counts": [int(c) for c in counts]},
        "kl_sorted": [float(x) for x in kl[order]],
        "var_sorted_by_kl": [float(x) for x in var[order]],
    }


def line(s: dict[str, Any]) -> str:
    """One line for a log: the counts at each threshold and the KL shares."""
    inf = "/".join(str(v) for v in s["informative"].values())
    act = "/".join(str(v) for v in s["active_by_var"].values())
    share = "/".join(str(v) for v in s["dims_for_kl_share"].values())
    return (f"informative (KL > {'/'.join(s['informative'])}) {inf}; by variance (< {'/'.join(s['active_by_var'])}) "
            f"{act}; dims for {'/'.join(s['dims_for_kl_share'])} of KL {share}; KL total {s['kl_total']:.1f}")
