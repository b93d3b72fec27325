"""The Gaussian VAE and its energy, Eq. (3), against torch.distributions (claim T1's constant)."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.distributions import Normal, kl_divergence

from infgrad.models.vae import GaussianVAE


@st.composite
def instances(draw):
    d = draw(st.integers(1, 12), label="d")
    kappa = draw(st.integers(1, 6), label="kappa")
    arch = draw(st.sampled_from(["mlp", "linear"]), label="arch")
    log_gamma = draw(st.floats(-8.0, 3.0), label="log_gamma")
    beta = draw(st.floats(0.05, 20.0), label="beta")
    seed = draw(st.integers(0, 2**16), label="seed")
    return d, kappa, arch, log_gamma, beta, seed


@settings(deadline=None)
@given(instances())
def test_energy_is_twice_the_negative_elbo_minus_d_log_2pi_plus_beta_kappa_for_any_model(inst):
    d, kappa, arch, log_gamma, beta, seed = inst
    torch.manual_seed(seed)
    model = GaussianVAE(d, kappa, arch, hidden=(7, 5)).double()
    with torch.no_grad():
        model.log_gamma.fill_(log_gamma)
    x = torch.randn(6, d, dtype=torch.float64)
    eps = torch.randn(6, kappa, dtype=torch.float64)
    energy = model.energy(x, beta, eps)
    mu_z, logvar_z = model.encode(x)
    sigma = (0.5 * logvar_z).exp()
    z = mu_z + sigma * eps
    # independent route: Gaussian log-likelihood and KL from torch.distributions
    log_lik = Normal(model.decode(z), math.exp(0.5 * log_gamma)).log_prob(x).sum(1)
    kl = kl_divergence(Normal(mu_z, sigma), Normal(torch.zeros_like(mu_z), torch.ones_like(mu_z))).sum(1)
    neg_elbo_beta = -log_lik + beta * kl
    expected = 2 * neg_elbo_beta - d * math.log(2 * math.pi) + beta * kappa
    torch.testing.assert_close(energy, expected, rtol=1e-10, atol=1e-8)


def test_learned_gamma_starts_at_one_and_is_a_parameter_while_a_fixed_gamma_is_a_buffer():
    learned = GaussianVAE(5, 2)
    fixed = GaussianVAE(5, 2, gamma=1e-3)
    assert float(learned.gamma.detach()) == 1.0 and learned.log_gamma.requires_grad
    assert "log_gamma" in dict(learned.named_parameters())
    assert "log_gamma" not in dict(fixed.named_parameters())
    assert "log_gamma" in dict(fixed.named_buffers())
    assert math.isclose(float(fixed.gamma), 1e-3, rel_tol=1e-6)


@pytest.mark.parametrize("arch,d", [("mlp", 10), ("linear", 10), ("conv", 784)])
def test_every_architecture_maps_data_to_kappa_codes_and_back(arch, d):
    model = GaussianVAE(d, 3, arch, hidden=(16,))
    x = torch.rand(4, d)
    mu, logvar = model.encode(x)
    assert mu.shape == logvar.shape == (4, 3)
    assert model.decode(mu).shape == (4, d)
    assert model.energy(x).shape == (4,)


def test_the_conv_pair_refuses_data_that_are_not_28_by_28_images():
    with pytest.raises(ValueError, match="d = 784; got d=100"):
        GaussianVAE(100, 3, "conv")


def test_the_energy_gradient_in_log_gamma_vanishes_at_gamma_star_of_eq_6():
    # d/d log gamma of Eq. (3): -||x - mu_x||^2 / gamma + d = 0  <=>  gamma = ||x - mu_x||^2 / d
    torch.manual_seed(1)
    model = GaussianVAE(6, 2, "linear").double()
    x = torch.randn(50, 6, dtype=torch.float64)
    eps = torch.randn(50, 2, dtype=torch.float64)
    with torch.no_grad():
        sq = model.terms(x, 1.0, eps)["sq_err"].mean()
        model.log_gamma.fill_(float(torch.log(sq / 6)))
    model.energy(x, 1.0, eps).mean().backward()
    assert abs(float(model.log_gamma.grad)) < 1e-10
