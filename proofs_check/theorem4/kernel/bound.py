"""Kernel step "bound": a lower bound on L of Eq. (7) over every optimal sparse representation in Theta_Lip,
L >= g(0) + (h(M) + (kappa - 1) h(0)) / d with M <= U/r (ball packing), or with M <= U and a checked affine
minorant alpha + beta u <= h, L >= g(0) + ((kappa - r) h(0) + r alpha + beta M) / d; monotonicity is checked on
the certificate's cells, never searched, and past the tail by sympy (trusted) (docs/theorem4.md)."""

from __future__ import annotations

from fractions import Fraction

import sympy as sp
from flint import arb

from infgrad.theory.penalties import U

from .read import Certificate
from .values import enclose, loss, point, show, truth


def packing(n: int, r: int, s: Fraction, head: int = 4096) -> arb:
    """U = (1/n) sum_{j=1..n} (s/2)^2 ((j^(1/r) - 1)_+)^2, enclosed from below for any n: the terms j <= head summed,
    the rest >= int_head^n (x^(1/r) - 1)^2 dx (the summand increases on [1, oo)), an antiderivative F apart."""
    inv, head = arb(1) / r, min(n, head)
    F = lambda x: x ** (1 + 2 * inv) / (1 + 2 * inv) - 2 * x ** (1 + inv) / (1 + inv) + x  # noqa: E731
    total = sum(((arb(j) ** inv - 1) ** 2 for j in range(2, head + 1)), arb(0)) + F(arb(n)) - F(arb(head))
    return total * point(s) ** 2 / (4 * n)


def cell_holds(h, lo: Fraction, hi: Fraction, kind: str, floor: arb, beta: Fraction = Fraction(0)) -> bool:
    """value: h on [lo, hi] >= floor; slope: h one finite branch on the closed cell with h' >= beta there."""
    v = h.on(lo, hi, strict=kind != "value")
    if kind == "value":
        return bool(v.is_finite() and floor.is_finite() and v.lower() >= floor.upper())
    return bool(v.is_finite() and (dv := h.slope_on(lo, hi)).is_finite() and dv.lower() >= point(beta))


def cells_hold(cells: list, start: Fraction, end: Fraction, holds) -> tuple[bool, str]:
    """The cells cover [start, end] contiguously and ``holds(lo, hi, kind)`` on each."""
    if not cells or cells[0][0] != start or cells[-1][1] != end:
        return False, f"the cells do not run from {start} to {end}"
    for (lo, hi, kind), nxt in zip(cells, cells[1:] + [None]):
        if not lo < hi or (nxt is not None and nxt[0] != hi):
            return False, f"the cells are not contiguous at [{lo}, {hi}]"
        if not holds(lo, hi, kind):
            return False, f"the {kind} cell [{lo}, {hi}] does not hold"
    return True, f"{len(cells)} cells on [{show(start, 4)}, {show(end, 4)}]"


def tail_branch(h, tail: Fraction) -> sp.Expr | None:
    """h on [tail, oo) as one expression: every Piecewise condition compares u with a number c (the
    parser's rule) below the tail, so it has one truth value on [tail, oo), read at u = tail."""

    def pick(*args):
        for val, cond in args:
            below = cond is sp.true or enclose(cond.rhs if cond.lhs == U else cond.lhs, point(tail)) < point(tail)
            if not below or (t := truth(cond, point(tail))) is None:
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
        inc = sp.is_increasing(branch, sp.Interval(sp.Rational(tail), sp.oo))
    except (NotImplementedError, TypeError, ValueError, RecursionError):
        inc = None
    return inc is True, f"sympy.is_increasing({branch}, [{tail}, oo))"


def lipschitz_bound(cert: Certificate, h, g, add, trusted: list[str]) -> arb | None:
    """The bound of the module docstring, or None when a step of its proof fails."""
    b, (k, s), r, h0 = cert.bound, cert.lattice, cert.r, h(Fraction(0))
    if b is None or not add("the Theta_Lip bound has h as a formula (a table has no values between its points)",
                            h.expr is not None):  # no bound: only a dominating competitor can make it strict
        return None
    aff, M, top = b["affine"], b["M"], packing(cert.n, r, s) / (1 if b["affine"] else r)
    if not add(f"M <= {'U' if aff else 'U/r'} (ball packing of s-separated codes in R^r)",
               M >= 0 and point(M).upper() <= top.lower(), f"M = {show(M, 6)}, bound {float(top.lower()):.6g}"):
        return None
    starts = {t: cells for t, cells in b["above"]}
    ok = add("cells are given once from each start the bound needs",
             len(starts) == len(b["above"]) and set(starts) == ({M} if aff else {Fraction(0), M}))
    for t in sorted(starts):
        above = lambda lo, hi, kind: cell_holds(h, lo, hi, kind, h(t))  # noqa: E731
        good, how = cells_hold(starts[t], t, b["tail"], above) if ok else (False, "")
        ok &= add(f"h(x) >= h({show(t, 4)}) on [{show(t, 4)}, tail] by the certificate's cells", good, how)
    if aff:
        alpha, beta, cells = aff
        below = lambda lo, hi, kind: cell_holds(h, lo, hi, kind, point(alpha + beta * hi), beta)  # noqa: E731
        good, how = cells_hold(cells, Fraction(0), M, below) if beta >= 0 and h0.lower() >= point(alpha) \
            else (False, "beta < 0 or alpha > h(0)")
        ok &= add("alpha + beta u <= h(u) on [0, U], beta >= 0, by the certificate's cells", good,
                  f"alpha = {show(alpha, 6)}, beta = {show(beta, 6)}, {how}")
    inc, what = tail_increasing(h, b["tail"])
    ok &= add("h nondecreasing past the tail (trusted symbolic step)", inc, what)
    if not ok:
        return None
    trusted += [what, "h' = sympy.diff(h) for the slope cells"]
    if aff:  # rows clipped at U keep sum >= U and do not raise h; sum_j h(v_j) >= r alpha + beta U (item 3)
        return g(Fraction(0)) + (h0 * (cert.kappa - r) + r * point(alpha) + point(beta) * point(M)) / cert.d
    return loss(g, h, Fraction(0), [M], cert.kappa, cert.d)
