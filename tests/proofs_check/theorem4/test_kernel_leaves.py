"""Every leaf and every list or object of genuine certificates of both families, each edited in several ways
(a rational negated, doubled, halved, zeroed, shifted; an integer moved; a name swapped for another; a list cut,
grown, reversed or reordered; two fields of one object swapped; an object dropped): each edited certificate is
rejected, or it reads to the same canonical certificate, or it is listed below with the reason its conclusion
still holds (the kernel re-derives it)."""

from __future__ import annotations

import copy
import json
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infgrad.proofs_check.theorem4 import kernel
from infgrad.proofs_check.theorem4.kernel.read import canonical

from theorem4_tamper import RATIONAL, genuine_text, get, nodes

GENUINE = (  # (h, g, d, kappa, r, family)
    ("u", "u", 3, 2, 1, "lipschitz"), ("atan(3*u)", "u", 4, 3, 1, "lipschitz"), ("-atan(u)", "u", 5, 4, 2, "lipschitz"),
    ("atan(3*u)", "u", 6, 4, 2, "fixed-scale"), ("1", "u", 6, 4, 2, "fixed-scale"), ("1", "-u", 6, 4, 2, "fixed-scale"),
    ("-atan(u)", "u", 6, 4, 2, "fixed-scale"), ("u", "u", 5, 3, 2, "fixed-scale"), ("u", "u", 6, 5, 4, "lipschitz"),
    ("u**2", "u", 6, 4, 2, "fixed-scale"),
)
NAMES = ["X", "D_sparse", "D_dense", "D_snake", "D_identity", "strict", "tie", "undecided", "no-minimiser", "u", "-u",
         "0", "1", "value", "slope", "fixed-scale", "lipschitz"]


def true_after_edit(which: int, path: tuple, new) -> str | None:
    """Why an accepted edit still states a true conclusion, or None."""
    h, g, family, names = GENUINE[which][0], GENUINE[which][1], GENUINE[which][5], [k for k in path if isinstance(k, str)]
    if names[:1] == ["penalties"]:
        return "a penalty edited: the kernel derives every value and the verdict from the edited formula"
    if names[:3] == ["bound", "above", "cells"] and path[-1] == 2:
        return "a cell's kind only picks which sufficient test it must pass, and the kernel ran that test"
    if names[:2] == ["bound", "affine"] and names[2:] in (["alpha"], ["beta"]):
        return ("a line alpha + beta u edited: the kernel re-checks it below h on every cell and the bound it gives "
                "(for h = u, beta = 1 is the line u itself)")
    if (g, names) == ("-u", ["sequence", "row"]):
        return "g = -u: L -> -oo along Z + t e_row for every row, and sympy's limit says so"
    if (h, family, names[:2]) == ("-atan(u)", "fixed-scale", ["competitor", "Z"]):
        return ("the extra row of the competitor on an axis D_sparse ignores, edited: X is still reconstructed "
                "exactly, h(row) < h(0) still, so L_competitor < L*, which the kernel computes exactly")
    return None


def edits(v) -> list:
    if isinstance(v, str) and RATIONAL.fullmatch(v):
        x = Fraction(v)
        out = [f"{y.numerator}/{y.denominator}" for y in (-x, 2 * x, x / 2, 0 * x, x + Fraction(1, 997), x ** 0, x - 1)]
    elif isinstance(v, bool) or v is None:
        out = ["0", "1", 1, [], {}]
    elif isinstance(v, int):
        out = [v + 1, v - 1, 0, 2 * v]
    elif isinstance(v, str):
        out = NAMES + [v + " "]
    elif isinstance(v, list):
        out = [v[1:], v[:-1], v + v[:1], v[::-1], [], v[1:2] + v[:1] + v[2:]] if v else []
    else:
        ks = list(v)
        out = [None] + [{**v, a: v[b], b: v[a]} for i, a in enumerate(ks) for b in ks[i + 1:]]
    return [e for e in out if e != v]


def reading(cert: dict):
    """The canonical certificate, with the orders the kernel ignores sorted away."""
    c = canonical(cert)
    mat = lambda m: (m.rows, sorted((j, col) for j, col in m.data.items() if any(col[0])))  # noqa: E731
    piece = lambda p: repr((sorted(p.box.items()), sorted(p.A.items()), sorted(p.c.items())))  # noqa: E731
    rep = lambda r: r and (r.decoder, mat(r.Z), mat(r.Xhat))  # noqa: E731
    bound = c.bound and dict(c.bound, above=sorted(c.bound["above"], key=lambda a: a[0]))
    return c._replace(X=mat(c.X), witness=rep(c.witness), competitor=rep(c.competitor), bound=bound,
                      decoders={k: sorted(map(piece, v)) for k, v in c.decoders.items()})


def accepted(cert: dict) -> bool:
    try:
        return kernel.check(cert).ok
    except kernel.CertificateError:
        return False


def check_edit(which: int, pick: int, how: int) -> None:
    cert = json.loads(genuine_text(GENUINE[which]))
    every = nodes(cert)
    path = every[pick % len(every)]
    options = edits(get(cert, path))
    if not path or not options:
        return
    get(cert, path[:-1])[path[-1]] = new = copy.deepcopy(options[how % len(options)])
    if accepted(cert) and reading(cert) != reading(json.loads(genuine_text(GENUINE[which]))):
        assert true_after_edit(which, path, new), (GENUINE[which], path, str(new)[:80])


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(which=st.integers(0, len(GENUINE) - 1), pick=st.integers(0, 10**6), how=st.integers(0, 100))
def test_an_edit_of_any_field_is_rejected_or_re_proved(which, pick, how):
    check_edit(which, pick, how)


@pytest.mark.slow
@pytest.mark.parametrize("which", range(len(GENUINE)))
def test_every_edit_of_every_field_is_rejected_or_re_proved(which):
    cert = json.loads(genuine_text(GENUINE[which]))
    for pick, path in enumerate(nodes(cert)):
        for how in range(len(edits(get(cert, path))) if path else 0):
            check_edit(which, pick, how)
