"""Hand-built forgeries of Theorem 4 certificates, each with a false conclusion the kernel once verified; every
test shows the conclusion false by an explicit counterexample before asserting the rejection."""

from __future__ import annotations

import copy
import json
import math
from fractions import Fraction

import pytest

from infgrad.proofs_check.theorem4 import kernel
from infgrad.proofs_check.theorem4.generate.build import build

from theorem4_tamper import FIXED_SCALE, genuine_text


def sparse(shape: list[int], *entries) -> dict:
    return {"shape": shape, "entries": [list(e) for e in entries]}


def fixed_scale_forgery() -> dict:
    """r = 1, d = kappa = 2, n = 2, h = -atan(u). D_sparse's second piece (z_0 >= 0) lacks the diagonal s_0 z_0, so
    on sample 1 (x_0 = 0) the code z_0 is free, and the rows of the optimal sparse representations are not fixed."""
    pieces = [{"box": [[0, None, "0"]], "A": sparse([2, 2], (0, 0, "1")), "c": sparse([2], (1, "1/100"))},
              {"box": [[0, "0", None]], "A": sparse([2, 2]), "c": sparse([2], (1, "1/100"))}]
    dense = [{"box": [], "A": sparse([2, 2], (0, 0, "1"), (1, 1, "1")), "c": sparse([2])}]
    return {"format": kernel.FORMAT, "family": "fixed-scale", "enclosure": kernel.ENCLOSURE,
            "penalties": {"h": "-atan(u)", "g": "u"}, "dims": {"d": 2, "kappa": 2, "r": 1, "n": 2},
            "X": sparse([2, 2], (0, 0, "-1"), (0, 1, "1/100"), (1, 1, "1/100")),
            "decoders": {"D_sparse": {"pieces": pieces}, "D_dense": {"pieces": dense}},
            "witness": {"decoder": "D_sparse", "Z": sparse([2, 2], (0, 0, "-1")), "Xhat": "X"},
            "competitor": {"decoder": "D_dense", "Z": "X", "Xhat": "X"}, "sequence": None, "verdict": "strict"}


def rejected(cert: dict) -> bool:
    try:
        return not kernel.check(json.loads(json.dumps(cert))).ok
    except kernel.CertificateError:
        return True


def test_a_fixed_scale_sparse_decoder_must_scale_every_axis_below_r_in_every_piece():
    # before: verified "strict" (only one piece needed the diagonal), although a cheaper optimal sparse
    # representation exists: D_sparse with z_0 = 3 on sample 1 reconstructs X exactly with one nonzero row
    cert = fixed_scale_forgery()
    competitor = (-math.atan(1 / 2) - math.atan(1 / 10**4)) / 2  # L of Eq. (7), g(0) = 0: rows 1/2 and 10^-4
    cheaper = -math.atan((1 + 3**2) / 2) / 2  # the sparse code z_0 = (-1, 3): row 5, the other row 0
    assert cheaper < competitor - 0.4
    alt = copy.deepcopy(cert)  # the kernel's own evaluator agrees: exact, one row, L below the competitor's
    alt["competitor"] = {"decoder": "D_sparse", "Z": sparse([2, 2], (0, 0, "-1"), (1, 0, "3")), "Xhat": "X"}
    values = kernel.check(alt).values
    assert values["competitor_error"] == 0 and values["competitor_rows"] == 1
    assert values["competitor_L"].upper() < competitor
    assert rejected(cert)


def value(piece: dict, z: dict[int, Fraction], axis: int) -> Fraction:
    """Output ``axis`` of x = A z + c for one piece of the file, read directly."""
    return sum((Fraction(v) * z.get(j, 0) for i, j, v in piece["A"]["entries"] if i == axis), Fraction(0)) + \
        sum((Fraction(v) for i, v in piece["c"]["entries"] if i == axis), Fraction(0))


def holds(piece: dict, z: dict[int, Fraction]) -> bool:
    return all((lo is None or Fraction(lo) <= z.get(a, 0)) and (hi is None or z.get(a, 0) <= Fraction(hi))
               for a, lo, hi in piece["box"])


def two_boxless_pieces() -> dict:
    """The forgery above made honest (both pieces scale z_0), then given two pieces without a box that differ."""
    cert = fixed_scale_forgery()
    cert["X"] = sparse([2, 2], (0, 0, "-1"), (1, 0, "1"), (0, 1, "1/100"), (1, 1, "1/100"))
    one = {"box": [], "A": sparse([2, 2], (0, 0, "1")), "c": sparse([2], (1, "1/100"))}
    cert["decoders"]["D_sparse"]["pieces"] = [one, dict(one, c=sparse([2], (1, "5")))]
    cert["witness"]["Z"] = sparse([2, 2], (0, 0, "-1"), (1, 0, "1"))
    return cert


@pytest.mark.parametrize("edit", ["overlap", "no boxes"])
def test_a_fixed_scale_sparse_decoder_is_one_function(edit):
    # before: verified; the first piece of the file that holds a code and the kernel's piece (the last slab by
    # lower end, or the first piece when none has a box) decoded it differently: the witness reconstructed X
    # under one reading and not under the other
    if edit == "overlap":
        cert = json.loads(genuine_text(FIXED_SCALE))
        cert["decoders"]["D_sparse"]["pieces"][0]["box"][0][2] = "1"  # the first slab now reaches into the second
    else:
        cert = two_boxless_pieces()
    pieces, d = cert["decoders"]["D_sparse"]["pieces"], cert["dims"]["d"]
    z = {i: {} for i in range(cert["dims"]["n"])}
    for i, j, v in cert["witness"]["Z"]["entries"]:
        z[i][j] = Fraction(v)
    two = [(a, b) for zi in z.values() for a in pieces for b in pieces
           if holds(a, zi) and holds(b, zi) and any(value(a, zi, k) != value(b, zi, k) for k in range(d))]
    assert two  # some code has two readings
    assert rejected(cert)


def test_a_fixed_scale_certificate_has_no_lattice_nor_bound():
    # before: verified, strict: a stray lattice lifted the limit on dims.n (10^60 with a lattice) and fixed-scale
    # never compared it with X, so a certificate of 16 samples stated n = 10^50
    cert = json.loads(json.dumps(build("atan(3*u)", "u", d=4, kappa=3, r=1, n=16, family="fixed-scale")[0]))
    assert not rejected(cert) and cert["X"]["shape"][0] == 16
    cert["lattice"], cert["dims"]["n"] = {"k": 4, "spacing": "1"}, 10**50
    assert rejected(cert)
