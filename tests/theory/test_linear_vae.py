"""The linear Gaussian VAE (theory/linear_vae.py) against independent computations:
finite differences, Monte Carlo, scipy's Gaussian log-density, scikit-learn's PCA."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import approx_fprime
from scipy.stats import multivariate_normal
from sklearn.decomposition import PCA

from infgrad.proofs_check.claims.model import CheckContext
from infgrad.theory import linear_vae as lv


@st.composite
def shapes(draw, max_d: int = 8):
    d = draw(st.integers(2, max_d), label="d")
    kappa = draw(st.integers(1, d - 1), label="kappa")
    n = draw(st.integers(d + 2, 60), label="n")
    seed = draw(st.integers(0, 2**31 - 1), label="seed")
    return n, d, kappa, seed


@given(shapes())
def test_analytic_gradient_of_energy_3_matches_central_differences(shape):
    n, d, kappa, seed = shape
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    theta = rng.standard_normal(lv.n_params(d, kappa)) * 0.5
    _, grad = lv.energy_and_grad(theta, X, kappa)
    h = 1e-6
    fd = np.array([(lv.energy_and_grad(theta + h * e, X, kappa)[0] - lv.energy_and_grad(theta - h * e, X, kappa)[0])
                   / (2 * h) for e in np.eye(theta.size)])
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-5 * (1 + np.abs(fd).max()))


@given(shapes())
def test_profiled_gradient_is_the_derivative_of_the_encoder_minimised_energy(shape):
    n, d, kappa, seed = shape
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    phi = np.concatenate([rng.standard_normal(d * kappa), rng.standard_normal(d) * 0.1, [rng.uniform(-2, 1)]])
    _, grad = lv.profiled_energy_and_grad(phi, X, kappa)
    fd = approx_fprime(phi, lambda p: lv.profiled_energy_and_grad(p, X, kappa)[0], 1e-7)
    np.testing.assert_allclose(grad, fd, rtol=1e-4, atol=1e-4 * (1 + np.abs(fd).max()))


@given(st.integers(1, 5), st.integers(1, 5), st.integers(0, 2**31 - 1))
def test_closed_form_expected_reconstruction_error_equals_a_monte_carlo_average(d, kappa, seed):
    rng = np.random.default_rng(seed)
    W, b = rng.standard_normal((d, kappa)), rng.standard_normal(d)
    x, mu = rng.standard_normal((1, d)), rng.standard_normal((1, kappa))
    s2 = rng.uniform(0.05, 2.0, kappa)
    exact = lv.expected_sq_error(x, W, b, mu, s2)[0]
    z = mu + np.sqrt(s2) * rng.standard_normal((200_000, kappa))
    samples = np.sum((x - z @ W.T - b) ** 2, axis=1)
    se = samples.std() / np.sqrt(samples.size)
    assert abs(samples.mean() - exact) <= 6 * se + 1e-12


@given(shapes())
def test_energy_at_the_ppca_optimum_is_minus_twice_the_mean_log_likelihood_minus_d_log_2pi_plus_kappa(shape):
    """At orthogonal-column W the diagonal posterior is exact, so the bound is tight (T1 with (2))."""
    n, d, kappa, seed = shape
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * rng.uniform(0.5, 3, d)
    opt = lv.ppca_optimum(X, kappa)
    m = opt.model
    loglik = multivariate_normal(m.b, m.W @ m.W.T + m.gamma * np.eye(d)).logpdf(X)
    expected = -2 * np.mean(np.atleast_1d(loglik)) - d * np.log(2 * np.pi) + kappa
    assert opt.energy == pytest.approx(expected, rel=1e-10, abs=1e-10)


@given(shapes())
def test_closed_form_gamma_equals_sklearn_noise_variance_rescaled_to_1_over_n(shape):
    n, d, kappa, seed = shape
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * rng.uniform(0.5, 3, d)
    gamma = lv.ppca_optimum(X, kappa).model.gamma
    sk = PCA(n_components=kappa, svd_solver="full").fit(X).noise_variance_ * (n - 1) / n
    assert gamma == pytest.approx(sk, rel=1e-9)


@given(shapes())
def test_ppca_optimum_is_a_stationary_point_of_energy_3(shape):
    n, d, kappa, seed = shape
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * rng.uniform(0.5, 3, d)
    opt = lv.ppca_optimum(X, kappa)
    _, grad = lv.energy_and_grad(opt.model.flat(), X, kappa)
    assert np.max(np.abs(grad)) <= 1e-8 * (1 + np.max(np.abs(X)) ** 2) / opt.model.gamma


@settings(max_examples=5)
@given(st.integers(0, 2**31 - 1))
def test_lbfgs_from_a_random_start_reaches_sklearns_ppca_on_noisy_subspace_data(seed):
    rng = np.random.default_rng(seed)
    n, d, r, kappa = 200, 6, 2, 3
    X = lv.subspace_data(rng, n, d, r, noise=0.1)
    f = lv.fit(X, kappa, rng)
    sk = PCA(n_components=kappa, svd_solver="full").fit(X)
    gamma_sk = sk.noise_variance_ * (n - 1) / n
    assert f.model.gamma == pytest.approx(gamma_sk, rel=1e-5)
    # informative variances follow pPCA, s2_j = gamma / lambda_j (the (n-1)/n factors cancel)
    s2 = np.sort(f.model.s2)
    np.testing.assert_allclose(s2, np.sort(sk.noise_variance_ / sk.explained_variance_), rtol=1e-4)
    assert np.sum(s2 < 0.5) == r


@settings(max_examples=5)
@given(st.integers(0, 2**31 - 1), st.sampled_from([1e-2, 1e-4]))
def test_informative_variances_are_gamma_over_column_norm_and_unneeded_ones_are_one(seed, gamma):
    rng = np.random.default_rng(seed)
    n, d, r, kappa = 120, 6, 2, 4
    X = lv.subspace_data(rng, n, d, r)
    f = lv.fit(X, kappa, rng, log_gamma=float(np.log(gamma)))
    w2 = np.sum(f.model.W**2, axis=0)
    order = np.argsort(-w2)
    s2, w2 = f.model.s2[order], w2[order]
    lam = PCA(n_components=r).fit(X).explained_variance_ * (n - 1) / n
    np.testing.assert_allclose(s2[:r], gamma / lam, rtol=1e-4)
    np.testing.assert_allclose(s2[:r] * w2[:r] / gamma, 1.0, atol=10 * gamma / lam.min())
    np.testing.assert_allclose(s2[r:], 1.0, atol=1e-6)


def test_log_gamma_keeps_falling_on_exact_subspace_data_with_no_clamp():
    rng = np.random.default_rng(0)
    X = lv.subspace_data(rng, 100, 6, 2)
    f = lv.fit(X, 3, rng, maxiter=300)
    path = np.asarray(f.log_gamma_path)
    assert np.all(np.isfinite(path))
    assert path[-1] < path[19] - 3
    assert path[-1] < -10


def test_ppca_optimum_refuses_exact_subspace_data_with_kappa_at_least_the_rank():
    X = lv.subspace_data(np.random.default_rng(1), 50, 5, 2)
    with pytest.raises(ValueError, match="no minimiser"):
        lv.ppca_optimum(X, 3)


def test_ppca_optimum_states_the_allowed_kappa():
    with pytest.raises(ValueError, match=r"0 < kappa < d; got d=4, kappa=4"):
        lv.ppca_optimum(np.random.default_rng(0).standard_normal((10, 4)), 4)


def test_checks_t3_and_t4_report_status_rule_and_numbers():
    from infgrad.proofs_check.claims.linear import check_t3, check_t4

    ctx = CheckContext(seed=0)
    t3, t4 = check_t3(ctx), check_t4(ctx)
    for res in (t3, t4):
        assert res.method == "exact"
        assert "rule" in res.evidence and res.summary
        assert res.status == ("pass" if all(res.evidence["flags"].values()) else "fail")
    assert t3.evidence["noisy"][0]["rel_err_gamma_vs_sklearn_kappa"] < 1e-6
    assert t3.evidence["noisy"][0]["kept_dims"] == 5  # pPCA keeps all kappa columns on noisy data


def test_a_refreshed_fit_spends_its_budget_in_legs_and_an_unrefreshed_one_is_one_leg():
    X = lv.subspace_data(np.random.default_rng(3), 100, 6, 2)
    plain = lv.fit(X, 3, np.random.default_rng(4), maxiter=120)
    legs = lv.fit(X, 3, np.random.default_rng(4), maxiter=120, refresh=50)
    assert len(plain.legs) == 1 and plain.n_iter == plain.legs[0][0] == len(plain.log_gamma_path)
    assert sum(n for n, _ in legs.legs) == legs.n_iter == len(legs.log_gamma_path) <= 120
    assert len(legs.legs) >= 3 and all(n <= 50 for n, _ in legs.legs)
    assert np.array_equal(plain.log_gamma_path[:50], legs.log_gamma_path[:50])   # the first leg is the same run
