"""Theorem 4 certificates: every generated certificate passes the independent checker, its
objective values agree with a plain floating-point recomputation, and tampering is caught."""

import copy
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, note
from hypothesis import strategies as st

from infgrad.errors import BadInput, HypothesisNotMet
from infgrad.proofs_check.theorem4 import kernel as checker
from infgrad.proofs_check.theorem4.generate.build import build
from infgrad.proofs_check.theorem4.generate.build import generate
from infgrad.theory.penalties import U, parse_penalty
from infgrad.theory.penalty_analysis import slope_bound

pos = st.fractions(min_value=Fraction(1, 20), max_value=Fraction(5), max_denominator=20)


def _q(x: Fraction) -> str:
    return f"({x.numerator}/{x.denominator})"


@st.composite
def term(draw):
    """One penalty term from the grammar of the issue."""
    kind = draw(st.sampled_from(["linear", "saturating", "atan", "log", "sqrt", "min", "huber",
                                 "decreasing", "constant"]))
    a, b, c = draw(pos), draw(pos), draw(pos)
    return {
        "linear": f"{_q(a)}*u",
        "saturating": f"u/(u + {_q(c)})",
        "atan": f"{_q(a)}*atan({_q(b)}*u)",
        "log": f"log(u + {_q(c)})",
        "sqrt": f"sqrt(u + {draw(st.sampled_from(['0', _q(c)]))})",
        "min": f"Min(u, {_q(c)})",
        "huber": f"Piecewise((u**2/(2*{_q(c)}), u < {_q(c)}), (u - {_q(c)}/2, True))",
        "decreasing": draw(st.sampled_from([f"exp(-{_q(b)}*u)", f"-atan({_q(b)}*u)", f"1/(1 + {_q(b)}*u)"])),
        "constant": _q(c),
    }[kind]


@st.composite
def penalty(draw):
    """A term, or a sum of two terms with random signs."""
    first = draw(term())
    if draw(st.booleans()):
        return first
    sign = draw(st.sampled_from(["+", "-"]))
    return f"{first} {sign} {draw(term())}"


@st.composite
def dims(draw):
    r = draw(st.integers(1, 4), label="r")
    kappa = draw(st.integers(r + 1, r + 3), label="kappa")
    d = draw(st.integers(kappa, kappa + 3), label="d")
    n = draw(st.one_of(st.none(), st.integers(r + 2, 24)), label="n")
    return d, kappa, r, n


def _floats(mat, shape):
    out = np.zeros(shape)
    if isinstance(mat, dict):
        for i, j, v in mat["entries"]:
            num, _, den = v.partition("/")
            out[i, j] = int(num) / int(den or 1)
    return out


def _h_float(text: str, x: float) -> float:
    expr = parse_penalty(text)
    return float(sp.N(expr.subs(U, sp.Float(x, 30)), 20))


def _objective_in_floats(cert, rep) -> float:
    """Eq. (7) recomputed in float64 from the certificate's matrices (an independent numeric value)."""
    dm = cert["dims"]
    n, d, kappa, r = dm["n"], dm["d"], dm["kappa"], dm["r"]
    lat = cert.get("lattice")  # Theta_Lip: the k^2 points of axes r-1, r listed; X = L^(r-1) x them
    listed = n if lat is None else lat["k"] ** 2
    X = _floats(cert["X"], (listed, d))
    Z = X[:, :kappa] if rep["Z"] == "X" else _floats(rep["Z"], (listed, kappa))
    Xhat = X if rep["Xhat"] == "X" else _floats(rep["Xhat"], (listed, d))
    err = float(((X - Xhat) ** 2).sum()) / (d * listed)
    rows = (Z ** 2).sum(axis=0) / listed
    if lat is not None:  # latent axes 0..r-2 copy the implicit data axes: offsets s (i - (k-1)/2), i < k
        offs = (np.arange(lat["k"]) - (lat["k"] - 1) / 2) * _floats({"entries": [[0, 0, lat["spacing"]]]}, (1, 1))[0, 0]
        assert not rows[: r - 1].any()
        rows[: r - 1] = (offs ** 2).mean()
    g, h = cert["penalties"]["g"], cert["penalties"]["h"]
    return _h_float(g, err) + sum(_h_float(h, float(m)) for m in rows) / d


