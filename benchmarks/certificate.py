"""Seconds to generate and to independently check Theorem 4 certificates over a grid of n and r
(d = 1000, kappa = 2r), with the growth exponent fitted by least squares on log-log axes."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from infgrad.proofs_check.theorem4.generate.build import generate
from infgrad.proofs_check.theorem4.kernel import check

GRID_N = (100, 1000, 10000)
GRID_R = (1, 10, 50)
H = "atan(3*u)"


def run(grid_n=GRID_N, grid_r=GRID_R, d: int = 1000) -> dict[str, Any]:
    rows = []
    for r in grid_r:
        for n in grid_n:
            t0 = time.perf_counter()
            cert = generate(H, "u", d=d, kappa=2 * r, r=r, n=n, seed=0)
            t1 = time.perf_counter()
            outcome = check(cert)
            t2 = time.perf_counter()
            rows.append({"d": d, "kappa": 2 * r, "r": r, "n": n, "generate_s": t1 - t0,
                         "check_s": t2 - t1, "total_s": t2 - t0, "verified": bool(outcome.ok)})
    nr = np.log([row["n"] * row["r"] for row in rows])
    total = np.log([row["total_s"] for row in rows])
    slope_nr = float(np.polyfit(nr, total, 1)[0])
    # separate exponents in n and in r: log t = a + b log n + c log r
    A = np.column_stack([np.ones(len(rows)), np.log([r["n"] for r in rows]), np.log([r["r"] for r in rows])])
    coef = np.linalg.lstsq(A, total, rcond=None)[0]
    return {"h": H, "rows": rows, "exponent_in_n_times_r": slope_nr,
            "exponent_in_n": float(coef[1]), "exponent_in_r": float(coef[2])}
