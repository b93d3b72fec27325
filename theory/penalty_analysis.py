"""Rigorous facts about a parsed penalty h (Sec. 3.3): continuity at Piecewise breakpoints, a
slope bound (the constant H of Eq. (9)), and points where h falls below or rises above h(0). Every
enclosure is python-flint ``arb`` ball arithmetic at ``PREC`` bits over rational intervals, refined by
adaptive bisection (interval branch-and-bound). (Monotonicity for Theorem 4's Theta_Lip bound is proved
by cells that the certificate kernel re-checks, not here.)

Each search has a budget of enclosures; running out is reported (``None`` / ``False``), never
taken as a proof.
"""

from __future__ import annotations

import heapq
from fractions import Fraction

import sympy as sp
from flint import arb, ctx, fmpq

from .penalties import U, ball, interval, lower, point, upper

PREC = 192
"""Bits of working precision for every enclosure here (1 + 1e-20 u needs more than 53)."""

ENCLOSURE = ("python-flint arb ball arithmetic at 192 bits over exact rational points and intervals, "
             "adaptive bisection (interval branch-and-bound)")


def breakpoints(expr: sp.Expr) -> list[sp.Expr]:
    """The numbers c of every Piecewise condition ``u OP c`` in ``expr`` (parser guarantees that form)."""
    out = set()
    for pw in expr.atoms(sp.Piecewise):
        for _, cond in pw.args:
            for rel in cond.atoms(sp.core.relational.Relational):
                out.add(rel.rhs if rel.lhs == U else rel.lhs)
    return sorted(out, key=lambda c: float(c))


def one_sided(expr: sp.Expr, c: sp.Expr, side: int) -> sp.Expr:
    """``expr`` with every Piecewise replaced by the branch it takes as u -> c from the left
    (side = -1) or the right (side = +1); c = oo picks the branch for large u."""

    def truth(rel: sp.Basic) -> sp.Basic:
        k = rel.rhs if rel.lhs == U else rel.lhs
        if c is sp.oo:
            return rel.subs(U, sp.Max(k, 0) + 1)  # any point right of k
        return rel.subs(U, c + side) if k == c else rel.subs(U, c)  # sign of u - k is side, or fixed

    def pick(*args):
        for val, cond in args:
            rels = cond.atoms(sp.core.relational.Relational)
            if cond.xreplace({rel: truth(rel) for rel in rels}) is sp.true:
                return val
        return sp.nan

    return expr.replace(lambda e: isinstance(e, sp.Piecewise), lambda e: pick(*e.args))


def _same(a: sp.Expr, b: sp.Expr) -> bool | None:
    """True when a == b is proved (sympy), False when their enclosures are disjoint, else None."""
    ea, eb = ball(a, point(0)), ball(b, point(0))
    if ea.is_finite() and eb.is_finite() and not ea.overlaps(eb):
        return False
    diff = sp.simplify(a - b)
    return True if diff == 0 else None


def continuity(expr: sp.Expr, umax: Fraction) -> tuple[str, str]:
    """('continuous' | 'jump' | 'undecided', where): h continuous at every Piecewise breakpoint in
    [0, umax] (elementary functions are continuous where finite); a jump at 0 means h(0+) != h(0)."""
    with ctx.workprec(PREC):
        for c in breakpoints(expr):
            if not 0 <= c <= umax:
                continue
            value = expr.subs(U, c)
            sides = [(+1, "right")] + ([(-1, "left")] if c > 0 else [])
            for side, word in sides:
                limit = one_sided(expr, c, side).subs(U, c)
                same = _same(value, limit)
                if same is False:
                    return "jump", f"h({c}) = {value} but its {word} limit is {limit}"
                if same is None:
                    return "undecided", f"cannot decide whether h is continuous at {c}"
    return "continuous", ""


def slope_bound(expr: sp.Expr, umax: Fraction, budget: int = 4000) -> Fraction | None:
    """A rigorous H >= |h'(u)| on [0, umax] (Sec. 3.3, Eq. (9)), by enclosing sympy's h' on
    subintervals and bisecting those whose enclosure is not finite or is loose; None when no
    finite bound is found within ``budget`` enclosures (sqrt(u), log(u) at 0). A Lipschitz
    bound only where h is continuous (see ``continuity``)."""
    deriv = sp.diff(expr, U)
    stack = [(Fraction(0), Fraction(umax), 0)]
    best = Fraction(0)
    with ctx.workprec(PREC):
        while stack:
            lo, hi, depth = stack.pop()
            budget -= 1
            if budget < 0:
                return None
            enc = ball(deriv, interval(lo, hi))
            finite = enc.is_finite()
            loose = finite and enc.rad() > abs(enc.mid()) / 4 + arb(2) ** -60 \
                and abs(enc).upper() > arb(fmpq(best.numerator, best.denominator)) * arb(9) / 8
            if finite and (not loose or depth > 30):
                if abs(enc).upper() > arb(2) ** 200:
                    return None  # no useful bound
                best = max(best, upper(abs(enc)))
                continue
            if depth > 120:
                return None
            mid = (lo + hi) / 2
            stack += [(lo, mid, depth + 1), (mid, hi, depth + 1)]
    return best


