"""Every check fills the report's rule and its 2-4 key numbers, and each key number is the evidence
entry it claims to be (cross-checked against the evidence dict, recomputed independently where the
check aggregates: max, min, counts, seed means and bootstrap intervals)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from infgrad.proofs_check.claims import symbolic, theorem4
from infgrad.proofs_check.claims.model import CheckContext, ClaimResult
from infgrad.proofs_check.experiments import common, fixed_gamma, load

CTX = CheckContext(seed=0)


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _shape_ok(res: ClaimResult) -> list[float]:
    assert res.rule.strip() and res.rule == res.evidence["rule"], res.claim
    assert 2 <= len(res.key_numbers) <= 4, (res.claim, res.key_numbers)
    for k in res.key_numbers:
        assert k.name and _finite(k.value), (res.claim, k)
        if k.interval is not None:
            assert all(_finite(x) for x in k.interval) and k.interval[0] <= k.interval[1], (res.claim, k)
    assert ClaimResult.from_json(res.to_json()).key_numbers == res.key_numbers
    return [k.value for k in res.key_numbers]


def test_t1_key_numbers_are_the_worst_error_and_the_agreeing_count():
    res = symbolic.check_t1(CTX)
    spot = res.evidence["spot_checks"]
    assert _shape_ok(res) == [spot["worst_rel_error"], sum(r["ok"] for r in spot["instances"])]
    assert spot["worst_rel_error"] == max(r["rel_error"] for r in spot["instances"])


def test_t2_key_numbers():
    res = symbolic.check_t2(CTX)
    spot, der = res.evidence["spot_checks"], res.evidence["derivation"]
    assert _shape_ok(res) == [len(der["stationary_points"]), spot["worst_abs_err_log_gamma"],
                              sum(r["ok"] for r in spot["instances"])]


def test_t5_key_numbers_are_the_fitted_slopes():
    res = symbolic.check_t5(CTX)
    rows = res.evidence["spot_checks"]["rows"]
    assert _shape_ok(res) == [r["fitted_slope"] for r in rows]
    assert all(f"{r['d_minus_beta_r']:g}" in k.name for r, k in zip(rows, res.key_numbers))


def test_t6_key_numbers():
    res = symbolic.check_t6(CTX)
    rows = res.evidence["spot_checks"]["instances"]
    assert _shape_ok(res) == [max(r["rel_diff_argmin_vs_L1_at_beta_gamma"] for r in rows),
                              min(r["rel_diff_argmin_vs_L1_at_gamma_over_beta (control)"] for r in rows),
                              max(r["value_relation_abs_err"] for r in rows)]


def test_t7_key_numbers():
    res = symbolic.check_t7(CTX)
    spot = res.evidence["spot_checks"]
    assert _shape_ok(res) == [max(m["rel_err"] for m in spot["min_over_s"]),
                              max(abs(r["numeric"] - r["log(omega u)+1"]) for r in spot["rescaling"]),
                              spot["gamma_to_0_exact_instance"][-1]["abs_diff"]]


def test_t8_key_numbers():
    res = symbolic.check_t8(CTX)
    spot = res.evidence["spot_checks"]
    at_1e3 = next(r for r in spot["sigma_rows"] if r["sigma"] == 1e-3)
    assert _shape_ok(res) == [min(spot["decade_ratios_of_diff"]), abs(at_1e3["diff"]),
                              max(abs(r["numeric"] - r["1+log(u+sigma2)-log(sigma2)"]) for r in spot["rescaling"]),
                              min(spot["decade_ratios_from_sigma_0.1 (rule v1, reported, not ruled)"])]


def test_t10_key_numbers_are_the_crossover_count_and_the_signs_at_the_fixed_eps():
    res = theorem4.check_t10(CTX)
    table = res.evidence["table"]
    signs = list(res.evidence["sign_dense_minus_sparse_at_fixed_eps"].values())
    crossed = sum(row["largest eps with dense preferred"] is not None for row in table)
    assert _shape_ok(res) == [crossed, signs[0], signs[-1]]
    sign_col = next(k for k in table[0] if k.startswith("sign(dense - sparse)"))
    assert signs == [row[sign_col] for row in table]


@pytest.mark.slow
def test_t3_t4_t9_fill_rule_and_key_numbers():
    from infgrad.proofs_check.claims import linear

    for res in (linear.check_t3(CTX), linear.check_t4(CTX), theorem4.check_t9(CTX)):
        _shape_ok(res)


def test_a_tiny_experiment_shows_seed_means_with_their_bootstrap_interval(monkeypatch):
    from infgrad.proofs_check.experiments import checks as training

    monkeypatch.setitem(load("fixed-gamma").PROFILES, "quick",
                        {**fixed_gamma.PROFILES["quick"], "hidden": (16,), "steps": 60, "seeds": 3, "log_every": 20})
    got = {r.claim: r for r in training.check_fixed_gamma(CheckContext(seed=3, device="cpu"))}
    t12, t16 = got["T12"], got["T16"]
    v12, v16 = t12.evidence["verdict"], t16.evidence["verdict"]
    vals = _shape_ok(t12)
    assert vals[:2] == [v12["median_rel_rec_diff"], v12["share_mmd_b_gt_a"]]
    diff = np.asarray(v12["mmd_diff"], float)
    assert vals[2] == pytest.approx(float(np.mean(diff)), rel=1e-12)
    assert t12.key_numbers[2].interval == tuple(v12["mmd_diff_ci95"]) == common.bootstrap_ci(diff)
    assert _shape_ok(t16) == list(v16["shares"].values())


def test_the_experiment_key_numbers_read_the_verdict_not_the_constants():
    from infgrad.proofs_check.experiments.checks import key_numbers

    v = {"rule": "r", "rel_err_kappa": [0.01, 0.05, 0.02], "separation": [0.4, 0.2, 0.3]}
    got = key_numbers("T3", v)
    assert [k.value for k in got] == [pytest.approx(0.08 / 3), 0.05, 0.2]
    assert got[0].interval == common.bootstrap_ci(v["rel_err_kappa"])
    assert key_numbers("T15", {"rule": "r", "pca_components_mean": 12.0, "informative_mean": 2.0,
                               "error_share": 0.04})[0].value == 12.0
    assert key_numbers("T4", {"rule": "r", "reason": "no runs"}) == []


def test_t17_key_numbers_are_the_rates_and_the_newcombe_interval(monkeypatch):
    from infgrad.proofs_check.experiments import smoothing as t17

    monkeypatch.setitem(t17.PROFILES, "quick", {"d": 8, "kappa": 16, "n": 2, "instances": 6})
    res = t17.check_t17(CheckContext(seed=1, profile="quick"))
    st = res.evidence["results"]
    assert _shape_ok(res) == [st["annealed_rate"], st["fixed_rate"], st["difference"]]
    assert st["annealed_rate"] == st["annealed_successes"] / st["instances"]
    assert res.key_numbers[2].interval == tuple(st["difference_ci95_newcombe"])


def test_t11_key_numbers_are_r1_share_the_multi_minimum_shares_and_the_mcnemar_p():
    from infgrad.proofs_check.experiments import landscape as ls

    res = ls.check_t11(CTX)
    v = res.evidence["verdict"]
    shares = v["multi_minima_share"]
    assert _shape_ok(res) == [v["R1_share"], shares[str(ls.GAMMAS[0])], shares[str(ls.GAMMAS[-1])], v["mcnemar_p"]]
