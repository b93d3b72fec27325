"""How closely a minimiser that compares function values can locate a minimum: the tolerance of
the numeric spot checks, from the minimisation itself instead of a fixed number.

A minimum found by comparing values of f is located only to within
``delta = sqrt(2 * noise / f'')`` of the true one: closer, f changes by less than its own rounding
noise, ``noise``. Both are measured at the point found (``noise``: the largest change of f under
shifts of 1e-12, where its true change is ~1e-24 f''; ``f''``: a central difference with step
1e-3), per coordinate.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

NOISE_SHIFTS = (-2e-12, -1e-12, 1e-12, 2e-12)
CURVATURE_STEP = 1e-3


def argmin_resolution(f: Callable[[np.ndarray], float], x: np.ndarray) -> float:
    """The largest ``delta`` over the coordinates of ``x`` (see the module docstring); ``inf`` where
    f is not strictly convex there, so no tolerance comes out of a flat or wrong minimum."""
    x = np.asarray(x, dtype=float)
    f0 = float(f(x))
    worst = 0.0
    for k in range(x.size):
        e = np.zeros_like(x)
        e[k] = 1.0
        noise = max(abs(float(f(x + s * e)) - f0) for s in NOISE_SHIFTS) + np.finfo(float).eps * abs(f0)
        h = CURVATURE_STEP
        curv = (float(f(x + h * e)) - 2.0 * f0 + float(f(x - h * e))) / h**2
        if not curv > 0:
            return float("inf")
        worst = max(worst, float(np.sqrt(2.0 * noise / curv)))
    return worst