def _level(expr: sp.Expr) -> arb:
    return ball(expr, point(0))


def _range_low(expr: sp.Expr, deriv: sp.Expr, lo: Fraction, hi: Fraction) -> arb:
    """A lower enclosure of h on [lo, hi]: h(lo) or h(hi) where h' has one sign there, else h([lo, hi])."""
    d = ball(deriv, interval(lo, hi))
    if d.is_finite() and d.lower() >= 0:
        return ball(expr, point(lo))
    if d.is_finite() and d.upper() <= 0:
        return ball(expr, point(hi))
    return ball(expr, interval(lo, hi))


def _range_high(expr: sp.Expr, deriv: sp.Expr, lo: Fraction, hi: Fraction) -> arb:
    d = ball(deriv, interval(lo, hi))
    if d.is_finite() and d.lower() >= 0:
        return ball(expr, point(hi))
    if d.is_finite() and d.upper() <= 0:
        return ball(expr, point(lo))
    return ball(expr, interval(lo, hi))


def _key(x: arb, sign: int) -> float:
    """Priority of a box: its lowest (sign +1) or highest (sign -1) enclosed value, as a float."""
    if not x.is_finite():
        return float("-inf")
    end = x.lower() if sign > 0 else -x.upper()
    return float(end.mid()) if abs(end) < arb(2) ** 1000 else float("-inf")


def find_below(expr: sp.Expr, umax: Fraction, budget: int = 3000) -> tuple[Fraction | None, bool]:
    """A rational b in (0, umax] with h(b) < h(0) proved, by best-first interval branch-and-bound
    (lowest enclosure first, deeper first on ties). Returns (b, False) when found, (None, True)
    when h >= h(0) on all of [0, umax] is proved, (None, False) when the budget ran out."""
    deriv = sp.diff(expr, U)
    with ctx.workprec(PREC):
        h0 = _level(expr)
        if not h0.is_finite():
            return None, False
        heap = [(0.0, 0, Fraction(0), Fraction(umax))]
        while heap:
            _, negdepth, lo, hi = heapq.heappop(heap)
            budget -= 1
            if budget < 0:
                return None, False
            mid = (lo + hi) / 2
            for x in (mid, hi):
                v = ball(expr, point(x))
                if v.is_finite() and v.upper() < h0.lower():
                    return x, False
            enc = _range_low(expr, deriv, lo, hi)
            if enc.is_finite() and enc.lower() >= h0.upper():
                continue  # h >= h(0) on [lo, hi]: no dip here
            if hi - lo < Fraction(1, 2**200):
                return None, False
            key = _key(enc, +1)
            heapq.heappush(heap, (key, negdepth - 1, lo, mid))
            heapq.heappush(heap, (key, negdepth - 1, mid, hi))
    return None, True


def find_above(expr: sp.Expr, umax: Fraction, budget: int = 3000) -> Fraction | None:
    """A small rational a in (0, umax] with h(a) > h(0) proved: first the points 2^k (k = -40..),
    then branch-and-bound (highest enclosure first). None when none is found within ``budget``."""
    deriv = sp.diff(expr, U)
    with ctx.workprec(PREC):
        h0 = _level(expr)
        if not h0.is_finite():
            return None
        k = -40
        while Fraction(2) ** k <= umax:
            v = ball(expr, point(Fraction(2) ** k))
            if v.is_finite() and v.lower() > h0.upper():
                return Fraction(2) ** k
            k += 1
        heap = [(0.0, 0, Fraction(0), Fraction(umax))]
        while heap and budget > 0:
            _, negdepth, lo, hi = heapq.heappop(heap)
            budget -= 1
            mid = (lo + hi) / 2
            v = ball(expr, point(mid))
            if v.is_finite() and v.lower() > h0.upper():
                return mid
            enc = _range_high(expr, deriv, lo, hi)
            if enc.is_finite() and enc.upper() <= h0.lower():
                continue
            if hi - lo < Fraction(1, 2**200):
                continue
            key = _key(enc, -1)
            heapq.heappush(heap, (key, negdepth - 1, lo, mid))
            heapq.heappush(heap, (key, negdepth - 1, mid, hi))
    return None
