"""Theta_Lip (every 1-Lipschitz decoder): the snake decoder is 1-Lipschitz and exact, the packing
bound is a true lower bound, and the four penalties of issue 9 are certified for r = 1 and r = 2."""

from __future__ import annotations

import itertools
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infgrad.proofs_check.theorem4 import kernel as checker
from infgrad.proofs_check.theorem4.generate.build import build
from infgrad.proofs_check.theorem4.generate.lipschitz import lattice, snake_decoder
from infgrad.proofs_check.theorem4.kernel.bound import packing as spread_bound


def _evaluate(dec, z: np.ndarray) -> np.ndarray:
    """The piecewise-affine decoder in floats (first piece whose closed box holds z)."""
    for p in dec["pieces"]:
        if all((lo is None or z[j] >= float(Fraction(lo))) and (hi is None or z[j] <= float(Fraction(hi)))
               for j, lo, hi in p["box"]):
            d, kappa = p["A"]["shape"]
            A, c = np.zeros((d, kappa)), np.zeros(d)
            for i, j, v in p["A"]["entries"]:
                A[i, j] = float(Fraction(v))
            for i, v in p["c"]["entries"]:
                c[i] = float(Fraction(v))
            return A @ z + c
    raise AssertionError("no piece holds z")


@given(k=st.integers(2, 6), r=st.integers(1, 2), seed=st.integers(0, 10**6))
def test_the_snake_decoder_is_1_lipschitz_on_random_pairs_of_codes(k, r, seed):
    s = Fraction(1, k)
    dec = snake_decoder(k, s, r, r + 1, r + 1)
    rng = np.random.default_rng(seed)
    span = float(s) * k * k
    for _ in range(30):
        z, w = rng.uniform(-span, span, r + 1), rng.uniform(-span, span, r + 1)
        assert np.linalg.norm(_evaluate(dec, z) - _evaluate(dec, w)) <= np.linalg.norm(z - w) * (1 + 1e-12) + 1e-12


@given(k=st.integers(2, 7), r=st.integers(1, 3))
def test_the_snake_reconstructs_every_lattice_point_and_its_codes_respect_the_packing_bound(k, r):
    s = Fraction(1, 3)
    dec = snake_decoder(k, s, r, r + 1, r + 1)
    offs = [s * Fraction(2 * i - (k - 1), 2) for i in range(k)]
    tail = lattice(k, s)  # the listed factor, in the snake's order: its code is s (q - (k^2 - 1) / 2)
    codes = []
    for head in itertools.product(offs, repeat=r - 1):  # the implicit identity block
        for q, p in enumerate(tail):
            z = list(head) + [s * (q - Fraction(k * k - 1, 2)), Fraction(0)]
            codes.append(z)
            assert np.allclose(_evaluate(dec, np.array([float(v) for v in z])), [float(v) for v in head + p],
                               atol=1e-12)
    # the witness is one perfect reconstruction with r rows, so it must respect the lower bound U
    total = sum(sum(v * v for v in z) for z in codes) / len(codes)
    assert len(codes) == k ** (r + 1) and float(spread_bound(len(codes), r, s).upper()) <= float(total) + 1e-12


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 30000), r=st.integers(1, 8), head=st.integers(1, 300))
def test_the_integral_packing_bound_is_below_the_exact_sum_for_any_head(n, r, head):
    # sum_{j<=n} ((j^(1/r) - 1)_+)^2 >= (terms j <= head) + int_head^n (x^(1/r) - 1)^2 dx: the summand increases
    exact = sum((j ** (1 / r) - 1) ** 2 for j in range(2, n + 1)) / (4 * n)
    low = spread_bound(n, r, Fraction(1), head=head)
    assert float(low.lower()) <= exact * (1 + 1e-9)
    assert spread_bound(n, r, Fraction(1), head=n).overlaps(spread_bound(n, r, Fraction(1), head=10**9))


def test_the_integral_packing_bound_agrees_with_quadrature_for_astronomical_n():
    # the r = 8 lattice of h = u has n = k^9 ~ 10^20.9: the closed form against mpmath's quadrature of the integral
    for n, r in ((10**21, 8), (7 * 10**59, 8), (10**12, 3), (5000, 1)):
        u = spread_bound(n, r, Fraction(1), head=1)  # the integral alone
        with mpmath.workdps(40):
            quad = mpmath.quad(lambda x: (x ** (mpmath.mpf(1) / r) - 1) ** 2, [1, 10, 10**4, 10**8, n]) / (4 * n)
        assert u.is_finite() and abs(float(u.mid()) / float(quad) - 1) < 1e-12, (n, r)


def test_the_packing_bound_is_below_the_best_spacing_on_a_line():
    # r = 1: n points s-apart on a line have sum z^2 >= s^2 (n^3 - n) / 12 (the centred progression)
    for n in (2, 5, 30, 101):
        best = Fraction(n ** 3 - n, 12) / n
        assert float(spread_bound(n, 1, Fraction(1)).upper()) <= float(best)


@pytest.mark.parametrize("h", ["atan(3*u)", "u", "sqrt(u)", "Piecewise((u**2/2, u < 1), (u - 1/2, True))"])
@pytest.mark.parametrize("r", [1, 2])
def test_the_four_penalties_of_the_issue_are_certified_in_theta_lip_for_r_1_and_2(h, r):
    cert, notes = build(h, "u", d=r + 2, kappa=r + 1, r=r, family="lipschitz")
    out = checker.check(cert)
    assert cert["family"] == "lipschitz" and cert["verdict"] == "strict" and out.ok, out.failures()
    assert any("is_increasing" in step for step in out.trusted)  # the tail, the one symbolic step


SATURATING = ["u/(1+u)", "1 - exp(-u)", "1 - exp(-4*u)", "u**2", "tanh(u)**2", "Min(u, 1)", "log(1 + u)"]


@pytest.mark.parametrize("h", SATURATING)
@pytest.mark.parametrize("r", [1, 2, pytest.param(3, marks=pytest.mark.slow)])
def test_nondecreasing_penalties_the_old_prover_refused_certify_in_theta_lip(h, r):
    # before: --family lipschitz refused each of these (the bisection found no proof near 0)
    cert, _ = build(h, "u", d=r + 2, kappa=r + 1, r=r, family="lipschitz")
    out = checker.check(cert)
    assert cert["family"] == "lipschitz" and cert["verdict"] == "strict" and out.ok, out.failures()
