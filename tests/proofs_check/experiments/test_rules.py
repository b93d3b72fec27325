"""The pass rules (proofs_check.experiments.rules and rules_compare, v3) on hand-made numbers: each passes where
the paper's prediction holds and fails (or is inconclusive) just outside its constants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from infgrad.proofs_check.experiments import rules as R
from infgrad.proofs_check.experiments import rules_compare as C
from infgrad.proofs_check.experiments.common import bootstrap_ci


def test_t3_passes_within_three_percent_fails_beyond_and_needs_separated_noise_variances():
    assert R.t3_rule([1.02, 0.98], [1.0, 1.0], [1.5, 1.5])["status"] == "pass"
    assert R.t3_rule([1.02, 1.031], [1.0, 1.0], [1.5, 1.5])["status"] == "fail"          # one seed off
    assert R.t3_rule([1.0, 1.0], [1.0, 1.0], [1.5, 1.05])["status"] == "inconclusive"    # 5% < 10% apart
    assert R.t3_rule([1.0], [1.0], [1.5])["rel_err_r"] == [pytest.approx(1 / 3)]
    assert R.t3_rule([1.0, 1.0], [1.0, 1.0], [1.5, 1.05])["premise"]["line"].startswith("premise: unmet: ")
    assert R.t3_rule([1.0], [1.0], [1.5])["premise"]["met"]


def _run(gamma=1e-4, av=3, au=3, var=(0.01, 0.02, 0.03, 0.99, 1.0, 1.05)):
    return {"gamma": gamma, "active_var": av, "active_units": au, "mean_encoder_var": list(var)}


def test_t4_premise_needs_half_the_runs_sparse_and_the_rule_80_percent_of_those_at_the_prior():
    good = [_run() for _ in range(10)]
    assert R.t4_rule(good, 3)["status"] == "pass"
    v = R.t4_rule(good[:4] + [_run(gamma=2e-3)] * 6, 3)                                  # 40% reached
    assert v["status"] == "inconclusive" and not v["premise"]["met"]
    assert v["premise"]["line"].startswith("premise: unmet: 4/10 runs")
    assert R.t4_rule(good[:5] + [_run(au=4)] * 5, 3)["status"] == "pass"                # 50% reached
    off = _run(var=(0.01, 0.02, 0.03, 0.85, 1.0, 1.0))                                   # |0.85 - 1| > 0.1
    v = R.t4_rule(good[:7] + [off] * 3, 3)
    assert v["status"] == "fail" and v["premise"]["met"] and v["at_prior_share"] == pytest.approx(0.7)
    v = R.t4_rule(good[:8] + [off] * 2, 3)
    assert v["status"] == "pass" and v["at_prior_share"] == pytest.approx(0.8)
    assert R.t4_rule([], 3)["status"] == "inconclusive"


def _base(seed, gamma=5e-4, av=3, au=3):
    return {"seed": seed, "gamma": gamma, "active_var": av, "active_units": au}


def _cont(seed, f, g, av=3, au=3):
    return {"seed": seed, "fraction": f, "growth": g, "active_var": av, "active_units": au}


def test_t5_cells_stay_below_leave_above_wrong_side_fails_neither_side_is_inconclusive():
    bases = [_base(s) for s in range(3)]
    good = [_cont(s, f, -0.3 if f < 1 else 2.0) for s in range(3) for f in (0.5, 0.9, 1.2, 2.0)]
    assert R.t5_rule(bases, good, 3)["status"] == "pass"
    assert R.t5_rule(bases, good + [_cont(0, 1.0, 5.0)], 3)["status"] == "pass"        # 1.0 d/r: unruled
    assert R.t5_rule(bases, good[1:] + [_cont(0, 0.5, 0.0, av=2)], 3)["status"] == "fail"   # left below
    v = R.t5_rule(bases, good[1:] + [_cont(0, 0.5, 1.0)], 3)                             # ln2 < G < ln4
    assert v["status"] == "inconclusive" and v["neither_side"] == ["seed=0/beta=0.5d/r"]
    assert R.t5_rule(bases, good + [_cont(1, 1.5, 0.5)], 3)["status"] == "fail"          # stayed above
    assert R.t5_rule(bases, good + [_cont(1, 1.5, 0.0, au=2)], 3)["status"] == "pass"   # gave up a dim
    v = R.t5_rule(bases[:2] + [_base(2, gamma=2e-3)], good, 3)                           # 2 seeds left
    assert v["status"] == "inconclusive" and v["premise"]["included_seeds"] == [0, 1]


def test_t5_growth_reads_the_last_tenth_and_does_not_change_with_run_length_or_step_size():
    # gamma as a function of the cumulative step size u = sum lr: the same path run at lr over T steps
    # and at lr / 3 over 3T steps; G reads the same share of the path either way
    path = lambda u: 1e-3 * np.exp(2.0 * u / u.max())                                   # noqa: E731
    for steps in (np.arange(100, 4001, 100), np.arange(100, 12001, 100)):
        u = steps * (3e-4 * 4000 / steps.max())
        assert R.t5_growth(steps, path(u), 1e-3) == pytest.approx(1.9, abs=0.06)
    g1 = R.t5_growth(np.arange(100, 4001, 100), path(np.arange(100, 4001, 100.0)), 1e-3)
    g3 = R.t5_growth(np.arange(300, 12001, 300), path(np.arange(100, 4001, 100.0)), 1e-3)
    assert g1 == pytest.approx(g3, rel=1e-12)
    assert R.t5_growth([100, 200, 1000], [1.0, 1.0, 2.0], 1.0) == pytest.approx(math.log(2.0))


def test_t12_premise_is_a_resolved_fixed_arm_mmd_and_the_rule_needs_similar_error_and_a_larger_mmd():
    ra, rb = [1.0, 1.0, 1.0], [1.05, 0.97, 1.02]
    ma, mb, p = [0.01, 0.02, 0.015], [0.05, 0.06, 0.07], [0.001, 0.001, 0.01]
    v = C.t12_rule(ra, rb, ma, mb, p)
    assert v["status"] == "pass" and v["premise"]["met"]
    assert v["mmd_diff_ci95"] == list(bootstrap_ci(np.subtract(mb, ma)))
    v = C.t12_rule(ra, rb, ma, mb, [0.001, 0.2, 0.01])                      # 2/3 resolved < 80%
    assert v["status"] == "inconclusive" and v["premise"]["line"].startswith("premise: unmet: arm (b)")
    assert C.t12_rule(ra, [1.2, 1.2, 1.2], ma, mb, p)["status"] == "fail"    # 20% error gap
    assert C.t12_rule(ra, rb, ma, [0.05, 0.06, 0.01], p)["status"] == "fail"  # wins in 2/3 seeds
    assert C.t12_rule(ra, rb, [0.0, 0.0, 0.0], [-0.01, 0.3, 0.01], p)["status"] == "fail"  # wins 2/3, CI spans 0


def test_t13_toy_needs_both_intervals_above_zero_and_ties_are_rounded_alike():
    v = C.t13_toy([0.9, 0.92, 0.91], [0.5, 0.5, 0.5], [0.8, 0.85, 0.83], kappa=2, r=1)
    assert v["status"] == "pass" and v["premise"]["met"]
    assert C.t13_toy([0.9, 0.92, 0.91], [0.5, 0.5, 0.5], [0.91, 0.9, 0.95], 2, 1)["status"] == "fail"
    assert C.t13_toy([0.9], [0.5], [0.5], kappa=1, r=2)["status"] == "inconclusive"
    e = C.rounded_scores([1e-31, 3e-32, 2.0, 2.0 + 1e-12], total_variance=1.0)
    assert list(e[:2]) == [0.0, 0.0] and e[2] == e[3]


def test_t13_real_premise_is_sparsity_at_kappa_64_and_the_rule_compares_the_kappa_drop_with_the_ae():
    vae = {16: [0.90, 0.91, 0.90], 64: [0.90, 0.905, 0.895]}
    ae = {16: [0.90, 0.91, 0.90], 64: [0.80, 0.82, 0.79]}
    v = C.t13_real(vae, ae, informative=[20, 25, 22])
    assert v["status"] == "pass" and v["kappa_min"] == 16 and v["kappa_max"] == 64
    v = C.t13_real(vae, ae, informative=[64, 64, 64])
    assert v["status"] == "inconclusive" and "not sparse" in v["premise"]["line"]
    assert C.t13_real({16: [0.9] * 3, 64: [0.85, 0.86, 0.84]}, ae, [10, 10, 10])["status"] == "fail"  # VAE drops
    assert C.t13_real(vae, vae, [10, 10, 10])["status"] == "fail"                                      # AE as robust
    assert C.t13_combine("pass", "inconclusive") == "pass" and C.t13_combine("pass", "fail") == "fail"


def test_t14_needs_90_percent_of_runs_at_r_by_both_statistics():
    k = [8] * 10
    assert R.t14_rule([3] * 10, [3] * 10, 3, k)["status"] == "pass"
    assert R.t14_rule([3] * 10, [3] * 9 + [4], 3, k)["status"] == "pass"
    assert R.t14_rule([3] * 10, [3] * 8 + [4, 4], 3, k)["status"] == "fail"


def test_t14_premise_is_measured_kappa_at_least_r_in_every_run_not_assumed():
    # a run with kappa < r cannot have r active dims: the claim says nothing of it (inconclusive)
    v = R.t14_rule([2] * 10, [2] * 10, 3, [2] + [8] * 9)
    assert v["status"] == "inconclusive" and not v["premise"]["met"] and "kappa = 2 < r = 3" in v["premise"]["line"]
    met = R.t14_rule([3] * 10, [3] * 10, 3, [3, 4, 8, 16, 64] * 2)["premise"]
    assert met["met"] and met["kappa_min"] == 3
    assert R.t14_rule([], [], 3, [])["status"] == "inconclusive"                  # no runs: nothing measured


def test_t15_premise_is_a_sparse_accurate_mnist_vae_at_kappa_64_and_the_rule_a_threefold_pca_count():
    v = C.t15_rule([60, 66], [15, 16], [5.0, 5.0], 100.0, "mnist", 64)
    assert v["status"] == "pass" and v["premise"]["met"] and v["ratio"] == pytest.approx(63 / 15.5)
    assert C.t15_rule([40, 40], [15, 16], [5.0, 5.0], 100.0, "mnist", 64)["status"] == "fail"
    assert C.t15_rule([60, 66], [40, 40], [5.0, 5.0], 100.0, "mnist", 64)["status"] == "inconclusive"
    assert C.t15_rule([60, 66], [15, 16], [11.0, 11.0], 100.0, "mnist", 64)["status"] == "inconclusive"
    v = C.t15_rule([60, 66], [15, 16], [5.0, 5.0], 100.0, "digits", 16)
    assert v["status"] == "inconclusive" and v["premise"]["line"].startswith("premise: unmet: digits at kappa = 16")
    assert C.t15_informative([0.01, 0.06, 2.0]) == 2


def test_t16_needs_a_large_early_fixed_gradient_a_growing_learned_one_and_similar_ends():
    good_l, good_f = [(0.1, 1.0)] * 5, [(2.0, 1.2)] * 5
    v = C.t16_rule(good_l, good_f, [100] * 10)
    assert v["status"] == "pass" and v["premise"]["met"]
    assert C.t16_rule(good_l, good_f, [99] + [100] * 9)["status"] == "inconclusive"
    assert C.t16_rule(good_l, [(0.5, 1.2)] * 5, [100] * 10)["flags"]["fixed_large_early"] is False   # x5 < 10
    assert C.t16_rule([(0.5, 1.0)] * 5, [(6.0, 1.2)] * 5, [100] * 10)["flags"]["learned_grows"] is False
    v = C.t16_rule(good_l, [(2.0, 4.0)] * 4 + [(2.0, 1.2)], [100] * 10)                          # F x4 in 4/5
    assert v["status"] == "fail" and v["shares"]["similar_final"] == pytest.approx(0.2)


def test_t16_e_and_f_do_not_change_when_the_curve_is_resampled_to_three_times_its_length():
    curve = lambda u: 0.1 + 2.0 / (1.0 + np.exp(-12.0 * (u - 0.4)))                 # noqa: E731
    s1 = np.arange(30, 3001, 30)                                                     # 100 points, 3000 steps
    s3 = np.arange(90, 9001, 90)                                                     # the same run, 3x as long
    e1, f1 = C.early_late(s1, curve(s1 / 3000))
    e3, f3 = C.early_late(s3, curve(s3 / 9000))
    assert (e1, f1) == (pytest.approx(e3, rel=1e-12), pytest.approx(f3, rel=1e-12))
    fine = np.arange(10, 9001, 10)                                                   # 900 points, 3x as dense
    e9, f9 = C.early_late(fine, curve(fine / 9000))
    assert e9 == pytest.approx(e1, rel=0.05) and f9 == pytest.approx(f1, rel=0.01)
    assert all(np.isnan(C.early_late([], [])))


def _t18(arm, finite=True, active=3, au=3):
    return {"arm": arm, "finite": finite, "active": active, "active_units": au}


def test_t18_needs_a_stressed_unguarded_arm_a_holding_guarded_arm_and_a_fisher_test():
    runs = [_t18("none", finite=False)] * 6 + [_t18("rollback")] * 6 + [_t18("damping", active=5)] * 6
    v = R.t18_rule(runs, 3, 10.0)
    assert v["status"] == "pass" and v["fisher_p"] == pytest.approx(1 / 924) and v["damping_failures"] == 6
    assert R.t18_rule(runs, 3, None)["status"] == "inconclusive"
    assert R.t18_rule(runs[:3] + runs[6:], 3, 10.0)["fisher_p"] == pytest.approx(1 / 84)       # 3 vs 6
    few = [_t18("none", finite=False)] * 2 + [_t18("none")] * 4 + [_t18("rollback")] * 6
    assert R.t18_rule(few, 3, 10.0)["status"] == "fail"                                         # 2/6 < 50%
    leaky = [_t18("none", active=2)] * 6 + [_t18("rollback", au=4)] + [_t18("rollback")] * 5
    assert R.t18_rule(leaky, 3, 10.0)["flags"]["guarded_holds"] is False                        # 1/6 > 10%
    assert R.t18_calibrate({3.0: 0.0, 10.0: 0.5, 30.0: 1.0}) == 10.0
    assert R.t18_calibrate({3.0: 0.0, 100.0: 0.4}) is None


@given(st.lists(st.floats(-10, 10), min_size=2, max_size=8))
def test_the_bootstrap_interval_of_the_mean_lies_within_the_range_of_the_values(v):
    lo, hi = bootstrap_ci(v)
    assert min(v) - 1e-9 <= lo <= hi <= max(v) + 1e-9
