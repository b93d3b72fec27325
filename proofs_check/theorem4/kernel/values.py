"""Kernel step "penalties": its own arb enclosures of g, h and sympy's h' at rationals and on rational
intervals (``strict``: nan where a Piecewise condition is undecided); a stored table only at its points."""

from __future__ import annotations

import functools
import operator
from fractions import Fraction
from typing import Any

import sympy as sp
from flint import arb, fmpq

from infgrad.theory.penalties import U, FormulaError, parse_penalty

from .read import CertificateError, need, rational

PREC = 192
ENCLOSURE = "python-flint arb ball arithmetic at 192 bits over exact rational points and intervals"
UNARY = {sp.exp: "exp", sp.atan: "atan", sp.tanh: "tanh", sp.sin: "sin", sp.cos: "cos", sp.Abs: "__abs__"}
RELATIONS = {sp.StrictLessThan: lambda lo, hi: (hi < 0, lo >= 0), sp.LessThan: lambda lo, hi: (hi <= 0, lo > 0),
             sp.StrictGreaterThan: lambda lo, hi: (lo > 0, hi <= 0), sp.GreaterThan: lambda lo, hi: (lo >= 0, hi < 0)}


def point(x: Fraction) -> arb:
    return arb(fmpq(x.numerator, x.denominator))


def show(x: Fraction, digits: int = 0) -> str:
    """x in a message: exact (or to ``digits`` digits) while short, else an arb decimal (float() overflows past 1e308,
    str() past 4300 digits)."""
    if max(abs(x.numerator), x.denominator).bit_length() < 900:
        return f"{float(x):.{digits}g}" if digits else str(x)
    return point(x).str(digits or 6, radius=False)


def span(lo: Fraction, hi: Fraction) -> arb:
    """A ball holding [lo, hi], cut at 0 (lower end exactly 0) when lo >= 0: u is a mean square."""
    mid, rad = (lo + hi) / 2, (hi - lo) / 2
    ball = arb(fmpq(mid.numerator, mid.denominator), fmpq(rad.numerator, rad.denominator))
    return ball.nonnegative_part() if lo >= 0 and ball.lower() < 0 else ball


def truth(cond: sp.Basic, u: arb, memo: dict | None = None) -> bool | None:
    """True / False / None (undecided) of ``u OP c`` or True on the ball u."""
    if cond is sp.true or cond is sp.false:
        return cond is sp.true
    if type(cond) not in RELATIONS or not (diff := enclose(cond.lhs - cond.rhs, u, False, memo)).is_finite():
        return None
    yes, no = RELATIONS[type(cond)](diff.lower(), diff.upper())
    return True if yes else (False if no else None)


def enclose(e: sp.Basic, u: arb, strict: bool = False, memo: dict | None = None) -> arb:
    """An enclosure of e for every u in the ball (nan where undefined or not handled), cut at 0 where e is
    >= 0 for a reason read off its children (``_nonnegative``), so rounding cannot push it below. ``memo``: each
    sub-expression once per ball (``_nonnegative`` reads the children again: without it, 2^depth work)."""
    if (memo := {} if memo is None else memo).get((e, strict)) is None:
        v = _enclose(e, u, strict, memo)
        memo[e, strict] = v.nonnegative_part() if v.is_finite() and v.lower() < 0 and _nonnegative(e, u, strict, memo) \
            else v
    return memo[e, strict]


def _nonnegative(e: sp.Basic, u: arb, strict: bool, memo: dict) -> bool:
    """A sum or product of enclosures >= 0, an even power, sqrt, exp, Abs, atan or tanh of something >= 0."""
    kids = [enclose(a, u, strict, memo) for a in e.args]
    if isinstance(e, (sp.Add, sp.Mul)) or e.func in (sp.atan, sp.tanh):
        return all(k.is_finite() and k.lower() >= 0 for k in kids)
    if isinstance(e, sp.Pow):
        return (e.args[1].is_Integer and int(e.args[1]) % 2 == 0) or bool(kids[0].lower() >= 0)
    return e.func in (sp.exp, sp.Abs)


