"""The checker's own values of g and h: a formula is re-parsed and re-evaluated (sympy
substitutes the exact rational, python-flint ``arb`` encloses what is left, at the working
precision the caller sets); a stored table is only read when the user trusts it."""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

import sympy as sp
from flint import arb, fmpq

from infgrad.theory.penalties import U

from .check_read import CertificateError


def _enclose_constant(e: sp.Basic) -> arb:
    """arb enclosure of a constant sympy expression (nan when undefined or not real)."""
    if e.is_Rational:
        return arb(fmpq(int(e.p), int(e.q)))
    if e is sp.pi:
        return arb.pi()
    if e is sp.E:
        return arb(1).exp()
    if e.is_Add or e.is_Mul:
        vals = [_enclose_constant(a) for a in e.args]
        out = vals[0]
        for v in vals[1:]:
            out = out + v if e.is_Add else out * v
        return out
    if e.is_Pow:
        b, x = _enclose_constant(e.args[0]), e.args[1]
        if x.is_Integer:
            return b ** int(x) if int(x) >= 0 else (arb(1) / b ** (-int(x)) if not b.contains(0) else arb.nan())
        if b.lower() > 0:
            return b ** _enclose_constant(x)
        if b.is_zero() and x.is_positive:
            return arb(0)
        return arb.nan()
    name = type(e).__name__
    if name in ("exp", "atan", "tanh", "sin", "cos"):
        return getattr(_enclose_constant(e.args[0]), name)()
    if name == "log":
        v = _enclose_constant(e.args[0])
        return v.log() if v.lower() > 0 else arb.nan()
    if name == "Abs":
        return abs(_enclose_constant(e.args[0]))
    if name in ("Min", "Max"):
        vals = [_enclose_constant(a) for a in e.args]
        out = vals[0]
        for v in vals[1:]:
            out = out.min(v) if name == "Min" else out.max(v)
        return out
    if name == "Piecewise":  # a condition sympy could not decide: enclose every live branch
        out = None
        for val, cond in e.args:
            if cond is sp.false:
                continue
            v = _enclose_constant(val)
            out = v if out is None else out.union(v)
            if cond is sp.true:
                break
        return arb.nan() if out is None else out
    return arb.nan()


class Evaluator:
    """Encloses a penalty at exact rationals: sympy substitutes, arb encloses the rest."""

    def __init__(self, expr: sp.Expr):
        self.expr = expr
        self.cache: dict[Fraction, arb] = {}

    def __call__(self, x: Fraction) -> arb:
        if x not in self.cache:
            val = self.expr.subs(U, sp.Rational(x.numerator, x.denominator))
            self.cache[x] = _enclose_constant(val)
        return self.cache[x]


class Table:
    """A stored value table [[x, lo, hi], ...] (a callable penalty had no formula)."""

    def __init__(self, rows: Any, name: str):
        if not isinstance(rows, list):
            raise CertificateError(f"tables.{name} must be a list of [x, lo, hi]")
        self.name = name
        self.table = {}
        for row in rows:
            if not isinstance(row, list) or len(row) != 3:
                raise CertificateError(f"tables.{name} must be a list of [x, lo, hi]")
            self.table[rat(row[0])] = interval(row[1:])

    def __call__(self, x: Fraction) -> arb:
        if x not in self.table:
            raise CertificateError(f"the stored table of {self.name} lacks {self.name}({x})")
        return self.table[x]


RATIONAL = re.compile(r"-?[0-9]{1,4000}(/[0-9]{1,4000})?")
DECIMAL = re.compile(r"-?[0-9]{1,200}(\.[0-9]{1,200})?([eE][-+]?[0-9]{1,4})?")


def rat(text: Any) -> Fraction:
    if isinstance(text, bool) or not isinstance(text, (str, int)) or \
            (isinstance(text, str) and not RATIONAL.fullmatch(text)):
        raise CertificateError(f"expected a rational 'p/q', got {str(text)[:40]!r}")
    try:
        return Fraction(text) if isinstance(text, int) else Fraction(str(text))
    except (ValueError, ZeroDivisionError):
        raise CertificateError(f"expected a rational 'p/q', got {text!r}") from None


def interval(pair: Any) -> arb:
    if not isinstance(pair, list) or len(pair) != 2 or not all(isinstance(p, str) and DECIMAL.fullmatch(p) for p in pair):
        raise CertificateError(f"an interval must be [lo, hi] decimal strings; got {str(pair)[:60]}")
    try:
        lo, hi = (Fraction(str(pair[0])), Fraction(str(pair[1])))
    except (TypeError, ValueError, IndexError, ZeroDivisionError):
        raise CertificateError(f"an interval must be [lo, hi] decimal strings; got {pair!r}") from None
    if lo > hi:
        raise CertificateError(f"interval [{pair[0]}, {pair[1]}] has lo > hi")
    mid, rad = (lo + hi) / 2, (hi - lo) / 2
    return arb(fmpq(mid.numerator, mid.denominator), fmpq(rad.numerator, rad.denominator))


def point(x: Fraction) -> arb:
    return arb(fmpq(x.numerator, x.denominator))
