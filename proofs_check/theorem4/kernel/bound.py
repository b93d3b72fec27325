"""Kernel step "bound": a lower bound on L over every optimal sparse representation in Theta_Lip.

Packing. A perfect reconstruction by a 1-Lipschitz decoder needs ||z_i - z_j|| >= ||x_i - x_j|| >= s
(the lattice spacing). With at most r nonzero rows the codes are s-separated points of R^r; a ball
of radius R holds at most ((2R + s)/s)^r of them, so the j-th smallest norm is >= (s/2)(j^(1/r) - 1)
and sum_k m_k >= U = (1/n) sum_{j<=n} (s/2)^2 ((j^(1/r) - 1)_+)^2 (enclosed in arb). Some row has
m >= U/r >= M (M stated, checked here).

Monotonicity, checked not searched. The generator lists cells [lo, hi, kind] covering [t, B] for each
needed start t (t = 0 and t = M). A "value" cell holds when the kernel's enclosure of h on [lo, hi]
is >= h(t); a "slope" cell when h is one elementary branch on the closed cell, finite, with h' >= 0
there (so h(x) >= h(lo), and h(lo) >= h(t) by the cell before). Past B the last branch of h is
nondecreasing by sympy's is_increasing: a trusted symbolic step, listed in ``trusted``.
So h(x) >= h(0) and h(x) >= h(M) for all x >= M, and Eq. (7) gives, for every optimal sparse
representation, L >= g(0) + (h(M) + (kappa - 1) h(0)) / d.
"""

from __future__ import annotations

from fractions import Fraction

import sympy as sp
from flint import arb

from infgrad.theory.penalties import U

from .read import Certificate
from .values import enclose, point, truth


def packing(n: int, r: int, s: Fraction) -> arb:
    """U = (1/n) sum_{j=1..n} (s/2)^2 (j^(1/r) - 1)^2, enclosed."""
    total, inv = arb(0), arb(1) / r
    for j in range(2, n + 1):
        total += (arb(j) ** inv - 1) ** 2
    return total * point(s) ** 2 / (4 * n)


def cell_holds(h, ref: arb, lo: Fraction, hi: Fraction, kind: str) -> bool:
    """value: h on [lo, hi] >= ref; slope: h one finite branch on the closed cell with h' >= 0 there."""
    if kind == "value":
        v = h.on(lo, hi)
        return bool(v.is_finite() and ref.is_finite() and v.lower() >= ref.upper())
    v, dv = h.on(lo, hi, strict=True), h.slope_on(lo, hi)
    return bool(v.is_finite() and dv.is_finite() and dv.lower() >= 0)


def cells_hold(h, start: Fraction, cells: list, tail: Fraction) -> tuple[bool, str]:
    """The cells cover [start, tail] contiguously and each proves h >= h(start) on it."""
    if not cells or cells[0][0] != start or cells[-1][1] != tail:
        return False, f"the cells do not run from {start} to the tail {tail}"
    for (lo, hi, kind), nxt in zip(cells, cells[1:] + [None]):
        if not lo < hi or (nxt is not None and nxt[0] != hi):
            return False, f"the cells are not contiguous at [{lo}, {hi}]"
        if not cell_holds(h, h(start), lo, hi, kind):
            return False, f"the {kind} cell [{lo}, {hi}] does not hold"
    return True, f"{len(cells)} cells on [{float(start):.4g}, {float(tail):.4g}]"


def tail_branch(h, tail: Fraction) -> sp.Expr | None:
    """h on [tail, oo) as one expression: every Piecewise condition compares u with a number c (the
    parser's rule) below the tail, so it has one truth value on [tail, oo), read at u = tail."""

    def pick(*args):
        for val, cond in args:
            if cond is not sp.true and not enclose(cond.rhs if cond.lhs == U else cond.lhs, point(tail)) < point(tail):
                raise ValueError
            t = truth(cond, point(tail))
            if t is None:
                raise ValueError
            if t:
                return val
        raise ValueError
    try:
        return h.expr.replace(lambda e: isinstance(e, sp.Piecewise), lambda e: pick(*e.args))
    except (ValueError, AttributeError):
        return None


