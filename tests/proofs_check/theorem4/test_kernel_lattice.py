"""Implicit lattices (issue 20, item 4): a Theta_Lip certificate lists only the k^2 points of data axes r-1, r;
axes 0..r-2 are the identity block, checked symbolically; U is bounded for any n through the integral. Every
forgery of the factors is rejected, and r = 1..8 certify in Theta_Lip."""

from __future__ import annotations

import functools
import json
from fractions import Fraction

import pytest

from infgrad.proofs_check.theorem4 import kernel
from infgrad.proofs_check.theorem4.generate.build import build
from theorem4_tamper import lattice_forgeries


@functools.lru_cache(maxsize=None)
def genuine(h: str, r: int) -> str:
    cert, _ = build(h, "u", d=r + 2, kappa=r + 1, r=r, family="lipschitz")
    return json.dumps(cert)  # as read from a file


def rejected(cert: dict) -> bool:
    try:
        return not kernel.check(cert).ok
    except kernel.CertificateError:
        return True


@pytest.mark.parametrize("h, r", [("u", 4), ("atan(3*u)", 3), ("-atan(u)", 2), ("u", 1)])
def test_every_forgery_of_the_implicit_lattice_is_rejected(h, r):
    cert = json.loads(genuine(h, r))
    assert kernel.check(cert).ok
    forged = lattice_forgeries(cert)
    assert len(forged) >= (20 if r >= 2 else 14) + ("bound" in cert)
    accepted = [name for name, bad in forged.items() if bad != cert and not rejected(bad)]
    assert accepted == [], accepted


@pytest.mark.parametrize("h, r, k", [("u", 4, 9), ("u", 5, 17), ("u", 6, 34)])
def test_theta_lip_reaches_past_r_4_with_the_predicted_lattice(h, r, k):
    # before: X was listed point by point (n = k^(r+1)), so Theta_Lip stopped at r = 4 (n = 59 049)
    cert = json.loads(genuine(h, r))
    out = kernel.check(cert)
    assert out.ok and cert["family"] == "lipschitz" and cert["verdict"] == "strict", out.failures()
    assert cert["lattice"]["k"] == k and cert["dims"]["n"] == k ** (r + 1)
    assert cert["X"]["shape"] == [k * k, r + 2]  # only the last factor is listed
    assert out.values["witness_rows"] == r and out.values["competitor_rows"] == r + 1


@pytest.mark.slow
@pytest.mark.parametrize("h", ["u", "atan(3*u)", "log(1+u)"])
def test_r_8_certifies_in_theta_lip_with_n_near_10_to_the_21_in_under_10_mb(h):
    text = genuine(h, 8)
    cert = json.loads(text)
    out = kernel.check(cert)
    assert out.ok and cert["family"] == "lipschitz" and cert["verdict"] == "strict", out.failures()
    assert cert["dims"]["n"] > 10**20 and len(text) < 10 * 10**6


def test_past_r_8_auto_keeps_the_labelled_fixed_scale_fallback_within_the_listed_points_cap():
    # r = 9 for h = u would need more than 100 000 listed points (about 6.5 MB): auto says so and falls back
    cert, notes = build("u", "u", d=11, kappa=10, r=9, family="auto")
    assert cert["family"] == "fixed-scale" and kernel.check(cert).ok
    assert "k^2 <= 100000 listed points" in notes["fallback"]


def test_the_notes_mark_u_over_r_even_when_the_bound_uses_u_itself():
    # before: with an affine minorant the notes' U_over_r held M = U, and Fig. 2 labelled it U/r
    cert, notes = build("u", "u", d=6, kappa=5, r=4, family="lipschitz")
    assert cert["bound"]["affine"] is not None
    M = Fraction(cert["bound"]["M"])
    assert abs(notes["U_over_r"] - float(M / 4)) <= 1e-12 * float(M)
