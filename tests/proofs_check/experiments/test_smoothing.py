"""T17: majorize-minimize for Eq. (7) with h = log(u + delta), its scorer, statistics and pass rule."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest

from infgrad.proofs_check.experiments import smoothing as t17
from infgrad.proofs_check.claims.model import CheckContext
from infgrad.theory import mm_smoothing as mm


@st.composite
def instances(draw):
    """A small random instance (d < kappa, 0 < r < d) and a smoothing delta."""
    d = draw(st.integers(3, 8), label="d")
    kappa = draw(st.integers(d + 1, 2 * d + 4), label="kappa")
    r = draw(st.integers(1, d - 1), label="r")
    n = draw(st.integers(1, 3), label="n")
    seed = draw(st.integers(0, 2**31 - 1), label="seed")
    delta = draw(st.sampled_from([1.0, 1e-2, 1e-4, 1e-8]), label="delta")
    return mm.make_instance(np.random.default_rng(seed), d, kappa, n, r), delta


@given(instances())
@settings(max_examples=15)
def test_every_mm_step_lowers_the_smoothed_objective_for_any_instance(case):
    inst, delta = case
    d, kappa = inst.W.shape
    step = mm.WeightedMinNorm(d, kappa, inst.X.shape[1])
    Z = mm.min_norm_start(inst.W, inst.X)
    values = [mm.objective(Z, delta, d)]
    for _ in range(6):
        Z = mm.mm_step(inst.W, inst.X, Z, delta, step)
        values.append(mm.objective(Z, delta, d))
    rises = np.diff(values)
    # monotone up to the solver's tolerance (the objective is O(1) to O(20) in size here)
    assert np.all(rises <= 1e-7), rises


@given(instances())
@settings(max_examples=15)
def test_the_convex_step_keeps_w_z_equal_to_x_and_matches_the_weighted_least_norm_closed_form(case):
    inst, delta = case
    d, kappa = inst.W.shape
    # the weights may come from any code, feasible or not
    Z_t = np.random.default_rng(0).standard_normal((kappa, inst.X.shape[1]))
    Z = mm.mm_step(inst.W, inst.X, Z_t, delta)
    assert np.max(np.abs(inst.W @ Z - inst.X)) <= 1e-7 * max(1.0, np.abs(inst.X).max())
    # independent closed form: argmin sum_k ||z_k||^2 / s_k^2 s.t. W Z = X is D W^T (W D W^T)^-1 X, D = diag(s^2)
    s2 = mm.row_energies(Z_t) + delta
    WD = inst.W * s2[None, :]
    closed = s2[:, None] * (inst.W.T @ np.linalg.solve(WD @ inst.W.T, inst.X))
    assert np.allclose(Z, closed, atol=1e-6 * max(1.0, np.abs(closed).max()))


@given(u=st.floats(0, 1e3), ut=st.floats(0, 1e3), delta=st.sampled_from([1.0, 1e-3, 1e-8]))
def test_the_tangent_of_log_u_plus_delta_in_u_lies_above_it_for_any_u(u, ut, delta):
    tangent = np.log(ut + delta) + (u - ut) / (ut + delta)
    assert tangent >= np.log(u + delta) - 1e-12 * max(1.0, abs(tangent))


def test_a_tangent_in_the_row_norm_is_not_an_upper_bound_so_the_group_lasso_majorizer_is_invalid():
    # f(t) = log(t^2/n + delta) is convex in t for t^2 < n delta: its tangent at t0 lies below f
    n, delta, t0, t = 1, 1e-2, 0.02, 0.08
    f = lambda x: np.log(x * x / n + delta)  # noqa: E731
    slope = 2 * t0 / n / (t0 * t0 / n + delta)
    assert f(t0) + slope * (t - t0) < f(t)


def test_the_surrogate_majorizes_the_objective_and_touches_it_at_the_expansion_point():
    rng = np.random.default_rng(3)
    Z_t = rng.standard_normal((7, 2))
    Z_t[2] = 0.0
    for _ in range(50):
        Z = rng.standard_normal((7, 2)) * rng.uniform(0, 3)
        assert mm.surrogate(Z, Z_t, 1e-3, 4) >= mm.objective(Z, 1e-3, 4) - 1e-12
    assert mm.surrogate(Z_t, Z_t, 1e-3, 4) == pytest.approx(mm.objective(Z_t, 1e-3, 4))


def test_the_support_scorer_on_hand_made_codes():
    Z = np.zeros((6, 2))
    Z[[1, 4]] = [[1.0, -2.0], [0.5, 0.5]]
    assert mm.support_recovered(Z, (1, 4), 1e-3)
    assert mm.support_recovered(Z, [4, 1], 1e-3)  # order does not matter
    assert not mm.support_recovered(Z, (1,), 1e-3)  # an extra row is present
    assert not mm.support_recovered(Z, (1, 4, 5), 1e-3)  # a true row is missing
    Z_small = Z.copy()
    Z_small[0] = 1e-6  # below 1e-3 x the largest row norm: counts as zero
    assert mm.support_recovered(Z_small, (1, 4), 1e-3)
    Z_small[0] = 1e-2  # above it: an extra row
    assert not mm.support_recovered(Z_small, (1, 4), 1e-3)
    assert mm.support_of(np.zeros((3, 2)), 1e-3) == ()
    assert not mm.support_recovered(np.zeros((3, 2)), (0,), 1e-3)


def test_the_annealed_schedule_runs_from_delta0_down_to_the_final_delta_with_equal_budgets():
    ann = mm.annealed_schedule(1.0, 1e-8, 10.0, 30)
    deltas = [d for d, _ in ann.stages]
    assert deltas[0] == 1.0 and deltas[-1] == 1e-8 and len(deltas) == 9
    assert all(a > b for a, b in zip(deltas, deltas[1:]))
    fixed = mm.fixed_schedule(1e-8, ann.budget)
    assert fixed.budget == ann.budget == 270 and fixed.final_delta == ann.final_delta


def test_make_instance_refuses_a_code_that_is_not_sparse_or_a_decoder_that_is_not_overcomplete():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="0 < r < d < kappa"):
        mm.make_instance(rng, 5, 4, 2, 2)
    with pytest.raises(ValueError, match="0 < r < d < kappa"):
        mm.make_instance(rng, 5, 8, 2, 5)


@given(k=st.integers(0, 60), extra=st.integers(0, 60))
def test_the_wilson_interval_matches_scipys(k, extra):
    n = k + extra
    if n == 0:
        return  # no trials: nothing to compare with (scipy refuses n = 0)
    lo, hi = t17.wilson_interval(k, n)
    ref = binomtest(k, n).proportion_ci(0.95, method="wilson")
    assert lo == pytest.approx(ref.low, abs=1e-9) and hi == pytest.approx(ref.high, abs=1e-9)


@given(st.tuples(*(st.integers(0, 40),) * 4))
def test_the_newcombe_paired_interval_contains_the_difference_and_flips_sign_with_the_pair(table):
    a, b, c, d = table
    if a + b + c + d == 0:
        return  # empty table: no difference to bound
    diff, lo, hi = t17.newcombe_paired_interval(a, b, c, d)
    assert -1 <= lo <= diff <= hi <= 1
    diff2, lo2, hi2 = t17.newcombe_paired_interval(a, c, b, d)
    assert diff2 == pytest.approx(-diff) and lo2 == pytest.approx(-hi) and hi2 == pytest.approx(-lo)


def _newcombe_by_hand(a, b, c, d):
    """Method 10 written out from Fagerland, Lydersen and Laake (2017), ch. 8, the paired 2x2 table:
    Wilson limits of each margin, the correlation psi with Newcombe's correction, square and add."""
    n = a + b + c + d
    p1, p2 = (a + b) / n, (a + c) / n
    w1 = binomtest(a + b, n).proportion_ci(0.95, method="wilson")
    w2 = binomtest(a + c, n).proportion_ci(0.95, method="wilson")
    if 0 in (a + b, c + d, a + c, b + d):
        psi = 0.0
    else:
        A, root = a * d - b * c, ((a + b) * (c + d) * (a + c) * (b + d)) ** 0.5
        psi = (A - n / 2) / root if A > n / 2 else 0.0 if A >= 0 else A / root
    lo = p1 - p2 - ((p1 - w1.low) ** 2 + (w2.high - p2) ** 2 - 2 * psi * (p1 - w1.low) * (w2.high - p2)) ** 0.5
    hi = p1 - p2 + ((p2 - w2.low) ** 2 + (w1.high - p1) ** 2 - 2 * psi * (p2 - w2.low) * (w1.high - p1)) ** 0.5
    return p1 - p2, max(-1.0, lo), min(1.0, hi)