def tail_increasing(h, tail: Fraction) -> tuple[bool, str]:
    """Trusted: sympy's is_increasing of h's last branch on [tail, oo)."""
    branch = None if h.expr is None else tail_branch(h, tail)
    if branch is None:
        return False, "h has no single branch past the tail"
    try:
        inc = sp.is_increasing(branch, sp.Interval(sp.Rational(tail.numerator, tail.denominator), sp.oo))
    except (NotImplementedError, TypeError, ValueError, RecursionError):
        inc = None
    what = f"sympy.is_increasing({branch}, [{tail}, oo))"
    return inc is True, what


def lipschitz_bound(cert: Certificate, h, g, add, trusted: list[str]) -> arb | None:
    """g(0) + (h(M) + (kappa - 1) h(0)) / d, or None when a step of the proof fails."""
    b, (k, s), r, h0 = cert.bound, cert.lattice, cert.r, h(Fraction(0))
    if b is None:  # then only a dominating competitor can make the verdict strict
        return None
    aff, M, top = b["affine"], b["M"], packing(cert.n, r, s) / (1 if b["affine"] else r)
    if not add(f"M <= {'U' if aff else 'U/r'} (ball packing of s-separated codes in R^r)",
               M >= 0 and point(M).upper() <= top.lower(), f"M = {float(M):.6g}, bound {float(top.lower()):.6g}"):
        return None
    starts = {t: cells for t, cells in b["above"]}
    ok = add("cells are given from each start the bound needs", set(starts) == ({M} if aff else {Fraction(0), M}))
    for t in sorted(starts):
        good, how = cells_hold(h, t, starts[t], b["tail"]) if ok else (False, "")
        ok &= add(f"h(x) >= h({float(t):.4g}) on [{float(t):.4g}, tail] by the certificate's cells", good, how)
    if aff:
        alpha, beta, cells = aff
        good = beta >= 0 and h0.lower() >= point(alpha) and bool(cells) and cells[0][0] == 0 and cells[-1][1] == M \
            and all(c[1] == nxt[0] for c, nxt in zip(cells, cells[1:])) \
            and all(lo < hi and minorant_holds(h, alpha, beta, lo, hi, kind) for lo, hi, kind in cells)
        ok &= add("alpha + beta u <= h(u) on [0, U], beta >= 0, by the certificate's cells", good,
                  f"alpha = {float(alpha):.6g}, beta = {float(beta):.6g}, {len(cells)} cells")
    inc, what = tail_increasing(h, b["tail"])
    ok &= add("h nondecreasing past the tail (trusted symbolic step)", inc, what)
    if not ok:
        return None
    trusted.append(what)
    trusted.append("h' = sympy.diff(h) for the slope cells")
    if aff:  # rows clipped at U keep sum >= U and do not raise h; sum_j h(v_j) >= r alpha + beta U (item 3)
        return g(Fraction(0)) + (h0 * (cert.kappa - r) + r * point(aff[0]) + point(aff[1]) * point(M)) / cert.d
    return g(Fraction(0)) + (h(M) + h0 * (cert.kappa - 1)) / cert.d


def minorant_holds(h, alpha: Fraction, beta: Fraction, lo: Fraction, hi: Fraction, kind: str) -> bool:
    """value: h on [lo, hi] >= alpha + beta hi; slope: one finite branch with h' >= beta (h - l nondecreasing)."""
    if kind == "value":
        v = h.on(lo, hi)
        return bool(v.is_finite() and v.lower() >= point(alpha + beta * hi))
    v, dv = h.on(lo, hi, strict=True), h.slope_on(lo, hi)
    return bool(v.is_finite() and dv.is_finite() and dv.lower() >= point(beta))
