"""T7 (Lemma 2) and T8 (Lemma 3): derived reductions against scipy minimisation and quadrature."""

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st
from numpy.polynomial.hermite_e import hermegauss
from scipy.optimize import minimize_scalar

from infgrad.theory import lemmas as lm
from infgrad.theory.beta_scaling import min_over_variances_numeric


@pytest.fixture(scope="module")
def t7():
    return lm.derive_t7()


@pytest.fixture(scope="module")
def t8():
    return lm.derive_t8()


def _argmin_log(fun, lo=-45.0, hi=45.0):
    res = minimize_scalar(fun, bounds=(lo, hi), method="bounded", options={"xatol": 1e-12, "maxiter": 1000})
    return res.x, res.fun


# --------------------------------------------------------------------------------------- T7
def test_lemma_2_reduction_holds_symbolically(t7):
    assert t7["holds"] is True
    assert t7["optimal_variance"]["str"] == "gamma/(gamma + omega)"


def test_a_wrong_optimal_variance_is_rejected():
    assert lm.derive_t7(claimed_variance=lm.gamma / lm.omega)["holds"] is False


@given(st.floats(1e-4, 1e4), st.floats(-14, 3))
def test_the_optimal_constant_encoder_variance_is_gamma_over_gamma_plus_the_column_norm(w2, log_g):
    g = math.exp(log_g)
    f = lambda lt: w2 * math.exp(lt) / g + math.exp(lt) - lt  # s-part of (3) for one column
    x, val = _argmin_log(f, log_g - 40, 5)
    closed = sp.lambdify((lm.gamma, lm.omega), lm.gamma / (lm.gamma + lm.omega))(g, w2)
    assert x == pytest.approx(math.log(closed), abs=1e-5)
    assert val == pytest.approx(1 + math.log1p(w2 / g), rel=1e-10, abs=1e-10)


@given(st.integers(0, 2**31 - 1), st.floats(-9, 1))
def test_the_minimum_over_s_of_the_linear_vae_energy_is_the_closed_form(seed, log_g):
    rng = np.random.default_rng(seed)
    d_, kap, n_ = 5, 3, 12
    X, W, b, M = rng.normal(size=(n_, d_)), rng.normal(size=(d_, kap)), rng.normal(size=d_), rng.normal(size=(n_, kap))
    R_ = float(np.mean(np.sum((X - M @ W.T - b) ** 2, axis=1)))
    num, _ = min_over_variances_numeric(X, W, b, M, log_g, 1.0)
    closed = lm.lemma2_closed_form(R_, np.sum(W**2, axis=0), np.mean(M**2, axis=0), d_, log_g)
    assert num == pytest.approx(closed, rel=1e-9, abs=1e-9)


@given(st.floats(1e-4, 1e3), st.floats(1e-4, 1e3))
def test_column_rescaling_turns_the_norm_penalty_into_a_log(w2, u_):
    x, val = _argmin_log(lambda lt: math.log(math.exp(lt) * w2) + u_ / math.exp(lt))
    assert math.exp(x) == pytest.approx(u_, rel=1e-5)
    assert val == pytest.approx(math.log(w2 * u_) + 1, abs=1e-9)


# --------------------------------------------------------------------------------------- T8
def test_lemma_3_reduction_holds_symbolically(t8):
    assert t8["holds"] is True
    assert t8["gamma_star"]["str"] == "R_sigma/d"


def test_a_weight_of_one_on_h_is_rejected():
    assert lm.derive_t8(claimed_h_weight=1)["holds"] is False


@given(st.floats(-2, 2), st.floats(-2, 2), st.floats(0.2, 3.0), st.floats(1e-3, 3e-2))
def test_the_expected_error_of_a_smooth_decoder_is_the_derived_second_order_form(x, m, a, sigma):
    # f(z) = sin(a z); Gauss-Hermite (40 nodes) is exact to far beyond sigma^4 here
    nodes, w = hermegauss(40)
    w = w / w.sum()
    expected = float(np.sum(w * (x - np.sin(a * (m + sigma * nodes))) ** 2))
    f, f1, f2 = math.sin(a * m), a * math.cos(a * m), -a * a * math.sin(a * m)
    second_order = (x - f) ** 2 + sigma**2 * (f1**2 - (x - f) * f2)  # the derivation's Taylor form
    # the remainder is O(sigma^4): bound it by 10 * (1 + a)^4 * (1 + |x|) * sigma^4
    assert abs(expected - second_order) <= 10 * (1 + a) ** 4 * (1 + abs(x)) * sigma**4


@given(st.floats(1e-4, 1e2), st.floats(1e-8, 1e-1))
def test_rescaling_a_latent_dimension_gives_h_equal_log_u_plus_sigma_squared(u_, s2):
    _, val = _argmin_log(lambda lt: (s2 + u_) / math.exp(lt) + lt - math.log(s2))
    assert val == pytest.approx(1 + math.log(u_ + s2) - math.log(s2), rel=1e-10, abs=1e-9)


@given(st.floats(1e-6, 1e2), st.integers(1, 30), st.floats(1e-6, 1e-2))
def test_gamma_optimised_at_vanishing_sigma_leaves_d_log_of_the_error(R_, d_, s2):
    kap, U = 3, 1.7
    energy = lambda lg: R_ * math.exp(-lg) + d_ * lg + kap * (s2 - math.log(s2)) + U
    _, val = _argmin_log(energy, -60, 30)
    reduced = d_ * math.log(R_ / d_) + d_ + kap * s2 - kap * math.log(s2) + U
    assert val == pytest.approx(reduced, rel=1e-10, abs=1e-8)
