"""Regression tests for the soundness defects of issue 9: each fails on the first version of the
Theorem 4 checker (schema 1) and passes now."""

from __future__ import annotations

import copy
import json

import pytest

from infgrad.proofs_check.cli import main
from infgrad.proofs_check.theorem4 import kernel as checker
from infgrad.proofs_check.theorem4.generate.build import build
from infgrad.proofs_check.theorem4.kernel import CertificateError

SMALL = dict(d=6, kappa=4, r=2)


def _rejected(cert) -> bool:
    try:
        return not checker.check(cert).ok
    except CertificateError:
        return True


def _fixed(h, g="u", **dims):
    return build(h, g, **(dims or SMALL), family="fixed-scale")


def test_a_certificate_re_evaluates_its_formulas_so_an_l0_step_and_a_huge_g_are_rejected():
    cert, _ = _fixed("atan(3*u)")
    bad = copy.deepcopy(cert)
    bad["penalties"] = {"h": "Piecewise((0, u <= 0), (1, True))", "g": "10**12*u"}
    assert checker.check(cert).ok and _rejected(bad)


def test_a_forged_certificate_of_the_excluded_case_log_u_is_rejected():
    cert, _ = _fixed("log(u + 1/10)")
    bad = copy.deepcopy(cert)
    bad["penalties"]["h"] = "log(u)"
    assert checker.check(cert).ok and _rejected(bad)


def test_a_stored_table_is_not_independently_verifiable_without_trust_table(tmp_path, capsys):
    cert, _ = build(lambda u: u / (1 + u), "u", **SMALL, family="fixed-scale", h_slope=1.0)
    assert cert["penalties"]["h"] is None and "h" in cert["tables"]
    path = tmp_path / "table.json"
    path.write_text(json.dumps(cert))
    assert main(["certificate", "check", str(path)]) == 1
    assert "not independently verifiable" in capsys.readouterr().out
    assert main(["certificate", "check", str(path), "--trust-table"]) == 0
    assert "TRUSTED" in capsys.readouterr().out


def test_2u_with_g_minus_u_is_strict_not_no_minimiser_because_l_is_bounded_below():
    cert, _ = _fixed("2*u", "-u")
    assert cert["verdict"] == "strict" and checker.check(cert).ok
    bad = copy.deepcopy(cert)
    bad["verdict"], bad["competitor"], bad["sequence"] = "no-minimiser", None, {"decoder": "D_dense", "row": 0}
    assert _rejected(bad)


def test_1_plus_1e_minus_20_u_is_strict_and_a_tie_claim_for_it_is_rejected():
    cert, _ = _fixed("1 + 1e-20*u")
    assert cert["verdict"] == "strict" and checker.check(cert).ok
    bad = copy.deepcopy(cert)
    bad["verdict"] = "tie"
    assert _rejected(bad)


def test_a_tie_needs_exact_equality_and_overlapping_intervals_are_not_enough():
    cert, _ = _fixed("1")
    out = checker.check(cert)
    assert cert["verdict"] == "tie" and out.ok and "exactly" in out.values["verdict_reason"]


def test_sin_16384_pi_u_dips_between_grid_points_so_case_a_is_strict():
    cert, notes = _fixed("sin(16384*pi*u)", d=3, kappa=2, r=1)
    assert notes["case"] == "A" and cert["verdict"] == "strict" and checker.check(cert).ok


def test_counterexample_exits_1_when_the_independent_check_rejects(monkeypatch, capsys):
    real = checker.check

    def rejecting(cert, trust_table=False):
        out = real(cert, trust_table)
        out.add("a forced failure", False, "test")
        return out

    monkeypatch.setattr(checker, "check", rejecting)
    assert main(["counterexample", "--h", "atan(3*u)", "--d", "6", "--kappa", "4", "--r", "2"]) == 1
    assert "REJECTED" in capsys.readouterr().out


@pytest.mark.parametrize("h", ["atan(100*u)", "atan(1000*u)", "tanh(1e12*u)", "log(u + 1e-12)"])
def test_steep_but_bounded_slopes_are_labelled_hypothesis_holds(h):
    _, notes = _fixed(h)
    assert notes["hypothesis"].startswith("the hypothesis of Theorem 4 holds"), notes["hypothesis"]


@pytest.mark.parametrize("h", ["Piecewise((1, u <= 0), (0, True))", "Piecewise((0, u < 1e-30), (1, True))"])
def test_step_functions_are_labelled_not_continuous(h):
    _, notes = _fixed(h)
    assert "fails: h is not continuous" in notes["hypothesis"], notes["hypothesis"]


def test_max_0_u_minus_200_rises_beyond_any_fixed_grid_and_comes_out_strict():
    cert, notes = _fixed("Max(0, u - 200)")
    assert notes["case"] == "B" and cert["verdict"] == "strict" and checker.check(cert).ok


@pytest.mark.parametrize("field", ["case", "grade", "theta", "eq9", "hypothesis", "t10_contrast",
                                   "g_unbounded_below", "evaluations", "lower_bound"])
def test_fields_the_checker_never_read_are_gone_and_adding_one_is_rejected(field):
    cert, _ = _fixed("atan(3*u)")
    assert field not in cert
    bad = copy.deepcopy(cert)
    bad[field] = "anything"
    assert _rejected(bad)


def test_in_theta_lip_unit_gain_decoders_make_the_dense_code_win_for_atan_3u():
    cert, notes = build("atan(3*u)", "u", **SMALL, family="lipschitz")
    out = checker.check(cert)
    assert cert["family"] == "lipschitz" and out.ok and cert["verdict"] == "strict"
    assert out.values["competitor_L"].upper() < out.values["L_lower_bound"].lower()


def test_an_oscillating_g_that_dips_gives_a_strict_imperfect_competitor_not_undecided():
    # the offset t of the imperfect competitor must itself satisfy g(t^2 / d) < g(0) (it was rounded before)
    cert, notes = _fixed("1", "u*sin(u)")
    assert notes["case"] == "C" and cert["verdict"] == "strict" and checker.check(cert).ok