def _enclose(e: sp.Basic, u: arb, strict: bool, memo: dict) -> arb:
    if e == U:
        return u
    if e.is_Rational:
        return arb(fmpq(int(e.p), int(e.q)))
    if e is sp.pi or e is sp.E:
        return arb.pi() if e is sp.pi else arb(1).exp()
    if isinstance(e, (sp.Add, sp.Mul, sp.Min, sp.Max)):
        op = {sp.Add: operator.add, sp.Mul: operator.mul, sp.Min: arb.min, sp.Max: arb.max}[e.func]
        return functools.reduce(op, (enclose(a, u, strict, memo) for a in e.args))
    if isinstance(e, sp.Pow):
        b, x = enclose(e.args[0], u, strict, memo), e.args[1]
        if x.is_Integer:
            return b ** int(x) if int(x) >= 0 else (arb(1) / b ** (-int(x)) if not b.contains(0) else arb.nan())
        if b.lower() > 0:
            return b ** enclose(x, u, strict, memo)
        if b.lower() >= 0 and x.is_Rational and x > 0:
            return b.nonnegative_part() ** enclose(x, u, strict, memo)
        return arb.nan()
    if isinstance(e, sp.Piecewise):
        vals = []
        for val, cond in e.args:
            if (t := truth(cond, u, memo)) is None and strict:
                return arb.nan()
            if t is not False:
                vals.append(enclose(val, u, strict, memo))
            if t is True:
                break
        return functools.reduce(arb.union, vals) if vals else arb.nan()
    if isinstance(e, (sp.Heaviside, sp.sign)):  # a.e. derivatives of Min, Max, Abs: [0, 1] / [-1, 1] at 0
        x = enclose(e.args[0], u, strict, memo)
        step = arb(1) if x.lower() > 0 else arb(0) if x.upper() < 0 else arb(0.5, 0.5)
        return step if isinstance(e, sp.Heaviside) else 2 * step - 1
    if e.func in UNARY:
        return getattr(enclose(e.args[0], u, strict, memo), UNARY[e.func])()
    if e.func is sp.log:
        x = enclose(e.args[0], u, strict, memo)
        return x.log() if x.lower() > 0 else arb.nan()
    return arb.nan()


def loss(g, h, err: Fraction, rows: list[Fraction], kappa: int, d: int) -> arb:
    """L of Eq. (7): g(error) + (sum_j h(m_j) over the nonzero rows + (kappa - #rows) h(0)) / d."""
    return g(err) + (sum((h(x) for x in rows), arb(0)) + h(Fraction(0)) * (kappa - len(rows))) / d


class Formula:
    """A penalty given as a formula: re-parsed, evaluated by ``enclose`` (cached at points)."""

    def __init__(self, text: str, name: str):
        try:
            self.expr = parse_penalty(text)
        except FormulaError as exc:
            raise CertificateError(f"penalty {name} refused: {exc}") from None
        self.text, self.cache = text, {}

    def __call__(self, x: Fraction) -> arb:
        return self.cache[x] if x in self.cache else self.cache.setdefault(x, enclose(self.expr, point(x)))

    def on(self, lo: Fraction, hi: Fraction, strict: bool = False) -> arb:
        return enclose(self.expr, span(lo, hi), strict)

    @functools.cached_property
    def deriv(self) -> sp.Expr:
        return sp.diff(self.expr, U)  # a trusted step the kernel lists

    def slope_on(self, lo: Fraction, hi: Fraction) -> arb:
        """h' on [lo, hi] in strict mode."""
        return enclose(self.deriv, span(lo, hi), strict=True)


class Table:
    """A stored table [[x, lo, hi], ...] of a callable penalty: each x listed once."""

    expr = None

    def __init__(self, rows: Any, name: str):
        need(isinstance(rows, list) and all(isinstance(r, list) and len(r) == 3 for r in rows),
             f"tables.{name} must be a list of [x, lo, hi]")
        self.name, self.table = name, {}
        for x, lo, hi in rows:
            x, lo, hi = rational(x), rational(lo, decimal=True), rational(hi, decimal=True)
            need(x not in self.table and lo <= hi, f"tables.{name} lists {x} twice or with lo > hi")
            self.table[x] = span(lo, hi)

    def __call__(self, x: Fraction) -> arb:
        need(x in self.table, f"the stored table of {self.name} lacks {self.name}({x})")
        return self.table[x]
