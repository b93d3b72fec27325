"""T1: energy (3) = 2 x bound (2) - d log(2 pi) + kappa, symbolic and against torch.distributions."""

import math

import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.distributions import Normal, kl_divergence

from infgrad.theory.energy import d, derive_t1, kappa, kl_per_coordinate, linear_sq_err


@pytest.fixture(scope="module")
def t1():
    return derive_t1()


def test_the_derived_constant_is_the_papers_for_symbolic_d_and_kappa(t1):
    assert t1["holds"] is True
    assert t1["derived_equals_paper_constant"] is True
    derived = sp.sympify(t1["derived_constant"]["str"], locals={"d": d, "kappa": kappa})
    assert sp.expand(derived - (-d * sp.log(2 * sp.pi) + kappa), force=True) == 0


def test_a_wrong_claimed_constant_makes_the_derivation_fail():
    bad = derive_t1(claimed_constant=-d * sp.log(2 * sp.pi))
    assert bad["holds"] is False
    assert bad["derived_minus_paper_residual"] == "kappa"


def test_evidence_carries_latex_for_every_expression(t1):
    assert "\\log" in t1["derived_constant"]["latex"]
    assert t1["whole_sample_identity"]["lhs"]["latex"]


@st.composite
def vae_instance(draw):
    d_ = draw(st.integers(1, 7), label="d")
    kap = draw(st.integers(1, 5), label="kappa")
    seed = draw(st.integers(0, 2**31 - 1), label="seed")
    log_gamma = draw(st.floats(-8, 3), label="log_gamma")
    return d_, kap, seed, log_gamma


@pytest.fixture(scope="module")
def derived_constant(t1):
    expr = sp.sympify(t1["derived_constant"]["str"], locals={"d": d, "kappa": kappa})
    return sp.lambdify((d, kappa), expr)


@given(inst=vae_instance())
def test_energy_equals_twice_the_torch_bound_plus_the_derived_constant(derived_constant, inst):
    d_, kap, seed, log_gamma = inst
    const = derived_constant
    rng = np.random.default_rng(seed)
    x = torch.tensor(rng.normal(size=d_), dtype=torch.float64)
    mu = torch.tensor(rng.normal(size=kap), dtype=torch.float64)
    sig = torch.tensor(np.exp(rng.uniform(-4, 1, size=kap)), dtype=torch.float64)
    A = torch.tensor(rng.normal(size=(d_, kap)), dtype=torch.float64)
    gamma = math.exp(log_gamma)
    z = mu + sig * torch.tensor(rng.normal(size=(32, kap)), dtype=torch.float64)
    mx = torch.sin(z @ A.T) * 2  # a decoder mean that depends nonlinearly on z
    bound = (-Normal(mx, math.sqrt(gamma)).log_prob(x).sum(-1).mean()
             + kl_divergence(Normal(mu, sig), Normal(0.0 * mu, 0.0 * sig + 1)).sum()).item()
    energy = (((x - mx) ** 2).sum(-1).mean() / gamma + d_ * log_gamma + (sig**2).sum()
              - torch.log(sig**2).sum() + (mu**2).sum()).item()
    assert energy == pytest.approx(2 * bound + const(d_, kap), rel=1e-10, abs=1e-10)


@given(st.floats(-5, 5), st.floats(-5, 2))
def test_the_integrated_kl_matches_torch_kl_divergence(m, log_s):
    kl, ms, ss = kl_per_coordinate()
    f = sp.lambdify((ms, ss), kl)
    s = math.exp(log_s)
    ref = kl_divergence(Normal(torch.tensor(m, dtype=torch.float64), torch.tensor(s, dtype=torch.float64)),
                        Normal(torch.tensor(0.0, dtype=torch.float64), torch.tensor(1.0, dtype=torch.float64)))
    assert f(m, s) == pytest.approx(ref.item(), rel=1e-12, abs=1e-12)


@given(st.integers(0, 2**31 - 1))
def test_the_closed_form_linear_reconstruction_error_matches_a_large_torch_sample(seed):
    rng = np.random.default_rng(seed)
    n_, d_, kap = 3, 4, 2
    X, W, b = rng.normal(size=(n_, d_)), rng.normal(size=(d_, kap)), rng.normal(size=d_)
    mu, var = rng.normal(size=(n_, kap)), np.exp(rng.uniform(-2, 1, size=(n_, kap)))
    closed = linear_sq_err(X, W, b, mu, var)
    gen = torch.Generator().manual_seed(seed % 2**31)
    eps = torch.randn(20_000, n_, kap, generator=gen, dtype=torch.float64).numpy()
    z = mu + np.sqrt(var) * eps
    mc = np.mean(np.sum((X - z @ W.T - b) ** 2, axis=2), axis=0)
    # Monte Carlo standard error is ~ sqrt(Var/N); 6 standard errors is a loose but honest bound
    se = np.std(np.sum((X - z @ W.T - b) ** 2, axis=2), axis=0) / math.sqrt(eps.shape[0])
    assert np.all(np.abs(mc - closed) <= 6 * se)
