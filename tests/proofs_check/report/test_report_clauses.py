"""The clauses, the premise and the sentence saying why (``report/clauses.py``), and the Unicode
wording of the pages (``report/wording.py``), on hand-made results."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infgrad.proofs_check.claims.model import ClaimResult, KeyNumber
from infgrad.proofs_check.report.model import finding
from infgrad.proofs_check.report.wording import article, pretty


def res(status: str, evidence: dict, **kw) -> ClaimResult:
    return ClaimResult("T13", "outliers", "Sec. 2.2", "empirical", status, evidence, **kw)


def test_a_verdict_made_of_parts_gets_a_row_per_part_and_the_why_gives_the_deciding_numbers():
    r = res("fail", {"verdict": {"status": "fail", "toy": {"status": "pass", "diff": [1]},
                                 "real": {"status": "fail", "diff_ci95": [-0.004, 0.002]}}},
            key_numbers=[KeyNumber("real: AUROC gap", -7e-05, (-0.004, 0.002))])
    f = finding(r)
    assert [(c.quantity, c.value, c.ok) for c in f.clauses] == [
        ("real: AUROC gap", -7e-05, None), ("toy part", "pass", True), ("real part", "fail", False)]
    assert f.why == "T13 (empirical) failed: real part fails (real: AUROC gap = -7.000e-05 [-0.004, 0.002])."


def test_given_clauses_win_and_a_failing_one_says_its_value_and_threshold():
    r = res("fail", {"clauses": [{"quantity": "median rel. diff", "value": 0.56, "threshold": "<= 0.1", "ok": False},
                                 {"quantity": "share", "value": 1.0, "ci": [0.8, 1.0], "threshold": ">= 0.8",
                                  "ok": True}], "flags": {"similar_error": False}})
    f = finding(r)
    assert f.clauses_source == "evidence" and [c.ok for c in f.clauses] == [False, True]
    assert f.clauses[1].ci == (0.8, 1.0)
    assert f.why == "T13 (empirical) failed: median rel. diff = 0.56, needs <= 0.1."


def test_an_inconclusive_result_gives_its_reason_and_a_pass_gives_none():
    assert finding(res("inconclusive", {"reason": "files absent"})).why == "T13 (empirical) is inconclusive: files absent."
    assert finding(res("pass", {"flags": {"a": True}})).why == ""


@pytest.mark.parametrize("premise, line, ok", [
    ({"text": "gamma < 1e-3", "met": False, "seeds": 5}, "gamma < 1e-3; seeds = 5", False),
    ("d > r", "d > r", None),
    ({"holds": True}, "", True),
    ({"line": "premise: not met: 1/3 seeds reach gamma <= 1e-3", "met": False}, "1/3 seeds reach gamma <= 1e-3", False),
])
def test_the_premise_line_is_read_from_a_string_or_a_dict(premise, line, ok):
    f = finding(res("pass", {"premise": premise}))
    assert (f.premise, f.premise_ok) == (line, ok)


def test_pretty_writes_ascii_maths_in_unicode():
    assert pretty("sigma_z^2 ~ gamma/||w_j||^2 -> 0") == "σ_z² ~ γ/‖w_j‖² → 0"
    assert pretty("L* -> -oo; 0.9d/r: +0.05/x3.7; 2 x the base's; kappa <= 64") == \
        "L* → −∞; 0.9d/r: +0.05/×3.7; 2 × the base's; κ ≤ 64"
    assert pretty("gammas, proof, max, exp(x)") == "gammas, proof, max, exp(x)"
    assert (article("exact"), article("empirical"), article("symbolic")) == ("an", "an", "a")


@given(st.text(alphabet="abgmkxo|->= 0123456789_^*", max_size=40))
def test_pretty_leaves_no_ascii_arrow_or_double_bar(text):
    out = pretty(text)
    assert "->" not in out and "||" not in out