@given(st.tuples(*(st.integers(0, 400),) * 4))
def test_the_newcombe_interval_is_method_10_with_its_corrected_correlation(table):
    if sum(table) == 0:
        return  # empty table: no difference to bound
    got, want = t17.newcombe_paired_interval(*table), _newcombe_by_hand(*table)
    assert got == pytest.approx(want, abs=1e-9)


def test_a_small_positive_correlation_counts_as_none_in_method_10():
    # the committed quick T17 table (seed 0, 150 instances): a d - b c = 2704 - 429 > n / 2, psi shrunk by
    # n / 2 (the uncorrected psi gave [0.046575, 0.216480]); then a table with 0 < a d - b c <= n / 2,
    # where method 10 takes psi = 0 (the plain square-and-add interval)
    assert t17.newcombe_paired_interval(52, 33, 13, 52)[1:] == pytest.approx((0.045580, 0.217434), abs=1e-6)
    a, b, c, d = 10, 9, 10, 10                                    # a d - b c = 10 <= n / 2 = 19.5
    assert t17.newcombe_paired_interval(a, b, c, d) == pytest.approx(_newcombe_by_hand(a, b, c, d), abs=1e-12)
    l1, u1 = t17.wilson_interval(a + b, 39)
    l2, u2 = t17.wilson_interval(a + c, 39)
    p1, p2 = 19 / 39, 20 / 39
    assert t17.newcombe_paired_interval(a, b, c, d)[1] == pytest.approx(p1 - p2 - ((p1 - l1) ** 2 + (u2 - p2) ** 2) ** 0.5)


