"""The generator's proof that h(x) >= h(t) for x >= t (what Theta_Lip's lower bound needs at t = 0
and t = M), written into the certificate as cells the kernel re-checks: a log-scale partition of
[t, tail] near t, bisected where a cell fails, each cell a "value" cell (h on the cell >= h(t)) or
a "slope" cell (one branch, h' >= 0). The acceptance test of a cell is the kernel's own, so what is
written is what the kernel will accept; the search itself (the budget, the bisection) lives here.
The budget grows with need: cells are bisected until each holds or the budget is spent."""

from __future__ import annotations

from fractions import Fraction

import sympy as sp

from infgrad.theory import penalty_analysis as pa

from ..kernel import bound as kb
from ..kernel.values import Formula

BUDGET = 4_000


def window(h: Formula, m: Fraction) -> Fraction:
    """The tail B: past every Piecewise breakpoint, and 1024 m and 1 at least."""
    bps = [Fraction(str(sp.Rational(c))) if c.is_Rational else Fraction(int(sp.ceiling(c)))
           for c in pa.breakpoints(h.expr)]
    return max([1024 * m, Fraction(1)] + [2 * b + 1 for b in bps])


def cells(h: Formula, t: Fraction, tail: Fraction, budget: int = BUDGET, test=None) -> list[list] | None:
    """Cells covering [t, tail] that each pass ``test(lo, hi, kind)`` (default: h >= h(t) on the cell), or None
    when the budget runs out."""
    test = test or (lambda lo, hi, kind: kb.cell_holds(h, lo, hi, kind, h(t)))
    width = tail - t
    points = [t] + [t + width / Fraction(2) ** k for k in range(80, -1, -1)]
    todo = [(lo, hi, 0) for lo, hi in zip(points, points[1:])][::-1]
    out = []
    while todo:
        lo, hi, depth = todo.pop()
        budget -= 1
        if budget < 0 or depth > 200:
            return None
        kind = next((kind for kind in ("slope", "value") if test(lo, hi, kind)), None)
        if kind:
            out.append([lo, hi, kind])
            continue
        mid = (lo + hi) / 2
        todo += [(mid, hi, depth + 1), (lo, mid, depth + 1)]
    merged = []
    for lo, hi, kind in out:  # merge neighbouring value cells when the union still holds
        if merged and merged[-1][2] == kind == "value" and test(merged[-1][0], hi, "value"):
            merged[-1][1] = hi
        else:
            merged.append([lo, hi, kind])
    return merged


def proof(h: Formula, M: Fraction, affine: tuple[Fraction, Fraction] | None = None) -> tuple[dict | None, str]:
    """The certificate's "bound" field: the max-row bound at M = U/r, or (``affine`` = (alpha, beta)) the
    affine bound at M = U; or (None, why not)."""
    tail = window(h, M)
    inc, what = kb.tail_increasing(h, tail)
    if not inc:
        return None, f"sympy cannot decide that h is nondecreasing past {float(tail):.4g} ({what})"
    above = []
    for t in ((M,) if affine else (Fraction(0), M)):
        c = cells(h, t, tail)
        if c is None:
            return None, f"h(x) >= h({float(t):.4g}) on [{float(t):.4g}, {float(tail):.4g}] not proved within the budget"
        above.append({"from": t, "cells": c})
    aff = None
    if affine:
        alpha, beta = affine
        if not (beta >= 0 and h(Fraction(0)).lower() >= kb.point(alpha)):
            return None, "the affine minorant does not start below h(0)"
        below = lambda lo, hi, kind: kb.cell_holds(h, lo, hi, kind, kb.point(alpha + beta * hi), beta)  # noqa: E731
        c = cells(h, Fraction(0), M, test=below)
        if c is None:
            return None, f"alpha + beta u <= h(u) on [0, {float(M):.4g}] not proved within the budget"
        aff = {"alpha": alpha, "beta": beta, "cells": c}
    return {"M": M, "tail": tail, "above": above, "affine": aff}, \
        f"{sum(len(a['cells']) for a in above)} cells, tail {float(tail):.4g}" + (", affine minorant" if aff else "")
