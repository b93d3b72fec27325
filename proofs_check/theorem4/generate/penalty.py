"""The generator's penalties g and h (a parsed formula or a callable with a declared slope bound),
the objective of Eq. (7) on row mean squares, and the dimension checks (limits from the parameter
table)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable

import numpy as np
import sympy as sp
from flint import arb

from infgrad.theory import penalties as pen
from infgrad.theory import penalty_analysis as pa

from infgrad import params
from infgrad.errors import BadInput


# ----------------------------------------------------------------------------- penalties


@dataclass
class Penalty:
    """A penalty g or h: a parsed sympy expression (grade exact) or a callable with a
    user-declared slope bound (grade numerical)."""

    text: str
    expr: sp.Expr | None = None
    func: Callable[[float], float] | None = None
    declared_slope: float | None = None
    cache: dict[Fraction, arb] = field(default_factory=dict)

    @classmethod
    def make(cls, value: "str | sp.Expr | Callable[[float], float] | Penalty",
             slope: float | None = None) -> "Penalty":
        if isinstance(value, Penalty):
            return value
        if isinstance(value, str):
            try:
                return cls(text=value, expr=pen.parse_penalty(value))
            except pen.FormulaError as exc:
                raise BadInput(f"formula {value!r} refused: {exc}") from None
        if isinstance(value, sp.Expr):
            other = value.free_symbols - {pen.U}
            if any(s.name != "u" for s in other):
                raise BadInput("a sympy penalty must be an expression in u alone")
            expr = value.subs({s: pen.U for s in other})
            return cls(text=str(expr), expr=expr)
        if callable(value):
            return cls(text=getattr(value, "__name__", "callable"), func=value, declared_slope=slope)
        raise BadInput(f"a penalty must be a formula, a sympy expression or a callable; got {type(value).__name__}")

    @property
    def exact(self) -> bool:
        return self.expr is not None

    def at(self, x: Fraction) -> arb:
        """Enclosure of the penalty at the rational x (cached)."""
        x = Fraction(x)
        if x not in self.cache:
            if self.expr is not None:
                self.cache[x] = pen.ball(self.expr, pen.point(x))
            else:  # numerical grade: a float value widened by a relative 1e-9
                v = float(self.func(float(x)))
                if not math.isfinite(v):
                    self.cache[x] = arb.nan()
                else:
                    rad = 1e-9 * max(1.0, abs(v))
                    self.cache[x] = arb(v, rad)
        return self.cache[x]

    def slope(self, umax: Fraction) -> Fraction | None:
        """A slope bound on [0, umax]: rigorous for formulas, declared for callables."""
        if self.expr is not None:
            return pa.slope_bound(self.expr, umax)
        return None if self.declared_slope is None else Fraction(self.declared_slope)


# ----------------------------------------------------------------------------- validation


def dimension(name: str, v: Any) -> int:
    """``v`` as an int within the parameter table's row ``theorem4_<name>`` (BadInput otherwise)."""
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise BadInput(f"{name} must be an integer; got {v!r}")
    row = params.param(f"theorem4_{name}")
    if not row.lo <= int(v) <= row.hi:  # the row's message shows at most 80 characters of v
        raise BadInput(str(row.error(int(v) if abs(int(v)) < 10**30 else "a number of 31 digits or more")))
    return int(v)


def validate_dims(d: Any, kappa: Any, r: Any, n: Any | None) -> tuple[int, int, int, int]:
    """d, kappa, r, n each in its row of the parameter table; d >= kappa > r; r + 2 <= n (n defaults to
    max(2r + 4, 12))."""
    d, kappa, r = dimension("d", d), dimension("kappa", kappa), dimension("r", r)
    if not d >= kappa > r > 0:
        raise BadInput(f"dimensions must satisfy d >= kappa > r > 0; got d={d}, kappa={kappa}, r={r}")
    n = dimension("n", max(2 * r + 4, 12) if n is None else n)
    if not r + 2 <= n:
        raise BadInput(f"n must be an integer with r + 2 <= n <= {params.MAX_THEOREM4}; got n={n!r} (r={r})")
    return d, kappa, r, n


# ----------------------------------------------------------------------------- objective (7)


def objective(g: Penalty, h: Penalty, d: int, kappa: int, err: Fraction, rows: list[Fraction]) -> arb:
    """Eq. (7): g(err) + (1/d) sum_k h(m_k); ``err`` = (1/dn) sum ||x - xhat||^2,
    ``rows`` the nonzero row mean squares (the other kappa - len(rows) rows are 0)."""
    total = g.at(err)
    acc = arb(0)
    for m in rows:
        acc = acc + h.at(m)
    acc = acc + h.at(Fraction(0)) * (kappa - len(rows))
    return total + acc / d


def _lo(x: arb) -> Fraction:
    return pen.lower(x)


def _hi(x: arb) -> Fraction:
    return pen.upper(x)


def _sqrt_q(x: Fraction, den: int = 64) -> Fraction:
    """A rational near sqrt(x) with a small denominator (nonzero for x > 0)."""
    root = Fraction(math.sqrt(float(x))).limit_denominator(den)
    return root if root > 0 else Fraction(1, den)


def square_below(h: "Penalty", b: Fraction) -> Fraction | None:
    """A rational t with h(t^2) < h(0) proved, t^2 near the dip point b (case A)."""
    h0 = _lo(h.at(Fraction(0)))
    for den in (64, 10**6, 10**12):
        t = _sqrt_q(b, den)
        v = h.at(t * t)
        if v.is_finite() and _hi(v) < h0:
            return t
    for bits in (64, 128, 256, 512):  # t = isqrt(b 4^bits) / 2^bits: |t^2 - b| <= 2^(1-bits) sqrt(b)
        t = Fraction(math.isqrt(b.numerator * 4 ** bits // b.denominator), 2 ** bits)
        v = h.at(t * t)
        if t > 0 and v.is_finite() and _hi(v) < h0:
            return t
    return None