def test_the_newcombe_interval_covers_the_true_paired_difference_about_95_percent_of_the_time():
    # independent check by simulation: multinomial paired tables with a known difference
    rng = np.random.default_rng(7)
    probs = np.array([0.45, 0.2, 0.1, 0.25])  # both, first only, second only, neither
    truth = probs[1] - probs[2]
    hits = 0
    trials = 2000
    for table in rng.multinomial(120, probs, size=trials):
        _, lo, hi = t17.newcombe_paired_interval(*table)
        hits += lo <= truth <= hi
    assert 0.93 <= hits / trials <= 0.97


def test_the_pass_rule_fails_when_fixed_wins_ties_or_the_interval_reaches_zero():
    ok, _ = t17.pass_rule({"both": 50, "annealed_only": 2, "fixed_only": 20, "neither": 28})
    assert not ok  # fixed delta wins
    ok, _ = t17.pass_rule({"both": 50, "annealed_only": 10, "fixed_only": 10, "neither": 30})
    assert not ok  # a tie
    ok, info = t17.pass_rule({"both": 5, "annealed_only": 3, "fixed_only": 1, "neither": 5})
    assert not ok and info["lower"] <= 0 < info["difference"]  # annealed ahead, but not surely
    ok, info = t17.pass_rule({"both": 52, "annealed_only": 33, "fixed_only": 13, "neither": 52})
    assert ok and info["lower"] > 0


def test_paired_counts_tabulate_the_two_outcomes():
    counts = t17.paired_counts(np.array([1, 1, 0, 0, 1], bool), np.array([1, 0, 1, 0, 0], bool))
    assert counts == {"both": 1, "annealed_only": 2, "fixed_only": 1, "neither": 1}


def test_the_t17_check_reports_rates_and_saves_its_raw_results(tmp_path, monkeypatch):
    monkeypatch.setitem(t17.PROFILES, "quick", {"d": 8, "kappa": 16, "n": 2, "instances": 6})
    res = t17.check_t17(CheckContext(seed=1, profile="quick", out_dir=tmp_path))
    assert res.claim == "T17" and res.method == "empirical"
    assert res.status in ("pass", "fail")  # 6 instances: the interval decides, not the test
    ev = res.evidence["results"]
    assert ev["instances"] == 6 and sum(ev["paired"].values()) == 6
    assert res.evidence["sanity"]["max_residual_WZ_minus_X"] <= 1e-6
    assert "rule" in res.evidence and "annealed" in res.summary
    saved = json.loads((tmp_path / "data" / "t17_smoothing.json").read_text())
    assert len(saved["records"]) == 6 and saved["summary"]["instances"] == 6
    json.dumps(res.to_json())  # the evidence is JSON-able

    from matplotlib.image import imread

    from infgrad.figures import t17_smoothing

    written = t17_smoothing.draw(tmp_path / "data", tmp_path / "figures")
    assert sorted(p.suffix for p in written) == [".pdf", ".png"]
    png = imread(next(p for p in written if p.suffix == ".png"))
    assert png.shape[0] > 300 and png.shape[1] > 400 and png.std() > 0  # drawn, not blank
    assert t17_smoothing.CLAIMS == ("T17",)


def test_the_t17_figure_says_which_file_is_missing(tmp_path):
    from infgrad.figures import t17_smoothing

    with pytest.raises(FileNotFoundError, match="t17_smoothing.json"):
        t17_smoothing.draw(tmp_path, tmp_path / "figures")


def test_a_solver_error_makes_t17_inconclusive_rather_than_a_loss_for_the_arm_it_hit(tmp_path, monkeypatch):
    # 40 instances: both schedules recover 20; on the other 20 annealing recovers and the fixed run's
    # convex solve raises. Counted as fixed-delta failures they made a pass (40/40 vs 20/40); the
    # rule's sanity (every MM step keeps W Z = X) is not shown for those steps: inconclusive
    ok = {"success": True, "iterations": 9, "residual": 1e-9, "max_rise": 0.0, "objective": -5.0}
    err = {"solver_error": "SolverError: stuck", "success": False}
    records = [{"instance": i, "r": 5, "annealed": dict(ok), "fixed": dict(ok if i < 20 else err),
                "objective_true": -5.0} for i in range(40)]
    monkeypatch.setattr(t17, "run_experiment", lambda *a, **k: {"records": records, "example": None, "budget": 270})
    res = t17.check_t17(CheckContext(seed=0, profile="quick", out_dir=None))
    assert res.evidence["sanity"]["solver_errors"] == 20
    assert res.status == "inconclusive" and not res.evidence["premise"]["met"]
    assert "20 convex solves failed" in res.evidence["premise"]["line"]
