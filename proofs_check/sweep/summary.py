"""Per cell and metric: the mean over the cell's seeds and its 95% bootstrap interval.

The interval is ``scipy.stats.bootstrap``'s percentile interval of the mean (2000 resamples, the
generator seeded from the cell's hash, so a summary is reproducible). Runs whose metric is not
finite (a diverged run) are left out and counted (``n`` is the finite count); with fewer than two
finite values the interval is undefined (None). With few seeds the percentile interval is narrower
than the truth (it cannot reach beyond the observed values); it describes the spread of the seeds.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

__all__ = ["summarise", "SUMMARY_METRICS", "CONFIDENCE"]

SUMMARY_METRICS = ("gamma", "active_var", "active_units", "recon_error", "mmd", "grad_norm_z", "loss")
CONFIDENCE = 0.95
RESAMPLES = 2000


def mean_ci(values: list[Any], seed: int) -> tuple[int, float | None, float | None, float | None]:
    """(n finite, mean, low, high) of ``values``."""
    x = np.array([v for v in values if v is not None], dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return 0, None, None, None
    mean = float(x.mean())
    if x.size < 2:
        return 1, mean, None, None
    if np.all(x == x[0]):
        return int(x.size), mean, mean, mean              # every resample has the same mean
    from scipy.stats import bootstrap

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = bootstrap((x,), np.mean, confidence_level=CONFIDENCE, n_resamples=RESAMPLES, method="percentile",
                        random_state=np.random.default_rng(seed))
    return int(x.size), mean, float(res.confidence_interval.low), float(res.confidence_interval.high)


def summarise(cells: list[dict]) -> list[dict[str, Any]]:
    """One row per cell and metric: hash, the swept values, metric, n, mean, ci_low, ci_high.
    ``cells``: finished cell results (``sweep.cell.run_cell``), in grid order."""
    out = []
    for res in cells:
        seed = int(res["hash"][:8], 16)
        for metric in SUMMARY_METRICS:
            n, mean, lo, hi = mean_ci([r.get(metric) for r in res["rows"]], seed)
            out.append({"hash": res["hash"], **res["cell"]["values"], "metric": metric, "n": n, "mean": mean,
                        "ci_low": lo, "ci_high": hi})
    return out
