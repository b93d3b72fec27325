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


TABLE_H = ("u", "atan(3*u)", "log(1+u)", "u/(1+u)", "1-exp(-u)", "u**2")


def table_row(h: str, r: int) -> dict[str, Any]:
    """One row of the r x h table (g = u, d = r + 2, kappa = r + 1, family auto), run in its own process:
    family, k, n, eps, JSON size, build and check seconds (the check reads the JSON text, as from a file),
    and the process's peak resident memory."""
    import json
    import resource

    from infgrad.proofs_check.theorem4.generate.build import build

    t0 = time.perf_counter()
    cert, notes = build(h, "u", d=r + 2, kappa=r + 1, r=r, family="auto")
    t1 = time.perf_counter()
    text = json.dumps(cert, separators=(",", ":"))
    t2 = time.perf_counter()
    outcome = check(json.loads(text))
    t3 = time.perf_counter()
    lat = cert.get("lattice")
    return {"r": r, "h": h, "family": cert["family"] + (" (auto fallback)" if notes.get("fallback") else ""),
            "k": lat["k"] if lat else None, "n": cert["dims"]["n"], "eps": notes["parameters"]["eps"],
            "bytes": len(text), "build_s": t1 - t0, "check_s": t3 - t2, "verified": bool(outcome.ok),
            "verdict": cert["verdict"], "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def lipschitz_table(rs=range(1, 9), hs=TABLE_H) -> list[dict[str, Any]]:
    """``table_row`` for every (r, h), each in a fresh forked process (so the peak memory is the row's own)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    rows = []
    for r in rs:
        for h in hs:
            with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
                rows.append(pool.submit(table_row, h, r).result())
    return rows


def _size(n: int) -> str:
    return f"{n / 1e6:.2f} MB" if n >= 10**6 else f"{n / 1e3:.0f} kB"


def markdown(rows: list[dict[str, Any]]) -> str:
    out = ["| r | h | family | k | n | eps | size | build s | check s | peak MB | verified |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    out += [f"| {x['r']} | `{x['h']}` | {x['family']} | {x['k'] or '-'} | {x['n']} | {x['eps']:.4g} | "
            f"{_size(x['bytes'])} | {x['build_s']:.2f} | {x['check_s']:.2f} | {x['peak_rss_mb']:.0f} | "
            f"{x['verdict'] if x['verified'] else 'REJECTED'} |" for x in rows]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    """python -m benchmarks.certificate [R ...]: the Theta_Lip table of docs/theorem4.md."""
    import argparse
    import os

    p = argparse.ArgumentParser(prog="python -m benchmarks.certificate",
                                description="Build and check the Theta_Lip certificates of docs/theorem4.md's "
                                            "table, one row per (r, h), and print it as Markdown.")
    p.add_argument("r", nargs="*", type=int, choices=range(1, 9), metavar="R",
                   help="the sparsity levels r to run, each 1..8 (default: all of 1..8)")
    a = p.parse_args(argv)
    load = os.getloadavg()
    print(markdown(lipschitz_table(a.r or range(1, 9))))
    print(f"\nload average before {load[0]:.2f}, after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
