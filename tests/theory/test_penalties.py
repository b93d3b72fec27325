"""The whitelist formula parser and the interval helpers of theory.penalties."""

from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from infgrad.theory.penalties import U, FormulaError, at_zero, ball, finite, interval, lower, parse_penalty, point, upper
from infgrad.theory.penalty_analysis import slope_bound

small = st.fractions(min_value=Fraction(-20), max_value=Fraction(20), max_denominator=50)
positive = st.fractions(min_value=Fraction(1, 50), max_value=Fraction(20), max_denominator=50)
args = st.fractions(min_value=Fraction(0), max_value=Fraction(30), max_denominator=100)


def _text(q: Fraction) -> str:
    return f"({q.numerator}/{q.denominator})"


@pytest.mark.parametrize("text, expected", [
    ("atan(3*u)", sp.atan(3 * U)),
    ("log(u + 1/100)", sp.log(U + sp.Rational(1, 100))),
    ("Min(u, 1)", sp.Min(U, 1)),
    ("sqrt(u + 0.5)", sp.sqrt(U + sp.Rational(1, 2))),
    ("-2*exp(-u) + tanh(u)**2", -2 * sp.exp(-U) + sp.tanh(U) ** 2),
    ("Piecewise((u**2/2, u < 1), (u - 1/2, True))",
     sp.Piecewise((U ** 2 / 2, U < 1), (U - sp.Rational(1, 2), True))),
    ("Abs(u - 1) + Max(u, 2) + sin(u) * cos(pi*u)", sp.Abs(U - 1) + sp.Max(U, 2) + sp.sin(U) * sp.cos(sp.pi * U)),
])
def test_whitelisted_formulas_parse_to_the_sympy_expression_built_by_hand(text, expected):
    assert sp.simplify(parse_penalty(text) - expected) == 0


@pytest.mark.parametrize("text", [
    "__import__('os').system('touch pwned')",
    "u.__class__",
    "(lambda: 1)()",
    "'u'",
    "x + 1",
    "u[0]",
    "exp(u, base=2)",
    "eval('1')",
    "open('f')",
    "[u]",
    "{u: 1}",
    "u if u else 1",
    "Piecewise((u, u < 1))",
    "Piecewise((u, u < 1 < 2), (1, True))",
    "2**10**10",
    "(((2**64)**64)**64)**64",
    "1e400",
    "u +",
    "Symbol('u')",
    "sympify('u')",
    "u; import os",
    "u" + "+u" * 300,
])
def test_formulas_outside_the_whitelist_are_refused_before_evaluation(text, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FormulaError):
        parse_penalty(text)
    assert not (tmp_path / "pwned").exists()


@given(a=small, b=positive, x=args)
def test_the_interval_value_of_a_atan_bu_encloses_the_mpmath_value(a, b, x):
    expr = parse_penalty(f"{_text(a)}*atan({_text(b)}*u)")
    enc = ball(expr, point(x))
    mpmath.mp.dps = 40
    exact = mpmath.mpf(a.numerator) / a.denominator * mpmath.atan(mpmath.mpf(b.numerator) / b.denominator * (mpmath.mpf(x.numerator) / x.denominator))
    assert lower(enc) <= Fraction(str(exact)) + Fraction(1, 10**30)
    assert Fraction(str(exact)) - Fraction(1, 10**30) <= upper(enc)


@given(c=positive, x=args)
def test_the_interval_value_of_a_huber_piecewise_encloses_its_closed_form(c, x):
    expr = parse_penalty(f"Piecewise((u**2/(2*{_text(c)}), u < {_text(c)}), (u - {_text(c)}/2, True))")
    exact = x * x / (2 * c) if x < c else x - c / 2
    enc = ball(expr, point(x))
    assert lower(enc) <= exact <= upper(enc)


@given(a=small, b=positive)
def test_the_slope_bound_of_a_atan_bu_is_its_true_maximum_slope_ab(a, b):
    H = slope_bound(parse_penalty(f"{_text(a)}*atan({_text(b)}*u)"), Fraction(1))
    true = abs(a * b)  # |h'| = |a b| / (1 + b^2 u^2), largest at u = 0
    # A rigorous bound, and not a loose one: the adaptive bisection accepts a box once its
    # enclosure has radius <= |midpoint| / 4, so the box's upper end is at most (5/4)/(3/4) = 5/3 times
    # its lower end, which is <= the true maximum slope.
    assert H is not None and true <= H <= true * Fraction(5, 3) * Fraction(1001, 1000) + Fraction(1, 10**9)


@given(c=positive, x=st.fractions(min_value=Fraction(0), max_value=Fraction(1), max_denominator=1000))
def test_the_slope_bound_bounds_every_difference_quotient_numerically(c, x):
    expr = parse_penalty(f"log(u + {_text(c)}) + Min(u, {_text(c)})")
    H = slope_bound(expr, Fraction(1))
    f = sp.lambdify(U, expr.subs(U, U), "mpmath")  # built from the parsed expression, not user text
    y = x / 2
    if x != y:
        quotient = abs((f(mpmath.mpf(float(x))) - f(mpmath.mpf(float(y)))) / (float(x) - float(y)))
        assert quotient <= float(H) * (1 + 1e-9)


@pytest.mark.parametrize("text", ["sqrt(u)", "log(u)", "u**(1/3)"])
def test_no_slope_bound_is_established_for_penalties_with_unbounded_slope_at_zero(text):
    assert slope_bound(parse_penalty(text), Fraction(1)) is None


def test_log_has_no_finite_value_at_zero_and_log_plus_delta_has():
    assert not finite(at_zero(parse_penalty("log(u)")))
    enc = at_zero(parse_penalty("log(u + 1/100)"))
    assert finite(enc) and lower(enc) < Fraction(-4605, 1000) < upper(enc) + 1


def test_an_interval_of_u_encloses_the_range_of_h_over_it():
    enc = ball(parse_penalty("atan(3*u)"), interval(Fraction(0), Fraction(1)))
    assert lower(enc) <= 0 and upper(enc) >= Fraction(1249, 1000)  # atan(3) = 1.2490...