@given(h=penalty(), g=penalty(), shape=dims(), family=st.sampled_from(["fixed-scale", "auto"]))
def test_every_generated_certificate_passes_the_independent_checker(h, g, shape, family):
    d, kappa, r, n = shape
    cert, notes = build(h, g, d=d, kappa=kappa, r=r, n=n, family=family, lipschitz_max_points=2000)  # small: fast suite
    out = checker.check(cert)
    note(f"family {cert['family']}, case {notes['case']}, verdict {cert['verdict']}, failures {out.failures()}")
    assert out.ok, out.failures()
    assert out.values["verdict"] == cert["verdict"]
    if cert["penalties"]["h"] is not None and parse_penalty(h).free_symbols and cert["verdict"] == "tie":
        raise AssertionError("only a constant h can tie exactly")
    for label in ("witness", "competitor"):
        rep = cert[label]
        if rep is None:
            continue
        L = out.values[f"{label}_L"]
        value = _objective_in_floats(cert, rep)
        lo, hi = float(L.lower()), float(L.upper())
        assert lo - 1e-7 * (1 + abs(lo)) <= value <= hi + 1e-7 * (1 + abs(hi))


@pytest.mark.parametrize("h, g, case, verdict", [
    ("atan(3*u)", "u", "B", "strict"),
    ("-atan(u)", "u", "A", "strict"),
    ("sqrt(u)", "u", "B", "strict"),
    ("1", "u", "C", "tie"),
    ("1", "-atan(u)", "C", "strict"),
    ("1", "-u", "C", "no-minimiser"),
])
def test_each_case_of_the_construction_gives_the_verdict_the_theory_predicts(h, g, case, verdict):
    cert, notes = build(h, g, d=6, kappa=4, r=2, family="fixed-scale")
    assert (notes["case"], cert["verdict"]) == (case, verdict)
    assert checker.check(cert).ok


def test_sqrt_breaks_the_hypothesis_yet_yields_a_counterexample():
    cert, notes = build("sqrt(u)", "u", d=6, kappa=4, r=2, family="fixed-scale")
    assert "hypothesis of Theorem 4 fails" in notes["hypothesis"] and "unbounded gradient" in notes["hypothesis"]
    assert cert["verdict"] == "strict" and checker.check(cert).ok


def test_log_is_refused_because_h_of_zero_is_not_finite():
    with pytest.raises(HypothesisNotMet, match=r"h\(0\) .* is not a finite real"):
        generate("log(u)", "u", d=6, kappa=4, r=2)


@pytest.mark.parametrize("d, kappa, r, n", [(3, 4, 2, None), (4, 2, 2, None), (4, 3, 0, None), (6, 4, 2, 3),
                                             (6, 4, 2, 10**7), (6.0, 4, 2, None)])
def test_dimensions_outside_d_ge_kappa_gt_r_gt_0_are_bad_input(d, kappa, r, n):
    with pytest.raises(BadInput):
        generate("u", "u", d=d, kappa=kappa, r=r, n=n)


def _flip(cert, path, index):
    bad = copy.deepcopy(cert)
    mat = bad
    for key in path:
        mat = mat[key]
    i, j, v = mat["entries"][index % len(mat["entries"])]
    x = Fraction(v) + Fraction(1, 997)
    mat["entries"][index % len(mat["entries"])] = [i, j, f"{x.numerator}/{x.denominator}"]
    return bad


CERT = generate("atan(3*u)", "u", d=6, kappa=4, r=2, family="fixed-scale")
CERT_A = generate("-atan(u)", "u", d=5, kappa=3, r=1, family="fixed-scale")


@given(index=st.integers(0, 10**6), which=st.sampled_from([("X",), ("witness", "Z")]))
def test_changing_any_one_rational_of_x_or_z_makes_the_checker_reject(index, which):
    assert checker.check(CERT).ok
    assert not checker.check(_flip(CERT, which, index)).ok


@given(index=st.integers(0, 10**6))
def test_changing_the_competitor_code_on_a_decoded_row_in_case_a_makes_the_checker_reject(index):
    # (a change on the extra constant row, which the decoder ignores, leaves a true certificate:
    # h is decreasing, so any nonzero row still lowers L; the field-by-field test covers that)
    assert checker.check(CERT_A).ok
    r = CERT_A["dims"]["r"]
    decoded = copy.deepcopy(CERT_A)
    decoded["competitor"]["Z"]["entries"] = [e for e in CERT_A["competitor"]["Z"]["entries"] if e[1] < r]
    bad = _flip(decoded, ("competitor", "Z"), index)
    bad["competitor"]["Z"]["entries"] += [e for e in CERT_A["competitor"]["Z"]["entries"] if e[1] >= r]
    assert not checker.check(bad).ok
