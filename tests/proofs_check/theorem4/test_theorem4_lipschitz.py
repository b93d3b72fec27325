"""Theta_Lip (every 1-Lipschitz decoder): the snake decoder is 1-Lipschitz and exact, the packing
bound is a true lower bound, and the four penalties of issue 9 are certified for r = 1 and r = 2."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from infgrad.proofs_check.theorem4 import kernel as checker
from infgrad.proofs_check.theorem4.generate.build import build
from infgrad.proofs_check.theorem4.generate.lipschitz import lattice, snake_decoder, snake_position, spread_bound


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


@given(k=st.integers(2, 7), r=st.integers(1, 2))
def test_the_snake_reconstructs_every_lattice_point_and_its_codes_respect_the_packing_bound(k, r):
    s = Fraction(1, 3)
    dec = snake_decoder(k, s, r, r + 1, r + 1)
    pts = lattice(k, s, r)
    idx = {x: i for i, x in enumerate(s * Fraction(2 * i - (k - 1), 2) for i in range(k))}
    codes = []
    for p in pts:
        z = list(p[: r - 1]) + [snake_position(k, s, idx[p[r]], idx[p[r - 1]])] + [Fraction(0)]
        codes.append(z)
        assert np.allclose(_evaluate(dec, np.array([float(v) for v in z])), [float(v) for v in p], atol=1e-12)
    # the witness is one perfect reconstruction with r rows, so it must respect the lower bound U
    total = sum(sum(v * v for v in z) for z in codes) / len(codes)
    assert float(spread_bound(len(pts), r, s).upper()) <= float(total) + 1e-12


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
